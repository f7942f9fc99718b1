// Streaming readers of the data a batch file is made from: CSV/TSV (csv-parse), JSON arrays and JSONL objects.
// Each yields rows in batches, with the line each row starts on, in memory bounded by a batch and the longest row.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { extname } from 'node:path';
import { isUtf8 } from 'node:buffer';
import { Readable } from 'node:stream';
import { TextDecoder } from 'node:util';
import { parse } from 'csv-parse';

/** The formats a data file may have. */
export type DataFormat = 'csv' | 'json' | 'jsonl';

/** The delimiters detected in a CSV file (others can be given explicitly). */
export const csvDelimiters: readonly string[] = [',', ';', '\t', '|'];

/** One row of data, or one that cannot be read, with the (1-based) line of the file it starts on. */
export type DataRow =
  | { readonly line: number; readonly values: Readonly<Record<string, unknown>>; readonly error?: undefined }
  | { readonly line: number; readonly error: string; readonly values?: undefined };

export interface ReadOptions {
  /** By the file's extension when not given: `.csv`/`.tsv`/`.txt` → csv, `.json` → json, `.jsonl`/`.ndjson` → jsonl. */
  readonly format?: DataFormat;
  /** A CSV delimiter; by default `\t` for `.tsv` and otherwise detected from the header line (`,` `;` `\t` `|`). */
  readonly delimiter?: string;
  readonly signal?: AbortSignal;
}

/** Thrown when a data file cannot be read at all (malformed CSV quoting, a JSON file that is not an array). */
export class DataFileError extends Error {
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(line === undefined ? message : `line ${line}: ${message}`);
    this.name = 'DataFileError';
  }
}

/** The largest single JSON element (or JSONL line) read: a bound on memory for a file that is one huge value. */
export const maxRowChars = 64 * 1024 * 1024;
const batchSize = 512;

/** The format of a data file by its name, or undefined for an extension this does not know. */
export function formatOfPath(path: string): DataFormat | undefined {
  switch (extname(path).toLowerCase()) {
    case '.csv':
    case '.tsv':
    case '.txt':
      return 'csv';
    case '.json':
      return 'json';
    case '.jsonl':
    case '.ndjson':
      return 'jsonl';
    default:
      return undefined;
  }
}

/** Rows of a data file, in batches. Throws {@link DataFileError} when the file as a whole cannot be read. */
export async function* readRows(path: string, options: ReadOptions = {}): AsyncGenerator<DataRow[]> {
  const format = options.format ?? formatOfPath(path);
  switch (format) {
    case 'csv':
      yield* readCsv(path, options.delimiter ?? (await detectDelimiter(path)), options.signal);
      return;
    case 'json':
      yield* readJsonArray(path, options.signal);
      return;
    case 'jsonl':
      yield* readJsonLines(path, options.signal);
      return;
    default:
      throw new DataFileError(`cannot tell the format of ${path} from its extension: use .csv, .tsv, .json or .jsonl, or give the format`);
  }
}

/**
 * The delimiter of a CSV file: `\t` for `.tsv`; otherwise whichever of `,` `;` `\t` `|` occurs most often outside
 * quotes on the header line (`,` when none does).
 */
export async function detectDelimiter(path: string): Promise<string> {
  if (extname(path).toLowerCase() === '.tsv') {
    return '\t';
  }
  const handle = await open(path, 'r');
  let head: string;
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const bytes = buffer.subarray(0, bytesRead);
    head = bytes[0] === 0xff && bytes[1] === 0xfe ? bytes.toString('utf16le') : bytes.toString('utf8');
  } finally {
    await handle.close();
  }
  return detectDelimiterInText(head);
}

/** {@link detectDelimiter} on the start of a file's text. */
export function detectDelimiterInText(head: string): string {
  const counts = new Map(csvDelimiters.map((d) => [d, 0]));
  let quoted = false;
  for (const char of head.replace(/^\uFEFF/, '')) {
    if (char === '"') {
      quoted = !quoted;
    } else if (!quoted && (char === '\n' || char === '\r')) {
      break;
    } else if (!quoted && counts.has(char)) {
      counts.set(char, counts.get(char)! + 1);
    }
  }
  let best = ',';
  for (const [delimiter, count] of counts) {
    if (count > counts.get(best)!) {
      best = delimiter;
    }
  }
  return best;
}

