import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import type { OpenAI } from 'openai';
import type { Batch } from 'openai/resources/batches';
import type { FileObject } from 'openai/resources/files';
import { FileExistsError, UnsafePathError, writeFileAtomically } from '../atomicFile';
import { checkEndpoint, createSdkClient, DEFAULT_TIMEOUT_MS, V1_API_VERSION, type ConnectionConfig } from './connection';
import { failWhenIdle, IdleWatchdog, maxTimerMs, stalledError } from './idleTimeout';
import { openaiSdk } from './sdk';
import { BatchServiceError, OperationCancelledError, SubmissionMayExistError, toServiceError } from './errors';
import { defaultRetry, sleep, throwIfAborted, withRetry, type RetryOptions } from './retry';
import { redactChunks } from './secretRedaction';
import { refusesField, supportsExpiry } from './expiry';
import { asBatch, asBatchList, asFileList, asFileObject, unexpectedAnswer } from './shapes';

export type { Batch, FileObject };

/** Metadata key holding the client's submission id, used to find a job whose creation had no clear answer. */
export const SUBMISSION_ID_KEY = 'submission_id';
export const SOURCE_FILE_KEY = 'source_file';

export interface CreateBatchParams {
  readonly inputFileId: string;
  /** `/chat/completions`, `/embeddings`, `/responses` (or their `/v1/...` forms). */
  readonly endpoint: string;
  readonly metadata?: Record<string, string>;
  /** Identifies this submission; generated when absent. Reuse it to make a retried submit idempotent. */
  readonly submissionId?: string;
  readonly signal?: AbortSignal;
  /** Called when a create had no clear answer, before the job is looked for (for progress messages). */
  readonly onUnclearAnswer?: (error: BatchServiceError) => void;
}

/** How long and how often to look for a job after a create without a clear answer. */
export interface LookupOptions {
  /** Keep looking this long after the unclear answer (a timeout may come long after the create was sent). */
  readonly windowMs: number;
  /** The first wait between lookups; it doubles up to `maxDelayMs`. */
  readonly firstDelayMs: number;
  readonly maxDelayMs: number;
  /** Jobs dated up to this much before the attempt are still read (this machine's clock may be ahead of the service's). */
  readonly clockSkewMs: number;
}

export const defaultLookup: LookupOptions = { windowMs: 45_000, firstDelayMs: 500, maxDelayMs: 8_000, clockSkewMs: 5 * 60_000 };

export interface FindOptions {
  /** Only jobs created at or after this time (ms since the epoch, less the clock-skew margin) are read. */
  readonly since?: number;
  readonly signal?: AbortSignal;
}

export interface BatchClientOptions {
  readonly lookup?: Partial<LookupOptions>;
  /** The clock (tests). */
  readonly now?: () => number;
  /** Pages read at most when a list keeps saying `has_more` (default {@link MAX_LIST_PAGES}). */
  readonly maxListPages?: number;
  /**
   * Uploads set `expires_after` and creates `output_expires_after` to this many seconds (see `expirySeconds`), on API
   * versions that take them (`supportsExpiry`). Undefined: files are kept until deleted.
   */
  readonly expireAfterSeconds?: number;
}

export interface CreatedBatch {
  readonly batch: Batch;
  readonly submissionId: string;
  /** True when the job was found by its submission id after a create without a clear answer. */
  readonly adopted: boolean;
  /** From the `deployment-enqueued-tokens` header (2025-04-01-preview and later). */
  readonly enqueuedTokens?: number;
  readonly maxEnqueuedTokens?: number;
}

export interface BatchPage {
  readonly data: Batch[];
  readonly hasMore: boolean;
  readonly lastId: string | undefined;
}

/** What a file was when it was checked (validated): an upload refuses to send it if it is no longer so. */
export interface FileSnapshot {
  readonly size: number;
  readonly mtimeMs: number;
}

/** The size and modification time of a file now. */
export async function snapshotFile(path: string): Promise<FileSnapshot> {
  const stats = await stat(path);
  return { size: stats.size, mtimeMs: stats.mtimeMs };
}

