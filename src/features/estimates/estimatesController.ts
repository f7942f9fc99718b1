import * as vscode from 'vscode';
import { CONFIG_SECTION, settingId, Settings } from '../../constants';
import { DocumentEstimator } from '../../core/tokens/documentEstimator';
import { estimateLineWithin, type EstimateSummary, type LineEstimate } from '../../core/tokens/estimate';
import type { ResolvedModel } from '../../core/tokens/models';
import { isBatchDocument } from '../validation/batchDocuments';
import { countLines } from '../validation/validationController';
import { estimatesEnabled, estimatesSection, resolverFor, resolverKey } from './estimateSettings';
import { Disposable } from '../lifecycle';

/** Where a document's estimate stands. */
export type EstimateState =
  /** Every line is counted for this version of the document. */
  | { readonly kind: 'done'; readonly version: number; readonly summary: EstimateSummary }
  /** Counting in the background; `last` is the estimate of an earlier version, if there is one. */
  | { readonly kind: 'counting'; readonly progress: number; readonly last: EstimateSummary | undefined };

/** One line's estimate with the model it was priced for. */
export interface LineEstimateInfo {
  readonly estimate: LineEstimate;
  readonly model: ResolvedModel | undefined;
}

interface Entry {
  readonly document: vscode.TextDocument;
  readonly estimator: DocumentEstimator;
  settingsKey: string;
  timer: NodeJS.Timeout | undefined;
  /** The last complete estimate and the version it is for. */
  done: { readonly version: number; readonly summary: EstimateSummary } | undefined;
  idle: Promise<void>;
  settle: (() => void) | undefined;
}

// The longest stretch of counting before yielding to the extension host's event loop.
const sliceMs = 15;
// What a CodeLens request may spend finishing a small recount itself (typically a one-line edit), so the lens
// shows the new figures at once instead of flashing "estimating".
const inlineMs = 5;

/**
 * Keeps token estimates for the batch documents the editor shows. A document is counted from the first time
 * its CodeLens or a hover asks for it, in time-boxed slices off the typing path; edits are recorded line by line
 * as they arrive (cheap) and only the changed lines are recounted, after the validation debounce. Counting
 * resumes where it stopped when more edits arrive, so a burst of typing costs one recount.
 */
export class EstimatesController extends Disposable {
  private readonly entries = new Map<string, Entry>();
  private readonly changeEmitter = new vscode.EventEmitter<vscode.Uri | undefined>();

  /** Fires when a document's estimate is complete (undefined: every document, e.g. after a settings change). */
  readonly onDidChange = this.changeEmitter.event;

