import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI, { AzureOpenAI } from 'openai';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../src/emulator/index';
import { waitFor as waitForValue } from '../shared/waitFor';

export const GA = '2024-10-21';
export const PREVIEW = '2025-04-01-preview';

/** Options that keep a test batch's lifecycle to a few hundred milliseconds. */
export const fast: EmulatorOptions = { requestDelayMs: 5, validatingDelayMs: 40, finalizingDelayMs: 40, cancellingDelayMs: 40 };

export function startFast(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  return startEmulator({ ...fast, ...options });
}

/** A scratch directory removed by `cleanup()`. */
export function scratch(): { dir: string; write: (name: string, content: string | Buffer) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'aoai-emulator-test-'));
  return {
    dir,
    write: (name, content) => {
      const path = join(dir, name);
      writeFileSync(path, content);
      return path;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** JSONL text of batch lines (each line ends with a newline). */
export function jsonl(lines: readonly string[]): string {
  return lines.map((l) => `${l}\n`).join('');
}

/** The SDK's Azure client on the classic paths (never with `deployment`). */
export function azure(emulator: RunningEmulator, apiVersion = GA, overrides: Partial<ConstructorParameters<typeof AzureOpenAI>[0]> = {}): AzureOpenAI {
  return new AzureOpenAI({ endpoint: emulator.url, apiKey: emulator.apiKey, apiVersion, maxRetries: 0, ...overrides });
}

/** The plain OpenAI client on the v1 paths, as Microsoft documents for v1 (the key goes as a bearer token). */
export function v1(emulator: RunningEmulator, overrides: Partial<ConstructorParameters<typeof OpenAI>[0]> = {}): OpenAI {
  return new OpenAI({ baseURL: `${emulator.url}/openai/v1`, apiKey: emulator.apiKey, maxRetries: 0, ...overrides });
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** A raw HTTP call with the api-key header (unless `headers` says otherwise). */
export async function call(
  emulator: RunningEmulator,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string>; raw?: string | Buffer | FormData } = {},
): Promise<RawResponse> {
  const headers: Record<string, string> = { 'api-key': emulator.apiKey, ...options.headers };
  let body: string | Buffer | FormData | undefined = options.raw;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  for (const [k, v] of Object.entries(headers)) {
    if (v === '') {
      delete headers[k];
    }
  }
  const response = await fetch(`${emulator.url}${path}`, { method, headers, body });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** Uploads through raw multipart (for what the SDK would not send). */
export async function rawUpload(
  emulator: RunningEmulator,
  path: string,
  fields: Record<string, string>,
  file?: { name: string; content: string },
): Promise<RawResponse> {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) {
    form.append(k, v);
  }
  if (file) {
    form.append('file', new Blob([file.content], { type: 'application/octet-stream' }), file.name);
  }
  return call(emulator, 'POST', path, { raw: form });
}

type BatchLike = { id: string; status: string };

/** Polls a batch until its status is one of `statuses`. */
export function waitFor(
  get: (id: string) => Promise<BatchLike>,
  id: string,
  statuses: readonly string[],
  timeoutMs = 8000,
): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  let last: string | undefined;
  return waitForValue(
    `batch ${id} to be ${statuses.join('/')}`,
    async () => {
      const batch = await get(id);
      last = batch.status;
      return statuses.includes(batch.status) ? batch : undefined;
    },
    { timeoutMs, intervalMs: 15, describe: () => `it is still ${last ?? 'unknown'}` },
  );
}

export const terminal = ['completed', 'failed', 'cancelled', 'expired'];

/** Waits for a batch through the programmatic snapshot (no HTTP, no request counts). */
export function waitSnapshot(emulator: RunningEmulator, id: string, statuses: readonly string[], timeoutMs = 8000): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return waitFor(async (batchId) => emulator.batches().find((b) => b.id === batchId) as BatchLike, id, statuses, timeoutMs);
}

const examplesDir = '/work/shared/azure-batch-reference/examples';

/** A published example (request parameters and responses), as stored in the reference. */
export function example(version: string, name: string): { parameters: Record<string, unknown>; responses: Record<string, { headers: Record<string, unknown>; body: any }> } { // eslint-disable-line @typescript-eslint/no-explicit-any
  return JSON.parse(readFileSync(join(examplesDir, version, `${name}.json`), 'utf8'));
}

/** The JSON type of a value: 'null', 'string', 'number', 'boolean', 'array', 'object'. */
export function jsonType(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}

/**
 * Asserts `actual` has every field of `expected` with the same JSON type, recursively. A null on either side
 * matches any type where `nullable` says the field may be null in one state and set in another.
 */
export function assertSameShape(actual: unknown, expected: unknown, path = '$', nullable: ReadonlySet<string> = new Set()): void {
  const a = jsonType(actual);
  const e = jsonType(expected);
  const key = path.replace(/\[\d+\]/g, '[]');
  const leaf = key.split('.').pop()!;
  if ((a === 'null' || e === 'null') && (nullable.has(leaf) || nullable.has(key))) {
    return;
  }
  assert.equal(a, e, `${path}: expected ${e}, got ${a}`);
  if (e === 'object') {
    for (const [k, v] of Object.entries(expected as Record<string, unknown>)) {
      assert.ok(Object.prototype.hasOwnProperty.call(actual, k), `${path}.${k} is missing`);
      assertSameShape((actual as Record<string, unknown>)[k], v, `${path}.${k}`, nullable);
    }
  } else if (e === 'array' && (expected as unknown[]).length > 0) {
    for (const [i, item] of (actual as unknown[]).entries()) {
      assertSameShape(item, (expected as unknown[])[0], `${path}[${i}]`, nullable);
    }
  }
}

/** Batch fields that are null in some states and set in others. */
export const batchNullable: ReadonlySet<string> = new Set([
  'errors',
  'output_file_id',
  'error_file_id',
  'in_progress_at',
  'expires_at',
  'finalizing_at',
  'completed_at',
  'failed_at',
  'expired_at',
  'cancelling_at',
  'cancelled_at',
  'metadata',
]);

/** Lines of a JSONL text, parsed. */
export function parseJsonl(text: string): any[] { // eslint-disable-line @typescript-eslint/no-explicit-any
  return text
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l));
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
