import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rename, stat, unlink } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { finished } from 'node:stream/promises';
import { batchEndpoints } from '../core/jsonl/endpoints';
import { azureError, badRequest, ConnectionDropped, HttpError, notFound, unauthorized, type AzureErrorBody } from './errors';
import { operations, type FaultController, type FaultRule, type Operation } from './faults';
import { multipartBoundary, MultipartError, parseMultipart } from './multipart';
import type { ResolvedOptions } from './options';
import { ids } from './random';
import { firstModel } from './scan';
import { tokenLimitError, type BatchRunner } from './runner';
import { StateSaveError, type BatchRecord, type FileRecord, type Store } from './store';
import { timedOut } from './timeouts';
import { batchView, fileView, type ApiContext } from './views';

/** Requests seen per operation (`other`: unknown paths, deployment-scoped paths). Admin calls are not counted. */
export type RequestStats = Record<Operation | 'other', number>;

export function emptyStats(): RequestStats {
  const stats = { other: 0 } as RequestStats;
  operations.forEach((op) => (stats[op] = 0));
  return stats;
}

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
}

interface Reply {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly json?: unknown;
  readonly file?: string;
}

interface Context {
  readonly req: IncomingMessage;
  readonly url: URL;
  readonly api: ApiContext;
  /** `/openai` or `/openai/v1`. */
  readonly base: string;
  readonly id: string | undefined;
  /** The request body, counted (a `dropUpload` fault destroys the connection inside it). */
  readonly body: () => AsyncIterable<Buffer>;
}

interface Route {
  readonly kind: 'api' | 'admin' | 'none';
  readonly surface?: 'classic' | 'v1';
  readonly base?: string;
  readonly operation?: Operation;
  readonly id?: string;
  readonly adminPath?: string[];
}

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** Maps method + path to an operation. Unknown shapes (including `/openai/deployments/{d}/...`) have none. */
export function route(method: string, pathname: string): Route {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  if (path === '/_emulator' || path.startsWith('/_emulator/')) {
    return { kind: 'admin', adminPath: path.split('/').slice(2) };
  }
  let surface: 'classic' | 'v1';
  let base: string;
  if (path === '/openai/v1' || path.startsWith('/openai/v1/')) {
    surface = 'v1';
    base = '/openai/v1';
  } else if (path === '/openai' || path.startsWith('/openai/')) {
    surface = 'classic';
    base = '/openai';
  } else {
    return { kind: 'none' };
  }
  const parts = path.slice(base.length).split('/').slice(1).map(decode);
  if (parts.some((p) => p === undefined || p === '')) {
    return { kind: 'api', surface, base };
  }
  const [collection, id, action] = parts as string[];
  const m = method.toUpperCase();
  let operation: Operation | undefined;
  if (collection === 'files') {
    if (parts.length === 1) {
      operation = m === 'GET' ? 'listFiles' : m === 'POST' ? 'upload' : undefined;
    } else if (parts.length === 2) {
      operation = m === 'GET' ? 'getFile' : m === 'DELETE' ? 'deleteFile' : undefined;
    } else if (parts.length === 3 && action === 'content') {
      operation = m === 'GET' ? 'content' : undefined;
    }
  } else if (collection === 'batches') {
    if (parts.length === 1) {
      operation = m === 'GET' ? 'listBatches' : m === 'POST' ? 'create' : undefined;
    } else if (parts.length === 2) {
      operation = m === 'GET' ? 'getBatch' : undefined;
    } else if (parts.length === 3 && action === 'cancel') {
      operation = m === 'POST' ? 'cancel' : undefined;
    }
  }
  return { kind: 'api', surface, base, operation, id };
}

const supportedV1Versions: ReadonlySet<string> = new Set(['v1', 'preview', 'latest']);

/**
 * The API version rules. Classic paths need `api-version`: batch exists from `2024-07-01-preview` on. Azure
 * answers a missing or unknown api-version on these paths with 404 "Resource not found" (the reference records
 * 404 for a wrong version; a missing one gets the same answer, Azure's long-standing behaviour, e.g.
 * MicrosoftDocs/azure-docs#114602), so the emulator does both. v1 paths need none; they accept `v1`, `preview`
 * and `latest`, and answer a dated version with 400 "API version not supported".
 */
