import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { audienceOf, resolveArm, servedHere, tenantNamed, TokenIssuer, type ArmDeploymentSeed, type ArmOptions, type IssuedToken } from './arm';
import { FaultController } from './faults';
import type { ArmDeps } from './routes/arm';
import { resolveOptions, type EmulatorOptions } from './options';
import { BatchRunner } from './runner';
import { createHandler } from './server';
import { emptyStats, type RequestStats } from './stats';
import { Store } from './store';
import { guardTimeouts } from './timeouts';
import { batchView, fileView } from './views';

export type { EmulatorOptions } from './options';
export type { ArmAccountSeed, ArmDeploymentSeed, ArmOptions, ArmSubscriptionSeed, ArmTenantSeed, IssuedToken } from './arm';
export { defaultResourceGroup, defaultSubscriptionId, defaultTenantId } from './arm';
export type { FaultDecision, FaultInfo, FaultKind, FaultRule, Operation, OperationMatcher } from './faults';
export { FaultController, operations } from './faults';
export type { RequestStats } from './stats';

/** A running emulator. */
export interface RunningEmulator {
  /** `http://127.0.0.1:PORT`: the Azure OpenAI "endpoint" to give the SDK (`new AzureOpenAI({ endpoint: url, ... })`). */
  readonly url: string;
  readonly port: number;
  readonly apiKey: string;
  /** Fault injection, changeable at run time (also through `POST /_emulator/faults`). */
  readonly faults: FaultController;
  /** Requests seen per operation, live. */
  readonly stats: Readonly<RequestStats>;
  /** Sets every request count back to 0. */
  resetStats(): void;
  /** A snapshot of every batch as the API shows it, in creation order. */
  batches(): Record<string, unknown>[];
  /** A snapshot of every file (v1 shape), in creation order. */
  files(): Record<string, unknown>[];
  /** Where file contents (and, with `dataDir`, the state) are kept. */
  readonly dataDir: string;
  /**
   * A bearer token from the local issuer (as `POST /_emulator/token` gives): for ARM with the default scope
   * `https://management.azure.com/.default`, for the data plane with `https://cognitiveservices.azure.com/.default`;
   * for the directory `tenant` (an id or domain of `arm.tenants`), else the home one.
   */
  issueToken(scope?: string, tenant?: string): IssuedToken;
  /** Replaces the ARM resources (as `PUT /_emulator/arm`); the data plane's deployments stay as they were. */
  setArm(options: ArmOptions): void;
  /**
   * The deployments of the account this emulator serves (`emulator` by default), as Resource Manager lists them:
   * the batch ones and any other (a `Standard` one that batches refuse). A connection to the emulator knows them
   * without signing in.
   */
  deployments(): readonly ArmDeploymentSeed[];
  /** Stops the lifecycle timers and closes every connection; a `dataDir` is left intact. */
  close(): Promise<void>;
}

/**
 * Starts a local stand-in for the Azure OpenAI files and batches data plane on 127.0.0.1, speaking the classic
 * (`/openai/...?api-version=`) and v1 (`/openai/v1/...`) REST paths, so the official `openai` SDK works against it.
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const listenHost = '127.0.0.1';
  const resolved = resolveOptions(options);
  const store = await Store.open(resolved.dataDir, resolved.log);
  const runner = new BatchRunner(store, resolved);
  const faults = new FaultController(resolved.seed, options.faults);
  const stats = emptyStats();
  let origin = '';
  const tokens = new TokenIssuer(() => arm.config.tokenLifetimeSeconds);
  const arm: ArmDeps = { config: resolved.arm, tokens, apiKey: resolved.apiKey, deployments: resolved.arm.ownDeployments, origin: () => origin };
  const handler = createHandler({ store, runner, faults, stats, options: resolved, origin: () => origin, listenHost, arm });
  const inFlight = new Set<Promise<void>>();
  // Node checks the headers deadline on this interval; a quarter of it keeps the deadline within 25 %.
  const connectionsCheckingInterval = Math.min(30_000, Math.max(50, Math.floor(resolved.headersTimeoutMs / 4)));
  const server = createServer({ connectionsCheckingInterval }, (req, res) => {
    track(req, res);
    const handling = handler(req, res).catch(() => undefined);
    inFlight.add(handling);
    void handling.finally(() => inFlight.delete(handling));
  });
  const track = guardTimeouts(server, resolved);
  server.keepAliveTimeout = 5_000;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(resolved.port, listenHost, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await store.close();
    throw error;
  }
  const port = (server.address() as AddressInfo).port;
  origin = `http://${listenHost}:${port}`;
  runner.resumeAll();

  let closing: Promise<void> | undefined;
  const modern = { surface: 'v1', version: undefined, modern: true } as const;
  return {
    url: origin,
    port,
    apiKey: resolved.apiKey,
    faults,
    stats,
    dataDir: store.root,
    resetStats: () => {
      for (const key of Object.keys(stats) as (keyof RequestStats)[]) {
        stats[key] = 0;
      }
    },
    batches: () => [...store.batches.values()].sort((a, b) => a.internal.seq - b.internal.seq).map(batchView),
    issueToken: (scope = 'https://management.azure.com/.default', tenant?: string) => {
      const audience = audienceOf(scope, origin);
      if (audience === undefined) {
        throw new Error(`the emulator issues no token for the scope ${scope}`);
      }
      const directory = tenant === undefined ? undefined : tenantNamed(arm.config, tenant);
      if (tenant !== undefined && directory === undefined) {
        throw new Error(`the emulator has no directory ${tenant}`);
      }
      return tokens.issue(audience, directory?.tenantId);
    },
    setArm: (options) => {
      arm.config = resolveArm(options, resolved.arm.ownDeployments);
    },
    deployments: () => arm.config.accounts.find(servedHere)?.deployments ?? [],
    files: () => [...store.files.values()].sort((a, b) => a.seq - b.seq).map((f) => fileView(f, modern)),
    close: () =>
      (closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await runner.close();
        await Promise.allSettled([...inFlight]);
        await closed;
        await store.close();
      })()),
  };
}
