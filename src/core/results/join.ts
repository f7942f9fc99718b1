import { closeSync, openSync } from 'node:fs';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { writeFileAtomically, type LineWriter, type WriteOptions } from '../atomicFile';
import { readLineAt, readLocatedLines } from '../io/lineReader';
import { failureKey, MalformedResultLine, parseResultLine, rankFailures, type ResultLine } from './outputLine';
import { RepeatedIds, reportCapped, UsageByModel, type ResultSummary } from './summary';

/** The result files of one attempt (the first job, or a retry of its failed rows). */
export interface Attempt {
  readonly output?: string;
  readonly errors?: string;
}

export type RequestOutcome = 'succeeded' | 'failed' | 'missing';

/** One line of `NAME.results.jsonl`. */
export interface JoinedLine {
  custom_id: string;
  status: RequestOutcome;
  status_code: number | null;
  response: unknown;
  error: { code?: string; message?: string } | null;
}

/** A {@link ResultSummary} of the joined rows, with what only a join can tell. */
export interface JoinSummary extends ResultSummary {
  total: number;
  missing: number;
  /** Result lines whose custom_id is not in the input: reported (the first of them), never merged into another row; counted in `unusableLines`. */
  unknownIds: { file: string; line: number; customId: string }[];
  /** custom_ids of the failed and missing requests, in input order (what a retry resubmits). */
  unfinishedIds: string[];
  /** The deployments the input's requests name (`body.model`), most used first. */
  deployments: string[];
  /**
   * custom_ids on more than one input line: how many, and the first few. Each such line gets a row (the same
   * answer), but every count above counts the id once. Absent in summaries made before it was added.
   */
  duplicateInputIds?: { count: number; first: string[] };
}

interface Location {
  readonly file: number;
  /** 1-based line number, for reports. */
  readonly line: number;
  readonly offset: number;
  readonly length: number;
  readonly succeeded: boolean;
  /** False for a row the batch never ran (see {@link ResultLine.ran}): any answer replaces it, it replaces none. */
  readonly ran: boolean;
  /** The attempt that last answered this id, kept or not: a second answer in the same attempt is a repeat. */
  lastAttempt: number;
}

const maxDeployments = 200;

/**
 * Joins a job's results back to its input, in input order, writing one line per input request to
 * `destination` atomically (a temporary file renamed into place; an existing file only with
 * `options.overwrite`), or only adding up when `destination` is undefined. Result files are indexed by
 * byte offset rather than held in memory, so 100,000 results join in bounded memory. With several
 * attempts (retries of failed rows) the latest success wins; otherwise the latest failure. An id
 * answered twice within one attempt is counted in `repeatedIds`.
 */
