import { createReadStream } from 'node:fs';

/** A line of a file with where its bytes are, so it can be read again later without keeping it. */
export interface LocatedLine {
  readonly text: string;
  /** 0-based line number. */
  readonly line: number;
  readonly offset: number;
  readonly length: number;
  /** Set when the line is longer than the reader's `maxLineBytes`: its bytes were counted, not kept (`text` is empty). */
  readonly oversized?: true;
}

export interface LineReaderOptions {
  /**
   * The longest line kept, in bytes (default 256 MiB, above the 200 MB a batch file may hold and below the longest
   * string Node can build): a longer line, such as a file with no line break at all, is reported as `oversized`
   * instead of being gathered in memory.
   */
  readonly maxLineBytes?: number;
  /** Yield a longer line as `oversized` (for readers that only count it); by default it throws {@link LineTooLongError}. */
  readonly reportOversized?: boolean;
}

/** A line longer than the reader keeps: what a file with no line break, or a corrupt one, gives. */
export class LineTooLongError extends Error {
  constructor(
    readonly line: number,
    readonly bytes: number,
    readonly maxLineBytes: number,
  ) {
    super(`line ${line + 1} is ${bytes.toLocaleString('en-US')} bytes long, over the ${maxLineBytes.toLocaleString('en-US')} bytes a line may have`);
    this.name = 'LineTooLongError';
  }
}

/** The default {@link LineReaderOptions.maxLineBytes}. */
export const defaultMaxLineBytes = 256 * 1024 * 1024;

/**
 * Reads a file line by line (split on `\n`, a trailing `\r` dropped), with each line's byte offset and
 * length, in bounded memory.
 */
export async function* readLocatedLines(path: string, options: LineReaderOptions = {}): AsyncGenerator<LocatedLine> {
  const maxLineBytes = options.maxLineBytes ?? defaultMaxLineBytes;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  // Bytes of the current line beyond maxLineBytes: counted, no longer kept.
  let overflow = 0;
  let pendingStart = 0;
  let position = 0;
  let line = 0;
  const tooLong = (offset: number, length: number): LocatedLine => {
    if (!options.reportOversized) {
      throw new LineTooLongError(line, length, maxLineBytes);
    }
    return { text: '', line: line++, offset, length, oversized: true };
  };
  const emit = (bytes: Buffer, offset: number): LocatedLine => {
    let end = bytes.length;
    if (end > 0 && bytes[end - 1] === 13) {
      end--;
    }
    let text = bytes.toString('utf8', 0, end);
    if (line === 0 && text.charCodeAt(0) === 0xfeff) {
      text = text.slice(1);
    }
    return { text, line: line++, offset, length: bytes.length };
  };
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(10, start);
      if (newline < 0) {
        break;
      }
      const piece = chunk.subarray(start, newline);
      if (overflow > 0 || pendingBytes + piece.length > maxLineBytes) {
        const offset = pending.length > 0 || overflow > 0 ? pendingStart : position + start;
        yield tooLong(offset, overflow + pendingBytes + piece.length);
        pending = [];
        pendingBytes = 0;
        overflow = 0;
      } else if (pending.length > 0) {
        const whole = Buffer.concat([...pending, piece]);
        yield emit(whole, pendingStart);
        pending = [];
        pendingBytes = 0;
      } else {
        yield emit(piece, position + start);
      }
      start = newline + 1;
    }
    if (start < chunk.length) {
      if (pending.length === 0 && overflow === 0) {
        pendingStart = position + start;
      }
      const rest = chunk.subarray(start);
      if (overflow > 0 || pendingBytes + rest.length > maxLineBytes) {
        if (!options.reportOversized) {
          throw new LineTooLongError(line, overflow + pendingBytes + rest.length, maxLineBytes);
        }
        overflow += pendingBytes + rest.length;
        pending = [];
        pendingBytes = 0;
      } else {
        pending.push(rest);
        pendingBytes += rest.length;
      }
    }
    position += chunk.length;
  }
  if (overflow > 0) {
    yield tooLong(pendingStart, overflow);
  } else if (pending.length > 0) {
    yield emit(Buffer.concat(pending), pendingStart);
  }
}
