import { createReadStream } from 'node:fs';

/** A line of a file with where its bytes are, so it can be read again later without keeping it. */
export interface LocatedLine {
  readonly text: string;
  /** 0-based line number. */
  readonly line: number;
  readonly offset: number;
  readonly length: number;
}

/**
 * Reads a file line by line (split on `\n`, a trailing `\r` dropped), with each line's byte offset and
 * length, in bounded memory.
 */
export async function* readLocatedLines(path: string): AsyncGenerator<LocatedLine> {
  let pending: Buffer[] = [];
  let pendingStart = 0;
  let position = 0;
  let line = 0;
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
      if (pending.length > 0) {
        const whole = Buffer.concat([...pending, piece]);
        yield emit(whole, pendingStart);
        pending = [];
      } else {
        yield emit(piece, position + start);
      }
      start = newline + 1;
    }
    if (start < chunk.length) {
      if (pending.length === 0) {
        pendingStart = position + start;
      }
      pending.push(chunk.subarray(start));
    }
    position += chunk.length;
  }
  if (pending.length > 0) {
    yield emit(Buffer.concat(pending), pendingStart);
  }
}
