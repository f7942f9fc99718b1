import * as vscode from 'vscode';
import { CONFIG_SECTION, Settings } from '../../constants';
import { countLines, type IncrementalDocument } from '../../core/documents/incrementalLines';
import { Disposable } from '../lifecycle';
import { isBatchDocument, isResultDocument } from './isBatchDocument';
import { TurnBudget } from './turnBudget';

/** What a feature keeps per document: its line model, which the tracker keeps in step with edits and runs. */
export interface FeatureWork {
  readonly lines: IncrementalDocument;
}

/** Why a feature's work on a document ends. */
export type ReleaseReason =
  /** The document was closed. */
  | 'closed'
  /** Its last editor tab closed (VS Code keeps such a document for a while). */
  | 'hidden'
  /** A settings change made it no batch input. */
  | 'notBatch'
  /** It was edited into results (output lines pasted into it). */
  | 'results'
  /** The feature no longer applies to it (see {@link TrackedFeature.review}). */
  | 'declined';

/** A feature that follows the open batch documents: validation, estimates. */
export interface DocumentFeature<W extends FeatureWork> {
  /** Whether the feature wants a batch document (its own settings). */
  applies(document: vscode.TextDocument): boolean;
  /** The feature's work for a document it starts following; every line is pending. */
  attach(document: vscode.TextDocument): W;
  /** Before a run's first slice: read what else the work needs from the document (its encoding, line ends). */
  prepare?(document: vscode.TextDocument, work: W): void;
  /** Every line is processed for the document as it is now: publish. */
  completed(document: vscode.TextDocument, work: W): void;
  /** The work ends; it is not run again. */
  released(document: vscode.TextDocument, work: W, reason: ReleaseReason): void;
}

/** A feature's work on one document and where its run stands. */
interface Run {
  readonly work: FeatureWork;
  /** To run: lines are pending, or what was published must be published again. */
  needed: boolean;
  /** `prepare` was called for the run under way. */
  started: boolean;
  idle: Promise<void>;
  settle: (() => void) | undefined;
}

interface Tracked {
  readonly document: vscode.TextDocument;
  readonly key: string;
  readonly runs: Map<Member, Run>;
  /** The debounce: when it fires, the document's runs are due. */
  timer: NodeJS.Timeout | undefined;
}

type Member = TrackedFeature<FeatureWork>;

// The host time all validation and counting may take per turn of the event loop, together.
const turnBudgetMs = 12;

/**
 * Follows the open batch documents for the features that look at them: tracks a document when it opens (or
 * its tab shows again), records each edit line by line as it arrives (cheap), and after a short debounce runs
 * the features' work in slices from one {@link TurnBudget}, validation first, so all of it together never
 * holds the extension host for long. A document is let go when it closes or its last tab does, when settings
 * make it no batch input, or when it is edited into results.
 */
export class BatchDocumentTracker extends Disposable {
  private readonly tracked = new Map<string, Tracked>();
  private readonly members: Member[] = [];
  /** Documents whose debounce has passed, with runs still needed. */
  private readonly due = new Set<Tracked>();
  private runner: NodeJS.Timeout | undefined;