export function apiContext(surface: 'classic' | 'v1', version: string | null): ApiContext {
  if (surface === 'v1') {
    if (version === null || supportedV1Versions.has(version)) {
      return { surface, version: version ?? undefined, modern: true };
    }
    throw new HttpError(400, azureError('BadRequest', 'API version not supported'));
  }
  const match = version === null ? null : /^(\d{4})-(\d{2})-(\d{2})(-preview)?$/.exec(version);
  if (match === null) {
    throw notFound();
  }
  const date = `${match[1]}-${match[2]}-${match[3]}`;
  if (date < '2024-07-01' || Number(match[2]) > 12 || Number(match[3]) > 31) {
    throw notFound();
  }
  return { surface, version: version!, modern: date >= '2025-04-01' };
}

const uploadPurposes: ReadonlySet<string> = new Set(['batch', 'fine-tune', 'assistants', 'vision', 'user_data', 'evals']);
const expiresAfterRange = { min: 1_209_600, max: 2_592_000 };
const largeFileLimit = 10_000;

const unixNow = (): number => Math.floor(Date.now() / 1000);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isLoopback(address: string | undefined): boolean {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}

/**
 * Reads and discards what is left of a request body, so an early answer does not reset the connection; past
 * `limit` bytes the connection is closed instead (a body that never ends is not read forever).
 */
async function drain(req: IncomingMessage, limit: number): Promise<void> {
  if (req.readableEnded || req.destroyed) {
    return;
  }
  let received = 0;
  try {
    for await (const chunk of req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
      received += chunk.length;
      if (received > limit) {
        req.socket.destroy();
        return;
      }
    }
  } catch {
    // the client went away
  }
}

/**
 * After a refused request was answered: reads up to `limit` more bytes of its body, so a small one ends
 * cleanly; past that it stops reading (the client's sending stalls) and the connection is closed after
 * `ms` at the latest, which leaves the client time to read the answer before the close resets it.
 */
function drainRefused(req: IncomingMessage, limit: number, ms: number): Promise<void> {
  return new Promise((resolve) => {
    if (req.readableEnded || req.destroyed || req.socket.destroyed) {
      resolve();
      return;
    }
    let received = 0;
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > limit) {
        req.off('data', onData);
        req.pause();
      }
    };
    const finish = () => {
      clearTimeout(deadline);
      // A kept-alive socket serves more requests: nothing of this one stays attached to it.
      req.off('data', onData);
      req.off('end', finish);
      req.off('close', finish);
      req.socket.off('close', finish);
      resolve();
    };
    const deadline = setTimeout(() => {
      req.socket.destroy();
      finish();
    }, ms);
    req.on('data', onData);
    req.once('end', finish);
    req.once('close', finish);
    req.socket.once('close', finish);
    req.resume();
  });
}

/**
 * What is read of the body of a refused request (no valid key, another host, no such route) and for how
 * long: it is answered first, then at most this much is read before the connection is closed, so a client
 * without the key cannot make the emulator read 200 MB or hold a connection by sending a byte now and then.
 */
const refusedDrain = { bytes: 1024 * 1024, ms: 5_000 };

const loopbackNames: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * True when a `Host` header names this machine: `localhost`, `127.0.0.1`, `[::1]` or the address the emulator
 * listens on, with any port. Anything else is refused, so a web page whose name was rebound to 127.0.0.1 (DNS
 * rebinding) cannot talk to the emulator from the browser. No header (HTTP/1.0) is allowed: browsers always send one.
 */
export function hostAllowed(host: string | undefined, listenHost: string): boolean {
  if (host === undefined) {
    return true;
  }
  const match = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/i.exec(host.trim());
  if (match === null) {
    return false;
  }
  const name = match[1]!.toLowerCase();
  const listening = listenHost.includes(':') ? `[${listenHost.toLowerCase()}]` : listenHost.toLowerCase();
  return loopbackNames.has(name) || name === listening;
}

