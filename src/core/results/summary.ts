import { readLocatedLines } from '../io/lineReader';
import { failureKey, MalformedResultLine, parseResultLine, rankFailures } from './outputLine';

/** What a job's output and error files say, in numbers. */
export interface ResultSummary {
  succeeded: number;
  failed: number;
  /** Failures by error code or status, most common first. */
  failuresByCode: { key: string; count: number }[];
  promptTokens: number;
  completionTokens: number;
  /** The tokens of the successful requests by the model their responses name ('' when none is named), for pricing. */
  usageByModel: ModelUsage[];
  /** Lines that could not be read, with where they are: reported, never merged; the first {@link maxReported}. */
  malformed: { file: string; line: number; reason: string }[];
  /** Every line that could not be used, listed or not (a file of millions of such lines lists only the first). */
  unusableLines: number;
  /** custom_ids answered more than once by one job: how many, and the first few (the latest success is kept). */
  repeatedIds: { count: number; first: string[] };
}

/** Tokens used by the responses of one model. */
export interface ModelUsage {
  readonly model: string;
  promptTokens: number;
  completionTokens: number;
}

/** Adds up the tokens of successful responses per model. */
export class UsageByModel {
  private readonly byModel = new Map<string, ModelUsage>();

  add(model: string | undefined, promptTokens: number, completionTokens: number): void {
    const key = model ?? '';
    const usage = this.byModel.get(key) ?? { model: key, promptTokens: 0, completionTokens: 0 };
    usage.promptTokens += promptTokens;
    usage.completionTokens += completionTokens;
    this.byModel.set(key, usage);
  }

  report(): ModelUsage[] {
    return [...this.byModel.values()];
  }
}

/** How many unusable lines a summary lists: a 200 MB file of lines that are not JSON must not be held in memory. */
export const maxReported = 1000;

/** Adds `item` to `list` while it holds fewer than {@link maxReported}. */
export function reportCapped<T>(list: T[], item: T): void {
  if (list.length < maxReported) {
    list.push(item);
  }
}

/** How many repeated ids a summary names. */
const namedRepeats = 10;

/** Collects the custom_ids a job answered more than once: each counted once, the first few named. */
export class RepeatedIds {
  private readonly ids = new Set<string>();

  add(id: string): void {
    this.ids.add(id);
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  report(): { count: number; first: string[] } {
    const first: string[] = [];
    for (const id of this.ids) {
      if (first.length === namedRepeats) {
        break;
      }
      first.push(id);
    }
    return { count: this.ids.size, first };
  }
}

/**
 * Adds up one job's output and error files (streamed). A line is counted by its own status, whichever
 * file holds it; an id on more than one line is counted in `repeatedIds`.
 */
export async function summarizeResultFiles(paths: readonly string[]): Promise<ResultSummary> {
  const summary: ResultSummary = { succeeded: 0, failed: 0, failuresByCode: [], promptTokens: 0, completionTokens: 0, usageByModel: [], malformed: [], unusableLines: 0, repeatedIds: { count: 0, first: [] } };
  const usage = new UsageByModel();
  const failures = new Map<string, number>();
  const seen = new Set<string>();
  const repeated = new RepeatedIds();
  for (const path of paths) {
    for await (const { text, line } of readLocatedLines(path)) {
      if (text.trim().length === 0) {
        continue;
      }
      try {
        const result = parseResultLine(text);
        if (seen.has(result.customId)) {
          repeated.add(result.customId);
        } else {
          seen.add(result.customId);
        }
        if (result.succeeded) {
          summary.succeeded++;
          summary.promptTokens += result.promptTokens;
          summary.completionTokens += result.completionTokens;
          usage.add(result.model, result.promptTokens, result.completionTokens);
        } else {
          summary.failed++;
          const key = failureKey(result);
          failures.set(key, (failures.get(key) ?? 0) + 1);
        }
      } catch (error) {
        if (!(error instanceof MalformedResultLine)) {
          throw error;
        }
        summary.unusableLines++;
        reportCapped(summary.malformed, { file: path, line: line + 1, reason: error.message });
      }
    }
  }
  summary.failuresByCode = rankFailures(failures);
  summary.repeatedIds = repeated.report();
  summary.usageByModel = usage.report();
  return summary;
}