  constructor(readonly budget = new TurnBudget(turnBudgetMs)) {
    super();
    this.registerAll(
      vscode.workspace.onDidOpenTextDocument((document) => this.track(document)),
      vscode.workspace.onDidCloseTextDocument((document) => this.untrack(document.uri.toString(), 'closed')),
      // The editor keeps a closed tab's document alive for a while: let it go when the tab goes, and follow it
      // again if a tab shows it again.
      vscode.window.tabGroups.onDidChangeTabs((event) => this.onTabsChanged(event)),
      vscode.workspace.onDidChangeTextDocument((event) => this.onChange(event)),
      vscode.workspace.onDidSaveTextDocument((document) => this.onSave(document)),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration(CONFIG_SECTION)) {
          this.retrackAll();
        }
      }),
    );
    for (const document of vscode.workspace.textDocuments) {
      this.track(document);
    }
  }

  /** Adds a feature: it gets the documents tracked now and every one tracked later (those it applies to). */
  join<W extends FeatureWork>(feature: DocumentFeature<W>): TrackedFeature<W> {
    const member = new TrackedFeature(this, feature);
    this.members.push(member as unknown as Member);
    member.review();
    return member;
  }

  isTracked(uri: vscode.Uri): boolean {
    return this.tracked.has(uri.toString());
  }

  override dispose(): void {
    clearTimeout(this.runner);
    for (const tracked of this.tracked.values()) {
      clearTimeout(tracked.timer);
      for (const run of tracked.runs.values()) {
        run.settle?.();
      }
    }
    this.tracked.clear();
    this.due.clear();
    super.dispose();
  }

  /** Starts following a batch document (stops following one that is no batch input any more). */
  track(document: vscode.TextDocument): void {
    const key = document.uri.toString();
    if (document.isClosed || !isBatchDocument(document)) {
      this.untrack(key, 'notBatch');
      return;
    }
    if (this.tracked.has(key)) {
      return;
    }
    const tracked: Tracked = { document, key, runs: new Map(), timer: undefined };
    this.tracked.set(key, tracked);
    for (const member of this.members) {
      if (member.feature.applies(document)) {
        tracked.runs.set(member, newRun(member.feature.attach(document)));
      }
    }
    this.schedule(tracked, 0);
  }

  /** @internal The run of a member on a document, if it has one. */
  runOf(member: Member, uri: vscode.Uri): Run | undefined {
    return this.tracked.get(uri.toString())?.runs.get(member);
  }

  /** @internal Attaches or releases a member's work where its {@link DocumentFeature.applies} changed. */
  review(member: Member): void {
    for (const tracked of [...this.tracked.values()]) {
      const run = tracked.runs.get(member);
      const applies = member.feature.applies(tracked.document);
      if (applies && run === undefined) {
        tracked.runs.set(member, newRun(member.feature.attach(tracked.document)));
        this.schedule(tracked, 0, [member]);
      } else if (!applies && run !== undefined) {
        this.release(tracked, member, run, 'declined');
      }
    }
  }

  /** @internal Runs a member's work on a document again, now (for example after a settings change). */
  rerun(member: Member, uri: vscode.Uri): void {
    const tracked = this.tracked.get(uri.toString());
    if (tracked?.runs.has(member)) {
      this.schedule(tracked, 0, [member]);
    }
  }

  /** @internal Finishes a member's run on a document within what is left of this turn's budget (see {@link TrackedFeature.runNow}). */
  runNow(member: Member, document: vscode.TextDocument): boolean {
    const tracked = this.tracked.get(document.uri.toString());
    const run = tracked?.runs.get(member);
    if (run === undefined) {
      return false;
    }
    return !run.needed || this.advance(tracked!, member, run, this.budget.deadline(), false);
  }

  private untrack(key: string, reason: ReleaseReason): void {
    const tracked = this.tracked.get(key);
    if (tracked === undefined) {
      return;
    }
    clearTimeout(tracked.timer);
    this.due.delete(tracked);
    this.tracked.delete(key);
    for (const [member, run] of [...tracked.runs]) {
      this.release(tracked, member, run, reason);
    }
  }

  private release(tracked: Tracked, member: Member, run: Run, reason: ReleaseReason): void {
    tracked.runs.delete(member);
    run.needed = false;
    run.settle?.();
    run.settle = undefined;
    member.feature.released(tracked.document, run.work, reason);
  }

  private retrackAll(): void {
    for (const document of vscode.workspace.textDocuments) {
      this.track(document);
    }
  }

  private onTabsChanged(event: vscode.TabChangeEvent): void {
    const shown = new Set<string>();
    for (const group of vscode.window.tabGroups.all) {
      for (const tab of group.tabs) {
        for (const uri of tabUris(tab)) {
          shown.add(uri.toString());
        }
      }
    }
    for (const tab of event.closed) {
      for (const uri of tabUris(tab)) {
        if (!shown.has(uri.toString())) {
          this.untrack(uri.toString(), 'hidden');
        }
      }
    }
    for (const tab of [...event.opened, ...event.changed]) {
      for (const uri of tabUris(tab)) {
        if (!this.tracked.has(uri.toString())) {
          const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
          if (document) {
            this.track(document);
          }
        }
      }
    }
  }

  private onChange(event: vscode.TextDocumentChangeEvent): void {
    const tracked = this.tracked.get(event.document.uri.toString());
    if (!tracked) {
      return;
    }
    if (event.contentChanges.length === 0) {
      // No text changed: the document turned dirty or clean, or its encoding changed ("UTF-8 with BOM" to
      // "UTF-8"). Run again for the encoding, but never sooner than a debounce under way (typing's first edit is
      // followed by such an event at once).
      if (tracked.timer !== undefined) {
        this.markNeeded(tracked, this.members);
      } else {
        this.schedule(tracked, 0);
      }
      return;
    }
    // VS Code applies the changes of one event in order, each against the text the previous one left.
    const splices = event.contentChanges.map((change) => {
      const start = change.range.start.line;
      return [start, change.range.end.line - start + 1, countLines(change.text)] as const;
    });
    for (const run of tracked.runs.values()) {
      for (const [start, deleteCount, insertCount] of splices) {
        run.work.lines.splice(start, deleteCount, insertCount);
      }
    }
    // A new edit postpones the run under way (it resumes with the lines it has not reached, plus these).
    this.schedule(tracked, debounceMs());
  }

  private onSave(document: vscode.TextDocument): void {
    const tracked = this.tracked.get(document.uri.toString());
    if (tracked) {
      // Saving can change the encoding (for example "Save with Encoding" dropping the BOM).
      this.schedule(tracked, 0);
    } else {
      this.track(document);
    }
  }

  private markNeeded(tracked: Tracked, members: readonly Member[]): void {
    for (const member of members) {
      const run = tracked.runs.get(member);
      if (run) {
        run.needed = true;
        run.started = false;
        if (!run.settle) {
          run.idle = new Promise<void>((resolve) => (run.settle = resolve));
        }
      }
    }
  }

  private schedule(tracked: Tracked, delay: number, members: readonly Member[] = this.members): void {
    this.markNeeded(tracked, members);
    clearTimeout(tracked.timer);
    tracked.timer = undefined;
    this.due.delete(tracked);
    if (delay <= 0) {
      this.makeDue(tracked);
    } else {
      tracked.timer = setTimeout(() => {
        tracked.timer = undefined;
        this.makeDue(tracked);
      }, delay);
    }
  }

  private makeDue(tracked: Tracked): void {
    this.due.add(tracked);
    this.runner ??= setTimeout(() => this.slice(), 0);
  }

  /** One slice: the due runs, feature by feature (validation first), until this turn's budget is spent. */
  private slice(): void {
    this.runner = undefined;
    for (const tracked of [...this.due]) {
      const document = tracked.document;
      if (document.isClosed) {
        this.untrack(tracked.key, 'closed');
      } else if (isResultDocument(document)) {
        this.untrack(tracked.key, 'results');
      }
    }
    const deadline = this.budget.deadline();
    for (const member of this.members) {
      for (const tracked of this.due) {
        const run = tracked.runs.get(member);
        if (run?.needed && !this.advance(tracked, member, run, deadline)) {
          // Out of budget: yield so typing and other extensions stay responsive, then continue.
          this.runner ??= setTimeout(() => this.slice(), 0);
          return;
        }
      }
    }
    // (A `completed` callback may have made a document due again: keep those.)
    for (const tracked of this.due) {
      if (![...tracked.runs.values()].some((run) => run.needed)) {
        this.due.delete(tracked);
      }
    }
  }

  /** Runs one member's work on a document until done (true; `notify`: tell the feature) or past `deadline` (false). */
  private advance(tracked: Tracked, member: Member, run: Run, deadline: number, notify = true): boolean {
    const { document } = tracked;
    const lines = run.work.lines;
    if (!run.started) {
      run.started = true;
      member.feature.prepare?.(document, run.work);
      if (lines.lineCount !== document.lineCount) {
        // Out of step with the document (an event was missed): process it again from scratch.
        lines.reset(document.lineCount);
      }
    }
    if (!lines.flush((line) => document.lineAt(line).text, deadline)) {
      return false;
    }
    finish(run);
    if (notify) {
      member.feature.completed(document, run.work);
    }
    return true;
  }
}

