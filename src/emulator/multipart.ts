import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { unlink } from 'node:fs/promises';

/** A malformed multipart body (answered 400). */
export class MultipartError extends Error {}

export interface MultipartFile {
  /** The form field name (`file` for uploads). */
  readonly field: string;
  readonly filename: string;
  readonly contentType: string;
  /** Bytes received for the part, even past `maxFileBytes`. */
  readonly bytes: number;
  /** True when the part was larger than `maxFileBytes`; the file on disk is then incomplete. */
  readonly tooLarge: boolean;
}

export interface MultipartResult {
  readonly fields: ReadonlyMap<string, string>;
  /** The first file part, written to `filePath`. */
  readonly file?: MultipartFile;
}

export interface MultipartOptions {
  /** Where the first file part is written. */
  readonly filePath: string;
  readonly maxFileBytes: number;
  /** Largest text field in bytes (default 64 KB). */
  readonly maxFieldBytes?: number;
  /** Most parts, fields and files together (default 100): each kept field costs memory. */
  readonly maxParts?: number;
}

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');
const maxHeaderBytes = 16 * 1024;
const empty = Buffer.alloc(0);

/** The boundary of a `multipart/form-data` content type, or undefined. */
export function multipartBoundary(contentType: string | undefined): string | undefined {
  if (contentType === undefined || !/^multipart\/form-data\s*(;|$)/i.test(contentType.trim())) {
    return undefined;
  }
  const params = parseParameters(contentType.slice(contentType.indexOf(';') + 1));
  const boundary = params.get('boundary');
  return boundary !== undefined && boundary.length > 0 && boundary.length <= 200 ? boundary : undefined;
}

/** `name=value; name="quoted value"` parameters, names lower-cased; RFC 5987 `name*=UTF-8''...` decoded. */
function parseParameters(text: string): Map<string, string> {
  const result = new Map<string, string>();
  const pattern = /(?:^|;)\s*([^=;\s]+)\s*=\s*(?:"((?:\\.|[^"\\])*)"|([^;]*))/g;
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    const name = match[1]!.toLowerCase();
    const quoted = match[2];
    let value = quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : match[3]!.trim();
    if (name.endsWith('*')) {
      const extended = /^[^']*'[^']*'(.*)$/.exec(value);
      try {
        value = decodeURIComponent(extended ? extended[1]! : value);
      } catch {
        // keep it raw
      }
      result.set(name.slice(0, -1), value);
    } else if (!result.has(name)) {
      result.set(name, value);
    }
  }
  return result;
}

interface PartHeaders {
  readonly name: string;
  readonly filename: string | undefined;
  readonly contentType: string;
}

function parsePartHeaders(block: Buffer): PartHeaders {
  let disposition: Map<string, string> | undefined;
  let contentType = 'text/plain';
  for (const line of block.toString('utf8').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) {
      continue;
    }
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'content-disposition') {
      if (!/^form-data\s*(;|$)/i.test(value)) {
        throw new MultipartError('a part has a Content-Disposition other than form-data');
      }
      disposition = parseParameters(value.slice(value.indexOf(';') + 1));
    } else if (name === 'content-type') {
      contentType = value;
    }
  }
  const fieldName = disposition?.get('name');
  if (fieldName === undefined) {
    throw new MultipartError('a part has no Content-Disposition name');
  }
  return { name: fieldName, filename: disposition!.get('filename'), contentType };
}

type State = 'preamble' | 'boundary' | 'headers' | 'body' | 'end';

/**
 * Parses a `multipart/form-data` body as it streams in. The first file part goes straight to `filePath` (with
 * back-pressure), text fields are kept (up to `maxFieldBytes` each, `maxParts` parts in all) and other file
 * parts are skipped, so memory stays bounded whatever the size of the upload: at most `maxParts` ×
 * `maxFieldBytes` of fields. Data past `maxFileBytes` is counted and discarded.
 */