/** Thrown when the file to upload changed after it was checked or while it was sent: what went out is not what was checked. */
export class FileChangedError extends BatchServiceError {
  constructor(name: string, when: 'before' | 'during') {
    super(
      when === 'before'
        ? `${name} changed on disk after it was checked: submit it again, so that what is sent is what was checked.`
        : `${name} changed on disk while it was being uploaded: the upload was discarded; submit it again once it is saved.`,
      undefined,
      'file_changed',
      false,
      undefined,
      { notSent: true },
    );
    this.name = 'FileChangedError';
  }
}

export interface UploadOptions {
  /** The file as it was checked: when its size or modification time differ now, nothing is sent. */
  readonly unchangedSince?: FileSnapshot;
  readonly filename?: string;
  readonly onProgress?: (sentBytes: number, totalBytes: number) => void;
  readonly signal?: AbortSignal;
}

export interface DownloadOptions {
  readonly overwrite?: boolean;
  readonly signal?: AbortSignal;
  readonly onProgress?: (receivedBytes: number) => void;
}

export { FileExistsError, UnsafePathError };

/** Bearer tokens a client remembers to scrub from files (see `BatchClient.withHeldTokens`). */
const maxHeldTokens = 8;

/**
 * The one service interface the extension and the CLI share: files and batches over the official SDK,
 * with retries, cancellation, byte progress, atomic downloads and at-most-once job creation.
 */
export class BatchClient {
  private sdkClient: OpenAI | undefined;
  private readonly lookup: LookupOptions;
  private readonly now: () => number;
  private readonly maxListPages: number;
  private readonly expireAfterSeconds: number | undefined;
  /** The service refused the field once (a 400 naming it): it is not sent again by this client. */
  private readonly refusedFields = new Set<string>();
  /** The latest bearer tokens (Microsoft Entra ID) this client's requests carried, newest last. */
  private readonly heldTokens: string[] = [];

  constructor(
    readonly config: ConnectionConfig,
    private readonly retry: RetryOptions = defaultRetry,
    options: BatchClientOptions = {},
  ) {
    // Refuse a bad endpoint now; build the SDK client (and load the SDK) on the first request.
    checkEndpoint(config.endpoint);
    this.lookup = { ...defaultLookup, ...options.lookup };
    this.now = options.now ?? Date.now;
    this.maxListPages = options.maxListPages ?? MAX_LIST_PAGES;
    this.expireAfterSeconds = options.expireAfterSeconds !== undefined && supportsExpiry(config.apiVersion) ? options.expireAfterSeconds : undefined;
  }

  /** `{ anchor: 'created_at', seconds }` for the field, unless expiry is off or the service refused the field. */
  private expiryFor(field: 'expires_after' | 'output_expires_after'): { anchor: 'created_at'; seconds: number } | undefined {
    return this.expireAfterSeconds === undefined || this.refusedFields.has(field) ? undefined : { anchor: 'created_at', seconds: this.expireAfterSeconds };
  }

  /**
   * Runs `send` with the expiry field, and once more without it when the service answers a 400 naming the field
   * (a resource that does not take it though its API version should). A 400 is a clear answer: nothing was created.
   */
  private async withExpiryFallback<T>(field: 'expires_after' | 'output_expires_after', send: (expiry: { anchor: 'created_at'; seconds: number } | undefined) => Promise<T>): Promise<T> {
    const expiry = this.expiryFor(field);
    try {
      return await send(expiry);
    } catch (error) {
      const converted = toServiceError(error);
      if (expiry === undefined || !refusesField(converted, field)) {
        throw converted;
      }
      this.refusedFields.add(field);
      return send(undefined);
    }
  }

  private get sdk(): OpenAI {
    this.sdkClient ??= createSdkClient(this.withHeldTokens());
    return this.sdkClient;
  }

  /** The config with a token source that remembers what it handed out, so files can be scrubbed of it. */
  private withHeldTokens(): ConnectionConfig {
    const credential = this.config.credential;
    if (credential.kind !== 'token') {
      return this.config;
    }
    const getToken = async () => {
      const token = await credential.getToken();
      if (!this.heldTokens.includes(token)) {
        // A token lives about an hour: the few latest cover every request still answering.
        this.heldTokens.push(token);
        this.heldTokens.splice(0, Math.max(0, this.heldTokens.length - maxHeldTokens));
      }
      return token;
    };
    return { ...this.config, credential: { kind: 'token', getToken } };
  }

