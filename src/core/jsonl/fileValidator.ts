import { isUtf8, constants as bufferConstants } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { checkInputPath, InputFileError } from './inputFile';
import { StreamValidator, type StreamValidatorOptions } from './streamValidator';
import { defaultLimits, type BatchDiagnostic, type ValidationLimits, type ValidationResult } from './types';

export interface FileValidationOptions {
  readonly limits?: ValidationLimits;
  /** Most diagnostics kept in the result (default 1,000); the rest are counted. */
  readonly maxDiagnostics?: number;
  /** Every diagnostic as it is found (see {@link StreamValidatorOptions.onDiagnostic}). */
  readonly onDiagnostic?: (diagnostic: BatchDiagnostic) => void;
  /**
   * Asked between small slices of the file when `onDiagnostic` is set: a promise pauses reading until it
   * settles, so a slow consumer of the streamed diagnostics (a pipe) bounds what waits in memory.
   */
  readonly backpressure?: () => Promise<void> | undefined;
  /** Called now and then with the bytes read so far. */
  readonly onProgress?: (bytesRead: number) => void;
  readonly signal?: AbortSignal;
}

const chunkSize = 1024 * 1024;
// With streamed diagnostics a slice of `{}` rows yields about 70 times its size in messages: keep slices small.
const streamSliceSize = 16 * 1024;

/**
 * The longest line that is read as text: longer than the file may be it cannot be a request, and longer than
 * the runtime's longest string it cannot be decoded at all. Longer lines are counted, never accumulated.
 */
export function lineLimit(limits: ValidationLimits): number {
  return Math.max(1, Math.min(limits.maxBytes, bufferConstants.MAX_STRING_LENGTH - 16));
}

/**
 * Validates a file on disk without loading it whole: checks it is a regular file (a FIFO or a device is never
 * opened), reads 1 MB chunks, checks UTF-8 on line-aligned segments (a line break byte never sits inside a
 * multi-byte character), and feeds lines to a {@link StreamValidator}. Memory stays bounded by the line limit,
 * the id index and the diagnostics cap, whatever the number of problems. Throws {@link InputFileError} for a
 * path that is not a readable regular file.
 */
export async function validateFile(path: string, options: FileValidationOptions = {}): Promise<ValidationResult> {
  const check = await checkInputPath(path);
  if (!check.ok) {
    throw new InputFileError(path, check.problem);
  }
  const limits = options.limits ?? defaultLimits;
  const validatorOptions: StreamValidatorOptions = { maxDiagnostics: options.maxDiagnostics, onDiagnostic: options.onDiagnostic };
  const validator = new StreamValidator(limits, validatorOptions);
  const maxLine = lineLimit(limits);
  const lines = new LineSplitter(validator, maxLine);
  const sliced = options.onDiagnostic !== undefined;
  let bytes = 0;
  const stream = createReadStream(path, { highWaterMark: chunkSize, signal: options.signal });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (sliced) {
      for (let at = 0; at < chunk.length; at += streamSliceSize) {
        lines.push(chunk.subarray(at, at + streamSliceSize));
        const wait = options.backpressure?.();
        if (wait) {
          await wait;
        }
      }
    } else {
      lines.push(chunk);
    }
    options.onProgress?.(bytes);
  }
  lines.end();
  // Rare second pass: fetch the lines that first used a duplicated id, to point at the exact value.
  const needed = validator.firstUseLines();
  const texts = new Map<number, string>();
  if (needed.size > 0) {
    let index = 0;
    const collector = new LineSplitter(
      {
        markBom: () => undefined,
        addLine: (text) => {
          if (needed.has(index)) {
            texts.set(index, text);
          }
          index++;
        },
        addOversizedLine: () => void index++,
      },
      maxLine,
    );
    for await (const chunk of createReadStream(path, { highWaterMark: chunkSize, signal: options.signal }) as AsyncIterable<Buffer>) {
      collector.push(chunk);
    }
    collector.end();
  }
  return validator.finish(bytes, texts);
}

/** Where a {@link LineSplitter} delivers lines: a validator, or a collector of particular lines. */
export interface LineSink {
  markBom(): void;
  addLine(text: string, badByteColumn?: number): void;
  /** A line longer than the splitter's limit: only its length in bytes, never its text. */
  addOversizedLine(bytes: number, limit: number): void;
}

/**
 * Splits byte chunks into decoded lines for a validator, flagging lines that are not valid UTF-8. A line
 * longer than `maxLineBytes` is not accumulated: its bytes are counted and dropped as they arrive, so a file
 * without a single line break costs no more memory than a chunk.
 */
export class LineSplitter {
  // The start of the current line (from earlier chunks), unless it is being skipped.
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private lastPendingByte = 0;
  private skipping = false;
  private started = false;
  /** The file's first bytes while there are fewer than the three a byte order mark takes. */
  private head: Buffer | undefined;

  constructor(
    private readonly validator: LineSink,
    private readonly maxLineBytes = lineLimit(defaultLimits),
  ) {}

  push(chunk: Buffer): void {
    let data = chunk;
    if (!this.started) {
      data = this.head ? Buffer.concat([this.head, chunk]) : chunk;
      if (data.length < 3) {
        this.head = data;
        return;
      }
      this.head = undefined;
      this.started = true;
      if (data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf) {
        this.validator.markBom();
        data = data.subarray(3);
      }
    }
    this.take(data);
  }

