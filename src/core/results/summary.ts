import { readLocatedLines } from './byteLines';
import { failureKey, MalformedResultLine, parseResultLine, rankFailures } from './outputLine';

/** What a job's output and error files say, in numbers. */
export interface ResultSummary {
  succeeded: number;
  failed: number;
  /** Failures by error code or status, most common first. */
  failuresByCode: { key: string; count: number }[];
  promptTokens: number;
  completionTokens: number;
  /** Lines that could not be read, with where they are: reported, never merged. */
  malformed: { file: string; line: number; reason: string }[];
}

/** Adds up output and error files (streamed). A line is counted by its own status, whichever file holds it. */
export async function summarizeResultFiles(paths: readonly string[]): Promise<ResultSummary> {
  const summary: ResultSummary = { succeeded: 0, failed: 0, failuresByCode: [], promptTokens: 0, completionTokens: 0, malformed: [] };
  const failures = new Map<string, number>();
  for (const path of paths) {
    for await (const { text, line } of readLocatedLines(path)) {
      if (text.trim().length === 0) {
        continue;
      }
      try {
        const result = parseResultLine(text);
        if (result.succeeded) {
          summary.succeeded++;
          summary.promptTokens += result.promptTokens;
          summary.completionTokens += result.completionTokens;
        } else {
          summary.failed++;
          const key = failureKey(result);
          failures.set(key, (failures.get(key) ?? 0) + 1);
        }
      } catch (error) {
        if (!(error instanceof MalformedResultLine)) {
          throw error;
        }
        summary.malformed.push({ file: path, line: line + 1, reason: error.message });
      }
    }
  }
  summary.failuresByCode = rankFailures(failures);
  return summary;
}