export async function parseMultipart(source: AsyncIterable<Buffer>, boundary: string, options: MultipartOptions): Promise<MultipartResult> {
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  const maxFieldBytes = options.maxFieldBytes ?? 64 * 1024;
  const maxParts = options.maxParts ?? 100;
  let parts = 0;
  const fields = new Map<string, string>();
  let file: MultipartFile | undefined;

  // Starting with CRLF lets the first boundary (at the very start, without a CRLF before it) match `delimiter`.
  let buffer: Buffer = CRLF;
  let state = 'preamble' as State;
  let part: PartHeaders | undefined;
  let fieldChunks: Buffer[] = [];
  let fieldBytes = 0;
  let sink: WriteStream | undefined;
  let sinkFailed: Error | undefined;
  let fileBytes = 0;
  let tooLarge = false;
  let writingFile = false;

  const startPart = (headers: PartHeaders) => {
    if (++parts > maxParts) {
      throw new MultipartError(`the form has more than ${maxParts} parts`);
    }
    part = headers;
    fieldChunks = [];
    fieldBytes = 0;
    writingFile = false;
    if (headers.filename !== undefined && file === undefined && sink === undefined) {
      writingFile = true;
      fileBytes = 0;
      sink = createWriteStream(options.filePath);
      sink.on('error', (error) => (sinkFailed = error));
    }
  };

  const emit = async (data: Buffer) => {
    if (data.length === 0 || part === undefined) {
      return;
    }
    if (writingFile) {
      fileBytes += data.length;
      if (fileBytes > options.maxFileBytes) {
        tooLarge = true;
        return;
      }
      if (sinkFailed) {
        throw sinkFailed;
      }
      if (!sink!.write(data)) {
        await once(sink!, 'drain');
      }
    } else if (part.filename === undefined) {
      fieldBytes += data.length;
      if (fieldBytes > maxFieldBytes) {
        throw new MultipartError(`the form field "${part.name.slice(0, 100)}" is larger than ${maxFieldBytes} bytes`);
      }
      fieldChunks.push(Buffer.from(data));
    }
  };

  const endPart = async () => {
    if (part === undefined) {
      return;
    }
    if (writingFile) {
      const stream = sink!;
      stream.end();
      if (!stream.writableFinished) {
        await once(stream, 'finish');
      }
      if (sinkFailed) {
        throw sinkFailed;
      }
      file = { field: part.name, filename: part.filename ?? 'file', contentType: part.contentType, bytes: fileBytes, tooLarge };
      writingFile = false;
    } else if (part.filename === undefined && !fields.has(part.name)) {
      fields.set(part.name, Buffer.concat(fieldChunks).toString('utf8'));
    }
    part = undefined;
  };

  const advance = async (): Promise<void> => {
    for (;;) {
      switch (state) {
        case 'preamble': {
          const at = buffer.indexOf(delimiter);
          if (at < 0) {
            if (buffer.length > maxHeaderBytes) {
              throw new MultipartError('no multipart boundary found');
            }
            return;
          }
          buffer = buffer.subarray(at + delimiter.length);
          state = 'boundary';
          break;
        }
        case 'boundary': {
          if (buffer.length < 2) {
            return;
          }
          if (buffer[0] === 0x2d && buffer[1] === 0x2d) {
            state = 'end';
            buffer = empty;
            return;
          }
          const at = buffer.indexOf(CRLF);
          if (at < 0) {
            if (buffer.length > 256) {
              throw new MultipartError('malformed multipart boundary line');
            }
            return;
          }
          buffer = buffer.subarray(at + 2);
          state = 'headers';
          break;
        }
        case 'headers': {
          if (buffer.length >= 2 && buffer[0] === 0x0d && buffer[1] === 0x0a) {
            throw new MultipartError('a part has no headers');
          }
          const at = buffer.indexOf(HEADER_END);
          if (at < 0) {
            if (buffer.length > maxHeaderBytes) {
              throw new MultipartError('part headers too large');
            }
            return;
          }
          startPart(parsePartHeaders(buffer.subarray(0, at)));
          buffer = buffer.subarray(at + HEADER_END.length);
          state = 'body';
          break;
        }
        case 'body': {
          const at = buffer.indexOf(delimiter);
          if (at < 0) {
            // Keep just enough to recognise a delimiter split across chunks.
            const keep = delimiter.length - 1;
            if (buffer.length > keep) {
              await emit(buffer.subarray(0, buffer.length - keep));
              buffer = buffer.subarray(buffer.length - keep);
            }
            return;
          }
          await emit(buffer.subarray(0, at));
          await endPart();
          buffer = buffer.subarray(at + delimiter.length);
          state = 'boundary';
          break;
        }
        case 'end':
          buffer = empty;
          return;
      }
    }
  };

  try {
    for await (const chunk of source) {
      if (state === 'end') {
        continue; // epilogue
      }
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
      await advance();
    }
    if (state !== 'end') {
      throw new MultipartError('the multipart body ended before its closing boundary');
    }
  } catch (error) {
    if (sink !== undefined) {
      sink.destroy();
      await unlink(options.filePath).catch(() => undefined);
    }
    throw error;
  }
  return file === undefined ? { fields } : { fields, file };
}