  constructor() {
    super();
    this.registerAll(
      this.changeEmitter,
      vscode.workspace.onDidCloseTextDocument((document) => this.untrack(document.uri)),
      vscode.workspace.onDidChangeTextDocument((event) => this.onChange(event)),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration(CONFIG_SECTION)) {
          this.onConfiguration(event);
        }
      }),
    );
  }

  /** Whether estimates are shown for a document (a batch file, with estimates enabled). */
  appliesTo(document: vscode.TextDocument): boolean {
    return estimatesEnabled(document.uri) && isBatchDocument(document);
  }

  /**
   * The estimate of a document, starting to count it if needed. Finishes a small recount inline (a few ms at
   * most); otherwise reports progress and fires {@link onDidChange} when done. Undefined when estimates do not
   * apply to the document.
   */
  stateFor(document: vscode.TextDocument): EstimateState | undefined {
    const entry = this.entryFor(document);
    if (entry === undefined) {
      return undefined;
    }
    if (entry.done?.version === document.version && entry.estimator.pendingCount === 0) {
      return { kind: 'done', version: entry.done.version, summary: entry.done.summary };
    }
    if (entry.estimator.lineCount === document.lineCount && entry.estimator.flush((line) => document.lineAt(line).text, performance.now() + inlineMs)) {
      // The caller gets the new figures now: no need to ask it to come back.
      this.complete(entry, false);
      return { kind: 'done', version: entry.done!.version, summary: entry.done!.summary };
    }
    const total = Math.max(entry.estimator.lineCount, 1);
    return { kind: 'counting', progress: 1 - entry.estimator.pendingCount / total, last: entry.done?.summary };
  }

  /**
   * One line's estimate: the counted one when current, else counted now within one slice. `counting` when the
   * line is too long for that (the background count, started if needed, gets to it).
   */
  lineEstimate(document: vscode.TextDocument, line: number): LineEstimateInfo | 'counting' | undefined {
    if (!this.appliesTo(document) || line < 0 || line >= document.lineCount) {
      return undefined;
    }
    const entry = this.entries.get(document.uri.toString());
    const resolver = entry?.estimator.modelResolver ?? resolverFor(document.uri);
    const counted = entry !== undefined && entry.estimator.lineCount === document.lineCount ? entry.estimator.lineEstimate(line) : undefined;
    const estimate = counted ?? estimateLineWithin(document.lineAt(line).text, resolver, performance.now() + sliceMs);
    if (estimate === undefined) {
      this.entryFor(document);
      return 'counting';
    }
    const model = estimate.kind === 'request' ? resolver.resolve(estimate.deployment, estimate.endpoint === 'embeddings') : undefined;
    return { estimate, model };
  }

  /** Resolves once the document's estimate is complete (immediately when it is not tracked). */
  whenIdle(uri: vscode.Uri): Promise<void> {
    return this.entries.get(uri.toString())?.idle ?? Promise.resolve();
  }

  isTracked(uri: vscode.Uri): boolean {
    return this.entries.has(uri.toString());
  }

  override dispose(): void {
    for (const entry of this.entries.values()) {
      clearTimeout(entry.timer);
      entry.settle?.();
    }
    this.entries.clear();
    super.dispose();
  }

  private entryFor(document: vscode.TextDocument): Entry | undefined {
    const key = document.uri.toString();
    const existing = this.entries.get(key);
    if (existing !== undefined) {
      return existing;
    }
    if (document.isClosed || !this.appliesTo(document)) {
      return undefined;
    }
    const estimator = new DocumentEstimator(resolverFor(document.uri));
    estimator.reset(document.lineCount);
    const entry: Entry = { document, estimator, settingsKey: resolverKey(document.uri), timer: undefined, done: undefined, idle: Promise.resolve(), settle: undefined };
    this.entries.set(key, entry);
    this.schedule(entry, 0);
    return entry;
  }

  private untrack(uri: vscode.Uri): void {
    const key = uri.toString();
    const entry = this.entries.get(key);
    if (entry) {
      clearTimeout(entry.timer);
      entry.settle?.();
      this.entries.delete(key);
    }
  }

  private onChange(event: vscode.TextDocumentChangeEvent): void {
    const entry = this.entries.get(event.document.uri.toString());
    if (!entry || event.contentChanges.length === 0) {
      return;
    }
    // VS Code applies the changes of one event in order, each against the text the previous one left.
    for (const change of event.contentChanges) {
      const start = change.range.start.line;
      entry.estimator.splice(start, change.range.end.line - start + 1, countLines(change.text));
    }
    // A new edit postpones the running recount (it resumes with the lines it has not reached, plus these).
    this.schedule(entry, debounceMs());
  }

  private onConfiguration(event: vscode.ConfigurationChangeEvent): void {
    for (const [key, entry] of [...this.entries]) {
      if (entry.document.isClosed || !this.appliesTo(entry.document)) {
        this.untrack(entry.document.uri);
        continue;
      }
      if (event.affectsConfiguration(estimatesSection, entry.document.uri)) {
        const settingsKey = resolverKey(entry.document.uri);
        if (settingsKey !== entry.settingsKey && this.entries.get(key) === entry) {
          entry.settingsKey = settingsKey;
          entry.estimator.setResolver(resolverFor(entry.document.uri));
          entry.done = undefined;
          this.schedule(entry, 0);
        }
      }
    }
    if (event.affectsConfiguration(estimatesSection) || event.affectsConfiguration(settingId(Settings.validationEnabled)) || event.affectsConfiguration(settingId(Settings.filePatterns))) {
      this.changeEmitter.fire(undefined);
    }
  }

  private schedule(entry: Entry, delay: number): void {
    clearTimeout(entry.timer);
    if (!entry.settle) {
      entry.idle = new Promise<void>((resolve) => (entry.settle = resolve));
    }
    entry.timer = setTimeout(() => this.run(entry), delay);
  }

  private run(entry: Entry): void {
    entry.timer = undefined;
    const document = entry.document;
    if (this.entries.get(document.uri.toString()) !== entry || document.isClosed) {
      return;
    }
    if (entry.estimator.lineCount !== document.lineCount) {
      // Out of step with the document (an event was missed): count it again from scratch.
      entry.estimator.reset(document.lineCount);
    }
    const done = entry.estimator.flush((line) => document.lineAt(line).text, performance.now() + sliceMs);
    if (!done) {
      // Yield so typing and other extensions stay responsive, then continue.
      entry.timer = setTimeout(() => this.run(entry), 0);
      return;
    }
    this.complete(entry);
  }

  private complete(entry: Entry, notify = true): void {
    clearTimeout(entry.timer);
    entry.timer = undefined;
    const version = entry.document.version;
    const isNew = entry.done?.version !== version;
    entry.done = { version, summary: entry.estimator.summary() };
    const settle = entry.settle;
    entry.settle = undefined;
    settle?.();
    if (isNew && notify) {
      this.changeEmitter.fire(entry.document.uri);
    }
  }
}

function debounceMs(): number {
  return vscode.workspace.getConfiguration(CONFIG_SECTION).get<number>(Settings.debounceMs, 150);
}
