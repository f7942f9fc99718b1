import { DiagnosticCodes, type DiagnosticCode } from './codes';
import {
  blankLineDiagnostic,
  compareDiagnostics,
  duplicateDiagnostic,
  fileDiagnostics,
  invalidEncodingDiagnostic,
  lineDiagnostic,
  modelMismatchDiagnostic,
  oversizedLineDiagnostic,
  sortDiagnostics,
  urlMismatchDiagnostic,
  valueSpanOn,
} from './diagnosticsBuilder';
import type { DeploymentInfo } from '../azure/deployments';
import { DeploymentCheck } from './deploymentCheck';
import { analyzeLine } from './lineAnalysis';
import { isOutputLine } from './resultShape';
import { defaultLimits, defaultMaxDiagnostics, orderedCounts, type BatchDiagnostic, type DiagnosticCounts, type LineSpan, type ValidationLimits, type ValidationResult } from './types';

interface Reference {
  readonly value: string;
  readonly at: LineSpan;
}

/** How a {@link StreamValidator} hands out what it finds. */
export interface StreamValidatorOptions {
  /** Most diagnostics kept for the result (default 1,000); the rest are only counted. */
  readonly maxDiagnostics?: number;
  /**
   * Called with every diagnostic as it is found, also those past the cap: line problems in file order (sorted
   * within a line), file-level ones from {@link StreamValidator.finish}. A streamed duplicate's related location
   * is the start of the line of the id's first use.
   */
  readonly onDiagnostic?: (diagnostic: BatchDiagnostic) => void;
  /**
   * The deployments of the resource the file goes to: each row's `body.model` must be one of its batch
   * deployments (`unknown_deployment`, `not_batch_deployment`). Without a list, deployment names are not checked.
   */
  readonly deployments?: readonly DeploymentInfo[];
}

/**
 * Validates a batch file fed one line at a time, in order, keeping only what later lines are checked
 * against (first use of each `custom_id`, the file's url and deployment), the first `maxDiagnostics`
 * diagnostics and a count per code. Memory grows with the number of ids, never with the number of problems;
 * used by the CLI, the "Validate Batch File" command and the emulator.
 */
export class StreamValidator {
  private readonly kept: BatchDiagnostic[] = [];
  private readonly counts: DiagnosticCounts = {};
  private total = 0;
  private readonly maxDiagnostics: number;
  private readonly onDiagnostic: ((diagnostic: BatchDiagnostic) => void) | undefined;
  private readonly deploymentCheck: DeploymentCheck | undefined;
  // The current line's diagnostics, sorted before they are reported.
  private readonly lineBuffer: { readonly diagnostic: BatchDiagnostic; readonly firstUse?: number }[] = [];
  // Each id's first use, as a slot of `firstUses`. Where on that line the id sits is looked up only for kept
  // duplicates (see `firstUseLines`), which keeps the common, clean path to one map insert a row.
  private readonly firstIds = new Map<string, number>();
  private readonly firstUses = new FirstUses();
  // Kept duplicates whose related location waits for the text of the first use: index in `kept`, slot of the first use.
  private readonly keptDuplicates: { readonly index: number; readonly slot: number }[] = [];
  private url: Reference | undefined;
  private model: Reference | undefined;
  private line = 0;
  private requests = 0;
  private firstExcessLine: number | undefined;
  private firstLineLength = 0;
  private hasBom = false;
  // Whether the first non-blank line is an output line (see `isOutputLine`), once that line is seen.
  private firstRequestIsOutput: boolean | undefined;

  constructor(
    private readonly limits: ValidationLimits = defaultLimits,
    options: StreamValidatorOptions = {},
  ) {
    this.maxDiagnostics = Math.max(0, options.maxDiagnostics ?? defaultMaxDiagnostics);
    this.onDiagnostic = options.onDiagnostic;
    this.deploymentCheck = options.deployments && new DeploymentCheck(options.deployments);
  }

  /** Records that the file began with a UTF-8 byte order mark (already removed from the text). */
  markBom(): void {
    this.hasBom = true;
  }

