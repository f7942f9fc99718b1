import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { BatchClient } from '../batch/client';
import type { GroupState } from '../batch/groupRunner';
import { joinResults, type Attempt, type JoinSummary } from './join';
import { resultPaths, resultStem } from './names';

/**
 * Downloads every finished part's output and error files into `directory` and joins them back to the
 * original input into one `NAME.results.jsonl`, in the original order, each request exactly once.
 */
export async function downloadGroupResults(client: BatchClient, group: GroupState, directory: string, options: { overwrite?: boolean; signal?: AbortSignal } = {}): Promise<{ results: string; summary: JoinSummary; files: string[] }> {
  await mkdir(directory, { recursive: true });
  const attempts: Attempt[] = [];
  const files: string[] = [];
  for (const part of group.parts) {
    const stem = resultStem(part.path, part.batchId ?? `part-${part.index}`);
    const attempt: { output?: string; errors?: string } = {};
    if (part.outputFileId) {
      attempt.output = join(directory, `${stem}.output.jsonl`);
      await client.downloadFile(part.outputFileId, attempt.output, options);
      files.push(attempt.output);
    }
    if (part.errorFileId) {
      attempt.errors = join(directory, `${stem}.errors.jsonl`);
      await client.downloadFile(part.errorFileId, attempt.errors, options);
      files.push(attempt.errors);
    }
    attempts.push(attempt);
  }
  const results = resultPaths(directory, resultStem(group.name, group.id)).results;
  const summary = await joinResults(group.sourcePath, attempts, results);
  return { results, summary, files };
}