/** Line breaks inside a record's fields (quoted values): the lines the record spans beyond its first. */
function innerLineBreaks(record: readonly string[]): number {
  let count = 0;
  for (const field of record) {
    for (let i = field.indexOf('\n'); i >= 0; i = field.indexOf('\n', i + 1)) {
      count++;
    }
  }
  return count;
}

async function* readCsv(path: string, delimiter: string, signal: AbortSignal | undefined): AsyncGenerator<DataRow[]> {
  // Lines are counted here rather than with csv-parse's `info`, which makes parsing about three times slower: each
  // record takes one line plus the line breaks inside its quoted fields, and empty lines come through as [''].
  const parser = parse({ bom: true, delimiter, relax_column_count: true, max_record_size: maxRowChars });
  const input = Readable.from(csvChunks(path, signal));
  input.on('error', (error) => parser.destroy(error));
  input.pipe(parser);
  let header: string[] | undefined;
  let plainHeader = true;
  let nextLine = 1;
  let batch: DataRow[] = [];
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      const line = nextLine;
      nextLine += 1 + innerLineBreaks(record);
      if (record.length === 1 && record[0]!.trim() === '') {
        continue;
      }
      if (header === undefined) {
        header = headerOf(record, line);
        // Assignment is several times faster than defineProperty, and the same for every name but `__proto__`.
        plainHeader = !header.includes('__proto__');
        continue;
      }
      if (record.length > header.length) {
        batch.push({ line, error: `has ${record.length} fields where the header has ${header.length} (a value with the delimiter "${printable(delimiter)}" that is not quoted?)` });
      } else {
        const values: Record<string, unknown> = {};
        if (plainHeader) {
          for (let i = 0; i < record.length; i++) {
            values[header[i]!] = record[i];
          }
        } else {
          for (let i = 0; i < record.length; i++) {
            // Defined, not assigned: a column named `__proto__` is a field like any other.
            Object.defineProperty(values, header[i]!, { value: record[i], enumerable: true, writable: true, configurable: true });
          }
        }
        batch.push({ line, values });
      }
      if (batch.length >= batchSize) {
        yield batch;
        batch = [];
      }
    }
  } catch (error) {
    throw csvError(error);
  } finally {
    input.destroy();
  }
  if (batch.length > 0) {
    yield batch;
  }
}

/** The column names of a CSV header: trimmed, `columnN` for an empty one; a name given twice cannot be read. */
function headerOf(record: readonly string[], line: number): string[] {
  const names = record.map((name, i) => name.trim() || `column${i + 1}`);
  const seen = new Map<string, number>();
  for (let i = 0; i < names.length; i++) {
    const first = seen.get(names[i]!);
    if (first !== undefined) {
      // Otherwise the later column would silently replace the earlier one in every row.
      throw new DataFileError(`the header names the column "${names[i]}" twice (columns ${first + 1} and ${i + 1}): rename one`, line);
    }
    seen.set(names[i]!, i);
  }
  return names;
}

/**
 * The text of a data file in chunks: UTF-8, or UTF-16 when it starts with a UTF-16 byte order mark (as some
 * spreadsheet exports do). Bytes that are not valid in the encoding throw {@link DataFileError} with their line,
 * rather than turning into U+FFFD in the requests. A UTF-8 byte order mark is kept (the readers remove it).
 */
export async function* decodedChunks(path: string, signal: AbortSignal | undefined): AsyncGenerator<string> {
  let decoder: TextDecoder | undefined;
  let line = 1;
  const countLines = (text: string) => {
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) {
      line++;
    }
  };
  const fail = (bytes: Uint8Array | undefined, encoding: string): never => {
    if (bytes !== undefined) {
      const lossy = new TextDecoder(encoding, { ignoreBOM: true }).decode(bytes);
      countLines(lossy.slice(0, Math.max(0, lossy.indexOf('\uFFFD'))));
    }
    throw new DataFileError(`the file is not valid ${encoding === 'utf-8' ? 'UTF-8' : encoding.toUpperCase()} text: save it as UTF-8`, line);
  };
  for await (const raw of createReadStream(path, { signal, highWaterMark: 1024 * 1024 })) {
    const bytes = raw as Buffer;
    if (decoder === undefined) {
      const encoding = bytes[0] === 0xff && bytes[1] === 0xfe ? 'utf-16le' : bytes[0] === 0xfe && bytes[1] === 0xff ? 'utf-16be' : 'utf-8';
      decoder = new TextDecoder(encoding, { fatal: true, ignoreBOM: encoding === 'utf-8' });
    }
    let text: string;
    try {
      text = decoder.decode(bytes, { stream: true });
    } catch {
      return fail(bytes, decoder.encoding);
    }
    countLines(text);
    yield text;
  }
  if (decoder !== undefined) {
    let rest: string;
    try {
      rest = decoder.decode();
    } catch {
      return fail(undefined, decoder.encoding);
    }
    if (rest.length > 0) {
      yield rest;
    }
  }
}

