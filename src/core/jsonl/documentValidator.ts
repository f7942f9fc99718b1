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
import { DiagnosticCodes, type DiagnosticCode } from './codes';
import type { DeploymentInfo } from '../azure/deployments';
import { DeploymentCheck, type DeploymentProblem } from './deploymentCheck';
import type { Span } from './jsonLocator';
import { IncrementalLines, type IncrementalDocument } from '../documents/incrementalLines';
import { analyzeLine, type LineInfo } from './lineAnalysis';
import { defaultLimits, orderedCounts, type BatchDiagnostic, type DiagnosticCounts, type LineSpan, type ValidationLimits } from './types';

/** What {@link DocumentValidator.report} returns: the first problems and the count of all of them. */
export interface DocumentReport {
  /** The first `maxDiagnostics` problems, in position order. */
  readonly diagnostics: BatchDiagnostic[];
  /** Every problem per code. */
  readonly counts: DiagnosticCounts;
  readonly total: number;
  /** True when `diagnostics` holds fewer than `total`. */
  readonly truncated: boolean;
}

/**
 * What is kept of a line's analysis: the values other lines are checked against and the codes of its problems.
 * The problems themselves (messages, spans) are built again for the few lines a report shows, so a document of
 * a million broken rows holds a few small fields per row, not a million messages.
 */
interface LineFacts {
  readonly kind: LineInfo['kind'];
  readonly customId?: string;
  readonly url?: string;
  readonly model?: string;
  readonly codes: readonly DiagnosticCode[];
}

const noCodes: readonly DiagnosticCode[] = [];
// Short code lists are shared between lines (a broken file repeats a few combinations).
const sharedCodes = new Map<string, readonly DiagnosticCode[]>();

function factsOf(info: LineInfo): LineFacts {
  let codes = noCodes;
  if (info.problems.length > 0) {
    const list = info.problems.map((problem) => problem.code);
    if (list.length <= 4) {
      const key = list.join(' ');
      codes = sharedCodes.get(key) ?? list;
      if (codes === list) {
        sharedCodes.set(key, list);
      }
    } else {
      codes = list;
    }
  }
  return { kind: info.kind, customId: info.customId, url: info.url, model: info.model, codes };
}

/** One line of the document as last analysed. `line` is kept current as lines are inserted and removed. */
interface LineState {
  line: number;
  text: string;
  info: LineFacts | undefined; // undefined while the line waits to be (re)analysed
  bytes: number;
  /** Columns the analysis is shifted by: 1 when line 1 starts with a byte order mark character. */
  shift: number;
  spans?: Map<string, Span>;
}

const BOM = 0xfeff;
// Up to this many lines with problems, a report finds them through the indexes instead of walking every line.
const indexedReportLimit = 20_000;

/**
 * The validator behind the editor: keeps one analysis per line and the cross-line indexes (ids, urls,
 * deployments), so an edit re-parses only the lines it touched. Edits are recorded with {@link splice}
 * as they happen and analysed by {@link flush}, which can stop at a deadline and resume, so a large
 * document never blocks its host for long. It reports exactly what {@link StreamValidator} reports for
 * the same text.
 */
export class DocumentValidator implements IncrementalDocument {
  // A look at the clock every 64 lines: a line's analysis is short next to it only in bulk.
  private readonly lines = new IncrementalLines<LineState>({ create: newLineState, removed: (state) => this.unindex(state) }, 64);
  // The lines holding each id: the line itself, or a set once the id is repeated (removal stays O(1)).
  private readonly ids = new Map<string, LineState | Set<LineState>>();
  private readonly duplicateIds = new Set<string>();
  // Lines with a problem of their own (blank lines included), for reports on documents with few problems.
  private readonly withProblems = new Set<LineState>();
  // Running counts: line problems per code (blank lines included) and repeats of duplicated ids.
  private readonly problemCounts = new Map<DiagnosticCode, number>();
  private duplicateCount = 0;
  private readonly urls = new Map<string, Set<LineState>>();
  private readonly models = new Map<string, Set<LineState>>();
  private requests = 0;
  private textBytes = 0;
  private bomOnDisk = false;
  private deploymentCheck: DeploymentCheck | undefined;

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

  /**
   * The deployments `body.model` is checked against (undefined: not checked). The check is derived from the
   * index of deployment names, so a new list costs no analysis of any line. Returns whether the list changed.
   */
  setDeployments(deployments: readonly DeploymentInfo[] | undefined): boolean {
    const current = this.deploymentCheck;
    if (deployments === undefined ? current === undefined : current?.sameAs(deployments)) {
      return false;
    }
    this.deploymentCheck = deployments && new DeploymentCheck(deployments);
    return true;
  }