/** Compares a presented secret with the expected one in constant time (hashes of equal length). */
function sameSecret(presented: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

const misdirected = (): HttpError =>
  new HttpError(421, azureError('MisdirectedRequest', 'The Host header does not name this emulator: use 127.0.0.1, localhost or [::1].'));

/** A state save that failed (disk full, unwritable data dir): a 500, and the emulator keeps serving. */
const saveFailed = (error: StateSaveError): HttpError =>
  new HttpError(500, {
    error: { code: 'server_error', message: `The emulator could not save its state (${error.code}); the change was not acknowledged. Retry later.`, type: 'server_error' },
  });

function countingBody(req: IncomingMessage, dropAfter: number | undefined): AsyncIterable<Buffer> {
  return {
    async *[Symbol.asyncIterator]() {
      let received = 0;
      if (dropAfter === 0) {
        req.socket.destroy();
        throw new ConnectionDropped();
      }
      for await (const chunk of req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
        received += chunk.length;
        if (dropAfter !== undefined && received >= dropAfter) {
          req.socket.destroy();
          throw new ConnectionDropped();
        }
        yield chunk;
      }
    },
  };
}

async function readJson(source: AsyncIterable<Buffer>, limit = 1024 * 1024): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of source) {
    size += chunk.length;
    if (size > limit) {
      throw badRequest('The request body is too large.');
    }
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest('The request body is not valid JSON.');
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function statusFault(status: number, retryAfterSeconds: number): HttpError {
  switch (status) {
    case 429:
      return new HttpError(
        429,
        azureError('429', `Requests to the Batch Operation under Azure OpenAI API have exceeded call rate limit of your current tier. Please retry after ${retryAfterSeconds} seconds.`),
        { 'retry-after': String(Math.ceil(retryAfterSeconds)), 'retry-after-ms': String(Math.round(retryAfterSeconds * 1000)) },
      );
    case 500:
      return new HttpError(500, azureError('InternalServerError', 'The server had an error while processing your request. Sorry about that!'));
    case 503:
      return new HttpError(503, azureError('ServiceUnavailable', 'The service is temporarily unable to process your request. Please try again later.'));
    default:
      return new HttpError(status, azureError(String(status), `Emulated failure with status ${status}.`));
  }
}

/** The HTTP request handler of the emulator. */
export function createHandler(deps: ServerDeps): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const { store, runner, faults, stats, options } = deps;

  /**
   * The `api-key` header must carry the key. A bearer token is accepted when it is the configured token, or
   * the key itself (the OpenAI client on the v1 paths sends the key that way, which Azure accepts); without a
   * configured token no other bearer token is.
   */
  const authenticate = (req: IncomingMessage): void => {
    const key = req.headers['api-key'];
    if (typeof key === 'string') {
      if (!sameSecret(key, options.apiKey)) {
        throw unauthorized();
      }
      return;
    }
    const authorization = req.headers.authorization;
    const bearer = typeof authorization === 'string' ? /^Bearer\s+(\S.*)$/i.exec(authorization.trim())?.[1] : undefined;
    if (bearer === undefined) {
      throw unauthorized();
    }
    const isToken = options.token !== undefined && sameSecret(bearer, options.token);
    if (!isToken && !sameSecret(bearer, options.apiKey)) {
      throw unauthorized();
    }
  };

  /** Waits until the change is on disk (data dir); on failure undoes it in memory and answers 500. */
  const commit = async (undo: () => void | Promise<void>): Promise<void> => {
    try {
      await store.commit();
    } catch (error) {
      await undo();
      throw error;
    }
  };

  const fileOr404 = (id: string | undefined): FileRecord => {
    const file = id === undefined ? undefined : store.files.get(id);
    if (file === undefined) {
      throw notFound();
    }
    return file;
  };

  const batchOr404 = (id: string | undefined): BatchRecord => {
    const batch = id === undefined ? undefined : store.batches.get(id);
    if (batch === undefined) {
      throw notFound();
    }
    return batch;
  };

  const sortedFiles = (order: 'asc' | 'desc'): FileRecord[] => {
    const list = [...store.files.values()].sort((a, b) => a.created_at - b.created_at || a.seq - b.seq);
    return order === 'asc' ? list : list.reverse();
  };

  const handlers: Readonly<Record<Operation, (ctx: Context) => Promise<Reply>>> = {
    async upload(ctx) {
      const boundary = multipartBoundary(ctx.req.headers['content-type']);
      if (boundary === undefined) {
        throw badRequest('The request must be multipart/form-data with a boundary.');
      }
      const incoming = store.incomingPath(randomBytes(8).toString('hex'));
      try {
        let form;
        try {
          form = await parseMultipart(ctx.body(), boundary, {
            filePath: incoming,
            maxFileBytes: options.maxFileBytes,
            maxFieldBytes: options.maxFieldBytes,
            maxParts: options.maxFormParts,
          });
        } catch (error) {
          if (error instanceof MultipartError) {
            throw badRequest(`Invalid multipart body: ${error.message}.`);
          }
          throw error;
        }
        const purpose = form.fields.get('purpose');
        if (purpose === undefined) {
          throw badRequest("Missing required parameter: 'purpose'.", 'purpose');
        }
        if (!uploadPurposes.has(purpose)) {
          throw badRequest('Invalid value for purpose.', 'purpose'); // Azure's words for an unknown purpose
        }
        const file = form.file;
        if (file === undefined || file.field !== 'file') {
          throw badRequest("Missing required parameter: 'file'.", 'file');
        }
        if (file.tooLarge) {
          throw badRequest(`The file is too large: the maximum size is ${options.maxFileBytes} bytes (200 MB).`, 'file');
        }
        if (purpose === 'fine-tune' && !file.filename.toLowerCase().endsWith('.jsonl')) {
          throw badRequest('fileName contains an invalid filename: wrong suffix.', 'file');
        }
        const anchor = form.fields.get('expires_after[anchor]') ?? form.fields.get('expires_after.anchor');
        const secondsText = form.fields.get('expires_after[seconds]') ?? form.fields.get('expires_after.seconds');
        let expiresAfter: number | undefined;
        if (anchor !== undefined || secondsText !== undefined) {
          const seconds = Number(secondsText);
          if (anchor !== 'created_at') {
            throw badRequest("expires_after.anchor must be 'created_at'.", 'expires_after.anchor');
          }
          if (!Number.isInteger(seconds) || seconds < expiresAfterRange.min || seconds > expiresAfterRange.max) {
            throw badRequest(`expires_after.seconds must be between ${expiresAfterRange.min} and ${expiresAfterRange.max} (14 to 30 days).`, 'expires_after.seconds');
          }
          expiresAfter = seconds;
        }
        const all = [...store.files.values()];
        const withoutExpiry = all.filter((f) => !f.expiresAfterSet).length;
        if ((expiresAfter === undefined && withoutExpiry >= options.maxFiles) || all.length >= Math.max(options.maxFiles, largeFileLimit)) {
          throw badRequest(
            `The maximum number of files (${options.maxFiles}, or ${largeFileLimit} for files uploaded with expires_after) has been reached. Delete files you no longer need.`,
            undefined,
            'quotaExceeded',
          );
        }
        const id = ids.uploadedFile();
        await store.syncFile(incoming);
        await rename(incoming, store.blobPath(id));
        const now = unixNow();
        const record: FileRecord = {
          id,
          bytes: file.bytes,
          created_at: now,
          filename: file.filename,
          purpose,
          status: 'processed',
          status_details: null,
          expires_at: expiresAfter === undefined ? null : now + expiresAfter,
          seq: store.nextSeq(),
          expiresAfterSet: expiresAfter !== undefined,
        };
        store.files.set(id, record);
        await commit(async () => {
          store.files.delete(id);
          await store.removeBlob(id);
        });
        return { status: 201, headers: { location: `${deps.origin()}${ctx.base}/files/${id}` }, json: fileView(record, ctx.api, true) };
      } finally {
        await unlink(incoming).catch(() => undefined);
      }
    },

    async listFiles(ctx) {
      const params = ctx.url.searchParams;
      const purpose = params.get('purpose');
      const order = params.get('order') === 'asc' ? 'asc' : 'desc';
      let list = sortedFiles(order).filter((f) => purpose === null || f.purpose === purpose);
      if (ctx.api.surface !== 'v1') {
        // Classic lists have no paging fields (2024-10-21 answers {data, object}); the SDK stops paging there.
        return { status: 200, json: { object: 'list', data: list.map((f) => fileView(f, ctx.api)) } };
      }
      const after = params.get('after');
      if (after !== null) {
        const at = list.findIndex((f) => f.id === after);
        list = at < 0 ? [] : list.slice(at + 1);
      }
      const limit = pageLimit(params.get('limit'), 10_000, 10_000);
      const page = list.slice(0, limit);
      return {
        status: 200,
        json: {
          object: 'list',
          data: page.map((f) => fileView(f, ctx.api)),
          first_id: page[0]?.id ?? null,
          last_id: page[page.length - 1]?.id ?? null,
          has_more: list.length > page.length,
        },
      };
    },

    async getFile(ctx) {
      return { status: 200, json: fileView(fileOr404(ctx.id), ctx.api) };
    },

    async deleteFile(ctx) {
      const file = fileOr404(ctx.id);
      store.files.delete(file.id);
      await commit(() => void store.files.set(file.id, file));
      runner.forgetFile(file.id);
      if (!runner.inUse(file.id)) {
        await store.removeBlob(file.id);
      }
      return { status: 200, json: { object: 'file', deleted: true, id: file.id } };
    },

    async content(ctx) {
      const file = fileOr404(ctx.id);
      return { status: 200, file: store.blobPath(file.id) };
    },

    async create(ctx) {
      const body = await readJson(ctx.body());
      if (!isObject(body)) {
        throw badRequest('The request body must be a JSON object.');
      }
      const inputFileId = body.input_file_id;
      if (inputFileId === undefined || inputFileId === null) {
        if (body.input_blob !== undefined) {
          throw badRequest('Blob storage input (input_blob) is not supported by the emulator; upload the file and pass input_file_id.', 'input_blob');
        }
        throw badRequest("Missing required parameter: 'input_file_id'.", 'input_file_id');
      }
      if (typeof inputFileId !== 'string') {
        throw badRequest("Invalid type for 'input_file_id': expected a string.", 'input_file_id');
      }
      const file = store.files.get(inputFileId);
      if (file === undefined) {
        throw badRequest(`The input file '${inputFileId}' was not found.`, 'input_file_id');
      }
      if (file.purpose !== 'batch') {
        throw badRequest(`The input file '${inputFileId}' has purpose '${file.purpose}'; a batch input file must have purpose 'batch'.`, 'input_file_id');
      }
      const endpoint = body.endpoint;
      if (typeof endpoint !== 'string' || !batchEndpoints.includes(endpoint)) {
        throw badRequest(
          endpoint === undefined ? "Missing required parameter: 'endpoint'." : `Invalid value for 'endpoint': ${JSON.stringify(endpoint)}. Supported values are: ${batchEndpoints.join(', ')}.`,
          'endpoint',
        );
      }
      const window = body.completion_window;
      if (window !== '24h') {
        throw badRequest(
          window === undefined ? "Missing required parameter: 'completion_window'." : `Invalid value for 'completion_window': ${JSON.stringify(window)}. Supported values are: '24h'.`,
          'completion_window',
        );
      }
      const metadata = checkMetadata(body.metadata);
      const outputExpiresAfter = checkOutputExpiresAfter(body.output_expires_after);

      const now = Date.now();
      const batch: BatchRecord = {
        id: ids.batch(),
        endpoint,
        errors: null,
        input_file_id: file.id,
        completion_window: '24h',
        status: 'validating',
        output_file_id: null,
        error_file_id: null,
        created_at: Math.floor(now / 1000),
        in_progress_at: null,
        // Live Azure answers carry expires_at (created_at + 24 h) from creation on; the spec example shows null.
        expires_at: Math.floor(now / 1000) + 24 * 3600,
        finalizing_at: null,
        completed_at: null,
        failed_at: null,
        expired_at: null,
        cancelling_at: null,
        cancelled_at: null,
        request_counts: { total: 0, completed: 0, failed: 0 },
        metadata,
        internal: { seq: store.nextSeq(), createdMs: now, processed: 0, outputBytes: 0, errorBytes: 0, outputExpiresAfter },
      };

      let deployment: string | undefined;
      if (options.failFast) {
        // "Fail fast" regions compare the job's approximate token count with the free quota at once.
        const scan = await runner.scan(file.id).catch(() => undefined);
        deployment = scan?.deployment;
        if (scan !== undefined && deployment !== undefined) {
          const enqueued = runner.enqueuedTokens(deployment);
          if (enqueued + scan.estimatedTokens > options.maxEnqueuedTokens) {
            const error = tokenLimitError(deployment, enqueued, scan.estimatedTokens, options.maxEnqueuedTokens);
            throw new HttpError(400, { error: { code: error.code, message: error.message, type: 'invalid_request_error' } });
          }
          batch.internal.deployment = deployment;
          batch.internal.estimatedTokens = scan.estimatedTokens;
        }
      } else {
        deployment = await firstModel(store.blobPath(file.id)).catch(() => undefined);
      }
      store.batches.set(batch.id, batch);
      await commit(() => void store.batches.delete(batch.id));
      runner.start(batch.id);
      if (!ctx.api.modern) {
        return { status: 200, json: batchView(batch) };
      }
      const enqueued = deployment === undefined ? 0 : runner.enqueuedTokens(deployment);
      return {
        status: 201,
        headers: { 'deployment-enqueued-tokens': String(enqueued), 'deployment-maximum-enqueued-tokens': String(options.maxEnqueuedTokens) },
        json: batchView(batch),
      };
    },

    async listBatches(ctx) {
      const params = ctx.url.searchParams;
      let list = [...store.batches.values()];
      const filter = params.get('$filter');
      if (filter !== null) {
        list = list.filter(batchFilter(filter));
      }
      const orderBy = (params.get('$orderby') ?? 'created_at desc').trim().toLowerCase();
      if (!/^created_at(\s+(asc|desc))?$/.test(orderBy)) {
        throw badRequest(`Invalid value for '$orderby': ${JSON.stringify(params.get('$orderby'))}.`, '$orderby');
      }
      list.sort((a, b) => a.created_at - b.created_at || a.internal.seq - b.internal.seq);
      if (!orderBy.endsWith('asc')) {
        list.reverse();
      }
      const after = params.get('after');
      if (after !== null) {
        const at = list.findIndex((b) => b.id === after);
        list = at < 0 ? [] : list.slice(at + 1);
      }
      const limit = pageLimit(params.get('limit'), 20, 100);
      const page = list.slice(0, limit);
      // The spec example puts first_id/last_id inside the batch objects; the service and docs put them here.
      return {
        status: 200,
        json: {
          object: 'list',
          data: page.map(batchView),
          first_id: page[0]?.id ?? null,
          last_id: page[page.length - 1]?.id ?? null,
          has_more: list.length > page.length,
        },
      };
    },

    async getBatch(ctx) {
      return { status: 200, json: batchView(batchOr404(ctx.id)) };
    },

    async cancel(ctx) {
      const batch = batchOr404(ctx.id);
      if (!runner.cancel(batch)) {
        throw new HttpError(409, azureError('409', `The batch cannot be cancelled because its status is '${batch.status}'.`));
      }
      // Not undone on failure: cancelling is idempotent, so a retry answers the same.
      await store.commit();
      return { status: 200, json: batchView(batch) };
    },
  };

  const admin = async (req: IncomingMessage, path: string[]): Promise<Reply> => {
    if (!isLoopback(req.socket.remoteAddress)) {
      throw new HttpError(403, azureError('403', 'The emulator admin API is only available from loopback.'));
    }
    authenticate(req);
    const method = (req.method ?? 'GET').toUpperCase();
    const [area, id] = path;
    if (area === 'faults' && id === undefined) {
      if (method === 'GET') {
        return { status: 200, json: { object: 'list', data: faults.list() } };
      }
      if (method === 'DELETE') {
        faults.clear();
        return { status: 200, json: { deleted: true } };
      }
      if (method === 'POST') {
        const body = await readJson(countingBody(req, undefined));
        const rules = Array.isArray(body) ? body : isObject(body) && Array.isArray(body.rules) ? body.rules : [body];
        try {
          const added = faults.addAll(rules as FaultRule[]);
          return { status: 201, json: { ids: added } };
        } catch (error) {
          throw badRequest(error instanceof Error ? error.message : String(error));
        }
      }
    }
    if (area === 'faults' && id !== undefined && method === 'DELETE') {
      if (!faults.remove(id)) {
        throw notFound();
      }
      return { status: 200, json: { id, deleted: true } };
    }
    if (area === 'stats' && id === undefined && method === 'GET') {
      return { status: 200, json: { ...stats } };
    }
    throw notFound();
  };

  return async (req, res) => {
    const started = Date.now();
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const found = route(method, url.pathname);
    let outcome = '';
    const drainLimit = options.maxFileBytes + 1024 * 1024;
    // Set once the request carries the key: until then its body is not worth reading.
    let trusted = false;
    try {
      let reply: Reply;
      if (!hostAllowed(req.headers.host, deps.listenHost)) {
        outcome += ' (host refused)';
        throw misdirected();
      }
      if (found.kind === 'admin') {
        reply = await admin(req, found.adminPath ?? []);
      } else {
        stats[found.operation ?? 'other']++;
        if (found.kind === 'none') {
          throw notFound();
        }
        authenticate(req);
        trusted = true;
        const api = apiContext(found.surface!, url.searchParams.get('api-version'));
        const operation = found.operation;
        if (operation === undefined) {
          throw notFound();
        }
        const decision = faults.decide(operation, method);
        if (decision.delayMs > 0) {
          outcome += ` delay=${decision.delayMs}ms`;
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
            outcome += ` newerJobs=${decision.newerJobs}`;
            await createNewerJobs(handlers.create, ctx, buffered, decision.newerJobs);
          }
          return result;
        };
        if (decision.status !== undefined) {
          outcome += ` fault=${decision.status.status}`;
          const fault = statusFault(decision.status.status, decision.status.retryAfterSeconds);
          if (decision.executeAfterMs === undefined) {
            throw fault;
          }
          await send(res, { status: fault.status, headers: fault.headers, json: fault.body });
          await sleep(decision.executeAfterMs);
          outcome += ` executed+${decision.executeAfterMs}ms`;
          await execute().catch((error: unknown) => options.log?.(`late execution failed: ${error instanceof Error ? error.message : String(error)}`));
          return;
        }
        if (decision.executeLateMs !== undefined) {
          await sleep(decision.executeLateMs);
          outcome += ` executeLate=${decision.executeLateMs}ms`;
        }
        reply = await execute();
        if (req.socket.destroyed) {
          // The client gave up while the request was executed late.
          outcome += ' (client gone)';
          return;
        }
        if (decision.dropResponse) {
          outcome += ' fault=dropResponse';
          await drain(req, drainLimit);
          req.socket.destroy();
          return;
        }
        if (decision.dropDownloadAfter !== undefined) {
          outcome += ` fault=dropDownload@${decision.dropDownloadAfter}`;
          await drain(req, drainLimit);
          await send(res, reply, decision.dropDownloadAfter);
          return;
        }
      }
      await drain(req, drainLimit);
      await send(res, reply);
    } catch (error) {
      if (error instanceof ConnectionDropped) {
        outcome += ' fault=dropped';
        return;
      }
      if (timedOut.has(req)) {
        outcome += ' (body idle timeout: 408)';
        return;
      }
      if (req.socket.destroyed) {
        outcome += ' (connection closed)';
        return;
      }
      let httpError: HttpError;
      if (error instanceof HttpError) {
        httpError = error;
      } else if (error instanceof StateSaveError) {
        options.log?.(`error: ${error.message}`);
        httpError = saveFailed(error);
      } else {
        options.log?.(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        httpError = new HttpError(500, azureError('InternalServerError', 'The emulator failed to process the request.'));
      }
      if (!trusted && !req.complete) {
        outcome += ' (refused before its body)';
        // Reading starts before the answer, or Node would read (and discard) the whole body once it is sent.
        const drained = drainRefused(req, refusedDrain.bytes, refusedDrain.ms);
        await send(res, { status: httpError.status, headers: httpError.headers, json: httpError.body satisfies AzureErrorBody }).catch(() => undefined);
        await drained;
        return;
      }
      await drain(req, drainLimit);
      await send(res, { status: httpError.status, headers: httpError.headers, json: httpError.body satisfies AzureErrorBody }).catch(() => undefined);
    } finally {
      const version = url.searchParams.get('api-version');
      options.log?.(`${method} ${url.pathname}${version === null ? '' : `?api-version=${version}`} ${res.headersSent ? res.statusCode : '-'} ${Date.now() - started}ms${outcome}`);
    }
  };
}