export async function joinResults(inputPath: string, attempts: readonly Attempt[], destination: string | undefined, options: WriteOptions = {}): Promise<JoinSummary> {
  const summary: JoinSummary = { total: 0, succeeded: 0, failed: 0, missing: 0, failuresByCode: [], promptTokens: 0, completionTokens: 0, usageByModel: [], malformed: [], unusableLines: 0, unknownIds: [], repeatedIds: { count: 0, first: [] }, unfinishedIds: [], deployments: [] };
  const usage = new UsageByModel();
  const report = <T>(list: T[], item: T) => {
    summary.unusableLines++;
    reportCapped(list, item);
  };
  const files: string[] = [];
  const attemptOf: number[] = [];
  attempts.forEach((attempt, number) => {
    for (const path of [attempt.output, attempt.errors]) {
      if (path !== undefined) {
        files.push(path);
        attemptOf.push(number);
      }
    }
  });
  const repeated = new RepeatedIds();
  // The input's ids in order: the join walks this list instead of parsing the input a second time.
  const { ids: inputOrder, deployments } = await collectInput(inputPath);
  summary.deployments = deployments;
  const inputIds = new Set(inputOrder);
  const duplicates = inputIds.size < inputOrder.length ? duplicatedIds(inputOrder) : new RepeatedIds();
  // Ids on several input lines already counted: their later lines are written, not counted again.
  const counted = new Set<string>();
  const index = new Map<string, Location>();
  for (let file = 0; file < files.length; file++) {
    for await (const line of readLocatedLines(files[file]!)) {
      if (line.text.trim().length === 0) {
        continue;
      }
      let parsed: ResultLine;
      try {
        parsed = parseResultLine(line.text);
      } catch (error) {
        if (!(error instanceof MalformedResultLine)) {
          throw error;
        }
        report(summary.malformed, { file: files[file]!, line: line.line + 1, reason: error.message });
        continue;
      }
      if (!inputIds.has(parsed.customId)) {
        report(summary.unknownIds, { file: files[file]!, line: line.line + 1, customId: parsed.customId });
        continue;
      }
      const previous = index.get(parsed.customId);
      const attempt = attemptOf[file]!;
      if (previous?.lastAttempt === attempt) {
        repeated.add(parsed.customId);
      }
      // Later attempts come later in `files`: a success replaces anything, a failure only a failure, and a
      // row that was not run (expired, cancelled) only another row not run.
      if (!previous || parsed.succeeded || (!previous.succeeded && (parsed.ran || !previous.ran))) {
        index.set(parsed.customId, { file, line: line.line + 1, offset: line.offset, length: line.length, succeeded: parsed.succeeded, ran: parsed.ran, lastAttempt: attempt });
      } else {
        previous.lastAttempt = attempt;
      }
    }
  }

  // Result lines are read back by offset with synchronous reads (cheap from the page cache), yielding to
  // the event loop every few hundred rows so an editor host stays responsive.
  const handles = files.map((path) => openSync(path, 'r'));
  const failures = new Map<string, number>();
  const writeRows = async (write: LineWriter) => {
    let row = 0;
    for (const id of inputOrder) {
      if (++row % 500 === 0) {
        await yieldToEventLoop();
      }
      const location = index.get(id);
      if (duplicates.has(id)) {
        if (counted.has(id)) {
          await write(rowOf(id, location, handles) + '\n');
          continue;
        }
        counted.add(id);
      }
      summary.total++;
      const read = location ? readJoined(handles[location.file]!, location, id) : undefined;
      let text: string;
      if (read === undefined || typeof read === 'string') {
        if (location && typeof read === 'string') {
          // Reported, and the row is written as missing rather than from a line that cannot be used.
          report(summary.malformed, { file: files[location.file]!, line: location.line, reason: read });
        }
        summary.missing++;
        summary.unfinishedIds.push(id);
        const joined: JoinedLine = { custom_id: id, status: 'missing', status_code: null, response: null, error: null };
        text = JSON.stringify(joined);
      } else {
        const { result } = read;
        text = read.text;
        if (!result.ran) {
          summary.missing++;
          summary.unfinishedIds.push(id);
        } else if (result.succeeded) {
          summary.succeeded++;
          summary.promptTokens += result.promptTokens;
          summary.completionTokens += result.completionTokens;
          usage.add(result.model, result.promptTokens, result.completionTokens);
        } else {
          summary.failed++;
          summary.unfinishedIds.push(id);
          const key = failureKey(result);
          failures.set(key, (failures.get(key) ?? 0) + 1);
        }
      }
      await write(text + '\n');
    }
  };
  try {
    if (destination === undefined) {
      await writeRows(async () => undefined);
    } else {
      await writeFileAtomically(destination, writeRows, options);
    }
  } finally {
    for (const handle of handles) {
      closeSync(handle);
    }
  }
  summary.failuresByCode = rankFailures(failures);
  summary.repeatedIds = repeated.report();
  summary.usageByModel = usage.report();
  summary.duplicateInputIds = duplicates.report();
  return summary;
}

/** The ids on more than one of these lines. */
function duplicatedIds(ids: readonly string[]): RepeatedIds {
  const seen = new Set<string>();
  const duplicates = new RepeatedIds();
  for (const id of ids) {
    if (seen.has(id)) {
      duplicates.add(id);
    }
    seen.add(id);
  }
  return duplicates;
}

