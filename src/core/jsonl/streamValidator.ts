import {
  blankLineDiagnostic,
  duplicateDiagnostic,
  fileDiagnostics,
  invalidEncodingDiagnostic,
  lineDiagnostic,
  modelMismatchDiagnostic,
  quickStringSpan,
  sortDiagnostics,
  urlMismatchDiagnostic,
  valueSpanOn,
} from './diagnosticsBuilder';
import { analyzeLine } from './lineAnalysis';
import { defaultLimits, type BatchDiagnostic, type LineSpan, type ValidationLimits, type ValidationResult } from './types';

const packBase = 2 ** 24;

function unpack(first: number | LineSpan, id: string): LineSpan {
  if (typeof first !== 'number') {
    return first;
  }
  const start = first % packBase;
  return { line: Math.floor(first / packBase), start, end: start + id.length + 2 };
}

interface Reference {
  readonly value: string;
  readonly at: LineSpan;
}

/**
 * Validates a batch file fed one line at a time, in order, keeping only what later lines are checked
 * against (first use of each `custom_id`, the file's url and deployment). Memory grows with the number of
 * ids, not with the file size; used by the CLI, the "Validate Batch File" command and the emulator.
 */
export class StreamValidator {
  private readonly diagnostics: BatchDiagnostic[] = [];
  // First use of each id: a packed `line * 2^24 + start` number for the usual plain id (its end follows
  // from its length), a span otherwise. Packing keeps 100,000 ids from becoming 100,000 objects.
  private readonly firstIds = new Map<string, number | LineSpan>();
  private url: Reference | undefined;
  private model: Reference | undefined;
  private line = 0;
  private requests = 0;
  private firstExcessLine: number | undefined;
  private firstLineLength = 0;
  private hasBom = false;

  constructor(private readonly limits: ValidationLimits = defaultLimits) {}

  /** Records that the file began with a UTF-8 byte order mark (already removed from the text). */
  markBom(): void {
    this.hasBom = true;
  }

  /** Checks the next line (without its line break). `badByteColumn` marks a line that was not valid UTF-8. */
  addLine(text: string, badByteColumn?: number): void {
    const line = this.line++;
    if (line === 0) {
      this.firstLineLength = text.length;
    }
    if (badByteColumn !== undefined) {
      this.diagnostics.push(invalidEncodingDiagnostic(line, badByteColumn));
    }
    const info = analyzeLine(text);
    if (info.kind === 'blank') {
      this.diagnostics.push(blankLineDiagnostic(line, text));
      return;
    }
    this.requests++;
    if (this.requests === this.limits.maxRequests + 1) {
      this.firstExcessLine = line;
    }
    for (const problem of info.problems) {
      this.diagnostics.push(lineDiagnostic(line, problem));
    }
    if (info.customId !== undefined) {
      const first = this.firstIds.get(info.customId);
      if (first === undefined) {
        const span = quickStringSpan(text, 'custom_id', info.customId);
        const plain = span.end - span.start === info.customId.length + 2 && span.start < packBase;
        this.firstIds.set(info.customId, plain ? line * packBase + span.start : { line, ...span });
      } else {
        this.diagnostics.push(duplicateDiagnostic({ line, ...valueSpanOn(text, ['custom_id']) }, unpack(first, info.customId), info.customId));
      }
    }
    if (info.url !== undefined) {
      if (this.url === undefined) {
        this.url = { value: info.url, at: { line, ...valueSpanOn(text, ['url']) } };
      } else if (info.url !== this.url.value) {
        this.diagnostics.push(urlMismatchDiagnostic({ line, ...valueSpanOn(text, ['url']) }, info.url, this.url.at, this.url.value));
      }
    }
    if (info.model !== undefined) {
      if (this.model === undefined) {
        this.model = { value: info.model, at: { line, ...valueSpanOn(text, ['body', 'model']) } };
      } else if (info.model !== this.model.value) {
        this.diagnostics.push(modelMismatchDiagnostic({ line, ...valueSpanOn(text, ['body', 'model']) }, info.model, this.model.at, this.model.value));
      }
    }
  }

  /** The file's deployment (first valid row's `model`), once seen. */
  get deployment(): string | undefined {
    return this.model?.value;
  }

  /** The file's endpoint (first valid row's `url`), once seen. */
  get endpoint(): string | undefined {
    return this.url?.value;
  }

  get requestCount(): number {
    return this.requests;
  }

  /** Adds the file-level checks and returns everything found, sorted by position. */
  finish(bytes: number): ValidationResult {
    const all = this.diagnostics.concat(
      fileDiagnostics(
        { requests: this.requests, bytes, hasBom: this.hasBom, firstExcessLine: this.firstExcessLine, firstLineLength: this.firstLineLength },
        this.limits,
      ),
    );
    return { requests: this.requests, bytes, diagnostics: sortDiagnostics(all), endpoint: this.url?.value, deployment: this.model?.value };
  }
}

/** Validates a whole text held in memory (tests, small files, the emulator's uploads). */
export function validateText(text: string, limits: ValidationLimits = defaultLimits): ValidationResult {
  const validator = new StreamValidator(limits);
  let body = text;
  if (body.charCodeAt(0) === 0xfeff) {
    validator.markBom();
    body = body.slice(1);
  }
  let start = 0;
  for (;;) {
    const newline = body.indexOf('\n', start);
    if (newline < 0) {
      // The part after a trailing newline is not a line.
      if (start < body.length) {
        validator.addLine(stripCarriageReturn(body.slice(start)));
      }
      break;
    }
    validator.addLine(stripCarriageReturn(body.slice(start, newline)));
    start = newline + 1;
  }
  return validator.finish(Buffer.byteLength(text, 'utf8'));
}

/** Drops the `\r` of a CRLF line end. */
export function stripCarriageReturn(line: string): string {
  return line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line;
}
