import {
  blankLineDiagnostic,
  duplicateDiagnostic,
  fileDiagnostics,
  invalidEncodingDiagnostic,
  lineDiagnostic,
  modelMismatchDiagnostic,
  sortDiagnostics,
  urlMismatchDiagnostic,
  valueSpanOn,
} from './diagnosticsBuilder';
import { analyzeLine } from './lineAnalysis';
import { defaultLimits, type BatchDiagnostic, type LineSpan, type ValidationLimits, type ValidationResult } from './types';

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
  // The line of each id's first use. Where on that line it sits is looked up only for ids that turn out
  // to be duplicated (see `firstUseLines`), which keeps the common, clean path to one map insert a row.
  private readonly firstIds = new Map<string, number>();
  private readonly duplicates: { readonly at: LineSpan; readonly firstLine: number; readonly id: string }[] = [];
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
      const firstLine = this.firstIds.get(info.customId);
      if (firstLine === undefined) {
        this.firstIds.set(info.customId, line);
      } else {
        this.duplicates.push({ at: { line, ...valueSpanOn(text, ['custom_id']) }, firstLine, id: info.customId });
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

  /** The lines holding the first use of a duplicated id: pass their texts to {@link finish} to place them. */
  firstUseLines(): Set<number> {
    return new Set(this.duplicates.map((duplicate) => duplicate.firstLine));
  }

  /**
   * Adds the duplicate and file-level checks and returns everything found, sorted by position.
   * `firstUseTexts` (line → text, for {@link firstUseLines}) lets the duplicates point at the exact first
   * `custom_id`; without it they point at the start of its line.
   */
  finish(bytes: number, firstUseTexts?: ReadonlyMap<number, string>): ValidationResult {
    for (const duplicate of this.duplicates) {
      const text = firstUseTexts?.get(duplicate.firstLine);
      const span = text === undefined ? { start: 0, end: 1 } : valueSpanOn(text, ['custom_id']);
      this.diagnostics.push(duplicateDiagnostic(duplicate.at, { line: duplicate.firstLine, ...span }, duplicate.id));
    }
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
  forEachLine(body, (line) => validator.addLine(line));
  const needed = validator.firstUseLines();
  const texts = new Map<number, string>();
  if (needed.size > 0) {
    let index = 0;
    forEachLine(body, (line) => {
      if (needed.has(index++)) {
        texts.set(index - 1, line);
      }
    });
  }
  return validator.finish(Buffer.byteLength(text, 'utf8'), texts);
}

/** Calls `visit` with each line of `body` (split on `\n`, a trailing `\r` dropped; a final empty part is not a line). */
function forEachLine(body: string, visit: (line: string) => void): void {
  let start = 0;
  for (;;) {
    const newline = body.indexOf('\n', start);
    if (newline < 0) {
      if (start < body.length) {
        visit(stripCarriageReturn(body.slice(start)));
      }
      return;
    }
    visit(stripCarriageReturn(body.slice(start, newline)));
    start = newline + 1;
  }
}

/** Drops the `\r` of a CRLF line end. */
export function stripCarriageReturn(line: string): string {
  return line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line;
}
