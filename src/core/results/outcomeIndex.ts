import { readLocatedLines } from '../io/lineReader';
import type { RequestOutcome } from './join';
import { resultStem } from './names';

/** What the source file shows of one request's outcome: kept short, so 100,000 of them stay small. */
export interface RequestOutcomeInfo {
  readonly status: RequestOutcome;
  readonly statusCode: number | null;
  /** The error code and message of a failed (or not run) request. */
  readonly code?: string;
  readonly message?: string;
  /** The first lines of the answer (at most {@link previewChars} characters), or an embedding's dimensions. */
  readonly preview?: string;
}

/** Outcomes of a joined results file by custom_id, with the totals. */
export interface OutcomeIndex {
  readonly byId: ReadonlyMap<string, RequestOutcomeInfo>;
  readonly totals: { readonly succeeded: number; readonly failed: number; readonly missing: number };
}

export const previewChars = 240;
export const previewLines = 4;
const messageChars = 240;

/**
 * Reads a `NAME.results.jsonl` (the joined results, one line per request) into outcomes by custom_id,
 * streaming it line by line and keeping only a short preview of each answer. Lines that are not joined
 * results are skipped.
 */
export async function buildOutcomeIndex(resultsPath: string, options: { readonly signal?: AbortSignal } = {}): Promise<OutcomeIndex> {
  const byId = new Map<string, RequestOutcomeInfo>();
  const totals = { succeeded: 0, failed: 0, missing: 0 };
  for await (const line of readLocatedLines(resultsPath)) {
    if (options.signal?.aborted) {
      throw options.signal.reason;
    }
    const parsed = parseJoinedLine(line.text);
    if (parsed === undefined || byId.has(parsed.id)) {
      continue;
    }
    byId.set(parsed.id, parsed.info);
    totals[parsed.info.status]++;
  }
  return { byId, totals };
}

function parseJoinedLine(text: string): { id: string; info: RequestOutcomeInfo } | undefined {
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
  const error = isObject(value.error) ? value.error : undefined;
  const info: RequestOutcomeInfo = {
    status: value.status,
    statusCode: typeof value.status_code === 'number' ? value.status_code : null,
    code: error && (typeof error.code === 'string' || typeof error.code === 'number') ? String(error.code) : undefined,
    message: error && typeof error.message === 'string' ? shorten(error.message, messageChars, 1) : undefined,
    preview: value.status === 'succeeded' ? answerPreview(value.response) : undefined,
  };
  return { id: value.custom_id, info };
}

/**
 * The answer of a response body, shortened: the first choice's content (chat), the `output_text` of a
 * Responses answer, or `embedding: N dimensions`.
 */
export function answerPreview(body: unknown): string | undefined {
  if (!isObject(body)) {
    return undefined;
  }
  const choice = Array.isArray(body.choices) && isObject(body.choices[0]) ? body.choices[0] : undefined;
  const message = choice && isObject(choice.message) ? choice.message : undefined;
  if (message) {
    if (typeof message.content === 'string') {
      return shorten(message.content, previewChars, previewLines);
    }
    if (Array.isArray(message.tool_calls) && message.tool_calls.length > 0) {
      const names = message.tool_calls.map((call) => (isObject(call) && isObject(call.function) && typeof call.function.name === 'string' ? call.function.name : '?'));
      return shorten(`tool calls: ${names.join(', ')}`, previewChars, 1);
    }
  }
  if (typeof body.output_text === 'string') {
    return shorten(body.output_text, previewChars, previewLines);
  }
  if (Array.isArray(body.output)) {
    const texts: string[] = [];
    for (const item of body.output) {
      for (const part of isObject(item) && Array.isArray(item.content) ? item.content : []) {
        if (isObject(part) && part.type === 'output_text' && typeof part.text === 'string') {
          texts.push(part.text);
        }
      }
    }
    if (texts.length > 0) {
      return shorten(texts.join('\n'), previewChars, previewLines);
    }
  }
  const first = Array.isArray(body.data) && isObject(body.data[0]) ? body.data[0] : undefined;
  if (first && Array.isArray(first.embedding)) {
    return `embedding: ${first.embedding.length} dimensions`;
  }
  return undefined;
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
  return cut ? `${result.trimEnd()}…` : result;
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

function isObject(value: unknown): value is Record<string, unknown> & { [key: string]: unknown } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Where the joined results of a source file may be, most likely first: one folder per job
 * (`NAME.results/NAME.results.jsonl`), then the loose file (`NAME.results.jsonl`), each in `folders` in order
 * (the configured results folder, then the source's own folder). `join` is the platform's path join.
 */
export function resultsFileCandidates(sourceName: string, folders: readonly string[], join: (...parts: string[]) => string): string[] {
  const stem = resultStem(sourceName, 'results');
  const candidates: string[] = [];
  for (const layout of [(folder: string) => join(folder, `${stem}.results`, `${stem}.results.jsonl`), (folder: string) => join(folder, `${stem}.results.jsonl`)]) {
    for (const folder of folders) {
      const path = layout(folder);
      if (!candidates.includes(path)) {
        candidates.push(path);
      }
    }
  }
  return candidates;
}
