import * as vscode from 'vscode';
import { cleanupCandidates, totalBytes, type CleanupCandidate, type CleanupJob } from '../../core/batch/fileCleanup';
import { isTerminal } from '../../core/batch/status';
import { formatBytes, formatDuration } from '../../core/format';
import type { Connection } from '../connections/connectionStore';
import type { ClientFactory } from '../connections/credentials';
import type { GroupStore } from '../groups/groupStore';
import { resolveConnection } from '../jobs/jobCommands';
import type { JobsModel } from '../jobs/jobsModel';
import { withCancellableProgress } from '../progress';
import type { FileUsage } from './fileUsage';

export interface CleanUpDeps {
  readonly jobs: JobsModel;
  readonly clients: ClientFactory;
  readonly groups: GroupStore;
  readonly usage: FileUsage;
}

/** Answers to the questions Clean Up Files asks, for scripted use (tests). */
export interface CleanUpOptions {
  /** Delete these of the offered files instead of asking which (ids not offered are not deleted). */
  readonly fileIds?: readonly string[];
  /** Delete without the confirmation. */
  readonly confirmed?: boolean;
}

/** What a clean-up did. */
export interface CleanUpResult {
  /** The files offered (belonging to no active job). */
  readonly offered: readonly string[];
  readonly deleted: readonly string[];
  readonly bytes: number;
  readonly failed: readonly { readonly id: string; readonly name: string; readonly message: string }[];
}

const nothing: CleanUpResult = { offered: [], deleted: [], bytes: 0, failed: [] };

/**
 * "Clean Up Files…" on a connection: lists the resource's files that belong to no active job (with size and age; result
 * files whose job's results were not downloaded are marked), lets the user pick several, confirms, deletes them, and
 * tells how many went and how much space, naming any that could not be deleted.
 */
export async function cleanUpFiles(deps: CleanUpDeps, arg?: unknown, options: CleanUpOptions = {}): Promise<CleanUpResult> {
  const connection = resolveConnection(deps.jobs, arg) ?? (await pickConnection(deps.jobs));
  if (!connection) {
    return nothing;
  }
  const client = await deps.clients.clientFor(connection, { interactive: true });
  const candidates = await withCancellableProgress(vscode.l10n.t('Listing the files of {0}', connection.name), async (_report, signal) => {
    const [files, batches] = await Promise.all([client.listFiles({ signal }), client.listAllBatches({ signal })]);
    return cleanupCandidates(files, cleanupJobs(deps, connection, batches), { now: Math.floor(Date.now() / 1000), keep: filesToKeep(deps, connection) });
  });
  if (candidates.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('{0} has no files to clean up: every file belongs to an active job.', connection.name));
    return nothing;
  }
  const offered = candidates.map((c) => c.file.id);
  const chosen = options.fileIds ? candidates.filter((c) => options.fileIds!.includes(c.file.id)) : await pickFiles(connection, candidates);
  if (!chosen || chosen.length === 0) {
    return { ...nothing, offered };
  }
  const bytes = totalBytes(chosen.map((c) => c.file));
  if (!options.confirmed && !(await confirm(connection, chosen, bytes))) {
    return { ...nothing, offered };
  }
  const deleted: string[] = [];
  const failed: { id: string; name: string; message: string }[] = [];
  await withCancellableProgress(vscode.l10n.t('Deleting files of {0}', connection.name), async (report, signal) => {
    for (const [index, candidate] of chosen.entries()) {
      if (signal.aborted) {
        break;
      }
      report({ increment: 100 / chosen.length, message: vscode.l10n.t('{0} of {1}', index + 1, chosen.length) });
      try {
        await client.deleteFile(candidate.file.id, signal);
        deleted.push(candidate.file.id);
      } catch (error) {
        failed.push({ id: candidate.file.id, name: candidate.file.filename, message: error instanceof Error ? error.message : String(error) });
      }
    }
  }).finally(async () => {
    // The job rows stop offering files that are gone, whatever happened after.
    await deps.jobs.marks.markDeleted(connection.id, deleted);
    void deps.usage.refresh(connection);
  });
  const deletedBytes = totalBytes(chosen.filter((c) => deleted.includes(c.file.id)).map((c) => c.file));
  if (deleted.length > 0) {
    void vscode.window.showInformationMessage(
      deleted.length === 1 ? vscode.l10n.t('Deleted 1 file ({0}) from {1}.', formatBytes(deletedBytes), connection.name) : vscode.l10n.t('Deleted {0} files ({1}) from {2}.', deleted.length, formatBytes(deletedBytes), connection.name),
    );
  }
  if (failed.length > 0) {
    void vscode.window.showErrorMessage(
      vscode.l10n.t('Could not delete {0} of the files: {1}', failed.length, failed.map((f) => vscode.l10n.t('{0} ({1}): {2}', f.name, f.id, f.message)).join('; ')),
    );
  }
  return { offered, deleted, bytes: deletedBytes, failed };
}