  /**
   * Checks the next line (without its line break). `badByteColumn` marks a line that was not valid UTF-8.
   * `offset` and `length` say where the caller can read the line again (bytes of a file, as a `LineSplitter`
   * gives them, or characters of a string): given, {@link firstUseLocations} hands them back for the lines a
   * kept duplicate points at, so they are read alone instead of in a second pass.
   */
  addLine(text: string, badByteColumn?: number, offset?: number, length?: number): void {
    const line = this.line++;
    if (line === 0) {
      this.firstLineLength = text.length;
    }
    if (badByteColumn !== undefined) {
      this.found(DiagnosticCodes.invalidEncoding, () => invalidEncodingDiagnostic(line, badByteColumn));
    }
    const info = analyzeLine(text);
    if (info.kind === 'blank') {
      this.found(DiagnosticCodes.blankLine, () => blankLineDiagnostic(line, text));
      this.endLine();
      return;
    }
    this.countRequest(line);
    this.firstRequestIsOutput ??= info.problems.length > 0 && isOutputLine(text);
    for (const problem of info.problems) {
      this.found(problem.code, () => lineDiagnostic(line, problem));
    }
    if (info.customId !== undefined) {
      const slot = this.firstIds.get(info.customId);
      if (slot === undefined) {
        this.firstIds.set(info.customId, this.firstUses.add(line, offset, length));
      } else {
        const id = info.customId;
        const firstLine = this.firstUses.line(slot);
        this.found(DiagnosticCodes.duplicateCustomId, () => duplicateDiagnostic({ line, ...valueSpanOn(text, ['custom_id']) }, { line: firstLine, start: 0, end: 1 }, id), slot);
      }
    }
    if (info.url !== undefined) {
      if (this.url === undefined) {
        this.url = { value: info.url, at: { line, ...valueSpanOn(text, ['url']) } };
      } else if (info.url !== this.url.value) {
        const url = info.url;
        const reference = this.url;
        this.found(DiagnosticCodes.urlMismatch, () => urlMismatchDiagnostic({ line, ...valueSpanOn(text, ['url']) }, url, reference.at, reference.value));
      }
    }
    if (info.model !== undefined) {
      if (this.model === undefined) {
        this.model = { value: info.model, at: { line, ...valueSpanOn(text, ['body', 'model']) } };
      } else if (info.model !== this.model.value) {
        const model = info.model;
        const reference = this.model;
        this.found(DiagnosticCodes.modelMismatch, () => modelMismatchDiagnostic({ line, ...valueSpanOn(text, ['body', 'model']) }, model, reference.at, reference.value));
      }
      const problem = this.deploymentCheck?.problemFor(info.model);
      if (problem) {
        const model = info.model;
        this.found(problem.code, () => this.deploymentCheck!.diagnosticFor(model, { line, ...valueSpanOn(text, ['body', 'model']) })!);
      }
    }
    this.endLine();
  }