/** The joined row of an id, again (a later input line of a duplicated id): its answer, or missing. */
function rowOf(id: string, location: Location | undefined, handles: readonly number[]): string {
  const read = location ? readJoined(handles[location.file]!, location, id) : undefined;
  const missing: JoinedLine = { custom_id: id, status: 'missing', status_code: null, response: null, error: null };
  return read === undefined || typeof read === 'string' ? JSON.stringify(missing) : read.text;
}

/**
 * Writes the input rows whose `custom_id` is in `ids` (the failed and missing ones) to `destination`,
 * unchanged and in input order, atomically (an existing file only with `options.overwrite`). Returns
 * how many rows were written.
 */
export async function writeRetryFile(inputPath: string, ids: ReadonlySet<string>, destination: string, options: WriteOptions = {}): Promise<number> {
  return writeFileAtomically(destination, async (write) => {
    let written = 0;
    for await (const line of readLocatedLines(inputPath)) {
      const id = customIdOf(line.text);
      if (id !== undefined && ids.has(id)) {
        await write(line.text + '\n');
        written++;
      }
    }
    return written;
  }, options);
}

/**
 * The input's request ids, in order (lines without a usable id are skipped, as the service skips them), and the
 * deployments its requests name, most used first.
 */
async function collectInput(inputPath: string): Promise<{ ids: string[]; deployments: string[] }> {
  const ids: string[] = [];
  const deployments = new Map<string, number>();
  for await (const line of readLocatedLines(inputPath)) {
    const request = requestOf(line.text);
    if (request?.id !== undefined) {
      ids.push(request.id);
      // Bounded: a file naming thousands of deployments keeps only the first few hundred.
      if (request.deployment !== undefined && (deployments.has(request.deployment) || deployments.size < maxDeployments)) {
        deployments.set(request.deployment, (deployments.get(request.deployment) ?? 0) + 1);
      }
    }
  }
  return { ids, deployments: [...deployments].sort((a, b) => b[1] - a[1]).map(([name]) => name) };
}

function requestOf(text: string): { id: string | undefined; deployment: string | undefined } | undefined {
  if (text.trim().length === 0) {
    return undefined;
  }
  try {
    const value = JSON.parse(text) as { custom_id?: unknown; body?: { model?: unknown } };
    const id = typeof value?.custom_id === 'string' && value.custom_id.length > 0 ? value.custom_id : undefined;
    const model = value?.body?.model;
    return { id, deployment: typeof model === 'string' && model.length > 0 ? model : undefined };
  } catch {
    return undefined;
  }
}

function customIdOf(text: string): string | undefined {
  return requestOf(text)?.id;
}

/**
 * Reads an indexed result line back and writes its joined row as JSON text; or says why that cannot be
 * done: the file changed since it was indexed, or the response is nested deeper than `JSON.stringify`
 * can go (`JSON.parse` reads any depth, `JSON.stringify` recurses).
 */
function readJoined(handle: number, location: Location, id: string): { result: ResultLine; text: string } | string {
  let result: ResultLine;
  try {
    result = parseResultLine(readLineAt(handle, location.offset, location.length));
  } catch (error) {
    if (!(error instanceof MalformedResultLine)) {
      throw error;
    }
    return `the line changed while the results were joined (${error.message})`;
  }
  if (result.customId !== id) {
    return 'the line changed while the results were joined';
  }
  const joined: JoinedLine = {
    custom_id: id,
    status: result.succeeded ? 'succeeded' : result.ran ? 'failed' : 'missing',
    status_code: result.statusCode ?? null,
    response: result.body ?? null,
    error: result.succeeded ? null : (result.error ?? null),
  };
  try {
    return { result, text: JSON.stringify(joined) };
  } catch (error) {
    if (!(error instanceof RangeError)) {
      throw error;
    }
    return 'the response is nested too deeply to be written to the results file';
  }
}
