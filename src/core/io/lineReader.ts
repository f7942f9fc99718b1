// The one reader of lines from bytes: the validator, the splitter, the join, the estimator and the emulator's
// scanner all split files here, so CRLF, a byte order mark, a last line without a break and lines too long to
// hold are handled the same way everywhere.
import { isUtf8 } from 'node:buffer';
import { createReadStream, readSync } from 'node:fs';
import { open } from 'node:fs/promises';

/** Where a {@link LineSplitter} delivers lines: a validator, a collector of particular lines, a file reader. */
export interface LineSink {
  /** The input began with a UTF-8 byte order mark: its three bytes are not part of line 1. */
  markBom(): void;
  /**
   * The next line, without its line break (`\n`, one `\r` before it dropped). `badByteColumn` marks a line that
   * is not valid UTF-8. `offset` is the byte offset of the line in the input (after a byte order mark), `bytes`
   * its length without the line break and the dropped `\r` (`cr`).
   */
  addLine(text: string, badByteColumn: number | undefined, offset: number, bytes: number, cr: boolean): void;
  /** A line longer than the splitter's limit: only its length in bytes (without the `\r`), never its text. */
  addOversizedLine(bytes: number, limit: number, offset: number, cr: boolean): void;
}

/** The longest line a {@link LineSplitter} keeps by default: 256 MiB, above the 200 MB a batch file may hold. */
export const defaultMaxLineBytes = 256 * 1024 * 1024;

/**
 * Splits byte chunks into decoded lines, flagging lines that are not valid UTF-8. A line longer than
 * `maxLineBytes` is not accumulated: its bytes are counted and dropped as they arrive, so a file without a
 * single line break costs no more memory than a chunk.
 */
export class LineSplitter {
  // The start of the current line (from earlier chunks), unless it is being skipped.
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private pendingStart = 0;
  private lastPendingByte = 0;
  private skipping = false;
  private started = false;
  /** The input's offset of the next byte pushed. */
  private position = 0;
  /** The file's first bytes while there are fewer than the three a byte order mark takes. */
  private head: Buffer | undefined;

  constructor(
    private readonly sink: LineSink,
    private readonly maxLineBytes = defaultMaxLineBytes,
  ) {}

