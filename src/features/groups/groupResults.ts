import * as vscode from 'vscode';
import { writeFileAtomically } from '../../core/atomicFile';
import { allGroupFiles, downloadGroupResults, groupResultPaths } from '../../core/recipes/groupResults';
import type { JoinSummary } from '../../core/results/join';
import type { ConnectionStore } from '../connections/connectionStore';
import type { ClientFactory } from '../connections/credentials';
import { withCancellableProgress } from '../progress';
import { jobResultsFolder, summaryDetails, summaryMarkdown } from '../results/resultsService';
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
  // Named and placed like a job: `NAME.results/` next to the file that was split.
  const asJob = { sourceUri: record.sourceUri, sourceName: record.state.name, batchId: record.state.id };
  try {
    const folder = await jobResultsFolder(asJob);
    const consent = await confirmReplace(allGroupFiles(await groupResultPaths(record.state, folder)), overwrite);
    if (consent === undefined) {
      return undefined;
    }
    const merged = await withCancellableProgress(vscode.l10n.t('Downloading and merging the results of {0}', record.state.name), (_report, signal) =>
      downloadGroupResults(client, record.state, folder, { overwrite: consent, signal }),
    );
    // The group's id is this extension's own, not a batch id: the summary names the connection, not an id.
    const details = { ...summaryDetails(asJob, connection, merged.summary), batchId: undefined };
    await writeFileAtomically(merged.summaryPath, (write) => write(summaryMarkdown(asJob, merged.summary, details)), { overwrite: consent });
    await groups.update(groupId, (current) => ({ ...current, results: merged.results }));
    return { results: merged.results, summaryFile: merged.summaryPath, summary: merged.summary };
  } catch (error) {
    throw describeWriteError(error);
  }
}