async function bufferBody(source: AsyncIterable<Buffer>): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of source) {
    chunks.push(chunk);
  }
  return chunks;
}

async function* replay(chunks: readonly Buffer[]): AsyncGenerator<Buffer> {
  yield* chunks;
}

/** The `newerJobs` fault: creates `count` jobs from a create's body without its metadata, after the original. */
async function createNewerJobs(create: (ctx: Context) => Promise<Reply>, ctx: Context, body: readonly Buffer[], count: number): Promise<void> {
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

/** Sends a reply; with `dropAfter`, sends the headers and that many body bytes, then destroys the connection. */
async function send(res: ServerResponse, reply: Reply, dropAfter?: number): Promise<void> {
  const requestId = ids.request();
  const common = { 'apim-request-id': requestId, 'x-request-id': requestId, ...reply.headers };
  if (reply.file !== undefined) {
    const { size } = await stat(reply.file);
    res.writeHead(reply.status, { ...common, 'content-type': 'application/octet-stream', 'content-length': String(size) });
    if (dropAfter === undefined) {
      const source = createReadStream(reply.file);
      source.pipe(res);
      await finished(res).catch(() => undefined);
      source.destroy();
      return;
    }
    const head = dropAfter > 0 ? createReadStream(reply.file, { start: 0, end: Math.min(dropAfter, size) - 1 }) : undefined;
    if (head !== undefined && size > 0) {
      for await (const chunk of head as AsyncIterable<Buffer>) {
        await new Promise<void>((resolve) => res.write(chunk, () => resolve()));
      }
    } else {
      res.flushHeaders();
    }
    await new Promise<void>((resolve) => setImmediate(resolve));
    res.socket?.destroy();
    return;
  }
  const body = Buffer.from(JSON.stringify(reply.json ?? null));
  res.writeHead(reply.status, { ...common, 'content-type': 'application/json', 'content-length': String(body.length) });
  if (dropAfter === undefined) {
    res.end(body);
    await finished(res).catch(() => undefined);
    return;
  }
  if (dropAfter > 0) {
    await new Promise<void>((resolve) => res.write(body.subarray(0, dropAfter), () => resolve()));
  } else {
    res.flushHeaders();
  }
  await new Promise<void>((resolve) => setImmediate(resolve));
  res.socket?.destroy();
}

function pageLimit(raw: string | null, fallback: number, max: number): number {
  if (raw === null) {
    return fallback;
  }
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw badRequest(`Invalid value for 'limit': ${JSON.stringify(raw)}. It must be an integer between 1 and ${max}.`, 'limit');
  }
  return value;
}