/**
 * The bytes of a CSV file for csv-parse, which works on bytes: UTF-8 is checked chunk by chunk (`isUtf8`) and
 * passed on as it is, rather than decoded to text that csv-parse would encode again. UTF-16 goes through
 * {@link decodedChunks}, and so does a UTF-8 file with a bad byte, which then throws with the byte's line.
 */
async function* csvChunks(path: string, signal: AbortSignal | undefined): AsyncGenerator<string | Buffer> {
  let carry: Buffer | undefined;
  let first = true;
  const invalid = async (): Promise<never> => {
    for await (const _ of decodedChunks(path, signal)) {
      // Read through for the error and its line.
    }
    throw new DataFileError('the file is not valid UTF-8 text: save it as UTF-8');
  };
  for await (const raw of createReadStream(path, { signal, highWaterMark: 1024 * 1024 })) {
    let bytes = raw as Buffer;
    if (first) {
      first = false;
      if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
        yield* decodedChunks(path, signal);
        return;
      }
    }
    if (carry !== undefined) {
      bytes = Buffer.concat([carry, bytes]);
      carry = undefined;
    }
    // A character cut at the end of the chunk waits for the next one.
    const cut = completeLength(bytes);
    if (cut < bytes.length) {
      carry = bytes.subarray(cut);
      bytes = bytes.subarray(0, cut);
    }
    if (!isUtf8(bytes)) {
      return invalid();
    }
    yield bytes;
  }
  if (carry !== undefined) {
    return invalid();
  }
}

/** The length of the bytes up to the last UTF-8 character that ends inside them. */
function completeLength(bytes: Buffer): number {
  let start = bytes.length - 1;
  while (start >= 0 && bytes.length - start < 4 && (bytes[start]! & 0xc0) === 0x80) {
    start--;
  }
  if (start < 0) {
    return bytes.length;
  }
  const lead = bytes[start]!;
  const size = lead < 0x80 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return start + size > bytes.length ? start : bytes.length;
}

function printable(delimiter: string): string {
  return delimiter === '\t' ? '\\t' : delimiter;
}

function csvError(error: unknown): unknown {
  const e = error as { code?: unknown; message?: unknown; lines?: unknown };
  if (typeof e?.code === 'string' && e.code.startsWith('CSV_') && typeof e.message === 'string') {
    // csv-parse's messages end with "at line N": the line goes in front, once.
    const message = e.message.replace(/\s*at line \d+/, '').replace(/\.$/, '');
    return new DataFileError(`the CSV cannot be read: ${message}`, typeof e.lines === 'number' ? e.lines : undefined);
  }
  return error;
}

