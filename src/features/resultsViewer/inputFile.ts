import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { jobFolderSuffix, resultFileSuffixes } from '../../core/results/names';

/**
 * The batch input a results file was joined from: the one its job record names when there is one (the
 * `results.folder` setting can put results anywhere), else by name: `NAME.jsonl` next to `NAME.results.jsonl`,
 * or next to the job's results folder `NAME.results/`. Undefined when none exists.
 */
export function findInputFile(resultsPath: string, recorded: readonly (string | undefined)[] = []): string | undefined {
  const suffix = `.${resultFileSuffixes.results}`;
  const base = path.basename(resultsPath);
  const candidates = [...recorded];
  if (base.toLowerCase().endsWith(suffix)) {
    const stem = base.slice(0, -suffix.length);
    const folder = path.dirname(resultsPath);
    candidates.push(path.join(folder, `${stem}.jsonl`));
    const folderName = path.basename(folder);
    if (folderName.toLowerCase().endsWith(jobFolderSuffix)) {
      candidates.push(path.join(path.dirname(folder), `${folderName.slice(0, -jobFolderSuffix.length)}.jsonl`));
    }
    candidates.push(path.join(path.dirname(folder), `${stem}.jsonl`));
  }
  return candidates.find((candidate): candidate is string => candidate !== undefined && candidate !== resultsPath && existsSync(candidate));
}