  private take(data: Buffer): void {
    let from = 0;
    if (this.pendingBytes > 0 || this.skipping) {
      // Finish the line begun in earlier chunks on its own, so no segment is ever longer than one line.
      const newline = data.indexOf(10);
      if (newline < 0) {
        this.extend(data);
        return;
      }
      this.finishPending(data.subarray(0, newline + 1));
      from = newline + 1;
    }
    const lastNewline = data.lastIndexOf(10);
    if (lastNewline < from) {
      this.extend(data.subarray(from));
      return;
    }
    this.feedSegment(data.subarray(from, lastNewline + 1));
    if (lastNewline + 1 < data.length) {
      this.extend(data.subarray(lastNewline + 1));
    }
  }

  /** Adds bytes to the current, unfinished line; past the limit they are only counted. */
  private extend(bytes: Buffer): void {
    if (bytes.length === 0) {
      return;
    }
    this.pendingBytes += bytes.length;
    this.lastPendingByte = bytes[bytes.length - 1]!;
    if (this.skipping) {
      return;
    }
    // (+1: a CR before the line break is not part of the line.)
    if (this.pendingBytes > this.maxLineBytes + 1) {
      this.skipping = true;
      this.pending = [];
      return;
    }
    this.pending.push(bytes);
  }

  /** Ends the current line with `tail` (which holds its line break, unless at the end of the file). */
  private finishPending(tail: Buffer, last = false): void {
    const withCr = this.pendingBytes + tail.length - (last ? 0 : 1);
    const lastByte = tail.length > (last ? 0 : 1) ? tail[withCr - this.pendingBytes - 1] : this.lastPendingByte;
    const length = withCr - (lastByte === 13 ? 1 : 0);
    if (this.skipping || length > this.maxLineBytes) {
      this.validator.addOversizedLine(length, this.maxLineBytes);
    } else {
      const whole = this.pending.length > 0 ? Buffer.concat([...this.pending, tail]) : tail;
      if (whole.length > 0) {
        this.feedSegment(whole, last);
      }
    }
    this.pending = [];
    this.pendingBytes = 0;
    this.skipping = false;
  }

  /** Flushes the last line when the file does not end with a line break. */
  end(): void {
    if (!this.started && this.head) {
      // Fewer than three bytes in all: no byte order mark.
      this.started = true;
      this.take(this.head);
      this.head = undefined;
    }
    if (this.pendingBytes > 0 || this.skipping) {
      this.finishPending(Buffer.alloc(0), true);
    }
  }

  // A segment holds whole lines, each ended by '\n' unless `last`.
  private feedSegment(segment: Buffer, last = false): void {
    // Only a segment longer than the line limit can hold a line over it (with the default limits, never).
    if (segment.length <= this.maxLineBytes && isUtf8(segment)) {
      const text = segment.toString('utf8');
      let start = 0;
      for (;;) {
        const newline = text.indexOf('\n', start);
        if (newline < 0) {
          if (last && start < text.length) {
            this.validator.addLine(stripCr(text.slice(start)));
          }
          return;
        }
        this.validator.addLine(stripCr(text.slice(start, newline)));
        start = newline + 1;
      }
    }
    // Rare: line by line, to find the bad lines (or the ones over the limit).
    let start = 0;
    for (;;) {
      const newline = segment.indexOf(10, start);
      const end = newline < 0 ? segment.length : newline;
      if (newline < 0 && (!last || start >= segment.length)) {
        return;
      }
      const length = end - start - (end > start && segment[end - 1] === 13 ? 1 : 0);
      if (length > this.maxLineBytes) {
        this.validator.addOversizedLine(length, this.maxLineBytes);
      } else {
        const bytes = segment.subarray(start, end);
        const text = stripCr(bytes.toString('utf8'));
        this.validator.addLine(text, isUtf8(bytes) ? undefined : firstBadColumn(bytes));
      }
      if (newline < 0) {
        return;
      }
      start = newline + 1;
    }
  }
}

function stripCr(line: string): string {
  return line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line;
}

/** The UTF-16 column at which the first invalid UTF-8 sequence of `bytes` begins. */
export function firstBadColumn(bytes: Buffer): number {
  return bytes.subarray(0, firstBadByte(bytes)).toString('utf8').length;
}

/** The offset of the first byte that does not start a well-formed UTF-8 sequence (RFC 3629). */
export function firstBadByte(bytes: Uint8Array): number {
  const cont = (at: number, low = 0x80, high = 0xbf) => at < bytes.length && bytes[at]! >= low && bytes[at]! <= high;
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    let size = 0;
    if (b < 0x80) {
      size = 1;
    } else if (b >= 0xc2 && b <= 0xdf) {
      size = cont(i + 1) ? 2 : 0;
    } else if (b >= 0xe0 && b <= 0xef) {
      const low = b === 0xe0 ? 0xa0 : 0x80;
      const high = b === 0xed ? 0x9f : 0xbf;
      size = cont(i + 1, low, high) && cont(i + 2) ? 3 : 0;
    } else if (b >= 0xf0 && b <= 0xf4) {
      const low = b === 0xf0 ? 0x90 : 0x80;
      const high = b === 0xf4 ? 0x8f : 0xbf;
      size = cont(i + 1, low, high) && cont(i + 2) && cont(i + 3) ? 4 : 0;
    }
    if (size === 0) {
      return i;
    }
    i += size;
  }
  return bytes.length;
}
