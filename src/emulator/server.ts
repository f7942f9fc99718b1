import type { IncomingMessage, ServerResponse } from 'node:http';
import { authenticate as checkSecret, hostAllowed } from './access';
import { ConnectionDropped, HttpError, internalError, misdirected, notFound, saveFailed, statusFault, type AzureErrorBody } from './errors';
import type { FaultController, Operation } from './faults';
import type { ResolvedOptions } from './options';
import { armControl, armRoute, authorizeArm, isEntraTokenPath, issueFromEntra, serveArm, type ArmDeps } from './routes/arm';
import { batchRoutes } from './routes/batches';
import { controlRoute } from './routes/control';
import { fileRoutes } from './routes/files';
import { apiContext, route, type Route } from './routes/management';
import type { Context, Handler, Handlers, Reply } from './routes/types';
import type { BatchRunner } from './runner';
import type { RequestStats } from './stats';
import { StateSaveError, type Store } from './store';
import { timedOut } from './timeouts';
import type { ApiContext } from './views';
import { bufferBody, countingBody, drain, drainRefused, replay, send, sleep } from './wire';

export { hostAllowed } from './access';
export { apiContext, route } from './routes/management';
export { emptyStats, type RequestStats } from './stats';

export interface ServerDeps {
  readonly store: Store;
  readonly runner: BatchRunner;
  readonly faults: FaultController;
  readonly stats: RequestStats;
  readonly options: ResolvedOptions;
  /** `http://127.0.0.1:PORT`, once listening. */
  readonly origin: () => string;
  /** The address the server listens on (besides the loopback names, the only host a request may name). */
  readonly listenHost: string;
  /** The ARM subset and the token issuer. */
  readonly arm: ArmDeps;
}

/**
 * What is read of the body of a refused request (no valid key, another host, no such route) and for how
 * long: it is answered first, then at most this much is read before the connection is closed, so a client
 * without the key cannot make the emulator read 200 MB or hold a connection by sending a byte now and then.
 */
const refusedDrain = { bytes: 1024 * 1024, ms: 5_000 };