/**
 * Every job the resource lists, the jobs recorded here that it did not list, and the parts of job groups, each with
 * whether its results were downloaded here.
 */
function cleanupJobs(deps: CleanUpDeps, connection: Connection, listed: readonly CleanupJob['batch'][]): CleanupJob[] {
  const records = deps.jobs.store.forConnection(connection.id);
  const downloaded = new Set(records.filter((record) => record.downloaded?.results || record.downloaded?.output).map((record) => record.batchId));
  const groups = deps.groups.forConnection(connection.id);
  for (const group of groups) {
    if (group.results) {
      for (const part of group.state.parts) {
        if (part.batchId) {
          downloaded.add(part.batchId);
        }
      }
    }
  }
  const jobs: CleanupJob[] = listed.map((batch) => ({ batch, downloaded: downloaded.has(batch.id) }));
  const seen = new Set(listed.map((batch) => batch.id));
  for (const record of records) {
    if (record.snapshot && !seen.has(record.batchId)) {
      jobs.push({ batch: record.snapshot, downloaded: downloaded.has(record.batchId) });
    }
  }
  return jobs;
}

/** Inputs of submissions whose create has not answered and of group parts not yet created or still running. */
function filesToKeep(deps: CleanUpDeps, connection: Connection): string[] {
  const keep: string[] = [];
  for (const record of deps.jobs.store.forConnection(connection.id)) {
    if (record.inputFileId && (record.batchId === '' || record.mayExist || !record.snapshot || !isTerminal(record.snapshot.status))) {
      keep.push(record.inputFileId);
    }
  }
  for (const group of deps.groups.forConnection(connection.id)) {
    for (const part of group.state.parts) {
      if (part.inputFileId && !(part.batchStatus && isTerminal(part.batchStatus))) {
        keep.push(part.inputFileId);
      }
    }
  }
  return keep;
}

async function pickConnection(jobs: JobsModel): Promise<Connection | undefined> {
  const all = jobs.connectionList();
  if (all.length <= 1) {
    if (all.length === 0) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Add a connection first: there are no files to clean up.'));
    }
    return all[0];
  }
  const picked = await vscode.window.showQuickPick(
    all.map((connection) => ({ label: connection.name, description: connection.endpoint, connection })),
    { title: vscode.l10n.t('Clean up the files of which connection?') },
  );
  return picked?.connection;
}

async function pickFiles(connection: Connection, candidates: readonly CleanupCandidate[]): Promise<CleanupCandidate[] | undefined> {
  const items = candidates.map((candidate) => ({
    label: `${candidate.notDownloaded ? '$(warning) ' : ''}${candidate.file.filename || candidate.file.id}`,
    description: vscode.l10n.t('{0} · {1} old', formatBytes(candidate.file.bytes ?? 0), formatDuration(candidate.ageSeconds * 1000)),
    detail: [
      candidate.file.id,
      candidate.batchId ? roleText(candidate) : vscode.l10n.t('no job'),
      ...(candidate.notDownloaded ? [vscode.l10n.t('results not downloaded')] : []),
    ].join(' · '),
    // Result files not downloaded are offered, never chosen for the user.
    picked: !candidate.notDownloaded,
    candidate,
  }));
  const picked = await vscode.window.showQuickPick(items, {
    title: vscode.l10n.t('Clean Up Files of {0}', connection.name),
    placeHolder: vscode.l10n.t('{0} files belong to no active job ({1}); choose the ones to delete', candidates.length, formatBytes(totalBytes(candidates.map((c) => c.file)))),
    canPickMany: true,
    matchOnDetail: true,
  });
  return picked?.map((item) => item.candidate);
}

function roleText(candidate: CleanupCandidate): string {
  const batch = candidate.batchId!;
  switch (candidate.role) {
    case 'output':
      return vscode.l10n.t('output of {0}', batch);
    case 'errors':
      return vscode.l10n.t('error file of {0}', batch);
    default:
      return vscode.l10n.t('input of {0}', batch);
  }
}

async function confirm(connection: Connection, chosen: readonly CleanupCandidate[], bytes: number): Promise<boolean> {
  const remove = vscode.l10n.t('Delete');
  const lost = chosen.filter((c) => c.notDownloaded).length;
  const message =
    chosen.length === 1 ? vscode.l10n.t('Delete 1 file ({0}) from {1}?', formatBytes(bytes), connection.name) : vscode.l10n.t('Delete {0} files ({1}) from {2}?', chosen.length, formatBytes(bytes), connection.name);
  const detail = lost > 0 ? vscode.l10n.t('{0} of them hold results that were not downloaded: they are lost. This cannot be undone.', lost) : vscode.l10n.t('This cannot be undone.');
  return (await vscode.window.showWarningMessage(message, { modal: true, detail }, remove)) === remove;
}
