import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { StreamValidator } from './streamValidator';
import { defaultLimits, type ValidationLimits, type ValidationResult } from './types';

export interface FileValidationOptions {
  readonly limits?: ValidationLimits;
  /** Called now and then with the bytes read so far. */
  readonly onProgress?: (bytesRead: number) => void;
  readonly signal?: AbortSignal;
}

const chunkSize = 1024 * 1024;

/**
 * Validates a file on disk without loading it whole: reads 1 MB chunks, checks UTF-8 on line-aligned
 * segments (a line break byte never sits inside a multi-byte character), and feeds lines to a
 * {@link StreamValidator}. Memory stays bounded by the largest line plus the id index.
 */
export async function validateFile(path: string, options: FileValidationOptions = {}): Promise<ValidationResult> {
  const validator = new StreamValidator(options.limits ?? defaultLimits);
  const lines = new LineSplitter(validator);
  let bytes = 0;
  const stream = createReadStream(path, { highWaterMark: chunkSize, signal: options.signal });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    lines.push(chunk);
    options.onProgress?.(bytes);
  }
  lines.end();
  // Rare second pass: fetch the lines that first used a duplicated id, to point at the exact value.
  const needed = validator.firstUseLines();
  const texts = new Map<number, string>();
  if (needed.size > 0) {
    let index = 0;
    const collector = new LineSplitter({
      markBom: () => undefined,
      addLine: (text) => {
        if (needed.has(index)) {
          texts.set(index, text);
        }
        index++;
      },
    });
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
}

/** Splits byte chunks into decoded lines for a validator, flagging lines that are not valid UTF-8. */
export class LineSplitter {
  private pending: Buffer[] = [];
  private started = false;
  /** The file's first bytes while there are fewer than the three a byte order mark takes. */
  private head: Buffer | undefined;

  constructor(private readonly validator: LineSink) {}

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
    const lastNewline = data.lastIndexOf(10);
    if (lastNewline < 0) {
      this.pending.push(data);
      return;
    }
    const head = data.subarray(0, lastNewline + 1);
    const segment = this.pending.length > 0 ? Buffer.concat([...this.pending, head]) : head;
    this.pending = lastNewline + 1 < data.length ? [data.subarray(lastNewline + 1)] : [];
    this.feedSegment(segment);
  }

  /** Flushes the last line when the file does not end with a line break. */
  end(): void {
    if (!this.started && this.head) {
      // Fewer than three bytes in all: no byte order mark.
      this.started = true;
      this.take(this.head);
      this.head = undefined;
    }
    if (this.pending.length > 0) {
      const rest = Buffer.concat(this.pending);
      this.pending = [];
      if (rest.length > 0) {
        this.feedSegment(rest, true);
      }
    }
  }

  // A segment holds whole lines, each ended by '\n' unless `last`.
  private feedSegment(segment: Buffer, last = false): void {
    if (isUtf8(segment)) {
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
    // Rare: find the bad lines one by one.
    let start = 0;
    for (;;) {
      const newline = segment.indexOf(10, start);
      const end = newline < 0 ? segment.length : newline;
      if (newline < 0 && (!last || start >= segment.length)) {
        return;
      }
      const bytes = segment.subarray(start, end);
      const text = stripCr(bytes.toString('utf8'));
      this.validator.addLine(text, isUtf8(bytes) ? undefined : firstBadColumn(bytes));
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
