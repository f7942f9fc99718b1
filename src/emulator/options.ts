import { isBatchSku } from '../core/azure/deployments';
import { resolveArm, servedHere, type ArmOptions, type ResolvedArm } from './arm';
import type { FaultRule } from './faults';

/** How {@link startEmulator} is configured. Every field is optional. */
export interface EmulatorOptions {
  /** TCP port on 127.0.0.1; 0 (the default) picks a free one. */
  readonly port?: number;
  /** The key the `api-key` header must carry (the OpenAI client on v1 may send it as a bearer token). Default `emulator-key`. */
  readonly apiKey?: string;
  /** The one `Authorization: Bearer` token accepted besides the key (a stand-in for an Entra ID token). Unset: none. */
  readonly token?: string;
  /**
   * The batch deployments (Global Batch / Data Zone Batch) of the emulated resource. An entry is a deployment
   * name, or `name=model` to set the model reported in responses (e.g. `mine=gpt-4o-mini-2024-07-18`).
   * Default `['gpt-4o-batch', 'gpt-4o-mini-batch', 'gpt-4.1-batch']`.
   */
  readonly deployments?: readonly string[];
  /** Processing time per request while a batch is in progress. Default 20 ms; 0 runs as fast as possible. */
  readonly requestDelayMs?: number;
  /** How long a batch stays `validating` at least. Default 200 ms. */
  readonly validatingDelayMs?: number;
  /** How long a batch stays `finalizing`. Default 200 ms. */
  readonly finalizingDelayMs?: number;
  /** How long a batch stays `cancelling`. Default 200 ms. */
  readonly cancellingDelayMs?: number;
  /**
   * Azure does not expire batches that run past their 24 h window; set this to make in-progress batches expire
   * this many milliseconds after creation (status `expired`, unfinished rows in the error file). Default: never.
   */
  readonly expireAfterMs?: number;
  /** Enqueued-token quota per deployment. Default 1,000,000,000. */
  readonly maxEnqueuedTokens?: number;
  /** "Fail fast" regions: `POST /batches` over the quota answers 400 `token_limit_exceeded` at once. Default false. */
  readonly failFast?: boolean;
  /**
   * Probability (0..1) that a row fails with a transient 500, drawn afresh each time a row runs (a retry in a
   * new batch may succeed), reproducibly from the seed. Default 0.
   */
  readonly failureRate?: number;
  /**
   * A string that makes a row fail on every attempt when its prompt contains it (a permanent failure);
   * `[[fail:429]]` picks the status. Default `[[fail]]`.
   */
  readonly failureMarker?: string;
  /** Seed of every pseudo-random choice (replies, failures, fault rates, output order). Default 1. */
  readonly seed?: number;
  /** Keep files and jobs in this directory across restarts. Default: in memory (a temp dir removed on close). */
  readonly dataDir?: string;
  /** Fault rules active from the start. */
  readonly faults?: readonly FaultRule[];
  /** Receives one line per request (method, path, status, time). Keys and tokens are never logged. */
  readonly log?: (line: string) => void;
  /** Most requests in one input file (Azure: 100,000). */
  readonly maxRequestsPerFile?: number;
  /** Largest upload in bytes (Azure: 200 MB). */
  readonly maxFileBytes?: number;
  /** Files the resource may hold (Azure: 500, or 10,000 counting only files uploaded with `expires_after`). */
  readonly maxFiles?: number;
  /** Write output rows in a seeded shuffled order, as Azure does not keep input order. Default true. */
  readonly shuffleOutput?: boolean;
  /** Most parts (fields and files) in one multipart upload; more is a 400. Default 100. */
  readonly maxFormParts?: number;
  /** Largest text field of a multipart upload, in bytes; larger is a 400. Default 65,536. */
  readonly maxFieldBytes?: number;
  /** Time a client has to send the request headers; then 408 and the connection is closed. Default 30,000 ms. */
  readonly headersTimeoutMs?: number;
  /** Time a request body may stall (no data at all); then 408 and the connection is closed. 0: no limit. Default 30,000 ms. */
  readonly bodyIdleTimeoutMs?: number;
  /**
   * The Azure Resource Manager subset on the same port (subscriptions, accounts, deployments, listKeys): which
   * resources it shows, its page size and token lifetime. Default: see `defaultArmAccounts` in arm.ts. The batch
   * deployments of accounts whose endpoint is this emulator are served by the data plane too.
   */
  readonly arm?: ArmOptions;
}

export interface Deployment {
  readonly name: string;
  /** The model version reported in response bodies. */
  readonly model: string;
}

export interface ResolvedOptions {
  readonly port: number;
  readonly apiKey: string;
  readonly token: string | undefined;
  readonly deployments: ReadonlyMap<string, Deployment>;
  readonly requestDelayMs: number;
  readonly validatingDelayMs: number;
  readonly finalizingDelayMs: number;
  readonly cancellingDelayMs: number;
  readonly expireAfterMs: number | undefined;
  readonly maxEnqueuedTokens: number;
  readonly failFast: boolean;
  readonly failureRate: number;
  readonly failureMarker: string;
  readonly seed: number;
  readonly dataDir: string | undefined;
  readonly log: ((line: string) => void) | undefined;
  readonly maxRequestsPerFile: number;
  readonly maxFileBytes: number;
  readonly maxFiles: number;
  readonly shuffleOutput: boolean;
  readonly maxFormParts: number;
  readonly maxFieldBytes: number;
  readonly headersTimeoutMs: number;
  readonly bodyIdleTimeoutMs: number;
  readonly arm: ResolvedArm;
}