/** Batch `metadata`: up to 16 string pairs, keys up to 64 characters, values up to 512. */
function checkMetadata(value: unknown): Record<string, string> | null {
  if (value === undefined || value === null) {
    return null;
  }
  if (!isObject(value)) {
    throw badRequest("Invalid type for 'metadata': expected an object of string key-value pairs.", 'metadata');
  }
  const entries = Object.entries(value);
  if (entries.length > 16) {
    throw badRequest("Invalid 'metadata': at most 16 key-value pairs are allowed.", 'metadata');
  }
  for (const [key, item] of entries) {
    if (typeof item !== 'string') {
      throw badRequest(`Invalid type for 'metadata.${key}': expected a string.`, `metadata.${key}`);
    }
    if (key.length > 64 || item.length > 512) {
      throw badRequest(`Invalid 'metadata.${key}': keys are at most 64 characters and values at most 512.`, `metadata.${key}`);
    }
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

function checkOutputExpiresAfter(value: unknown): number | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  const seconds = isObject(value) ? value.seconds : undefined;
  const anchor = isObject(value) ? (value.anchor ?? 'created_at') : undefined;
  if (anchor !== 'created_at' || typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < expiresAfterRange.min || seconds > expiresAfterRange.max) {
    throw badRequest(
      `Invalid 'output_expires_after': anchor must be 'created_at' and seconds between ${expiresAfterRange.min} and ${expiresAfterRange.max}.`,
      'output_expires_after',
    );
  }
  return seconds;
}

/**
 * `$filter` of the 2025-04-01-preview list: `created_at gt|ge|lt|le|eq N` and `status eq 'Completed'` clauses
 * joined with `and` (status compared case-insensitively, as the docs write `'Completed'`).
 */
function batchFilter(filter: string): (batch: BatchRecord) => boolean {
  const tests: ((batch: BatchRecord) => boolean)[] = [];
  for (const clause of filter.split(/\s+and\s+/i)) {
    const time = /^\s*created_at\s+(gt|ge|lt|le|eq)\s+(\d+)\s*$/i.exec(clause);
    const status = /^\s*status\s+eq\s+'([a-z_]+)'\s*$/i.exec(clause);
    if (time) {
      const op = time[1]!.toLowerCase();
      const n = Number(time[2]);
      tests.push((b) => (op === 'gt' ? b.created_at > n : op === 'ge' ? b.created_at >= n : op === 'lt' ? b.created_at < n : op === 'le' ? b.created_at <= n : b.created_at === n));
    } else if (status) {
      const wanted = status[1]!.toLowerCase();
      tests.push((b) => b.status === wanted);
    } else {
      throw badRequest(`Invalid value for '$filter': ${JSON.stringify(filter)}.`, '$filter');
    }
  }
  return (batch) => tests.every((test) => test(batch));
}

