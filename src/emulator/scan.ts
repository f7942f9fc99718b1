import { createReadStream } from 'node:fs';
import { LineSplitter, readLines } from '../core/io/lineReader';
import { endpointKind } from '../core/jsonl/endpoints';
import { lineLimit } from '../core/jsonl/fileValidator';
import { isBlankLine } from '../core/jsonl/lineAnalysis';
import { StreamValidator } from '../core/jsonl/streamValidator';
import { defaultLimits, type BatchDiagnostic, type ValidationLimits } from '../core/jsonl/types';
import { countChatPrompt, countEmbeddingsInput, countResponsesInput, maxOutputTokens } from './tokens';

/** What validating an input file found: the core validator's diagnostics plus what the quota needs. */
export interface ScanResult {
  readonly bytes: number;
  readonly requests: number;
  readonly hasBom: boolean;
  /**
   * Errors only (warnings such as blank lines do not fail a batch): the file-level ones, then the first
   * {@link keptScanErrors} of the lines in file order (one per placeholder deployment name).
   */
  readonly errors: readonly BatchDiagnostic[];
  /** The file's deployment (the first usable `body.model`) and its 0-based line. */
  readonly deployment?: string;
  readonly deploymentLine?: number;
  /** The file's `url` and its 0-based line. */
  readonly endpoint?: string;
  readonly endpointLine?: number;
  /** Prompt tokens (o200k_base) plus each request's completion budget: the enqueued-token estimate. */
  readonly estimatedTokens: number;
}

const chunkSize = 256 * 1024;

/**
 * Calls `onLine` for every line of a file (its text without the line break, the byte offset where it starts,
 * its length in bytes and, for a line that is not UTF-8, the column of the first bad byte), reading it with the
 * core line reader. A line longer than `maxLineBytes` is never accumulated: `onLine` gets `undefined` text and
 * its length, so memory stays bounded by the limit. A leading UTF-8 BOM is skipped and reported.
 */
export async function forEachLine(
  path: string,
  onLine: (text: string | undefined, start: number, length: number, badByteColumn?: number) => void,
  onBom?: () => void,
  signal?: AbortSignal,
  maxLineBytes: number = lineLimit(defaultLimits),
): Promise<number> {
  const splitter = new LineSplitter(
    {
      markBom: () => onBom?.(),
      addLine: (text, badByteColumn, offset, bytes) => onLine(text, offset, bytes, badByteColumn),
      addOversizedLine: (bytes, _limit, offset) => onLine(undefined, offset, bytes),
    },
    maxLineBytes,
  );
  return readLines(path, splitter, { chunkSize, signal });
}

function requestTokens(text: string): number {
  let request: unknown;
  try {
    request = JSON.parse(text);
  } catch {
    return 0;
  }
  if (typeof request !== 'object' || request === null) {
    return 0;
  }
  const r = request as Record<string, unknown>;
  if (typeof r.body !== 'object' || r.body === null || Array.isArray(r.body)) {
    return 0;
  }
  const body = r.body as Record<string, unknown>;
  const kind = typeof r.url === 'string' ? endpointKind(r.url) : undefined;
  const prompt =
    kind === 'embeddings'
      ? countEmbeddingsInput(body.input)
      : kind === 'responses'
        ? countResponsesInput(body.input, body.instructions, body.tools)
        : countChatPrompt(body.messages, body.tools);
  return prompt + (maxOutputTokens(body) ?? 0);
}

/** How many validation errors a scan keeps: more than Azure lists (see `validationErrors`), never all of them. */
export const keptScanErrors = 1_000;

/**
 * Validates an input file with the core validator and estimates its tokens, in one streaming pass. Memory stays
 * bounded by the longest line, the id index and {@link keptScanErrors}, however many rows are broken.
 */
export async function scanInputFile(path: string, limits: ValidationLimits, signal?: AbortSignal): Promise<ScanResult> {
  const lineErrors: BatchDiagnostic[] = [];
  const fileErrors: BatchDiagnostic[] = [];
  let linesDone = false;
  // A placeholder deployment is listed once per name (as Azure's model_not_found): keep one of each.
  const placeholders = new Set<string>();
  const validator = new StreamValidator(limits, {
    maxDiagnostics: 0,
    onDiagnostic: (d) => {
      if (d.severity !== 'error') {
        return;
      }
      if (linesDone) {
        fileErrors.push(d);
        return;
      }
      if (lineErrors.length >= keptScanErrors) {
        return;
      }
      if (d.code === 'placeholder_model') {
        const model = String(d.message.args[0] ?? '');
        if (placeholders.has(model)) {
          return;
        }
        placeholders.add(model);
      }
      lineErrors.push(d);
    },
  });
  const maxLine = lineLimit(limits);
  let hasBom = false;
  let line = 0;
  let deploymentLine: number | undefined;
  let endpointLine: number | undefined;
  let estimatedTokens = 0;
  const bytes = await forEachLine(
    path,
    (text, _start, length, badByteColumn) => {
      if (text === undefined) {
        validator.addOversizedLine(length, maxLine);
        line++;
        return;
      }
      validator.addLine(text, badByteColumn);
      if (deploymentLine === undefined && validator.deployment !== undefined) {
        deploymentLine = line;
      }
      if (endpointLine === undefined && validator.endpoint !== undefined) {
        endpointLine = line;
      }
      if (!isBlankLine(text)) {
        estimatedTokens += requestTokens(text);
      }
      line++;
    },
    () => {
      hasBom = true;
      validator.markBom();
    },
    signal,
    maxLine,
  );
  linesDone = true;
  const result = validator.finish(bytes);
  return {
    bytes,
    requests: result.requests,
    hasBom,
    errors: [...fileErrors, ...lineErrors],
    deployment: validator.deployment,
    deploymentLine,
    endpoint: validator.endpoint,
    endpointLine,
    estimatedTokens,
  };
}

/** Byte ranges `[start, end)` of the request lines (non-blank) of a file, as pairs. */
export async function indexRequests(path: string, signal?: AbortSignal): Promise<Float64Array> {
  let ranges = new Float64Array(1024);
  let count = 0;
  await forEachLine(path, (text, start, length) => {
    // A line too long to read is not blank (it failed validation; it is never executed).
    if (text !== undefined && isBlankLine(text)) {
      return;
    }
    if (count * 2 + 2 > ranges.length) {
      const grown = new Float64Array(ranges.length * 2);
      grown.set(ranges);
      ranges = grown;
    }
    ranges[count * 2] = start;
    ranges[count * 2 + 1] = start + length;
    count++;
  }, undefined, signal);
  return ranges.subarray(0, count * 2);
}

/** The `body.model` of the first request line, read from the head of the file (cheap; for quota headers). */
export async function firstModel(path: string): Promise<string | undefined> {
  let found: string | undefined;
  const stream = createReadStream(path, { start: 0, end: 1024 * 1024 - 1 });
  let head = Buffer.alloc(0);
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    head = Buffer.concat([head, chunk]);
  }
  let text = head.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) {
    text = text.slice(1);
  }
  for (const candidate of text.split('\n')) {
    try {
      const request = JSON.parse(candidate) as { body?: { model?: unknown } };
      if (typeof request?.body?.model === 'string') {
        found = request.body.model;
        break;
      }
    } catch {
      // a blank, broken or cut line: try the next
    }
  }
  return found;
}