  /** The credentials a file's content is scrubbed of: the API key, or the bearer tokens requests carried. */
  private secrets(): string[] {
    return this.config.credential.kind === 'apiKey' ? [this.config.credential.apiKey] : [...this.heldTokens];
  }

  /** Streams a file to the service (bounded memory), reporting bytes sent. Retried as a whole on transient errors. */
  async uploadFile(path: string, options: UploadOptions = {}): Promise<FileObject> {
    const before = await snapshotFile(path);
    const total = before.size;
    const name = options.filename ?? basename(path);
    if (options.unchangedSince && !sameSnapshot(options.unchangedSince, before)) {
      throw new FileChangedError(name, 'before');
    }
    const uploaded = await withRetry(async () => {
      let sent = 0;
      let source = createReadStream(path, { highWaterMark: 1024 * 1024 });
      // Times out on silence, not on the whole transfer: a 200 MB upload over a slow link takes longer than any one timeout.
      const watchdog = new IdleWatchdog(this.timeoutMs, options.signal);
      const counted = async function* (): AsyncGenerator<Buffer> {
        for await (const chunk of source as AsyncIterable<Buffer>) {
          sent += chunk.length;
          watchdog.touch();
          options.onProgress?.(sent, total);
          yield chunk;
        }
        // Sent: the wait for the answer gets the same bound.
        watchdog.touch();
      };
      try {
        return await this.withExpiryFallback('expires_after', async (expiry) => {
          if (sent > 0) {
            // The body was read by the refused attempt: stream the file again.
            sent = 0;
            source.destroy();
            source = createReadStream(path, { highWaterMark: 1024 * 1024 });
          }
          const file = openaiSdk().toStreamingFile(counted(), name, { type: 'application/jsonl' });
          return asFileObject(await this.sdk.files.create({ file, purpose: 'batch', ...(expiry ? { expires_after: expiry } : {}) }, { signal: watchdog.signal, timeout: maxTimerMs }));
        });
      } catch (error) {
        throw watchdog.fired && !options.signal?.aborted ? stalledError(`taking the upload of ${name} (${sent} of ${total} bytes sent) or answering it`, this.timeoutMs) : error;
      } finally {
        watchdog.stop();
        source.destroy();
      }
    }, this.retryWith(options.signal));
    // Written to while it was read (an editor saving, a script appending): the service holds a mix of versions.
    const after = await snapshotFile(path).catch(() => undefined);
    if (!after || !sameSnapshot(before, after)) {
      await this.deleteFile(uploaded.id).catch(() => undefined);
      throw new FileChangedError(name, 'during');
    }
    return uploaded;
  }

  /** Waits until an uploaded file is `processed`; fails with the service's details when processing failed. */
  async waitForFileProcessed(fileId: string, options: { signal?: AbortSignal; pollMs?: number; timeoutMs?: number; onStatus?: (status: string) => void } = {}): Promise<FileObject> {
    const deadline = Date.now() + (options.timeoutMs ?? 30 * 60_000);
    for (;;) {
      const file = await this.getFile(fileId, options.signal);
      // Azure reports pending|running|processed|error|deleting|deleted, more than the SDK's types list.
      const status: string = file.status;
      options.onStatus?.(status);
      if (status === 'processed') {
        return file;
      }
      if (status === 'error' || status === 'deleted' || status === 'deleting') {
        throw new BatchServiceError(`The service could not process the file ${fileId}: ${file.status_details ?? file.status}.`, undefined, 'file_error', false);
      }
      if (Date.now() > deadline) {
        throw new BatchServiceError(`The file ${fileId} was still "${file.status}" after waiting.`, undefined, 'timeout', false);
      }
      await sleep(options.pollMs ?? 1000, options.signal);
    }
  }

