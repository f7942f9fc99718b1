import * as vscode from 'vscode';
import { CONFIG_SECTION, settingId, Settings } from '../../constants';
import { DocumentEstimator } from '../../core/tokens/documentEstimator';
import { estimateLineWithin, type EstimateSummary, type LineEstimate } from '../../core/tokens/estimate';
import type { ResolvedModel } from '../../core/tokens/models';
import type { BatchDocumentTracker, DocumentFeature, TrackedFeature } from '../documents/batchDocumentTracker';
import { isBatchDocument } from '../documents/isBatchDocument';
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

/** What the estimates keep per tracked document. */
interface Entry {
  readonly lines: DocumentEstimator;
  settingsKey: string;
  /** The last complete estimate and the version it is for. */
  done: { readonly version: number; readonly summary: EstimateSummary } | undefined;
}

// A hover counts its line itself when the background count has not reached it: at least this long, even when
// this turn's shared budget is spent (one line, once, on a user's request).
const hoverMinMs = 5;

/**
 * Keeps token estimates for the open batch documents, which the {@link BatchDocumentTracker} follows: a document
 * is counted as soon as it is validated, in slices of the host's shared budget after the validation of the same
 * edits; edits are recorded line by line as they arrive (cheap) and only the changed lines are recounted, after the
 * debounce. Counting resumes where it stopped when more edits arrive, so a burst of typing costs one recount.
 */
export class EstimatesController extends Disposable implements DocumentFeature<Entry> {
  private readonly changeEmitter = new vscode.EventEmitter<vscode.Uri | undefined>();
  private readonly documents: TrackedFeature<Entry>;

  /** Fires when a document's estimate is complete (undefined: every document, e.g. after a settings change). */
  readonly onDidChange = this.changeEmitter.event;

  constructor(private readonly tracker: BatchDocumentTracker) {
    super();
    this.registerAll(
      this.changeEmitter,
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration(CONFIG_SECTION)) {
          this.onConfiguration(event);
        }
      }),
    );
    this.documents = tracker.join<Entry>(this);
  }

  /** Whether estimates are shown for a document (a batch file, with estimates enabled). */
  appliesTo(document: vscode.TextDocument): boolean {
    return estimatesEnabled(document.uri) && isBatchDocument(document);
  }

  /**
   * The estimate of a document, starting to count it if needed. Finishes a small recount inline, within what is
   * left of this turn's shared budget; otherwise reports progress and fires {@link onDidChange} when done.
   * Undefined when estimates do not apply to the document.
   */
  stateFor(document: vscode.TextDocument): EstimateState | undefined {
    const entry = this.entryFor(document);
    if (entry === undefined) {
      return undefined;
    }
    if (entry.done?.version === document.version && entry.lines.pendingCount === 0) {
      return { kind: 'done', version: entry.done.version, summary: entry.done.summary };
    }
    if (this.documents.runNow(document)) {
      // The caller gets the new figures now: no need to ask it to come back.
      const done = this.complete(document, entry, false);
      return { kind: 'done', version: done.version, summary: done.summary };
    }
    const total = Math.max(entry.lines.lineCount, 1);
    return { kind: 'counting', progress: 1 - entry.lines.pendingCount / total, last: entry.done?.summary };
  }

  /**
   * One line's estimate: the counted one when current, else counted now (see {@link hoverMinMs}). `counting` when
   * the line is too long for that (the background count gets to it).
   */
  lineEstimate(document: vscode.TextDocument, line: number): LineEstimateInfo | 'counting' | undefined {
    if (!this.appliesTo(document) || line < 0 || line >= document.lineCount) {
      return undefined;
    }
    const entry = this.documents.workFor(document.uri);
    const resolver = entry?.lines.modelResolver ?? resolverFor(document.uri);
    const counted = entry !== undefined && entry.lines.lineCount === document.lineCount ? entry.lines.lineEstimate(line) : undefined;
    const deadline = Math.max(this.tracker.budget.deadline(), performance.now() + hoverMinMs);
    const estimate = counted ?? estimateLineWithin(document.lineAt(line).text, resolver, deadline);
    if (estimate === undefined) {
      this.entryFor(document);
      return 'counting';
    }
    const model = estimate.kind === 'request' ? resolver.resolve(estimate.deployment, estimate.endpoint === 'embeddings') : undefined;
    return { estimate, model };
  }

  /** Resolves once the document's estimate is complete (immediately when it is not tracked). */
  whenIdle(uri: vscode.Uri): Promise<void> {
    return this.documents.whenIdle(uri);
  }

  isTracked(uri: vscode.Uri): boolean {
    return this.documents.workFor(uri) !== undefined;
  }

  /** @internal {@link DocumentFeature} */
  applies(document: vscode.TextDocument): boolean {
    return estimatesEnabled(document.uri);
  }

  /** @internal {@link DocumentFeature} */
  attach(document: vscode.TextDocument): Entry {
    const estimator = new DocumentEstimator(resolverFor(document.uri));
    estimator.reset(document.lineCount);
    return { lines: estimator, settingsKey: resolverKey(document.uri), done: undefined };
  }

  /** @internal {@link DocumentFeature} */
  completed(document: vscode.TextDocument, entry: Entry): void {
    this.complete(document, entry, true);
  }

  /** @internal {@link DocumentFeature} */
  released(): void {
    // Nothing is shown but the lens and hovers, which ask again.
  }

  /** The entry of a document, tracking it if it is batch input the tracker does not follow yet. */
  private entryFor(document: vscode.TextDocument): Entry | undefined {
    const existing = this.documents.workFor(document.uri);
    if (existing !== undefined || document.isClosed || !this.appliesTo(document)) {
      return existing;
    }
    this.documents.track(document);
    return this.documents.workFor(document.uri);
  }

  private onConfiguration(event: vscode.ConfigurationChangeEvent): void {
    // Documents estimates were turned on or off for.
    this.documents.review();
    for (const document of vscode.workspace.textDocuments) {
      const entry = this.documents.workFor(document.uri);
      if (entry !== undefined && event.affectsConfiguration(estimatesSection, document.uri)) {
        const settingsKey = resolverKey(document.uri);
        if (settingsKey !== entry.settingsKey) {
          entry.settingsKey = settingsKey;
          entry.lines.setResolver(resolverFor(document.uri));
          entry.done = undefined;
          this.documents.rerun(document.uri);
        }
      }
    }
    if (event.affectsConfiguration(estimatesSection) || event.affectsConfiguration(settingId(Settings.validationEnabled)) || event.affectsConfiguration(settingId(Settings.filePatterns))) {
      this.changeEmitter.fire(undefined);
    }
  }

  private complete(document: vscode.TextDocument, entry: Entry, notify: boolean): NonNullable<Entry['done']> {
    const version = document.version;
    const isNew = entry.done?.version !== version;
    const done = { version, summary: entry.lines.summary() };
    entry.done = done;
    if (isNew && notify) {
      this.changeEmitter.fire(document.uri);
    }
    return done;
  }
}