/**
 * A feature's side of the tracker: its work on the tracked documents, and ways to have it run.
 */
export class TrackedFeature<W extends FeatureWork> {
  constructor(
    private readonly tracker: BatchDocumentTracker,
    readonly feature: DocumentFeature<W>,
  ) {}

  /** The feature's work on a tracked document. */
  workFor(uri: vscode.Uri): W | undefined {
    return this.tracker.runOf(this.self, uri)?.work as W | undefined;
  }

  /** Resolves once the feature's work on the document is done and published (at once when it has none). */
  whenIdle(uri: vscode.Uri): Promise<void> {
    return this.tracker.runOf(this.self, uri)?.idle ?? Promise.resolve();
  }

  /** Starts following a document if it is batch input (a no-op when it is followed already). */
  track(document: vscode.TextDocument): void {
    this.tracker.track(document);
  }

  /** Runs the work on a document again without waiting for a debounce (its settings changed). */
  rerun(uri: vscode.Uri): void {
    this.tracker.rerun(this.self, uri);
  }

  /**
   * Finishes the work on a document now, within what is left of this turn's budget, and says whether it is done
   * (then {@link DocumentFeature.completed} is not called: the caller uses the result at once). For a request
   * that wants current figures, typically after a one-line edit.
   */
  runNow(document: vscode.TextDocument): boolean {
    return this.tracker.runNow(this.self, document);
  }

  /** Attaches the work to tracked documents the feature now applies to and releases it from the others. */
  review(): void {
    this.tracker.review(this.self);
  }

  private get self(): Member {
    return this as unknown as Member;
  }
}

function newRun(work: FeatureWork): Run {
  return { work, needed: true, started: false, idle: Promise.resolve(), settle: undefined };
}

function finish(run: Run): void {
  run.needed = false;
  run.started = false;
  const settle = run.settle;
  run.settle = undefined;
  settle?.();
}

/** The documents a tab shows (a diff shows two). */
function tabUris(tab: vscode.Tab): vscode.Uri[] {
  const input = tab.input;
  if (input instanceof vscode.TabInputText) {
    return [input.uri];
  }
  if (input instanceof vscode.TabInputTextDiff) {
    return [input.original, input.modified];
  }
  return [];
}

function debounceMs(): number {
  return vscode.workspace.getConfiguration(CONFIG_SECTION).get<number>(Settings.debounceMs, 150);
}