  /**
   * Counts the next line without reading it: `bytes` long, more than `limit` (see `lineLimit` in fileValidator),
   * so too long to be one request, and never decoded into a string. It is reported as a request that cannot be sent.
   */
  addOversizedLine(bytes: number, limit: number): void {
    const line = this.line++;
    if (line === 0) {
      this.firstLineLength = bytes;
    }
    this.countRequest(line);
    this.firstRequestIsOutput ??= false;
    this.found(DiagnosticCodes.invalidRequest, () => oversizedLineDiagnostic(line, bytes, limit));
    this.endLine();
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

  /** The lines holding the first use of a kept duplicate's id: pass their texts to {@link finish} to place them. */
  firstUseLines(): Set<number> {
    return new Set(this.keptDuplicates.map((duplicate) => this.firstUses.line(duplicate.slot)));
  }

  /**
   * Where to read the lines of {@link firstUseLines} again, by line, for those whose `offset` and `length` were
   * given to {@link addLine}: read them, and pass their texts to {@link finish}.
   */
  firstUseLocations(): Map<number, { readonly offset: number; readonly length: number }> {
    const locations = new Map<number, { readonly offset: number; readonly length: number }>();
    for (const { slot } of this.keptDuplicates) {
      const offset = this.firstUses.offset(slot);
      if (offset >= 0) {
        locations.set(this.firstUses.line(slot), { offset, length: this.firstUses.length(slot) });
      }
    }
    return locations;
  }

  /**
   * Adds the file-level checks and returns what was kept, sorted by position, with the counts of everything
   * found. `firstUseTexts` (line → text, for {@link firstUseLines}) lets the duplicates point at the exact
   * first `custom_id`; without it they point at the start of its line.
   */
  finish(bytes: number, firstUseTexts?: ReadonlyMap<number, string>): ValidationResult {
    for (const duplicate of this.keptDuplicates) {
      const text = firstUseTexts?.get(this.firstUses.line(duplicate.slot));
      const kept = this.kept[duplicate.index]!;
      if (text !== undefined && kept.related?.[0]) {
        const first = kept.related[0];
        this.kept[duplicate.index] = { ...kept, related: [{ ...first, ...valueSpanOn(text, ['custom_id']) }] };
      }
    }
    const fileLevel = sortDiagnostics(
      fileDiagnostics(
        { requests: this.requests, bytes, hasBom: this.hasBom, firstExcessLine: this.firstExcessLine, firstLineLength: this.firstLineLength },
        this.limits,
      ),
    );
    for (const d of fileLevel) {
      this.count(d.code);
      this.onDiagnostic?.(d);
    }
    // File-level problems sit on line 1, so they come first: keep them, and as many line problems as fit.
    const diagnostics = sortDiagnostics(this.kept.concat(fileLevel)).slice(0, this.maxDiagnostics);
    return {
      requests: this.requests,
      bytes,
      diagnostics,
      counts: orderedCounts(this.counts),
      total: this.total,
      truncated: diagnostics.length < this.total,
      startsWithOutputLine: this.firstRequestIsOutput ?? false,
      endpoint: this.url?.value,
      deployment: this.model?.value,
    };
  }

  private countRequest(line: number): void {
    this.requests++;
    if (this.requests === this.limits.maxRequests + 1) {
      this.firstExcessLine = line;
    }
  }

  private count(code: DiagnosticCode): void {
    this.counts[code] = (this.counts[code] ?? 0) + 1;
    this.total++;
  }

  /**
   * Counts a problem of the current line; builds it (`make`) only when it may be kept or is streamed, so a
   * file with millions of problems costs a counter each past the cap. `firstUse` (a slot of `firstUses`) marks
   * a duplicate whose first use is placed by {@link finish}.
   */
  private found(code: DiagnosticCode, make: () => BatchDiagnostic, firstUse?: number): void {
    this.count(code);
    // While there is room, every problem of the line is built: the line's first ones by position are kept.
    if (this.kept.length >= this.maxDiagnostics && this.onDiagnostic === undefined) {
      return;
    }
    this.lineBuffer.push({ diagnostic: make(), firstUse });
  }

  // Streams the current line's diagnostics in position order and keeps the first of them that fit.
  private endLine(): void {
    const buffer = this.lineBuffer;
    if (buffer.length === 0) {
      return;
    }
    if (buffer.length > 1) {
      buffer.sort((a, b) => compareDiagnostics(a.diagnostic, b.diagnostic));
    }
    for (const { diagnostic, firstUse } of buffer) {
      this.onDiagnostic?.(diagnostic);
      if (this.kept.length < this.maxDiagnostics) {
        if (firstUse !== undefined) {
          this.keptDuplicates.push({ index: this.kept.length, slot: firstUse });
        }
        this.kept.push(diagnostic);
      }
    }
    buffer.length = 0;
  }
}

/** Validates a whole text held in memory (tests, small files, the emulator's uploads). */
export function validateText(text: string, limits: ValidationLimits = defaultLimits, options: StreamValidatorOptions = {}): ValidationResult {
  const validator = new StreamValidator(limits, options);
  let body = text;
  if (body.charCodeAt(0) === 0xfeff) {
    validator.markBom();
    body = body.slice(1);
  }
  forEachLine(body, (line, start) => validator.addLine(line, undefined, start, line.length));
  const texts = new Map<number, string>();
  for (const [line, at] of validator.firstUseLocations()) {
    texts.set(line, body.slice(at.offset, at.offset + at.length));
  }
  return validator.finish(Buffer.byteLength(text, 'utf8'), texts);
}

/**
 * Calls `visit` with each line of `body` (split on `\n`, a trailing `\r` dropped; a final empty part is not a
 * line) and the index where it starts.
 */
function forEachLine(body: string, visit: (line: string, start: number) => void): void {
  let start = 0;
  for (;;) {
    const newline = body.indexOf('\n', start);
    if (newline < 0) {
      if (start < body.length) {
        visit(stripCarriageReturn(body.slice(start)), start);
      }
      return;
    }
    visit(stripCarriageReturn(body.slice(start, newline)), start);
    start = newline + 1;
  }
}

/**
 * The first use of each `custom_id`, by slot (in order of first use): its line and where its caller can read it
 * again (offset -1 when it was not told). Typed arrays, so the id index costs a map entry and 16 bytes per id.
 */
class FirstUses {
  private size = 0;
  // Lines and lengths fit 32 bits (a line is at most the line limit); offsets in files past 4 GiB do not.
  private lines = new Uint32Array(1024);
  private offsets = new Float64Array(1024);
  private lengths = new Uint32Array(1024);

  /** Records a first use; returns its slot. */
  add(line: number, offset: number | undefined, length: number | undefined): number {
    const slot = this.size++;
    if (slot === this.lines.length) {
      this.lines = grown(this.lines);
      this.offsets = grown(this.offsets);
      this.lengths = grown(this.lengths);
    }
    this.lines[slot] = line;
    this.offsets[slot] = offset ?? -1;
    this.lengths[slot] = length ?? 0;
    return slot;
  }

  line(slot: number): number {
    return this.lines[slot]!;
  }

  offset(slot: number): number {
    return this.offsets[slot]!;
  }

  length(slot: number): number {
    return this.lengths[slot]!;
  }
}

function grown<T extends Uint32Array | Float64Array>(array: T): T {
  const bigger = new (array.constructor as new (length: number) => T)(array.length * 2);
  bigger.set(array);
  return bigger;
}

/** Drops the `\r` of a CRLF line end. */
export function stripCarriageReturn(line: string): string {
  return line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line;
}
