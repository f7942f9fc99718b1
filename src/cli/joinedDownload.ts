import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomically, writeFilesTogether } from '../core/atomicFile';
import { SOURCE_FILE_KEY, type Batch, type BatchClient } from '../core/batch/client';
import { BatchServiceError } from '../core/batch/errors';
import { joinResults, type JoinSummary } from '../core/results/join';
import { actualCost } from '../core/results/cost';
import { englishSummaryLabels, summaryMarkdown } from '../core/results/summaryMarkdown';
import { ModelResolver } from '../core/tokens/models';
import { downloadJobFiles, type DownloadedFiles } from '../core/recipes/downloadJob';
import { plannedResultFiles, refuseExisting } from './jobRunner';

/** What {@link downloadJoined} wrote: the raw files, and the joined results with their summary when the input was at hand. */
export interface JoinedDownload {
  readonly files: DownloadedFiles & { results?: string; summary?: string };
  readonly joined?: JoinSummary;
  /** Why the results and summary were not written (the service would not give the job's input file). */
  readonly notJoined?: string;
}

/**
 * What the editor's Download Results writes, from the command line: the job's output and error files,
 * then `NAME.results.jsonl` (every input request in input order, joined to its answer) and
 * `NAME.summary.md`, all in `directory` (which must exist) under names made safe, each atomically.
 * The input is `input` when given (the file that was submitted), else the job's input file fetched from
 * the service into a temporary folder. Every file is checked before anything is written: an existing
 * one stops the download unless `overwrite`. They are written together (see {@link writeFilesTogether}): a
 * download that fails midway leaves none of them, so running it again needs no `overwrite`.
 */
export async function downloadJoined(client: BatchClient, batch: Batch, directory: string, options: { overwrite: boolean; input?: string; signal?: AbortSignal }): Promise<JoinedDownload> {
  const { overwrite, signal } = options;
  const paths = await plannedResultFiles(directory, batch.metadata?.[SOURCE_FILE_KEY], batch.id);
  await refuseExisting([batch.output_file_id ? paths.output : undefined, batch.error_file_id ? paths.errors : undefined, paths.results, paths.summary], overwrite);
  const scratch = options.input === undefined ? await mkdtemp(join(tmpdir(), 'aoai-batch-input-')) : undefined;
  const planned = { output: paths.output, errors: paths.errors, results: paths.results, summary: paths.summary };
  try {
    return await writeFilesTogether(
      directory,
      planned,
      async (staged) => {
        const input = options.input ?? (await fetchInput(client, batch, join(scratch!, 'input.jsonl'), signal));
        const downloaded = await downloadJobFiles(client, batch, staged, { signal });
        const files = { output: downloaded.output && planned.output, errors: downloaded.errors && planned.errors };
        if (typeof input !== 'string') {
          return { files: withoutUndefined(files), notJoined: `the service did not give the input file ${batch.input_file_id || '(none)'} of ${batch.id} (${input.refused})` };
        }
        const joined = namingFinalFiles(await joinResults(input, [downloaded], staged.results), { [staged.output]: planned.output, [staged.errors]: planned.errors });
        const name = batch.metadata?.[SOURCE_FILE_KEY] || `${batch.id}.jsonl`;
        // Priced at the built-in batch prices: the command line has no prices setting.
        const details = { batchId: batch.id, times: batch, cost: actualCost(joined.usageByModel, new ModelResolver(), joined.deployments[0]) };
        await writeFileAtomically(staged.summary, (write) => write(summaryMarkdown(name, joined, englishSummaryLabels, details)));
        return { files: { ...withoutUndefined(files), results: planned.results, summary: planned.summary }, joined };
      },
      { overwrite },
    );
  } finally {
    if (scratch !== undefined) {
      await rm(scratch, { recursive: true, force: true });
    }
  }
}

/** The summary of a join of staged files, naming the files where they end up. */
function namingFinalFiles(summary: JoinSummary, final: Readonly<Record<string, string>>): JoinSummary {
  const named = <T extends { file: string }>(item: T): T => ({ ...item, file: final[item.file] ?? item.file });
  return { ...summary, malformed: summary.malformed.map(named), unknownIds: summary.unknownIds.map(named) };
}

function withoutUndefined(files: { output?: string; errors?: string }): DownloadedFiles {
  return Object.fromEntries(Object.entries(files).filter(([, path]) => path !== undefined)) as DownloadedFiles;
}

/**
 * Downloads the job's input file to `destination`; when the service refuses (deleted, expired, or a
 * service that does not hand out batch input files), why. Other failures (network, cancel) throw.
 */
async function fetchInput(client: BatchClient, batch: Batch, destination: string, signal: AbortSignal | undefined): Promise<string | { refused: string }> {
  // A job read from Blob storage (`input_blob`) has no input file: null, or "" as in Azure's samples.
  if (!batch.input_file_id) {
    return { refused: 'the job names no input file' };
  }
  try {
    await client.downloadFile(batch.input_file_id, destination, { signal });
    return destination;
  } catch (error) {
    if (error instanceof BatchServiceError && error.status !== undefined && error.status >= 400 && error.status < 500) {
      return { refused: error.message.replace(/\.$/, '') };
    }
    throw error;
  }
}
