import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import type { OpenAI } from 'openai';
import { toStreamingFile } from 'openai';
import type { Batch } from 'openai/resources/batches';
import type { FileObject } from 'openai/resources/files';
import { FileExistsError, UnsafePathError, writeFileAtomically } from '../atomicFile';
import { createSdkClient, type ConnectionConfig } from './connection';
import { BatchServiceError, OperationCancelledError, toServiceError } from './errors';
import { defaultRetry, sleep, throwIfAborted, withRetry, type RetryOptions } from './retry';

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

export interface UploadOptions {
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

/**
 * The one service interface the extension and the CLI share: files and batches over the official SDK,
 * with retries, cancellation, byte progress, atomic downloads and at-most-once job creation.
 */
export class BatchClient {
  private readonly sdk: OpenAI;

  constructor(
    readonly config: ConnectionConfig,
    private readonly retry: RetryOptions = defaultRetry,
  ) {
    this.sdk = createSdkClient(config);
  }

  /** Streams a file to the service (bounded memory), reporting bytes sent. Retried as a whole on transient errors. */
  async uploadFile(path: string, options: UploadOptions = {}): Promise<FileObject> {
    const total = (await stat(path)).size;
    const name = options.filename ?? basename(path);
    return withRetry(async () => {
      let sent = 0;
      const source = createReadStream(path, { highWaterMark: 1024 * 1024 });
      const counted = async function* (): AsyncGenerator<Buffer> {
        for await (const chunk of source as AsyncIterable<Buffer>) {
          sent += chunk.length;
          options.onProgress?.(sent, total);
          yield chunk;
        }
      };
      try {
        return await this.sdk.files.create({ file: toStreamingFile(counted(), name, { type: 'application/jsonl' }), purpose: 'batch' }, { signal: options.signal });
      } finally {
        source.destroy();
      }
    }, this.retryWith(options.signal));
  }

  /** Waits until an uploaded file is `processed`; fails with the service's details when processing failed. */
  async waitForFileProcessed(fileId: string, options: { signal?: AbortSignal; pollMs?: number; timeoutMs?: number } = {}): Promise<FileObject> {
    const deadline = Date.now() + (options.timeoutMs ?? 30 * 60_000);
    for (;;) {
      const file = await this.getFile(fileId, options.signal);
      // Azure reports pending|running|processed|error|deleting|deleted, more than the SDK's types list.
      const status: string = file.status;
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

  getFile(fileId: string, signal?: AbortSignal): Promise<FileObject> {
    return withRetry(() => this.sdk.files.retrieve(fileId, { signal }), this.retryWith(signal));
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
   * Creates a job at most once: every create carries a submission id in `metadata`; when a create
   * fails without a clear answer (timeout, dropped connection, 5xx), the recent jobs are searched for
   * that id and the job found is adopted instead of paying for a second one.
   */
  async createBatch(params: CreateBatchParams): Promise<CreatedBatch> {
    const submissionId = params.submissionId ?? randomUUID();
    const metadata = { ...params.metadata, [SUBMISSION_ID_KEY]: submissionId };
    let unclear = false;
    return withRetry(
      async () => {
        if (unclear) {
          const existing = await this.findBySubmissionId(submissionId, params.signal);
          if (existing) {
            return { batch: existing, submissionId, adopted: true };
          }
        }
        try {
          const { data, response } = await this.sdk.batches
            .create(
              {
                input_file_id: params.inputFileId,
                // The SDK types endpoint as `/v1/...`; Azure also takes the bare paths.
                endpoint: params.endpoint as Batch['endpoint'] as never,
                completion_window: '24h',
                metadata,
              },
              { signal: params.signal },
            )
            .withResponse();
          return {
            batch: data,
            submissionId,
            adopted: false,
            enqueuedTokens: numberHeader(response.headers, 'deployment-enqueued-tokens'),
            maxEnqueuedTokens: numberHeader(response.headers, 'deployment-maximum-enqueued-tokens'),
          };
        } catch (error) {
          const converted = toServiceError(error);
          if (converted instanceof BatchServiceError && converted.ambiguous) {
            unclear = true;
          }
          throw converted;
        }
      },
      { ...this.retryWith(params.signal), shouldRetry: (error) => error.retryable || error.ambiguous },
    );
  }

  /** The job created with `submissionId`, searched among the most recent jobs. */
  async findBySubmissionId(submissionId: string, signal?: AbortSignal, maxPages = 3): Promise<Batch | undefined> {
    let after: string | undefined;
    for (let page = 0; page < maxPages; page++) {
      const result = await this.listBatches({ after, limit: 100, signal });
      const found = result.data.find((batch) => batch.metadata?.[SUBMISSION_ID_KEY] === submissionId);
      if (found || !result.hasMore) {
        return found;
      }
      after = result.lastId;
    }
    return undefined;
  }

  getBatch(batchId: string, signal?: AbortSignal): Promise<Batch> {
    return withRetry(() => this.sdk.batches.retrieve(batchId, { signal }), this.retryWith(signal));
  }

  /** One page of jobs, newest first. */
  listBatches(options: { after?: string; limit?: number; signal?: AbortSignal } = {}): Promise<BatchPage> {
    return withRetry(async () => {
      const page = await this.sdk.batches.list({ after: options.after, limit: options.limit ?? 20 }, { signal: options.signal });
      const data = page.data;
      return { data, hasMore: page.has_more === true, lastId: data[data.length - 1]?.id };
    }, this.retryWith(options.signal));
  }

  /** Every job (all pages), up to `max`. */
  async listAllBatches(options: { max?: number; signal?: AbortSignal } = {}): Promise<Batch[]> {
    const all: Batch[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.listBatches({ after, limit: 100, signal: options.signal });
      all.push(...page.data);
      if (!page.hasMore || page.lastId === undefined || all.length >= (options.max ?? Infinity)) {
        return all;
      }
      after = page.lastId;
    }
  }

  cancelBatch(batchId: string, signal?: AbortSignal): Promise<Batch> {
    return withRetry(() => this.sdk.batches.cancel(batchId, { signal }), this.retryWith(signal));
  }

  /** The content of a file as a stream (not retried: use {@link downloadFile} for a resumable-by-restart copy). */
  async openFileContent(fileId: string, signal?: AbortSignal): Promise<Readable> {
    const response = await withRetry(() => this.sdk.files.content(fileId, { signal }), this.retryWith(signal));
    if (!response.body) {
      return Readable.from([]);
    }
    return Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
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

  private retryWith(signal: AbortSignal | undefined): RetryOptions {
    return { ...this.retry, signal };
  }
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
