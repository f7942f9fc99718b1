import {
  blankLineDiagnostic,
  duplicateDiagnostic,
  fileDiagnostics,
  lineDiagnostic,
  modelMismatchDiagnostic,
  sortDiagnostics,
  urlMismatchDiagnostic,
  valueSpanOn,
} from './diagnosticsBuilder';
import type { Span } from './jsonLocator';
import { analyzeLine, type LineInfo } from './lineAnalysis';
import { defaultLimits, type BatchDiagnostic, type ValidationLimits } from './types';

/** One line of the document as last analysed. `line` is kept current as lines are inserted and removed. */
interface LineState {
  line: number;
  text: string;
  info: LineInfo | undefined; // undefined while the line waits to be (re)analysed
  bytes: number;
  /** Columns the analysis is shifted by: 1 when line 1 starts with a byte order mark character. */
  shift: number;
  spans?: Map<string, Span>;
}

const BOM = 0xfeff;

/**
 * The validator behind the editor: keeps one analysis per line and the cross-line indexes (ids, urls,
 * deployments), so an edit re-parses only the lines it touched. Edits are recorded with {@link splice}
 * as they happen and analysed by {@link flush}, which can stop at a deadline and resume, so a large
 * document never blocks its host for long. It reports exactly what {@link StreamValidator} reports for
 * the same text.
 */
export class DocumentValidator {
  private states: LineState[] = [];
  private readonly pending = new Set<LineState>();
  private readonly withProblems = new Set<LineState>();
  // The lines holding each id: the line itself, or a set once the id is repeated (removal stays O(1)).
  private readonly ids = new Map<string, LineState | Set<LineState>>();
  private readonly duplicateIds = new Set<string>();
  private readonly urls = new Map<string, Set<LineState>>();
  private readonly models = new Map<string, Set<LineState>>();
  private requests = 0;
  private textBytes = 0;
  private bomOnDisk = false;

  constructor(
    private limits: ValidationLimits = defaultLimits,
    /** Bytes each line break takes (2 for CRLF documents). */
    private eolBytes = 1,
  ) {}

  setLimits(limits: ValidationLimits): void {
    this.limits = limits;
  }

  setEolBytes(bytes: number): void {
    this.eolBytes = bytes;
  }

  /** The host removed a byte order mark from the text but the file has one (VS Code's `utf8bom`). */
  setBomOnDisk(hasBom: boolean): void {
    this.bomOnDisk = hasBom;
  }

  /** Forgets everything and marks `lineCount` lines for analysis. */
  reset(lineCount: number): void {
    this.states = [];
    this.pending.clear();
    this.withProblems.clear();
    this.ids.clear();
    this.duplicateIds.clear();
    this.urls.clear();
    this.models.clear();
    this.requests = 0;
    this.textBytes = 0;
    for (let line = 0; line < lineCount; line++) {
      this.states.push(this.newPending(line));
    }
  }

  /** Lines [start, start + deleteCount) were replaced by `insertCount` lines, whose text `flush` reads. */
  splice(start: number, deleteCount: number, insertCount: number): void {
    const inserted: LineState[] = [];
    for (let i = 0; i < insertCount; i++) {
      inserted.push(this.newPending(start + i));
    }
    const removed = this.states.splice(start, deleteCount, ...inserted);
    for (const state of removed) {
      this.unindex(state);
      this.pending.delete(state);
    }
    if (insertCount !== deleteCount) {
      for (let line = start + insertCount; line < this.states.length; line++) {
        this.states[line]!.line = line;
      }
    }
    // A line that was analysed as line 1 without its byte order mark must be looked at again once it moves;
    // so must a line starting with that character that moves up to line 1 (it was analysed with it).
    if (start === 0) {
      const moved = this.states[insertCount];
      if (moved && (moved.shift > 0 || (insertCount === 0 && moved.text.charCodeAt(0) === BOM))) {
        this.markPending(moved);
      }
    }
  }

  /** Marks every line for analysis again (for example after the limits changed). */
  invalidateAll(): void {
    for (const state of this.states) {
      this.markPending(state);
    }
  }