export const defaultDeployments: readonly string[] = ['gpt-4o-batch', 'gpt-4o-mini-batch', 'gpt-4.1-batch'];
export const defaultApiKey = 'emulator-key';

/** The model version a deployment most plausibly serves, guessed from its name. */
export function modelForDeployment(name: string): string {
  const n = name.toLowerCase();
  const table: readonly [RegExp, string][] = [
    [/4\.1-mini/, 'gpt-4.1-mini-2025-04-14'],
    [/4\.1-nano/, 'gpt-4.1-nano-2025-04-14'],
    [/4\.1/, 'gpt-4.1-2025-04-14'],
    [/4o-mini/, 'gpt-4o-mini-2024-07-18'],
    [/4o/, 'gpt-4o-2024-08-06'],
    [/o3-mini/, 'o3-mini-2025-01-31'],
    [/o4-mini/, 'o4-mini-2025-04-16'],
    [/gpt-5-mini/, 'gpt-5-mini-2025-08-07'],
    [/gpt-5/, 'gpt-5-2025-08-07'],
    [/embedding-3-small/, 'text-embedding-3-small'],
    [/embedding-3-large/, 'text-embedding-3-large'],
    [/ada/, 'text-embedding-ada-002'],
  ];
  return table.find(([pattern]) => pattern.test(n))?.[1] ?? 'gpt-4o-2024-08-06';
}

function parseDeployment(entry: string): Deployment {
  const eq = entry.indexOf('=');
  const name = (eq < 0 ? entry : entry.slice(0, eq)).trim();
  const model = eq < 0 ? modelForDeployment(name) : entry.slice(eq + 1).trim();
  if (name.length === 0 || model.length === 0) {
    throw new Error(`invalid deployment "${entry}"`);
  }
  return { name, model };
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) {
    return fallback;
  }
  if (!Number.isFinite(value) || value < 0) {
    throw new Error(`${name} must be a non-negative number`);
  }
  return value;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  const resolved = nonNegative(name, value, fallback);
  if (resolved === 0) {
    throw new Error(`${name} must be greater than 0`);
  }
  return resolved;
}

/** Checks the options and fills in the defaults. */
export function resolveOptions(options: EmulatorOptions): ResolvedOptions {
  const deployments = new Map<string, Deployment>();
  for (const entry of options.deployments ?? defaultDeployments) {
    const deployment = parseDeployment(entry);
    deployments.set(deployment.name, deployment);
  }
  const arm = resolveArm(options.arm, new Map(deployments));
  for (const account of arm.accounts.filter(servedHere)) {
    for (const d of account.deployments) {
      if (isBatchSku(d.sku) && !deployments.has(d.name)) {
        deployments.set(d.name, { name: d.name, model: /^\d{4}-\d{2}-\d{2}$/.test(d.version) ? `${d.model}-${d.version}` : d.model });
      }
    }
  }
  const failureRate = nonNegative('failureRate', options.failureRate, 0);
  if (failureRate > 1) {
    throw new Error('failureRate must be between 0 and 1');
  }
  const apiKey = options.apiKey ?? defaultApiKey;
  if (apiKey.length === 0) {
    throw new Error('apiKey must not be empty');
  }
  return {
    port: nonNegative('port', options.port, 0),
    apiKey,
    token: options.token === undefined || options.token === '' ? undefined : options.token,
    deployments,
    requestDelayMs: nonNegative('requestDelayMs', options.requestDelayMs, 20),
    validatingDelayMs: nonNegative('validatingDelayMs', options.validatingDelayMs, 200),
    finalizingDelayMs: nonNegative('finalizingDelayMs', options.finalizingDelayMs, 200),
    cancellingDelayMs: nonNegative('cancellingDelayMs', options.cancellingDelayMs, 200),
    expireAfterMs: options.expireAfterMs === undefined ? undefined : nonNegative('expireAfterMs', options.expireAfterMs, 0),
    maxEnqueuedTokens: nonNegative('maxEnqueuedTokens', options.maxEnqueuedTokens, 1_000_000_000),
    failFast: options.failFast ?? false,
    failureRate,
    failureMarker: options.failureMarker ?? '[[fail]]',
    seed: Math.trunc(nonNegative('seed', options.seed, 1)),
    dataDir: options.dataDir,
    log: options.log,
    maxRequestsPerFile: nonNegative('maxRequestsPerFile', options.maxRequestsPerFile, 100_000),
    maxFileBytes: nonNegative('maxFileBytes', options.maxFileBytes, 200 * 1024 * 1024),
    maxFiles: nonNegative('maxFiles', options.maxFiles, 500),
    shuffleOutput: options.shuffleOutput ?? true,
    maxFormParts: positive('maxFormParts', options.maxFormParts, 100),
    maxFieldBytes: positive('maxFieldBytes', options.maxFieldBytes, 64 * 1024),
    headersTimeoutMs: positive('headersTimeoutMs', options.headersTimeoutMs, 30_000),
    bodyIdleTimeoutMs: nonNegative('bodyIdleTimeoutMs', options.bodyIdleTimeoutMs, 30_000),
    arm,
  };
}
