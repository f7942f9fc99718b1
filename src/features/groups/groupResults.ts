import { mkdir } from 'node:fs/promises';
import * as vscode from 'vscode';
import { writeFileAtomically } from '../../core/atomicFile';
import { allGroupFiles, downloadGroupResults, groupResultPaths } from '../../core/recipes/groupResults';
import type { JoinSummary } from '../../core/results/join';
import type { ConnectionStore } from '../connections/connectionStore';
import type { ClientFactory } from '../connections/credentials';
import type { JobRecord } from '../jobs/jobStore';
import { withCancellableProgress } from '../progress';
import { resultsFolder, summaryMarkdown } from '../results/resultsService';
import { confirmReplace, describeWriteError } from '../results/safeWrites';
import type { GroupStore } from './groupStore';

export interface GroupDownload {
  readonly results: string;
  readonly summaryFile: string;
  readonly summary: JoinSummary;
}

/**
 * Downloads every part of a finished group and merges them into one `NAME.results.jsonl` in input order.
 * Existing files are replaced only after the user agreed (or with `overwrite`, for scripted use).
 */
export async function downloadGroup(groups: GroupStore, connections: ConnectionStore, clients: ClientFactory, groupId: string, overwrite?: boolean): Promise<GroupDownload | undefined> {
  const record = groups.get(groupId);
  const connection = record && connections.get(record.connectionId);
  if (!record || !connection) {
    throw new Error(vscode.l10n.t('This job group is no longer known.'));
  }
  const client = await clients.clientFor(connection, { interactive: true });
  const pseudoJob = { sourceUri: record.sourceUri, sourceName: record.state.name } as JobRecord;
  const folder = resultsFolder(pseudoJob);
  try {
    await mkdir(folder, { recursive: true });
    const consent = await confirmReplace(allGroupFiles(await groupResultPaths(record.state, folder)), overwrite);
    if (consent === undefined) {
      return undefined;
    }
    const merged = await withCancellableProgress(vscode.l10n.t('Downloading and merging the results of {0}', record.state.name), (_report, signal) =>
      downloadGroupResults(client, record.state, folder, { overwrite: consent, signal }),
    );
    await writeFileAtomically(merged.summaryPath, (write) => write(summaryMarkdown(pseudoJob, merged.summary)), { overwrite: consent });
    await groups.update(groupId, (current) => ({ ...current, results: merged.results }));
    return { results: merged.results, summaryFile: merged.summaryPath, summary: merged.summary };
  } catch (error) {
    throw describeWriteError(error);
  }
}