/** Parses one JSON element or line into a row: objects only. */
function jsonRow(text: string, line: number, what: string): DataRow {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { line, error: `is not valid JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { line, error: `is not a JSON object (each ${what} must be an object of fields)` };
  }
  return { line, values: value as Record<string, unknown> };
}

async function* readJsonLines(path: string, signal: AbortSignal | undefined): AsyncGenerator<DataRow[]> {
  let carry = '';
  let line = 0;
  let batch: DataRow[] = [];
  const take = (text: string) => {
    line++;
    const trimmed = text.trim();
    if (trimmed.length > 0) {
      batch.push(jsonRow(line === 1 ? trimmed.replace(/^\uFEFF/, '') : trimmed, line, 'line'));
    }
  };
  for await (const chunk of decodedChunks(path, signal)) {
    const text = carry + chunk;
    let start = 0;
    for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
      take(text.slice(start, end));
      start = end + 1;
    }
    carry = text.slice(start);
    if (carry.length > maxRowChars) {
      throw new DataFileError(`a line is longer than ${maxRowChars / (1024 * 1024)} MB characters`, line + 1);
    }
    if (batch.length >= batchSize) {
      yield batch;
      batch = [];
    }
  }
  if (carry.length > 0) {
    take(carry);
  }
  if (batch.length > 0) {
    yield batch;
  }
}

/**
 * A JSON array read element by element, never parsed whole: a scanner tracks strings, nesting and lines, and each
 * top-level element is parsed on its own once complete. Memory: one element (at most {@link maxRowChars}) and a batch.
 */
async function* readJsonArray(path: string, signal: AbortSignal | undefined): AsyncGenerator<DataRow[]> {
  const open = 0x5b; // [
  const close = 0x5d; // ]
  const openBrace = 0x7b;
  const closeBrace = 0x7d;
  const quote = 0x22;
  const backslash = 0x5c;
  const comma = 0x2c;
  const newline = 0x0a;
  let state: 'before' | 'inside' | 'after' = 'before';
  let depth = 0;
  let inString = false;
  let escaped = false;
  let line = 1;
  let element = '';
  let elementLine = 0;
  let batch: DataRow[] = [];
  let first = true;
  const finish = () => {
    const text = element.trim();
    element = '';
    if (text.length > 0) {
      batch.push(jsonRow(text, elementLine, 'element of the array'));
    }
    elementLine = 0;
  };
  for await (const raw of decodedChunks(path, signal)) {
    let chunk = raw;
    if (first) {
      chunk = chunk.replace(/^\uFEFF/, '');
      first = false;
    }
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (c === newline) {
        line++;
      }
      if (state === 'before') {
        if (c === open) {
          state = 'inside';
          depth = 1;
          start = i + 1;
        } else if (!isSpace(c)) {
          throw new DataFileError('a JSON data file must hold an array of objects ([{...}, {...}]); for one object per line use .jsonl', line);
        }
        continue;
      }
      if (state === 'after') {
        if (!isSpace(c)) {
          throw new DataFileError('unexpected text after the end of the JSON array', line);
        }
        continue;
      }
      if (inString) {
        if (escaped) {
          escaped = false;
        } else if (c === backslash) {
          escaped = true;
        } else if (c === quote) {
          inString = false;
        }
        continue;
      }
      if (elementLine === 0 && !isSpace(c) && !(depth === 1 && (c === comma || c === close))) {
        elementLine = line;
      }
      if (c === quote) {
        inString = true;
      } else if (c === open || c === openBrace) {
        depth++;
      } else if (c === closeBrace || (c === close && depth > 1)) {
        depth--;
      } else if (depth === 1 && (c === comma || c === close)) {
        element += chunk.slice(start, i);
        start = i + 1;
        finish();
        if (c === close) {
          state = 'after';
        }
      }
    }
    if (state === 'inside') {
      element += chunk.slice(start);
      if (element.length > maxRowChars) {
        throw new DataFileError(`an element of the array is longer than ${maxRowChars / (1024 * 1024)} MB characters`, elementLine);
      }
    }
    if (batch.length >= batchSize) {
      yield batch;
      batch = [];
    }
  }
  // Narrowed wrongly by the compiler: `state` changes inside the loop.
  const ended = state as 'before' | 'inside' | 'after';
  if (ended !== 'after') {
    throw new DataFileError(ended === 'before' ? 'the JSON data file is empty: it must hold an array of objects' : 'the JSON array is not closed (a "]" is missing at the end)', line);
  }
  if (batch.length > 0) {
    yield batch;
  }
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/**
 * The fields a data file offers to placeholders: the CSV header, or the keys of the first JSON objects with the
 * dot paths of their nested objects (`author.name`). At most `sampleRows` rows are read.
 */
export async function dataColumns(path: string, options: ReadOptions = {}, sampleRows = 20): Promise<string[]> {
  const names = new Set<string>();
  let seen = 0;
  for await (const batch of readRows(path, options)) {
    for (const row of batch) {
      if (row.values !== undefined) {
        addPaths(names, row.values, '', 0);
      }
      if (++seen >= sampleRows) {
        return [...names];
      }
    }
  }
  return [...names];
}

function addPaths(names: Set<string>, value: Readonly<Record<string, unknown>>, prefix: string, depth: number): void {
  for (const [key, child] of Object.entries(value)) {
    names.add(prefix + key);
    if (depth < 3 && typeof child === 'object' && child !== null && !Array.isArray(child)) {
      addPaths(names, child as Record<string, unknown>, `${prefix}${key}.`, depth + 1);
    }
  }
}

/** The first readable row of a data file (for a preview while a prompt is typed), or undefined. */
export async function previewRowsOf(path: string, options: ReadOptions = {}): Promise<Readonly<Record<string, unknown>> | undefined> {
  for await (const batch of readRows(path, options)) {
    const row = batch.find((r) => r.values !== undefined);
    if (row !== undefined) {
      return row.values;
    }
  }
  return undefined;
}
