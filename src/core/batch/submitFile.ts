import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import type { BatchClient, CreatedBatch, FileSnapshot } from './client';
import { BatchServiceError } from './errors';
import { throwIfAborted } from './retry';

/** What a caller persists before the create, so neither a crash nor a reload in between loses the job or creates it twice. */
export interface PreparedCreate {
  readonly fileId: string;
  readonly submissionId: string;
}

export interface SubmitFileOptions {
  /** The file to upload. */
  readonly path: string;
  /** The name the service records for the upload (default: the file's own name). */
  readonly filename?: string;
  /** `/chat/completions`, `/embeddings`, `/responses` (or their `/v1/...` forms). */
  readonly endpoint: string;
  readonly metadata?: Record<string, string>;
  /** The submission id of the create (generated when absent); reuse a persisted one to resume a submission. */
  readonly submissionId?: string;
  /** The file as it was validated: if it changed since (or changes while it is sent), no job is created. */
  readonly unchangedSince?: FileSnapshot;
  /** A file this submission uploaded before: used instead of uploading again while the service still has it processed. */
  readonly uploadedFileId?: string;
  /** Aborts the upload and the wait; once aborted, no create is sent. */
  readonly signal?: AbortSignal;
  /**
   * Lets `signal` abort the create itself too. Only for callers that, on resuming, look a job whose create
   * was cut off up by its submission id (the group runner); otherwise an aborted create could leave a job
   * nobody knows about, so by default the create, once sent, runs to its answer.
   */
  readonly abortCreate?: boolean;
  /** How often the file's processing status is read (default 500 ms). */
  readonly pollMs?: number;
  /** How long the service may take to process the file (default that of {@link BatchClient.waitForFileProcessed}). */
  readonly processTimeoutMs?: number;
  readonly onUploadProgress?: (sentBytes: number, totalBytes: number) => void;
  /** The upload finished; the service is processing the file now. */
  readonly onUploaded?: (fileId: string) => void;
  /** The uploaded file's status, each time it is read while waiting for it to be processed (a large file takes minutes). */
  readonly onFileStatus?: (status: string) => void;
  /** The file is processed and the create comes next: persist what a resume needs. Awaited; a throw sends no create. */
  readonly beforeCreate?: (prepared: PreparedCreate) => void | Promise<void>;
  /** The create had no clear answer; the job is being looked for by its submission id. */
  readonly onUnclearAnswer?: (error: BatchServiceError) => void;
}

export interface SubmittedFile extends CreatedBatch {
  readonly fileId: string;
  /** The file of {@link SubmitFileOptions.uploadedFileId} was used: nothing was uploaded. */
  readonly reusedFile: boolean;
}

/**
 * The one submit sequence (the editor, the CLI and a group's parts all use it): upload the file with
 * byte progress, wait until the service has processed it (failing with its details, or after the
 * timeout), then create the job at most once ({@link BatchClient.createBatch}: a create whose answer is
 * lost is looked for and adopted, never sent twice). A create without a clear answer whose job is not
 * found throws `SubmissionMayExistError`; the caller decides what the user sees.
 */
export async function submitBatchFile(client: BatchClient, options: SubmitFileOptions): Promise<SubmittedFile> {
  const { signal } = options;
  const reused = options.uploadedFileId ? await stillProcessed(client, options.uploadedFileId, signal) : undefined;
  const fileId = reused ?? (await uploadAndProcess(client, options));
  // The last point where cancelling is free: nothing has been asked of the service that could create a job.
  throwIfAborted(signal);
  const submissionId = options.submissionId ?? randomUUID();
  await options.beforeCreate?.({ fileId, submissionId });
  const created = await client.createBatch({
    inputFileId: fileId,
    endpoint: options.endpoint,
    submissionId,
    metadata: options.metadata,
    signal: options.abortCreate ? signal : undefined,
    onUnclearAnswer: options.onUnclearAnswer,
  });
  return { ...created, fileId, reusedFile: reused !== undefined };
}

/** How much of an upload was sent, in whole percent (100 for an empty file). */
export function uploadPercent(sentBytes: number, totalBytes: number): number {
  return totalBytes > 0 ? Math.floor((sentBytes / totalBytes) * 100) : 100;
}

async function uploadAndProcess(client: BatchClient, options: SubmitFileOptions): Promise<string> {
  const { signal } = options;
  const file = await client.uploadFile(options.path, { filename: options.filename ?? basename(options.path), signal, onProgress: options.onUploadProgress, unchangedSince: options.unchangedSince });
  options.onUploaded?.(file.id);
  await client.waitForFileProcessed(file.id, { signal, pollMs: options.pollMs ?? 500, timeoutMs: options.processTimeoutMs, onStatus: options.onFileStatus });
  return file.id;
}

/** The id of an uploaded file the service still has, processed; undefined when it is gone or not usable. */
async function stillProcessed(client: BatchClient, fileId: string, signal: AbortSignal | undefined): Promise<string | undefined> {
  try {
    const file = await client.getFile(fileId, signal);
    return (file.status as string) === 'processed' ? file.id : undefined;
  } catch (error) {
    if (error instanceof BatchServiceError && error.status === 404) {
      return undefined;
    }
    throw error;
  }
}
