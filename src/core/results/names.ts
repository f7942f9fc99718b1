import { basename, extname, join } from 'node:path';

/** The stem results are named after: the source file's name without `.jsonl`, or the job id. */
export function resultStem(sourceFile: string | undefined, batchId: string): string {
  if (!sourceFile) {
    return batchId;
  }
  const name = basename(sourceFile);
  return extname(name).toLowerCase() === '.jsonl' ? name.slice(0, -'.jsonl'.length) : name;
}

/** Where a job's downloaded files go: `NAME.output.jsonl`, `NAME.errors.jsonl`, `NAME.results.jsonl`. */
export function resultPaths(directory: string, stem: string): { output: string; errors: string; results: string } {
  return {
    output: join(directory, `${stem}.output.jsonl`),
    errors: join(directory, `${stem}.errors.jsonl`),
    results: join(directory, `${stem}.results.jsonl`),
  };
}