/** The HTTP request handler of the emulator: checks the host and the key, routes, applies faults, answers, logs. */
export function createHandler(deps: ServerDeps): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const { faults, stats, options } = deps;
  const issuedForDataPlane = (token: string): boolean => {
    const found = deps.arm.tokens.check(token);
    return found.state === 'valid' && found.audience === 'dataPlane';
  };
  const authenticate = (req: IncomingMessage): void => checkSecret(req, options, issuedForDataPlane);
  const handlers: Handlers<Operation> = { ...fileRoutes(deps), ...batchRoutes(deps) };
  const admin = controlRoute(deps, authenticate, (req, path) => armControl(deps.arm, req, path));
  const drainLimit = options.maxFileBytes + 1024 * 1024;

  /**
   * Runs a data-plane operation under its fault decision. Returns the reply still to send, or undefined when
   * the request was answered (or dropped) here.
   */
  const serveApi = async (
    req: IncomingMessage,
    res: ServerResponse,
    found: Route,
    url: URL,
    api: ApiContext,
    operation: Operation,
    note: (text: string) => void,
  ): Promise<Reply | undefined> => {
    const method = (req.method ?? 'GET').toUpperCase();
    const decision = faults.decide(operation, method);
    if (decision.delayMs > 0) {
      note(` delay=${decision.delayMs}ms`);
      await sleep(decision.delayMs);
    }
    // Faults that execute a request after its client may be gone, or more than once, read its body first.
    const replayed = decision.executeLateMs !== undefined || decision.executeAfterMs !== undefined || decision.newerJobs !== undefined;
    const buffered = replayed ? await bufferBody(countingBody(req, decision.dropUploadAfter)) : undefined;
    const ctx: Context = {
      req,
      url,
      api,
      base: found.base!,
      id: found.id,
      body: () => (buffered ? replay(buffered) : countingBody(req, decision.dropUploadAfter)),
    };
    const execute = async (): Promise<Reply> => {
      const result = await handlers[operation](ctx);
      if (operation === 'create' && decision.newerJobs !== undefined && buffered) {
        note(` newerJobs=${decision.newerJobs}`);
        await createNewerJobs(handlers.create, ctx, buffered, decision.newerJobs);
      }
      return result;
    };
    if (decision.status !== undefined) {
      note(` fault=${decision.status.status}`);
      const fault = statusFault(decision.status.status, decision.status.retryAfterSeconds);
      if (decision.executeAfterMs === undefined) {
        throw fault;
      }
      await send(res, { status: fault.status, headers: fault.headers, json: fault.body });
      await sleep(decision.executeAfterMs);
      note(` executed+${decision.executeAfterMs}ms`);
      await execute().catch((error: unknown) => options.log?.(`late execution failed: ${error instanceof Error ? error.message : String(error)}`));
      return undefined;
    }
    if (decision.executeLateMs !== undefined) {
      await sleep(decision.executeLateMs);
      note(` executeLate=${decision.executeLateMs}ms`);
    }
    const reply = await execute();
    if (req.socket.destroyed) {
      // The client gave up while the request was executed late.
      note(' (client gone)');
      return undefined;
    }
    if (decision.dropResponse) {
      note(' fault=dropResponse');
      await drain(req, drainLimit);
      req.socket.destroy();
      return undefined;
    }
    if (decision.dropDownloadAfter !== undefined) {
      note(` fault=dropDownload@${decision.dropDownloadAfter}`);
      await drain(req, drainLimit);
      await send(res, reply, decision.dropDownloadAfter);
      return undefined;
    }
    return reply;
  };

  /** The error answer of a failed request; a refused one is answered before its body is read. */
  const answerError = async (req: IncomingMessage, res: ServerResponse, error: unknown, trusted: boolean, note: (text: string) => void): Promise<void> => {
    if (error instanceof ConnectionDropped) {
      note(' fault=dropped');
      return;
    }
    if (timedOut.has(req)) {
      note(' (body idle timeout: 408)');
      return;
    }
    if (req.socket.destroyed) {
      note(' (connection closed)');
      return;
    }
    let httpError: HttpError;
    if (error instanceof HttpError) {
      httpError = error;
    } else if (error instanceof StateSaveError) {
      options.log?.(`error: ${error.message}`);
      httpError = saveFailed(error.code);
    } else {
      options.log?.(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      httpError = internalError();
    }
    const reply: Reply = { status: httpError.status, headers: httpError.headers, json: httpError.body satisfies AzureErrorBody };
    if (!trusted && !req.complete) {
      note(' (refused before its body)');
      // Reading starts before the answer, or Node would read (and discard) the whole body once it is sent.
      const drained = drainRefused(req, refusedDrain.bytes, refusedDrain.ms);
      await send(res, reply).catch(() => undefined);
      await drained;
      return;
    }
    await drain(req, drainLimit);
    await send(res, reply).catch(() => undefined);
  };

  return async (req, res) => {
    const started = Date.now();
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const found = route(method, url.pathname);
    let outcome = '';
    const note = (text: string): void => void (outcome += text);
    // Set once the request carries the key: until then its body is not worth reading.
    let trusted = false;
    try {
      let reply: Reply | undefined;
      if (!hostAllowed(req.headers.host, deps.listenHost)) {
        note(' (host refused)');
        throw misdirected();
      }
      const arm = found.kind === 'none' ? armRoute(method, url.pathname) : undefined;
      if (found.kind === 'admin') {
        reply = await admin(req, found.adminPath ?? []);
      } else if (arm !== undefined) {
        stats.other++;
        const tenant = authorizeArm(req, deps.arm.tokens);
        trusted = true;
        reply = serveArm(deps.arm, url, arm, tenant);
      } else if (found.kind === 'none' && method === 'POST' && isEntraTokenPath(url.pathname)) {
        stats.other++;
        reply = await issueFromEntra(deps.arm, req, url.pathname);
      } else {
        stats[found.operation ?? 'other']++;
        if (found.kind === 'none') {
          throw notFound();
        }
        authenticate(req);
        trusted = true;
        const api = apiContext(found.surface!, url.searchParams.get('api-version'));
        if (found.operation === undefined) {
          throw notFound();
        }
        reply = await serveApi(req, res, found, url, api, found.operation, note);
        if (reply === undefined) {
          return;
        }
      }
      await drain(req, drainLimit);
      await send(res, reply);
    } catch (error) {
      await answerError(req, res, error, trusted, note);
    } finally {
      const version = url.searchParams.get('api-version');
      options.log?.(`${method} ${url.pathname}${version === null ? '' : `?api-version=${version}`} ${res.headersSent ? res.statusCode : '-'} ${Date.now() - started}ms${outcome}`);
    }
  };
}

/** The `newerJobs` fault: creates `count` jobs from a create's body without its metadata, after the original. */
async function createNewerJobs(create: Handler, ctx: Context, body: readonly Buffer[], count: number): Promise<void> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(body).toString('utf8'));
  } catch {
    return;
  }
  if (typeof parsed !== 'object' || parsed === null) {
    return;
  }
  const copy = Buffer.from(JSON.stringify({ ...(parsed as Record<string, unknown>), metadata: { newer_job: 'true' } }));
  for (let i = 0; i < count; i++) {
    await create({ ...ctx, body: () => replay([copy]) });
  }
}