  /** The host removed a byte order mark from the text but the file has one (VS Code's `utf8bom`). */
  setBomOnDisk(hasBom: boolean): void {
    this.bomOnDisk = hasBom;
  }

  /** Forgets everything and marks `lineCount` lines for analysis. */
  reset(lineCount: number): void {
    this.ids.clear();
    this.duplicateIds.clear();
    this.withProblems.clear();
    this.problemCounts.clear();
    this.duplicateCount = 0;
    this.urls.clear();
    this.models.clear();
    this.requests = 0;
    this.textBytes = 0;
    this.lines.reset(lineCount);
  }

  /** Lines [start, start + deleteCount) were replaced by `insertCount` lines, whose text `flush` reads. */
  splice(start: number, deleteCount: number, insertCount: number): void {
    this.lines.splice(start, deleteCount, insertCount);
    // A line that was analysed as line 1 without its byte order mark must be looked at again once it moves;
    // so must a line starting with that character that moves up to line 1 (it was analysed with it).
    if (start === 0) {
      const moved = this.states[insertCount];
      if (moved && (moved.shift > 0 || (insertCount === 0 && moved.text.charCodeAt(0) === BOM))) {
        this.unindex(moved);
        this.lines.markPending(moved);
      }
    }
  }

  get lineCount(): number {
    return this.lines.lineCount;
  }

  get pendingCount(): number {
    return this.lines.pendingCount;
  }

  get requestCount(): number {
    return this.requests;
  }

  /**
   * Analyses the lines waiting for it, reading their text through `lineText`. Stops once `deadline`
   * (a `performance.now()` time) has passed and returns false; call again to continue.
   */
  flush(lineText: (line: number) => string, deadline = Infinity): boolean {
    return this.lines.flush((state) => {
      this.analyze(state, lineText(state.line));
      return true;
    }, deadline);
  }

  /** All problems in the document, sorted. Call when {@link pendingCount} is 0. */
  diagnostics(): BatchDiagnostic[] {
    return this.report().diagnostics;
  }

  /**
   * The first `maxDiagnostics` problems in position order and the count of all of them per code. Call when
   * {@link pendingCount} is 0. Counts are kept as lines are analysed and the problems are collected in one
   * walk over the lines that stops at the cap, so a document with a million broken rows builds a thousand.
   */
  report(maxDiagnostics = Infinity): DocumentReport {
    const first = this.states[0];
    const fileLevel = fileDiagnostics(
      {
        requests: this.requests,
        bytes: this.bytes,
        hasBom: this.bomOnDisk || (first !== undefined && first.shift > 0),
        firstExcessLine: this.requests > this.limits.maxRequests ? this.nthRequestLine(this.limits.maxRequests + 1) : undefined,
        firstLineLength: first?.text.length ?? 0,
      },
      this.limits,
    );
    const counts = this.lineCounts();
    for (const d of fileLevel) {
      counts[d.code] = (counts[d.code] ?? 0) + 1;
    }
    let total = 0;
    for (const n of Object.values(counts)) {
      total += n;
    }
    const lineLevel = total > fileLevel.length ? this.collect(maxDiagnostics) : [];
    const diagnostics = sortDiagnostics(lineLevel.concat(fileLevel)).slice(0, maxDiagnostics);
    return { diagnostics, counts: orderedCounts(counts), total, truncated: diagnostics.length < total };
  }

  /** Per-code counts of the line problems (everything but the file-level ones), from the running counters. */
  private lineCounts(): DiagnosticCounts {
    const counts: DiagnosticCounts = {};
    for (const [code, n] of this.problemCounts) {
      if (n > 0) {
        counts[code] = n;
      }
    }
    const last = this.states[this.states.length - 1];
    if (last?.info?.kind === 'blank' && last.text.length === last.shift && counts.blank_line !== undefined) {
      // The empty "line" after a final line break is not a line of the file (nor is a lone byte order mark).
      counts.blank_line--;
      if (counts.blank_line === 0) {
        delete counts.blank_line;
      }
    }
    if (this.duplicateCount > 0) {
      counts.duplicate_custom_id = this.duplicateCount;
    }
    this.addMismatchCount(counts, this.urls, 'url');
    this.addMismatchCount(counts, this.models, 'model');
    for (const [model, holders] of this.deploymentProblems()) {
      const code = this.deploymentCheck!.problemFor(model)!.code;
      counts[code] = (counts[code] ?? 0) + holders.size;
    }
    return counts;
  }

