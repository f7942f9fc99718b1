import { mkdir } from 'node:fs/promises';
import type { WriteOptions } from '../atomicFile';
import type { BatchClient } from '../batch/client';
import type { GroupState } from '../batch/groupRunner';
import { joinResults, type Attempt, type JoinSummary } from '../results/join';
import { resultPaths, resultStem } from '../results/names';
import { downloadJobFiles } from './downloadJob';

/** Where a group's files go in `directory`: each part's output and error file, the merged results and summary. */
export interface GroupResultPaths {
  readonly parts: readonly { readonly output: string; readonly errors: string }[];
  readonly results: string;
  readonly summary: string;
}

/** The paths {@link downloadGroupResults} writes (every one that it may write), each checked to stay in `directory`. */
export async function groupResultPaths(group: GroupState, directory: string): Promise<GroupResultPaths> {
  const parts = await Promise.all(group.parts.map((part) => resultPaths(directory, resultStem(part.path, part.batchId ?? `part-${part.index}`))));
  const merged = await resultPaths(directory, resultStem(group.name, group.id));
  return { parts: parts.map(({ output, errors }) => ({ output, errors })), results: merged.results, summary: merged.summary };
}

/** Every file of {@link groupResultPaths}, for checking them all before anything is written. */
export function allGroupFiles(paths: GroupResultPaths): string[] {
  return [...paths.parts.flatMap((part) => [part.output, part.errors]), paths.results, paths.summary];
}

/**
 * Downloads every finished part's output and error files into `directory` and joins them back to the
 * original input into one `NAME.results.jsonl`, in the original order, each request exactly once.
 * Existing files are replaced only with `options.overwrite`.
 */
export async function downloadGroupResults(
  client: BatchClient,
  group: GroupState,
  directory: string,
  options: WriteOptions & { signal?: AbortSignal } = {},
): Promise<{ results: string; summaryPath: string; summary: JoinSummary; files: string[] }> {
  await mkdir(directory, { recursive: true });
  const paths = await groupResultPaths(group, directory);
  const attempts: Attempt[] = [];
  const files: string[] = [];
  for (const [i, part] of group.parts.entries()) {
    const attempt = await downloadJobFiles(client, { output_file_id: part.outputFileId, error_file_id: part.errorFileId }, paths.parts[i]!, options);
    files.push(...[attempt.output, attempt.errors].filter((path): path is string => path !== undefined));
    attempts.push(attempt);
  }
  const summary = await joinResults(group.sourcePath, attempts, paths.results, options);
  return { results: paths.results, summaryPath: paths.summary, summary, files };
}
