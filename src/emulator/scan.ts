import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { endpointKind } from '../core/jsonl/endpoints';
import { firstBadColumn, lineLimit } from '../core/jsonl/fileValidator';
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
 * Calls `onLine` for every line of a file (bytes without the line break, the byte offset where it starts and
 * its length), reading it in chunks. A line longer than `maxLineBytes` is never accumulated: `onLine` gets
 * `undefined` bytes and its length, so memory stays bounded by the limit. A leading UTF-8 BOM is skipped and reported.
 */
export async function forEachLine(
  path: string,
  onLine: (bytes: Buffer | undefined, start: number, length: number) => void,
  onBom?: () => void,
  signal?: AbortSignal,
  maxLineBytes: number = lineLimit(defaultLimits),
): Promise<number> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let skipping = false;
  let pendingStart = 0;
  let offset = 0;
  let first = true;
  let lastPendingByte = 0;
  // Ends the line begun in earlier chunks with `piece` (its rest, without the line break).
  const finishPending = (piece: Buffer) => {
    const total = pendingBytes + piece.length;
    const lastByte = piece.length > 0 ? piece[piece.length - 1] : lastPendingByte;
    const length = total - (lastByte === 13 ? 1 : 0);
    if (skipping || length > maxLineBytes) {
      onLine(undefined, pendingStart, length);
    } else {
      onLine(stripCr(pending.length > 0 ? Buffer.concat([...pending, piece]) : piece), pendingStart, length);
    }
    pending = [];
    pendingBytes = 0;
    skipping = false;
  };
  for await (const raw of createReadStream(path, { highWaterMark: chunkSize, signal }) as AsyncIterable<Buffer>) {
    let chunk = raw;
    let chunkStart = offset;
    offset += raw.length;
    if (first) {
      first = false;
      if (chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) {
        onBom?.();
        chunk = chunk.subarray(3);
        chunkStart += 3;
      }
      pendingStart = chunkStart;
    }
    let from = 0;
    for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10, from)) {
      if (pendingBytes > 0 || skipping) {
        finishPending(chunk.subarray(from, nl));
      } else {
        const bytes = stripCr(chunk.subarray(from, nl));
        if (bytes.length > maxLineBytes) {
          onLine(undefined, chunkStart + from, bytes.length);
        } else {
          onLine(bytes, chunkStart + from, bytes.length);
        }
      }
      from = nl + 1;
      pendingStart = chunkStart + from;
    }
    if (from < chunk.length) {
      const rest = chunk.subarray(from);
      pendingBytes += rest.length;
      lastPendingByte = rest[rest.length - 1]!;
      if (!skipping && pendingBytes > maxLineBytes + 1) {
        skipping = true;
        pending = [];
      }
      if (!skipping) {
        pending.push(rest);
      }
    }
  }
  if (pendingBytes > 0 || skipping) {
    finishPending(Buffer.alloc(0));
  }
  return offset;
}

function stripCr(bytes: Buffer): Buffer {
  return bytes.length > 0 && bytes[bytes.length - 1] === 13 ? bytes.subarray(0, -1) : bytes;
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
    (raw, _start, length) => {
      if (raw === undefined) {
        validator.addOversizedLine(length, maxLine);
        line++;
        return;
      }
      const text = raw.toString('utf8');
      validator.addLine(text, isUtf8(raw) ? undefined : firstBadColumn(raw));
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

/** The validator's notion of a blank line, without decoding long lines that plainly are not blank. */
function isBlankBytes(raw: Buffer): boolean {
  for (const b of raw) {
    if (b === 0x20 || (b >= 0x09 && b <= 0x0d)) {
      continue;
    }
    return b < 0x80 ? false : isBlankLine(raw.toString('utf8'));
  }
  return true;
}

/** Byte ranges `[start, end)` of the request lines (non-blank) of a file, as pairs. */
export async function indexRequests(path: string, signal?: AbortSignal): Promise<Float64Array> {
  let ranges = new Float64Array(1024);
  let count = 0;
  await forEachLine(path, (raw, start, length) => {
    // A line too long to read is not blank (it failed validation; it is never executed).
    if (raw !== undefined && isBlankBytes(raw)) {
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