  /** The deployment names in the document that are not batch deployments of the resource, with their lines. */
  private *deploymentProblems(code?: DiagnosticCode): Generator<[string, Set<LineState>]> {
    const check = this.deploymentCheck;
    if (check === undefined) {
      return;
    }
    for (const [model, holders] of this.models) {
      const problem = check.problemFor(model);
      if (problem && (code === undefined || problem.code === code)) {
        yield [model, holders];
      }
    }
  }

  private addMismatchCount(counts: DiagnosticCounts, index: Map<string, Set<LineState>>, field: 'url' | 'model'): void {
    if (index.size < 2) {
      return;
    }
    const reference = this.firstWith(field)!.info![field]!;
    let others = 0;
    for (const [value, holders] of index) {
      if (value !== reference) {
        others += holders.size;
      }
    }
    counts[field === 'url' ? 'url_mismatch' : 'model_mismatch'] = others;
  }

  /**
   * The line problems of the first lines with problems, in line order, until at least `max` are found (the
   * whole last line is included, so sorting and cutting gives the first `max` by position). When few lines have
   * problems they are found through the indexes; otherwise by walking the lines from the top, which stops at the
   * cap. Either way only the lines reported are analysed again to build their messages.
   */
  private collect(max: number): BatchDiagnostic[] {
    const result: BatchDiagnostic[] = [];
    const urlReference = this.urls.size > 1 ? this.firstWith('url') : undefined;
    const modelReference = this.models.size > 1 ? this.firstWith('model') : undefined;
    const url = urlReference && { value: urlReference.info!.url!, at: { line: urlReference.line, ...this.spanOf(urlReference, 'url') } };
    const model = modelReference && { value: modelReference.info!.model!, at: { line: modelReference.line, ...this.spanOf(modelReference, 'body.model') } };
    const checkIds = this.duplicateIds.size > 0;
    const deploymentCheck = this.deploymentCheck;
    // The first holder of a duplicated id comes before its repeats in line order.
    const firstUses = new Map<string, LineSpan>();
    const lastLine = this.states.length - 1;
    const visit = (state: LineState) => {
      const info = state.info;
      if (info === undefined) {
        return;
      }
      if (info.kind === 'blank') {
        if (!(state.text.length === state.shift && state.line === lastLine)) {
          result.push(blankLineDiagnostic(state.line, state.text));
        }
        return;
      }
      if (info.codes.length > 0) {
        for (const problem of analyzeLine(state.shift > 0 ? state.text.slice(state.shift) : state.text).problems) {
          result.push(lineDiagnostic(state.line, problem, state.shift));
        }
      }
      if (checkIds && info.customId !== undefined && this.duplicateIds.has(info.customId)) {
        const firstUse = firstUses.get(info.customId);
        const at = { line: state.line, ...this.spanOf(state, 'custom_id') };
        if (firstUse === undefined) {
          firstUses.set(info.customId, at);
        } else {
          result.push(duplicateDiagnostic(at, firstUse, info.customId));
        }
      }
      if (url && info.url !== undefined && info.url !== url.value) {
        result.push(urlMismatchDiagnostic({ line: state.line, ...this.spanOf(state, 'url') }, info.url, url.at, url.value));
      }
      if (model && info.model !== undefined && info.model !== model.value) {
        result.push(modelMismatchDiagnostic({ line: state.line, ...this.spanOf(state, 'body.model') }, info.model, model.at, model.value));
      }
      if (deploymentCheck && info.model !== undefined && deploymentCheck.problemFor(info.model)) {
        result.push(deploymentCheck.diagnosticFor(info.model, { line: state.line, ...this.spanOf(state, 'body.model') })!);
      }
    };
    const candidates = this.linesWithProblems(url?.value, model?.value);
    for (const state of candidates ?? this.states) {
      if (result.length >= max) {
        break;
      }
      visit(state);
    }
    return result;
  }

