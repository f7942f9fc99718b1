import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { SOURCE_FILE_KEY, type Batch } from '../../core/batch/client';
import { OperationCancelledError } from '../../core/batch/errors';
import { formatBytes } from '../../core/format';
import type { Connection } from '../connections/connectionStore';
import type { ClientFactory } from '../connections/credentials';
import type { JobPoller } from '../jobs/poller';
import type { JobRecord, JobStore } from '../jobs/jobStore';

export interface SubmissionRequest {
  readonly connection: Connection;
  /** The file uploaded (the source itself, or a copy with another deployment). */
  readonly uploadPath: string;
  /** The file the user submitted, shown in the tree and used to open lines. */
  readonly sourceUri: vscode.Uri;
  readonly endpoint: string;
  readonly parentBatchId?: string;
  readonly retryNumber?: number;
}

/**
 * Uploads a prepared batch file and creates its job, under a cancellable progress notification. The job
 * is recorded before the create call (with its submission id) and completed after, so neither a crash
 * nor a reload in between loses it or submits it twice.
 */
export async function submitPreparedFile(
  request: SubmissionRequest,
  deps: { clients: ClientFactory; store: JobStore; poller: JobPoller },
): Promise<JobRecord> {
  const name = basename(request.sourceUri.fsPath);
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Submitting {0}', name), cancellable: true },
    async (progress, token) => {
      const abort = new AbortController();
      const cancel = token.onCancellationRequested(() => abort.abort());
      try {
        const client = await deps.clients.clientFor(request.connection, { interactive: true });
        let reported = 0;
        const file = await client.uploadFile(request.uploadPath, {
          filename: name,
          signal: abort.signal,
          onProgress: (sent, total) => {
            const percent = total > 0 ? Math.floor((sent / total) * 100) : 100;
            if (percent > reported) {
              progress.report({ increment: (percent - reported) * 0.9, message: vscode.l10n.t('uploading {0} of {1} ({2}%)', formatBytes(sent), formatBytes(total), percent) });
              reported = percent;
            }
          },
        });
        progress.report({ message: vscode.l10n.t('waiting for the service to process the file') });
        await client.waitForFileProcessed(file.id, { signal: abort.signal, pollMs: 500 });
        if (token.isCancellationRequested) {
          throw new vscode.CancellationError();
        }
        const submissionId = randomUUID();
        const pending: JobRecord = {
          connectionId: request.connection.id,
          batchId: '',
          submissionId,
          sourceUri: request.sourceUri.toString(),
          sourceName: name,
          createdAt: Math.floor(Date.now() / 1000),
          parentBatchId: request.parentBatchId,
          retryNumber: request.retryNumber ?? 0,
          inputPath: request.uploadPath,
          inputFileId: file.id,
        };
        await deps.store.upsert(pending);
        progress.report({ message: vscode.l10n.t('creating the batch job') });
        let batch: Batch;
        try {
          // Not cancellable from here on: the job may already exist; at-most-once creation finds it.
          ({ batch } = await client.createBatch({ inputFileId: file.id, endpoint: request.endpoint, submissionId, metadata: { [SOURCE_FILE_KEY]: name } }));
        } catch (error) {
          // A clear refusal: forget the pending record. Anything unclear keeps it, and polling adopts the job.
          if (!(error instanceof Error && 'ambiguous' in error && (error as { ambiguous: boolean }).ambiguous)) {
            await deps.store.removeSubmission(request.connection.id, submissionId);
          }
          throw error;
        }
        const record: JobRecord = { ...pending, batchId: batch.id, snapshot: batch };
        await deps.store.upsert(record);
        deps.poller.kick(request.connection.id);
        return record;
      } catch (error) {
        if (error instanceof OperationCancelledError) {
          throw new vscode.CancellationError();
        }
        throw error;
      } finally {
        cancel.dispose();
      }
    },
  );
}
