import { basename } from 'node:path';
import * as vscode from 'vscode';
import { Commands } from '../../constants';
import { SOURCE_FILE_KEY, type FileSnapshot } from '../../core/batch/client';
import { SubmissionMayExistError } from '../../core/batch/errors';
import { formatBytes } from '../../core/format';
import { submitBatchFile, uploadPercent } from '../../core/batch/submitFile';
import type { Connection } from '../connections/connectionStore';
import type { ClientFactory } from '../connections/credentials';
import type { JobPoller } from '../jobs/poller';
import type { JobRecord, JobStore } from '../jobs/jobStore';
import { withCancellableProgress, type ReportProgress } from '../progress';

export interface SubmissionRequest {
  readonly connection: Connection;
  /** The file uploaded (the source itself, or a copy with another deployment). */
  readonly uploadPath: string;
  /** The file the user submitted, shown in the tree and used to open lines. */
  readonly sourceUri: vscode.Uri;
  readonly endpoint: string;
  readonly parentBatchId?: string;
  readonly retryNumber?: number;
  /** A copy already uploaded (a submission made anew): used instead of uploading again while the service keeps it. */
  readonly inputFileId?: string;
  /** The deployment the file runs on and its rough token estimate, kept on the record for the quota. */
  readonly deployment?: string;
  readonly tokens?: number;
  /** The upload path as validated: if it changed since, nothing is sent. */
  readonly unchangedSince?: FileSnapshot;
}

export interface SubmissionDeps {
  readonly clients: ClientFactory;
  readonly store: JobStore;
  readonly poller: JobPoller;
}

/**
 * Uploads a prepared batch file and creates its job, under a cancellable progress notification. The job
 * is recorded before the create call (with its submission id) and completed after, so neither a crash
 * nor a reload in between loses it or submits it twice. A create without a clear answer whose job is not
 * found comes back as a record marked `mayExist`, and the user chooses to look again or submit anew.
 */
export async function submitPreparedFile(request: SubmissionRequest, deps: SubmissionDeps): Promise<JobRecord> {
  const name = basename(request.sourceUri.fsPath);
  return withCancellableProgress(vscode.l10n.t('Submitting {0}', name), async (report, signal) => {
    const client = await deps.clients.clientFor(request.connection, { interactive: true });
    // Set once the job is recorded: only then does a failure have a record to settle.
    let pending: JobRecord | undefined;
    try {
      const { batch, enqueuedTokens, maxEnqueuedTokens } = await submitBatchFile(client, {
        path: request.uploadPath,
        filename: name,
        endpoint: request.endpoint,
        metadata: { [SOURCE_FILE_KEY]: name },
        uploadedFileId: request.inputFileId,
        unchangedSince: request.unchangedSince,
        signal,
        onUploadProgress: uploadReporter(report),
        onUploaded: () => report({ message: vscode.l10n.t('waiting for the service to process the file') }),
        beforeCreate: async ({ fileId, submissionId }) => {
          const record = pendingRecord(request, name, fileId, submissionId);
          await deps.store.upsert(record);
          pending = record;
          report({ message: vscode.l10n.t('creating the batch job') });
        },
        onUnclearAnswer: () => report({ message: vscode.l10n.t('no clear answer from the service; looking for the job') }),
      });
      const enqueued = enqueuedTokens === undefined ? undefined : { tokens: enqueuedTokens, max: maxEnqueuedTokens, at: Date.now() };
      const record: JobRecord = { ...pending!, batchId: batch.id, snapshot: batch, ...(enqueued ? { enqueued } : {}) };
      await deps.store.upsert(record);
      deps.poller.kick(request.connection.id);
      return record;
    } catch (error) {
      if (!pending) {
        throw error;
      }
      return settleFailedCreate(pending, error, deps);
    }
  });
}

/**
 * "Submit Anew" on a submission that may exist: after the user confirmed, creates a new job with a new
 * submission id (reusing the uploaded file while the service keeps it) and forgets the old submission.
 */
export async function submitAnew(record: JobRecord, connection: Connection, deps: SubmissionDeps): Promise<JobRecord> {
  if (!record.inputPath || !record.sourceUri) {
    throw new Error(vscode.l10n.t('The file of this submission is not known on this machine; submit the file again from the Explorer.'));
  }
  const created = await submitPreparedFile(
    {
      connection,
      uploadPath: record.inputPath,
      sourceUri: vscode.Uri.parse(record.sourceUri),
      endpoint: record.endpoint ?? '/chat/completions',
      parentBatchId: record.parentBatchId,
      retryNumber: record.retryNumber,
      inputFileId: record.inputFileId,
    },
    deps,
  );
  await deps.store.removeSubmission(connection.id, record.submissionId);
  return created;
}

/** Shows why a submission may exist, with the two ways on: look again, or submit anew. */
export function offerMayExistChoices(record: JobRecord): void {
  const lookAgain = vscode.l10n.t('Look Again');
  const anew = vscode.l10n.t('Submit Anew');
  const target = { connectionId: record.connectionId, submissionId: record.submissionId };
  void vscode.window
    .showWarningMessage(
      vscode.l10n.t(
        'The service gave no clear answer when creating the job for {0}, and the job was not found: it may exist. It is listed as "may exist"; look again later, or submit it anew (a second job if the first one exists).',
        record.sourceName,
      ),
      lookAgain,
      anew,
    )
    .then((choice) => {
      if (choice === lookAgain) {
        void vscode.commands.executeCommand(Commands.lookAgain, target);
      } else if (choice === anew) {
        void vscode.commands.executeCommand(Commands.submitAnew, target);
      }
    });
}

/** Reports upload progress in whole percent, as 90% of the notification's bar (processing and creating take the rest). */
function uploadReporter(report: ReportProgress): (sent: number, total: number) => void {
  let reported = 0;
  return (sent, total) => {
    const percent = uploadPercent(sent, total);
    if (percent > reported) {
      report({ increment: (percent - reported) * 0.9, message: vscode.l10n.t('uploading {0} of {1} ({2}%)', formatBytes(sent), formatBytes(total), percent) });
      reported = percent;
    }
  };
}

/** The record of a job about to be created: it exists before the create is sent. */
function pendingRecord(request: SubmissionRequest, name: string, fileId: string, submissionId: string): JobRecord {
  return {
    connectionId: request.connection.id,
    batchId: '',
    submissionId,
    sourceUri: request.sourceUri.toString(),
    sourceName: name,
    createdAt: Math.floor(Date.now() / 1000),
    attemptedAt: Date.now(),
    parentBatchId: request.parentBatchId,
    retryNumber: request.retryNumber ?? 0,
    inputPath: request.uploadPath,
    inputFileId: fileId,
    endpoint: request.endpoint,
    deployment: request.deployment,
    tokens: request.tokens,
  };
}

/**
 * A create that failed: without a clear answer (its job not found) the record stays, marked `mayExist`,
 * and the user is offered the ways on; anything else is a clear answer, nothing was created, and the
 * record goes.
 */
async function settleFailedCreate(pending: JobRecord, error: unknown, deps: SubmissionDeps): Promise<JobRecord> {
  if (error instanceof SubmissionMayExistError) {
    const record: JobRecord = { ...pending, attemptedAt: error.attemptedAt, mayExist: true };
    await deps.store.upsert(record);
    offerMayExistChoices(record);
    return record;
  }
  await deps.store.removeSubmission(pending.connectionId, pending.submissionId);
  throw error;
}
