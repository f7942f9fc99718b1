import { basename, dirname } from 'node:path';
import { isRetryFileName, jobFolderSuffix, resultFileSuffixes } from '../results/names';

// The endings of the files results are downloaded to (`NAME.output.jsonl`, `NAME.errors.jsonl`,
// `NAME.results.jsonl`), from the function that names them. Retry files (`NAME.retry-N.jsonl`) are input.
const resultSuffixes = [resultFileSuffixes.output, resultFileSuffixes.errors, resultFileSuffixes.results].map((suffix) => `.${suffix}`);

/**
 * True for a file named like the results this tool writes: output, error and merged results files, and any
 * `.jsonl` file in a job's results folder (`NAME.results/`) but a retry file, which is input sent again.
 */
export function isResultFileName(path: string): boolean {
  const name = basename(path).toLowerCase();
  if (resultSuffixes.some((suffix) => name.length > suffix.length && name.endsWith(suffix))) {
    return true;
  }
  const folder = basename(dirname(path)).toLowerCase();
  // A retry file (NAME.retry-N.jsonl) is written into the job's folder too, and is input.
  return name.endsWith('.jsonl') && folder.length > jobFolderSuffix.length && folder.endsWith(jobFolderSuffix) && !isRetryFileName(name);
}

const requestFields = ['method', 'url', 'body'] as const;

/**
 * True for a line shaped like a line of an output, error or results file: a JSON object with `custom_id` and
 * `response` or `error`, and none of the request fields `method`, `url`, `body`. Cheap for other lines: a
 * text test rules most of them out before any parsing.
 */
export function isOutputLine(text: string): boolean {
  if (!text.includes('"custom_id"') || !(text.includes('"response"') || text.includes('"error"'))) {
    return false;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return false;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return false;
  }
  const record = value as Record<string, unknown>;
  return 'custom_id' in record && ('response' in record || 'error' in record) && !requestFields.some((field) => field in record);
}

/**
 * The rule for documents: one whose first non-blank line is an output line holds results, not requests.
 * `lineAt` reads lines until one is not blank (at most `lineCount` of them).
 */
export function startsWithOutputLine(lineCount: number, lineAt: (line: number) => string): boolean {
  for (let line = 0; line < lineCount; line++) {
    const text = lineAt(line);
    if (text.trim().length > 0) {
      return isOutputLine(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    }
  }
  return false;
}