  /** Bytes of the current line when it is already over the limit (being skipped), else undefined. */
  get overflowingBytes(): number | undefined {
    return this.skipping ? this.pendingBytes : undefined;
  }

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
        this.sink.markBom();
        data = data.subarray(3);
        this.position = 3;
      }
    }
    this.take(data);
  }

  private take(data: Buffer): void {
    const base = this.position;
    this.position += data.length;
    let from = 0;
    if (this.pendingBytes > 0 || this.skipping) {
      // Finish the line begun in earlier chunks on its own, so no segment is ever longer than one line.
      const newline = data.indexOf(10);
      if (newline < 0) {
        this.extend(data, base);
        return;
      }
      this.finishPending(data.subarray(0, newline + 1));
      from = newline + 1;
    }
    const lastNewline = data.lastIndexOf(10);
    if (lastNewline < from) {
      this.extend(data.subarray(from), base + from);
      return;
    }
    this.feedSegment(data.subarray(from, lastNewline + 1), base + from);
    if (lastNewline + 1 < data.length) {
      this.extend(data.subarray(lastNewline + 1), base + lastNewline + 1);
    }
  }

  /** Adds bytes (at input offset `at`) to the current, unfinished line; past the limit they are only counted. */
  private extend(bytes: Buffer, at: number): void {
    if (bytes.length === 0) {
      return;
    }
    if (this.pendingBytes === 0 && !this.skipping) {
      this.pendingStart = at;
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
    const cr = lastByte === 13;
    const length = withCr - (cr ? 1 : 0);
    if (this.skipping || length > this.maxLineBytes) {
      this.sink.addOversizedLine(length, this.maxLineBytes, this.pendingStart, cr);
    } else {
      const whole = this.pending.length > 0 ? Buffer.concat([...this.pending, tail]) : tail;
      if (whole.length > 0) {
        this.feedSegment(whole, this.pendingStart, last);
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
      const head = this.head;
      this.head = undefined;
      this.take(head);
    }
    if (this.pendingBytes > 0 || this.skipping) {
      this.finishPending(Buffer.alloc(0), true);
    }
  }

  // A segment (at input offset `offset`) holds whole lines, each ended by '\n' unless `last`.
  private feedSegment(segment: Buffer, offset: number, last = false): void {
    const sink = this.sink;
    // Only a segment longer than the line limit can hold a line over it (with the default limits, never).
    if (segment.length <= this.maxLineBytes && isUtf8(segment)) {
      const text = segment.toString('utf8');
      // Only ASCII decodes to as many UTF-16 units as bytes: then string positions are byte positions.
      const ascii = text.length === segment.length;
      let start = 0;
      let byteStart = 0;
      for (;;) {
        const newline = text.indexOf('\n', start);
        if (newline < 0 && (!last || start >= text.length)) {
          return;
        }
        const end = newline < 0 ? text.length : newline;
        const byteEnd = newline < 0 ? segment.length : ascii ? newline : segment.indexOf(10, byteStart);
        const cr = end > start && text.charCodeAt(end - 1) === 13;
        sink.addLine(text.slice(start, cr ? end - 1 : end), undefined, offset + byteStart, byteEnd - byteStart - (cr ? 1 : 0), cr);
        if (newline < 0) {
          return;
        }
        start = newline + 1;
        byteStart = byteEnd + 1;
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
      const cr = end > start && segment[end - 1] === 13;
      const length = end - start - (cr ? 1 : 0);
      if (length > this.maxLineBytes) {
        sink.addOversizedLine(length, this.maxLineBytes, offset + start, cr);
      } else {
        const bytes = segment.subarray(start, start + length);
        sink.addLine(bytes.toString('utf8'), isUtf8(bytes) ? undefined : firstBadColumn(bytes), offset + start, length, cr);
      }
      if (newline < 0) {
        return;
      }
      start = newline + 1;
    }
  }
}

/** How {@link readLines} reads a file. */
export interface ReadLinesOptions {
  /** Bytes read at a time (default 1 MiB). */
  readonly chunkSize?: number;
  /** Feed each chunk in slices of this many bytes, asking {@link backpressure} between them. */
  readonly sliceSize?: number;
  /** Asked after every slice: a promise pauses reading until it settles. */
  readonly backpressure?: () => Promise<void> | undefined;
  /** Called after every chunk with the bytes read so far. */
  readonly onProgress?: (bytesRead: number) => void;
  readonly signal?: AbortSignal;
}

/** Reads a file into `splitter` chunk by chunk (bounded memory) and ends it; returns the file's size in bytes. */
export async function readLines(path: string, splitter: LineSplitter, options: ReadLinesOptions = {}): Promise<number> {
  let bytes = 0;
  const stream = createReadStream(path, { highWaterMark: options.chunkSize ?? 1024 * 1024, signal: options.signal });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (options.sliceSize !== undefined) {
      for (let at = 0; at < chunk.length; at += options.sliceSize) {
        splitter.push(chunk.subarray(at, at + options.sliceSize));
        const wait = options.backpressure?.();
        if (wait) {
          await wait;
        }
      }
    } else {
      splitter.push(chunk);
    }
    options.onProgress?.(bytes);
  }
  splitter.end();
  return bytes;
}

/** A line of a file with where its bytes are, so it can be read again later without keeping it. */
export interface LocatedLine {
  readonly text: string;
  /** 0-based line number. */
  readonly line: number;
  /** Where the line starts in the file (line 1 at 0, its byte order mark included). */
  readonly offset: number;
  /** Its bytes, a `\r` before the line break (and line 1's byte order mark) included. */
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

// Lines wait in a batch until the generator's consumer takes them: slices bound how many wait at once.
const locatedSliceSize = 64 * 1024;

/**
 * Reads a file line by line (split on `\n`, a trailing `\r` dropped, a leading byte order mark dropped from
 * line 1's text), with each line's byte offset and length, in bounded memory.
 */
export async function* readLocatedLines(path: string, options: LineReaderOptions = {}): AsyncGenerator<LocatedLine> {
  const maxLineBytes = options.maxLineBytes ?? defaultMaxLineBytes;
  let batch: LocatedLine[] = [];
  let line = 0;
  let bom = 0;
  // Lines read before a line too long are handed out first, as a line-by-line reader would.
  let failure: LineTooLongError | undefined;
  // Offsets and lengths here count the raw bytes (the `\r`, line 1's byte order mark), as the limit does.
  const located = (offset: number, bytes: number, cr: boolean) => {
    const first = line === 0 && bom > 0;
    return { offset: first ? 0 : offset, length: bytes + (cr ? 1 : 0) + (first ? bom : 0) };
  };
  const oversized = (at: { offset: number; length: number }): void => {
    if (!options.reportOversized) {
      failure = new LineTooLongError(line, at.length, maxLineBytes);
      return;
    }
    batch.push({ text: '', line: line++, ...at, oversized: true });
  };
  const splitter = new LineSplitter(
    {
      markBom: () => void (bom = 3),
      addLine: (text, _bad, offset, bytes, cr) => {
        if (failure) {
          return;
        }
        const at = located(offset, bytes, cr);
        if (at.length > maxLineBytes) {
          oversized(at);
        } else {
          batch.push({ text, line: line++, ...at });
        }
      },
      addOversizedLine: (bytes, _limit, offset, cr) => void (failure ?? oversized(located(offset, bytes, cr))),
    },
    maxLineBytes,
  );
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
    for (let at = 0; at < chunk.length; at += locatedSliceSize) {
      splitter.push(chunk.subarray(at, at + locatedSliceSize));
      yield* batch;
      batch = [];
      const overflowing = splitter.overflowingBytes;
      if (!failure && overflowing !== undefined && !options.reportOversized) {
        // Thrown as soon as the line is over the limit, without reading the rest of it.
        failure = new LineTooLongError(line, overflowing + (line === 0 ? bom : 0), maxLineBytes);
      }
      if (failure) {
        throw failure;
      }
    }
  }
  splitter.end();
  if (line === 0 && bom > 0 && batch.length === 0 && !failure) {
    // A file holding only a byte order mark is one empty line.
    batch.push({ text: '', line: line++, offset: 0, length: bom });
  }
  yield* batch;
  if (failure) {
    throw failure;
  }
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

/**
 * Reads back the text of a line that {@link readLocatedLines} located (`offset`, `length` as it gave them), from an
 * open file: without its `\r`, and line 1 without the byte order mark, exactly as the reader gave its text. A
 * synchronous read, cheap from the page cache, for re-reading single lines instead of holding them in memory.
 */
export function readLineAt(handle: number, offset: number, length: number): string {
  const buffer = Buffer.allocUnsafe(length);
  return lineText(buffer, readSync(handle, buffer, 0, length, offset), offset);
}

/** {@link readLineAt} without blocking: opens the file, reads the line and closes it. */
export async function readLineFrom(path: string, offset: number, length: number): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(length);
    const { bytesRead } = await handle.read(buffer, 0, length, offset);
    return lineText(buffer, bytesRead, offset);
  } finally {
    await handle.close();
  }
}

function lineText(buffer: Buffer, read: number, offset: number): string {
  let end = read;
  if (end > 0 && buffer[end - 1] === 13) {
    end--;
  }
  const start = offset === 0 && end >= 3 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf ? 3 : 0;
  return buffer.toString('utf8', start, end);
}
