import { basename } from 'node:path';
import type { Batch, BatchClient } from '../core/batch/client';
import { snapshotFile, SOURCE_FILE_KEY } from '../core/batch/client';
import { SubmissionMayExistError } from '../core/batch/errors';
import { isTerminal, jobState } from '../core/batch/status';
import { validateFile } from '../core/jsonl/fileValidator';
import { countBySeverity } from '../core/jsonl/types';
import { sleep } from '../core/batch/retry';
import { existingFiles, FileExistsError } from '../core/atomicFile';
import { formatRepeatedIds } from '../core/format';
import { resultPaths, resultStem, type ResultPaths } from '../core/results/names';
import { summarizeResultFiles } from '../core/results/summary';
import { downloadJobFiles } from '../core/recipes/downloadJob';
import { submitBatchFile, uploadPercent } from '../core/batch/submitFile';
import { terminalSafe } from '../core/terminalText';
import { formatBytes, ProgressLine } from './progress';
import { formatListing } from './validateCommand';

/** Thrown when the input file has validation errors; the listing was already printed. */
export class InvalidInputError extends Error {}

/** Validates, uploads and creates a job for one file, reporting progress on `err`. */
export async function submitFile(client: BatchClient, file: string, err: NodeJS.WritableStream, signal?: AbortSignal): Promise<Batch> {
  // What is sent must be what was validated: the upload refuses a file written to since.
  const checked = await snapshotFile(file);
  const validation = await validateFile(file);
  const errors = countBySeverity(validation.counts).error;
  if (errors > 0) {
    err.write(formatListing(file, validation));
    throw new InvalidInputError(`${file} has ${errors} validation error(s); fix them before submitting.`);
  }
  const endpoint = validation.endpoint ?? '/chat/completions';
  const progress = new ProgressLine(err);
  const name = basename(file);
  let created;
  let waited = false;
  try {
    created = await submitBatchFile(client, {
      path: file,
      unchangedSince: checked,
      endpoint,
      metadata: { [SOURCE_FILE_KEY]: name },
      signal,
      onUploadProgress: (sent, total) => progress.update(`uploading ${name}: ${formatBytes(sent)} / ${formatBytes(total)} (${uploadPercent(sent, total)}%)`),
      onUploaded: (fileId) => progress.done(`uploaded ${name} as ${terminalSafe(fileId)}`),
      // Without it, the minutes the service may take to process a large file would pass in silence.
      onFileStatus: (status) => {
        if (status !== 'processed') {
          waited = true;
          progress.update(`waiting for the service to process ${name}: ${status}`);
        } else if (waited) {
          progress.done(`the service processed ${name}`);
        }
      },
      onUnclearAnswer: (error) => err.write(`no clear answer to the create (${terminalSafe(error.message).replace(/\.$/, '')}); looking for the job by its submission id\n`),
    });
  } catch (error) {
    if (error instanceof SubmissionMayExistError) {
      // Never created again automatically: say how to look again, or how to choose a second job.
      err.write(
        `the job may exist (submission id ${error.submissionId}, sent ${new Date(error.attemptedAt).toISOString()}).\n` +
          `look again with: aoai-batch status --submission-id ${error.submissionId} (and the same connection options);\n` +
          `run submit again only to create a new job.\n`,
      );
    }
    throw error;
  }
  err.write(`created ${terminalSafe(created.batch.id)}${created.adopted ? ' (found after an unclear answer; not created twice)' : ''}\n`);
  return created.batch;
}

/** Polls a job until it reaches a terminal state, drawing a live progress line. */
export async function waitForJob(client: BatchClient, batchId: string, pollMs: number, err: NodeJS.WritableStream, signal?: AbortSignal, label = batchId): Promise<Batch> {
  const progress = new ProgressLine(err);
  for (;;) {
    const batch = await client.getBatch(batchId, signal);
    const state = jobState(batch.status, batch.request_counts ?? undefined);
    const counts = batch.request_counts;
    const detail = counts && counts.total > 0 ? ` · ${counts.completed + counts.failed}/${counts.total}${counts.failed > 0 ? ` · ${counts.failed} failed` : ''}` : '';
    progress.update(`${label}: ${state.label}${detail}`);
    if (isTerminal(batch.status)) {
      progress.done();
      return batch;
    }
    await sleep(pollMs, signal);
  }
}

/** The paths a download may write for a job with this `source_file` (or id) into `directory`. */
export async function plannedResultFiles(directory: string, sourceFile: string | undefined, batchId: string): Promise<ResultPaths> {
  return resultPaths(directory, resultStem(sourceFile, batchId));
}

/** Fails before any work when a file the command would write exists and `overwrite` (`--force`) was not given. */
export async function refuseExisting(paths: readonly (string | undefined)[], overwrite: boolean): Promise<void> {
  const existing = await existingFiles(paths.filter((path): path is string => path !== undefined));
  if (existing.length > 0 && !overwrite) {
    throw new FileExistsError(existing[0]!);
  }
}

/**
 * Downloads a finished job's output and error files into `directory` (which must exist); returns the
 * paths written. The names come from the service, so they are made safe and kept inside `directory`; when
 * either file exists, nothing is written unless `overwrite` (`--force`).
 */
export async function downloadResults(client: BatchClient, batch: Batch, directory: string, overwrite: boolean, signal?: AbortSignal): Promise<{ output?: string; errors?: string }> {
  const paths = await plannedResultFiles(directory, batch.metadata?.[SOURCE_FILE_KEY], batch.id);
  await refuseExisting([batch.output_file_id ? paths.output : undefined, batch.error_file_id ? paths.errors : undefined], overwrite);
  return downloadJobFiles(client, batch, paths, { overwrite, signal });
}

/** Warns on `err` when a job answered some custom_ids more than once (the files are kept as the service wrote them). */
export async function warnAboutRepeatedIds(written: { output?: string; errors?: string }, err: NodeJS.WritableStream): Promise<void> {
  const files = [written.output, written.errors].filter((path): path is string => path !== undefined);
  const { repeatedIds } = await summarizeResultFiles(files);
  if (repeatedIds.count > 0) {
    err.write(`warning: ${terminalSafe(formatRepeatedIds(repeatedIds))}\n`);
  }
}