  /**
   * Every file of the resource (all pages on v1; classic lists have no paging), up to {@link MAX_LIST_PAGES} pages,
   * optionally of one `purpose`.
   */
  async listFiles(options: { purpose?: string; signal?: AbortSignal } = {}): Promise<FileObject[]> {
    const all: FileObject[] = [];
    const seen = new Set<string>();
    let after: string | undefined;
    for (let pages = 1; ; pages++) {
      const page = await withRetry(async () => {
        const body = await this.sdk.get<unknown>('/files', { query: { purpose: options.purpose, after, limit: this.config.apiVersion === V1_API_VERSION ? 10_000 : undefined }, signal: options.signal });
        return asFileList(body);
      }, this.retryWith(options.signal));
      for (const file of page.data) {
        all.push(file);
      }
      if (!page.hasMore || page.lastId === undefined || page.data.length === 0 || seen.has(page.lastId)) {
        return all;
      }
      checkPageCount(pages, this.maxListPages);
      seen.add(page.lastId);
      after = page.lastId;
    }
  }

  getFile(fileId: string, signal?: AbortSignal): Promise<FileObject> {
    return withRetry(async () => asFileObject(await this.sdk.files.retrieve(fileId, { signal })), this.retryWith(signal));
  }

  deleteFile(fileId: string, signal?: AbortSignal): Promise<void> {
    return withRetry(async () => {
      try {
        await this.sdk.files.delete(fileId, { signal });
      } catch (error) {
        // Deleting a file that is gone already is a success (a retry after a dropped answer).
        const converted = toServiceError(error);
        if (converted instanceof BatchServiceError && converted.status === 404) {
          return;
        }
        throw converted;
      }
    }, this.retryWith(signal));
  }

  /**
   * Creates a job at most once. Every create carries a submission id in `metadata`. A clear failure
   * (a 4xx, the service's own 500/503, a connection refused before sending) is retried as usual. A create
   * without a clear answer (timeout, connection lost after sending, 502/504, an answer that is not a
   * batch) is never sent again: the job is looked for over a bounded window and adopted when found;
   * otherwise {@link SubmissionMayExistError} says it may exist, and the caller lets the user decide.
   */
  async createBatch(params: CreateBatchParams): Promise<CreatedBatch> {
    const submissionId = params.submissionId ?? randomUUID();
    const metadata = { ...params.metadata, [SUBMISSION_ID_KEY]: submissionId };
    const attemptedAt = this.now();
    let unclear: BatchServiceError | undefined;
    // After a 5xx the service reported, look once before sending again, in case it did create the job.
    let failedOnService = false;
    try {
      return await withRetry(
        async () => {
          if (failedOnService) {
            const existing = await this.findBySubmissionId(submissionId, { since: attemptedAt, signal: params.signal });
            if (existing) {
              return { batch: existing, submissionId, adopted: true };
            }
          }
          try {
            const { data, response } = await this.withExpiryFallback('output_expires_after', (expiry) =>
              this.sdk.batches
                .create(
                  {
                    input_file_id: params.inputFileId,
                    // The SDK types endpoint as `/v1/...`; Azure also takes the bare paths.
                    endpoint: params.endpoint as Batch['endpoint'] as never,
                    completion_window: '24h',
                    metadata,
                    ...(expiry ? { output_expires_after: expiry } : {}),
                  },
                  { signal: params.signal },
                )
                .withResponse(),
            );
            return {
              batch: asBatch(data),
              submissionId,
              adopted: false,
              enqueuedTokens: numberHeader(response.headers, 'deployment-enqueued-tokens'),
              maxEnqueuedTokens: numberHeader(response.headers, 'deployment-maximum-enqueued-tokens'),
            };
          } catch (error) {
            const converted = toServiceError(error);
            if (converted instanceof BatchServiceError) {
              if (converted.ambiguous || converted.code === 'unexpected_answer') {
                unclear = converted;
              } else if (converted.status !== undefined && converted.status >= 500) {
                failedOnService = true;
              }
            }
            throw converted;
          }
        },
        { ...this.retryWith(params.signal), shouldRetry: (error) => unclear === undefined && error.retryable },
      );
    } catch (error) {
      if (unclear === undefined || error instanceof OperationCancelledError) {
        throw error;
      }
      params.onUnclearAnswer?.(unclear);
      let found: Batch | undefined;
      try {
        found = await this.lookUpSubmission(submissionId, { since: attemptedAt, signal: params.signal });
      } catch (lookupError) {
        const converted = toServiceError(lookupError);
        if (converted instanceof OperationCancelledError) {
          throw converted;
        }
        throw new SubmissionMayExistError(submissionId, attemptedAt, unclear, converted);
      }
      if (found) {
        return { batch: found, submissionId, adopted: true };
      }
      throw new SubmissionMayExistError(submissionId, attemptedAt, unclear);
    }
  }

