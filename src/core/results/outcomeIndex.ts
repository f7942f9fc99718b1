import { closeSync, openSync } from 'node:fs';
import { readLineAt, readLocatedLines } from '../io/lineReader';
import type { RequestOutcome } from './join';
import { jobFolderSuffix, resultFileSuffixes, resultStem } from './names';
import { isObject, responseFacts } from './resultRow';

/** What the source file shows of one request's outcome. */
export interface RequestOutcomeInfo {
  readonly status: RequestOutcome;
  readonly statusCode: number | null;
  /** The error code and message of a failed (or not run) request. */
  readonly code?: string;
  readonly message?: string;
  /** The first lines of the answer (at most {@link previewChars} characters), or an embedding's dimensions. */
  readonly preview?: string;
}

export type OutcomeTotals = { readonly [status in RequestOutcome]: number };

export const previewChars = 200;
export const previewLines = 3;
const messageChars = 200;
/** Longest line a hover reads back for its preview; a longer one shows its status only. */
const maxLookupBytes = 4 * 1024 * 1024;

/**
 * Where each request's line is in a joined results file, with the totals. Only offsets are held (about 10 MB
 * for 100,000 requests); {@link OutcomeIndex.lookup} reads the one line a hover asks for.
 */
export class OutcomeIndex {
  constructor(
    readonly resultsPath: string,
    readonly totals: OutcomeTotals,
    private readonly rows: ReadonlyMap<string, number>,
    private readonly offsets: readonly number[],
    private readonly lengths: readonly number[],
    /** Each row's status and status code (-1 for none), for a line too long to read back in a hover. */
    private readonly outcomes: { readonly status: readonly RequestOutcome[]; readonly statusCode: readonly number[] },
  ) {}

  get size(): number {
    return this.rows.size;
  }

  has(customId: string): boolean {
    return this.rows.has(customId);
  }

  /** The outcome of one request, read from its line; undefined when it has none or the file changed since. */
  lookup(customId: string): RequestOutcomeInfo | undefined {
    const row = this.rows.get(customId);
    if (row === undefined) {
      return undefined;
    }
    if (this.lengths[row]! > maxLookupBytes) {
      // Reading and parsing a line of 100 MB would stall the host for a third of a second on every hover.
      const code = this.outcomes.statusCode[row]!;
      return { status: this.outcomes.status[row]!, statusCode: code >= 0 ? code : null };
    }
    let text: string;
    try {
      const handle = openSync(this.resultsPath, 'r');
      try {
        text = readLineAt(handle, this.offsets[row]!, this.lengths[row]!);
      } finally {
        closeSync(handle);
      }
    } catch {
      return undefined;
    }
    const parsed = parseJoinedLine(text);
    return parsed?.id === customId ? outcomeInfo(parsed.line) : undefined;
  }
}

/**
 * Indexes a `NAME.results.jsonl` (the joined results, one line per request) by custom_id, streaming it line by
 * line. Lines that are not joined results are skipped; an id seen twice keeps its first line.
 */
export async function buildOutcomeIndex(resultsPath: string, options: { readonly signal?: AbortSignal } = {}): Promise<OutcomeIndex> {
  const rows = new Map<string, number>();
  const offsets: number[] = [];
  const lengths: number[] = [];
  const totals = { succeeded: 0, failed: 0, missing: 0 };
  const outcomes = { status: [] as RequestOutcome[], statusCode: [] as number[] };
  for await (const line of readLocatedLines(resultsPath)) {
    if (options.signal?.aborted) {
      throw options.signal.reason;
    }
    const parsed = parseJoinedLine(line.text);
    if (parsed === undefined || rows.has(parsed.id)) {
      continue;
    }
    rows.set(parsed.id, offsets.length);
    offsets.push(line.offset);
    lengths.push(line.length);
    outcomes.status.push(parsed.line.status);
    outcomes.statusCode.push(typeof parsed.line.status_code === 'number' ? parsed.line.status_code : -1);
    totals[parsed.line.status]++;
  }
  return new OutcomeIndex(resultsPath, totals, rows, offsets, lengths, outcomes);
}

interface JoinedValue {
  readonly status: RequestOutcome;
  readonly status_code?: unknown;
  readonly response?: unknown;
  readonly error?: unknown;
}

function parseJoinedLine(text: string): { id: string; line: JoinedValue } | undefined {
  if (text.trim().length === 0) {
    return undefined;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(value) || typeof value.custom_id !== 'string' || !isOutcome(value.status)) {
    return undefined;
  }
  return { id: value.custom_id, line: value as unknown as JoinedValue };
}

function outcomeInfo(line: JoinedValue): RequestOutcomeInfo {
  const error = isObject(line.error) ? line.error : undefined;
  return {
    status: line.status,
    statusCode: typeof line.status_code === 'number' ? line.status_code : null,
    code: error && (typeof error.code === 'string' || typeof error.code === 'number') ? String(error.code) : undefined,
    message: error && typeof error.message === 'string' ? shorten(error.message, messageChars, 1) : undefined,
    preview: line.status === 'succeeded' ? answerPreview(line.response) : undefined,
  };
}

/** The answer of a response body (as the results grid reads it), shortened; undefined when there is none. */
export function answerPreview(body: unknown): string | undefined {
  const answer = responseFacts(body).answer;
  return answer.length > 0 ? shorten(answer, previewChars, previewLines) : undefined;
}

/** The first `lines` lines of `text`, at most `chars` characters, with `…` when anything was cut. */
export function shorten(text: string, chars: number, lines: number): string {
  const kept = text.split('\n', lines + 1);
  let result = kept.slice(0, lines).join('\n');
  let cut = kept.length > lines;
  if (result.length > chars) {
    result = result.slice(0, chars);
    cut = true;
  }
  // A copy, never a slice: a slice keeps the whole answer it was cut from alive (340 MB for 100,000 answers of 5 KB).
  return Buffer.from(cut ? `${result.trimEnd()}…` : result, 'utf8').toString('utf8');
}

/**
 * The `custom_id` of one line of a batch file, found cheaply: the string after the first `"custom_id"` key,
 * read without parsing the whole request (a hover must not parse a 100 KB line). Undefined when there is none.
 */
export function customIdOfLine(text: string): string | undefined {
  const match = /"custom_id"\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(text);
  if (!match) {
    return undefined;
  }
  try {
    return JSON.parse(`"${match[1]}"`) as string;
  } catch {
    return undefined;
  }
}

function isOutcome(value: unknown): value is RequestOutcome {
  return value === 'succeeded' || value === 'failed' || value === 'missing';
}

/**
 * Where the joined results of a source file may be, most likely first: one folder per job
 * (`NAME.results/NAME.results.jsonl`), then the loose file (`NAME.results.jsonl`), each in `folders` in order
 * (the configured results folder, then the source's own folder). `join` is the platform's path join.
 */
export function resultsFileCandidates(sourceName: string, folders: readonly string[], join: (...parts: string[]) => string): string[] {
  const stem = resultStem(sourceName, 'results');
  const candidates: string[] = [];
  const file = `${stem}.${resultFileSuffixes.results}`;
  for (const layout of [(folder: string) => join(folder, `${stem}${jobFolderSuffix}`, file), (folder: string) => join(folder, file)]) {
    for (const folder of folders) {
      const path = layout(folder);
      if (!candidates.includes(path)) {
        candidates.push(path);
      }
    }
  }
  return candidates;
}