  get lineCount(): number {
    return this.states.length;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  get requestCount(): number {
    return this.requests;
  }

  /**
   * Analyses the lines waiting for it, reading their text through `lineText`. Stops once `deadline`
   * (a `performance.now()` time) has passed and returns false; call again to continue.
   */
  flush(lineText: (line: number) => string, deadline = Infinity): boolean {
    let count = 0;
    for (const state of this.pending) {
      this.pending.delete(state);
      this.analyze(state, lineText(state.line));
      if ((++count & 63) === 0 && performance.now() > deadline) {
        return this.pending.size === 0;
      }
    }
    return true;
  }

  /** All problems in the document, sorted. Call when {@link pendingCount} is 0. */
  diagnostics(): BatchDiagnostic[] {
    const result: BatchDiagnostic[] = [];
    for (const state of this.withProblems) {
      const info = state.info!;
      // The empty "line" after a final line break is not a line of the file (nor is a lone byte order mark).
      if (info.kind === 'blank' && !(state.text.length === state.shift && state.line === this.states.length - 1)) {
        result.push(blankLineDiagnostic(state.line, state.text));
      }
      for (const problem of info.problems) {
        result.push(lineDiagnostic(state.line, problem, state.shift));
      }
    }
    for (const id of this.duplicateIds) {
      const holders = [...(this.ids.get(id) as Set<LineState>)].sort((a, b) => a.line - b.line);
      const first = { line: holders[0]!.line, ...this.spanOf(holders[0]!, 'custom_id') };
      for (const repeat of holders.slice(1)) {
        result.push(duplicateDiagnostic({ line: repeat.line, ...this.spanOf(repeat, 'custom_id') }, first, id));
      }
    }
    this.addMismatches(result, this.urls, 'url');
    this.addMismatches(result, this.models, 'body.model');
    const first = this.states[0];
    result.push(
      ...fileDiagnostics(
        {
          requests: this.requests,
          bytes: this.bytes,
          hasBom: this.bomOnDisk || (first !== undefined && first.shift > 0),
          firstExcessLine: this.requests > this.limits.maxRequests ? this.nthRequestLine(this.limits.maxRequests + 1) : undefined,
          firstLineLength: first?.text.length ?? 0,
        },
        this.limits,
      ),
    );
    return sortDiagnostics(result);
  }

  /** The file's deployment: the first usable `body.model`. */
  get deployment(): string | undefined {
    return this.firstWith('model')?.info?.model;
  }

  /** The file's endpoint: the first batch `url`. */
  get endpoint(): string | undefined {
    return this.firstWith('url')?.info?.url;
  }

  /** Every distinct usable deployment name in the document. */
  deploymentNames(): string[] {
    return [...this.models.keys()];
  }

  /** Size of the document as saved, in UTF-8 bytes. */
  get bytes(): number {
    const breaks = Math.max(this.states.length - 1, 0) * this.eolBytes;
    return this.textBytes + breaks + (this.bomOnDisk ? 3 : 0);
  }

  private addMismatches(result: BatchDiagnostic[], index: Map<string, Set<LineState>>, field: 'url' | 'body.model'): void {
    if (index.size < 2) {
      return;
    }
    const reference = this.firstWith(field === 'url' ? 'url' : 'model')!;
    const value = field === 'url' ? reference.info!.url! : reference.info!.model!;
    const at = { line: reference.line, ...this.spanOf(reference, field) };
    for (const [other, holders] of index) {
      if (other === value) {
        continue;
      }
      for (const state of holders) {
        const span = { line: state.line, ...this.spanOf(state, field) };
        result.push(field === 'url' ? urlMismatchDiagnostic(span, other, at, value) : modelMismatchDiagnostic(span, other, at, value));
      }
    }
  }

  private firstWith(field: 'url' | 'model'): LineState | undefined {
    if ((field === 'url' ? this.urls : this.models).size === 0) {
      return undefined;
    }
    for (const state of this.states) {
      if (state.info?.[field] !== undefined) {
        return state;
      }
    }
    return undefined;
  }

  private nthRequestLine(n: number): number {
    let seen = 0;
    for (const state of this.states) {
      if (state.info && state.info.kind !== 'blank' && ++seen === n) {
        return state.line;
      }
    }
    return 0;
  }

  private spanOf(state: LineState, field: string): Span {
    state.spans ??= new Map();
    let span = state.spans.get(field);
    if (span === undefined) {
      const text = state.shift > 0 ? state.text.slice(state.shift) : state.text;
      const found = valueSpanOn(text, field.split('.'));
      span = { start: found.start + state.shift, end: found.end + state.shift };
      state.spans.set(field, span);
    }
    return span;
  }

  private newPending(line: number): LineState {
    const state: LineState = { line, text: '', info: undefined, bytes: 0, shift: 0 };
    this.pending.add(state);
    return state;
  }

  private markPending(state: LineState): void {
    this.unindex(state);
    this.pending.add(state);
  }

  private analyze(state: LineState, text: string): void {
    state.text = text;
    state.shift = state.line === 0 && text.charCodeAt(0) === BOM ? 1 : 0;
    state.info = analyzeLine(state.shift > 0 ? text.slice(1) : text);
    state.bytes = byteLength(text);
    state.spans = undefined;
    this.index(state);
  }

  private index(state: LineState): void {
    const info = state.info!;
    this.textBytes += state.bytes;
    if (info.kind !== 'blank') {
      this.requests++;
    }
    if (info.kind === 'blank' || info.problems.length > 0) {
      this.withProblems.add(state);
    }
    if (info.customId !== undefined) {
      const holders = this.ids.get(info.customId);
      if (holders === undefined) {
        this.ids.set(info.customId, state);
      } else if (holders instanceof Set) {
        holders.add(state);
      } else {
        this.ids.set(info.customId, new Set([holders, state]));
        this.duplicateIds.add(info.customId);
      }
    }
    addTo(this.urls, info.url, state);
    addTo(this.models, info.model, state);
  }

  private unindex(state: LineState): void {
    const info = state.info;
    if (info === undefined) {
      return;
    }
    state.info = undefined;
    this.textBytes -= state.bytes;
    if (info.kind !== 'blank') {
      this.requests--;
    }
    this.withProblems.delete(state);
    if (info.customId !== undefined) {
      const holders = this.ids.get(info.customId);
      if (holders instanceof Set) {
        holders.delete(state);
        if (holders.size === 1) {
          this.ids.set(info.customId, holders.values().next().value!);
          this.duplicateIds.delete(info.customId);
        }
      } else {
        this.ids.delete(info.customId);
      }
    }
    removeFrom(this.urls, info.url, state);
    removeFrom(this.models, info.model, state);
  }
}

function addTo(index: Map<string, Set<LineState>>, key: string | undefined, state: LineState): void {
  if (key === undefined) {
    return;
  }
  let holders = index.get(key);
  if (holders === undefined) {
    holders = new Set();
    index.set(key, holders);
  }
  holders.add(state);
}

function removeFrom(index: Map<string, Set<LineState>>, key: string | undefined, state: LineState): void {
  if (key === undefined) {
    return;
  }
  const holders = index.get(key);
  if (holders) {
    holders.delete(state);
    if (holders.size === 0) {
      index.delete(key);
    }
  }
}

/** UTF-8 byte length of a string, fast for ASCII. */
function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