  /**
   * Looks for the job of a submission first sent at `since`, again and again with backoff for the lookup
   * window from now (the unclear answer, which may come long after `since` when it is a timeout), for a
   * create the service may finish after its answer was lost. Undefined when not found; throws when a
   * lookup is refused.
   */
  async lookUpSubmission(submissionId: string, options: { since: number; signal?: AbortSignal }): Promise<Batch | undefined> {
    const deadline = this.now() + this.lookup.windowMs;
    let delay = this.lookup.firstDelayMs;
    for (;;) {
      try {
        const found = await this.findBySubmissionId(submissionId, options);
        if (found) {
          return found;
        }
      } catch (error) {
        const converted = toServiceError(error);
        // A refusal (401, 404, an answer that is not a list) will not change by asking again.
        if (converted instanceof OperationCancelledError || !converted.retryable) {
          throw converted;
        }
      }
      const remaining = deadline - this.now();
      if (remaining <= 0) {
        return undefined;
      }
      await sleep(Math.min(delay, remaining), options.signal);
      delay = Math.min(delay * 2, this.lookup.maxDelayMs);
    }
  }

  /**
   * The job created with `submissionId`: reads the jobs newest first, and with `since` stops at the first
   * page older than it (less the clock-skew margin) rather than after a fixed number of pages.
   */
  async findBySubmissionId(submissionId: string, options: FindOptions = {}): Promise<Batch | undefined> {
    const oldest = options.since === undefined ? undefined : options.since - this.lookup.clockSkewMs;
    const seen = new Set<string>();
    let after: string | undefined;
    for (let pages = 1; ; pages++) {
      const result = await this.listBatches({ after, limit: 100, signal: options.signal });
      const found = result.data.find((batch) => batch.metadata?.[SUBMISSION_ID_KEY] === submissionId);
      if (found) {
        return found;
      }
      // Compared on the page's newest job, so a page not sorted within itself cannot end the search early
      // (a loop, not Math.max(...), which overflows the stack on a page of a few hundred thousand jobs).
      let newest = -Infinity;
      for (const batch of result.data) {
        newest = Math.max(newest, batch.created_at * 1000);
      }
      // An empty page that says there is more would be asked for again and again.
      const exhausted = !result.hasMore || result.lastId === undefined || result.data.length === 0 || seen.has(result.lastId);
      if (exhausted || (oldest !== undefined && newest < oldest)) {
        return undefined;
      }
      checkPageCount(pages, this.maxListPages);
      seen.add(result.lastId!);
      after = result.lastId;
    }
  }

  getBatch(batchId: string, signal?: AbortSignal): Promise<Batch> {
    return withRetry(async () => asBatch(await this.sdk.batches.retrieve(batchId, { signal })), this.retryWith(signal));
  }

  /** One page of jobs, newest first. */
  listBatches(options: { after?: string; limit?: number; signal?: AbortSignal } = {}): Promise<BatchPage> {
    return withRetry(async () => {
      // The raw body, not the SDK's page object, which turns an HTML page or `{}` into an empty list.
      const body = await this.sdk.get<unknown>('/batches', { query: { after: options.after, limit: options.limit ?? 20 }, signal: options.signal });
      return asBatchList(body);
    }, this.retryWith(options.signal));
  }