  /**
   * The lines with a problem of their own or across lines, in line order, when there are few of them (a
   * sort of the indexes beats a walk over every line); undefined when there are many.
   */
  private linesWithProblems(fileUrl: string | undefined, fileModel: string | undefined): LineState[] | undefined {
    const others = (index: Map<string, Set<LineState>>, reference: string | undefined) => {
      let n = 0;
      if (reference !== undefined) {
        for (const [value, holders] of index) {
          n += value === reference ? 0 : holders.size;
        }
      }
      return n;
    };
    const wrongDeployments = [...this.deploymentProblems()];
    const estimate =
      this.withProblems.size + this.duplicateCount + this.duplicateIds.size + others(this.urls, fileUrl) + others(this.models, fileModel) + wrongDeployments.reduce((n, [, holders]) => n + holders.size, 0);
    if (estimate > indexedReportLimit) {
      return undefined;
    }
    const found = new Set<LineState>(this.withProblems);
    for (const id of this.duplicateIds) {
      for (const state of this.ids.get(id) as Set<LineState>) {
        found.add(state);
      }
    }
    for (const [index, reference] of [[this.urls, fileUrl], [this.models, fileModel]] as const) {
      if (reference === undefined) {
        continue;
      }
      for (const [value, holders] of index) {
        if (value !== reference) {
          for (const state of holders) {
            found.add(state);
          }
        }
      }
    }
    for (const [, holders] of wrongDeployments) {
      for (const state of holders) {
        found.add(state);
      }
    }
    return [...found].sort((a, b) => a.line - b.line);
  }

  /**
   * The lines that have a problem of one of `codes`, in order: line problems, for `url_mismatch` /
   * `model_mismatch` the rows whose value differs from the file's, and for `unknown_deployment` /
   * `not_batch_deployment` the rows whose deployment has that problem. For fixes that touch every such row,
   * which may be more than the diagnostics kept. Call when {@link pendingCount} is 0.
   */
  linesWith(codes: ReadonlySet<DiagnosticCode>): number[] {
    const fileUrl = codes.has(DiagnosticCodes.urlMismatch) && this.urls.size > 1 ? this.endpoint : undefined;
    const fileModel = codes.has(DiagnosticCodes.modelMismatch) && this.models.size > 1 ? this.deployment : undefined;
    const wrongModels = new Set<string>();
    for (const code of [DiagnosticCodes.unknownDeployment, DiagnosticCodes.notBatchDeployment]) {
      if (codes.has(code)) {
        for (const [model] of this.deploymentProblems(code)) {
          wrongModels.add(model);
        }
      }
    }
    const lines: number[] = [];
    for (const state of this.states) {
      const info = state.info;
      if (
        info !== undefined &&
        (info.codes.some((code) => codes.has(code)) ||
          (fileUrl !== undefined && info.url !== undefined && info.url !== fileUrl) ||
          (fileModel !== undefined && info.model !== undefined && info.model !== fileModel) ||
          (info.model !== undefined && wrongModels.has(info.model)))
      ) {
        lines.push(state.line);
      }
    }
    return lines;
  }

  /** What is wrong with a deployment name against the list set by {@link setDeployments} (undefined: nothing, or no list). */
  deploymentProblemFor(model: string): DeploymentProblem | undefined {
    return this.deploymentCheck?.problemFor(model);
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

  /** The lines in order. */
  private get states(): readonly LineState[] {
    return this.lines.slots;
  }

  private analyze(state: LineState, text: string): void {
    state.text = text;
    state.shift = state.line === 0 && text.charCodeAt(0) === BOM ? 1 : 0;
    state.info = factsOf(analyzeLine(state.shift > 0 ? text.slice(1) : text));
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
    if (info.kind === 'blank' || info.codes.length > 0) {
      this.withProblems.add(state);
      this.countProblems(info, 1);
    }
    if (info.customId !== undefined) {
      const holders = this.ids.get(info.customId);
      if (holders === undefined) {
        this.ids.set(info.customId, state);
      } else if (holders instanceof Set) {
        holders.add(state);
        this.duplicateCount++;
      } else {
        this.ids.set(info.customId, new Set([holders, state]));
        this.duplicateIds.add(info.customId);
        this.duplicateCount++;
      }
    }
    addTo(this.urls, info.url, state);
    addTo(this.models, info.model, state);
  }

  private countProblems(info: LineFacts, delta: 1 | -1): void {
    if (info.kind === 'blank') {
      this.problemCounts.set(DiagnosticCodes.blankLine, (this.problemCounts.get(DiagnosticCodes.blankLine) ?? 0) + delta);
    }
    for (const code of info.codes) {
      this.problemCounts.set(code, (this.problemCounts.get(code) ?? 0) + delta);
    }
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
    if (this.withProblems.delete(state)) {
      this.countProblems(info, -1);
    }
    if (info.customId !== undefined) {
      const holders = this.ids.get(info.customId);
      if (holders instanceof Set) {
        holders.delete(state);
        this.duplicateCount--;
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

function newLineState(line: number): LineState {
  return { line, text: '', info: undefined, bytes: 0, shift: 0 };
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