  /** Every job (all pages), up to `max`; stops at a page that is empty or repeats an earlier one. */
  async listAllBatches(options: { max?: number; signal?: AbortSignal } = {}): Promise<Batch[]> {
    const all: Batch[] = [];
    const seen = new Set<string>();
    let after: string | undefined;
    for (let pages = 1; ; pages++) {
      const page = await this.listBatches({ after, limit: 100, signal: options.signal });
      for (const batch of page.data) {
        // Not push(...page.data): a page of a few hundred thousand jobs would overflow the stack.
        all.push(batch);
      }
      if (!page.hasMore || page.lastId === undefined || page.data.length === 0 || seen.has(page.lastId) || all.length >= (options.max ?? Infinity)) {
        return all;
      }
      checkPageCount(pages, this.maxListPages);
      seen.add(page.lastId);
      after = page.lastId;
    }
  }

  cancelBatch(batchId: string, signal?: AbortSignal): Promise<Batch> {
    return withRetry(async () => asBatch(await this.sdk.batches.cancel(batchId, { signal })), this.retryWith(signal));
  }

  /** The content of a file as a stream (not retried: use {@link downloadFile} for a resumable-by-restart copy). */
  async openFileContent(fileId: string, signal?: AbortSignal): Promise<Readable> {
    const response = await withRetry(() => this.sdk.files.content(fileId, { signal }), this.retryWith(signal));
    if (/\btext\/html\b/i.test(response.headers.get('content-type') ?? '')) {
      // A sign-in or error page from a proxy, not the file's JSONL.
      const text = await response.text().catch(() => '');
      throw unexpectedAnswer("a file's content", text);
    }
    if (!response.body) {
      return Readable.from([]);
    }
    // The SDK's timeout ended with the headers: a body that stops midway must not be waited for forever.
    const body = failWhenIdle(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>), this.timeoutMs, () => stalledError(`sending the file ${fileId}`, this.timeoutMs));
    // Answers are redacted whole (see `secretRedactingFetch`); a file's content only here, as it streams.
    const secrets = this.secrets();
    return secrets.length === 0 ? body : Readable.from(redactChunks(body, secrets), { objectMode: false });
  }

  /**
   * Downloads a file's content to `destination` atomically: it streams into a temporary file beside it
   * and moves into place only when complete, so no half-written file ever has the final name. A
   * transfer cut off midway starts again. Refuses to replace an existing file unless `overwrite`, and
   * never writes through a symbolic link.
   */
  async downloadFile(fileId: string, destination: string, options: DownloadOptions = {}): Promise<number> {
    try {
      return await writeFileAtomically(
        destination,
        (write, restart) =>
          withRetry(async () => {
            await restart();
            let received = 0;
            for await (const chunk of await this.openFileContent(fileId, options.signal)) {
              throwIfAborted(options.signal);
              received += (chunk as Buffer).length;
              options.onProgress?.(received);
              await write(chunk as Buffer);
            }
            throwIfAborted(options.signal);
            return received;
          }, this.retryWith(options.signal)),
        { overwrite: options.overwrite },
      );
    } catch (error) {
      throw error instanceof FileExistsError || error instanceof UnsafePathError ? error : toServiceError(error);
    }
  }

  private get timeoutMs(): number {
    return this.config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  private retryWith(signal: AbortSignal | undefined): RetryOptions {
    return { ...this.retry, signal };
  }
}

/** More pages than any real list of jobs has (100 jobs a page): a list that keeps saying `has_more` is not believed. */
export const MAX_LIST_PAGES = 1000;

/** Throws once `pages` pages were read and the service still says there are more. */
function checkPageCount(pages: number, max: number): void {
  if (pages >= max) {
    throw new BatchServiceError(
      `The service's list of jobs did not end after ${max} pages (each said "has_more" with a new "last_id"); reading stopped. Check the endpoint.`,
      undefined,
      'list_unbounded',
      false,
    );
  }
}

/** True when both snapshots show the same size and modification time. */
export function sameSnapshot(a: FileSnapshot, b: FileSnapshot): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs;
}

function numberHeader(headers: Headers, name: string): number | undefined {
  const value = headers.get(name);
  if (value === null) {
    return undefined;
  }
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : undefined;
}

export { OperationCancelledError };
