import * as vscode from 'vscode';
import { CONFIG_SECTION, settingId, Settings } from '../../constants';
import { LineEditRecorder } from '../../core/documents/lineEditRecorder';
import type { EstimateSummary, LineEstimate } from '../../core/tokens/estimate';
import { EstimatorClient, type EstimatorClientOptions, type EstimatorMode, type FailureEvent, type ProgressEvent, type SummaryEvent } from '../../core/tokens/estimatorClient';
import type { ResolvedModel } from '../../core/tokens/models';
import type { BatchDocumentTracker, DocumentFeature, TrackedFeature } from '../documents/batchDocumentTracker';
import { isBatchDocument } from '../documents/isBatchDocument';
import { estimatesEnabled, estimatesSection, estimatorSettings, resolverKey } from './estimateSettings';
import { Disposable } from '../lifecycle';

/** Where a document's estimate stands. */
export type EstimateState =
  /** Every line is counted for this version of the document. */
  | { readonly kind: 'done'; readonly version: number; readonly summary: EstimateSummary }
  /** Counting in the background; `last` is the estimate of an earlier version, if there is one. */
  | { readonly kind: 'counting'; readonly progress: number; readonly last: EstimateSummary | undefined }
  /** Counting this version failed (the reason is in the log): no estimate until the document changes. */
  | { readonly kind: 'unavailable'; readonly version: number; readonly reason: string };

/** One line's estimate with the model it was priced for. */
export interface LineEstimateInfo {
  readonly estimate: LineEstimate;
  readonly model: ResolvedModel | undefined;
}

/** What the estimates keep per tracked document. */
interface Entry {
  /** The edits not sent yet: the tracker records them as they arrive and flushes them after the debounce. */
  readonly lines: LineEditRecorder;
  readonly id: string;
  readonly document: vscode.TextDocument;
  settingsKey: string;
  /** The version last sent to the counter. */
  sentVersion: number | undefined;
  /** The last complete estimate and the version it is for (perhaps an older one than the document's). */
  done: { readonly version: number; readonly summary: EstimateSummary } | undefined;
  /** The version counting failed for, and why. */
  failed: { readonly version: number; readonly reason: string } | undefined;
  /** How far the count of the version sent last has got. */
  progress: number;
  /** `whenIdle` callers waiting for the next summary (or for the document to be let go). */
  waiters: (() => void)[];
}

/**
 * Keeps token estimates for the open batch documents, which the {@link BatchDocumentTracker} follows. The counting
 * happens in a worker thread ({@link EstimatorClient}): a document is sent to it as soon as it is tracked (a large
 * one in parts, in the tracker's slices), and its edits, recorded line by line as they arrive, are sent after the
 * debounce; the worker recounts only the changed lines and reports the totals of each version, announced by
 * {@link onDidChange}. The host never loads or runs the tokenizer.
 */
export class EstimatesController extends Disposable implements DocumentFeature<Entry> {
  private readonly changeEmitter = new vscode.EventEmitter<vscode.Uri | undefined>();
  private readonly documents: TrackedFeature<Entry>;
  private readonly client: EstimatorClient;
  private readonly entries = new Map<string, Entry>();

  /** Fires when a document's estimate is complete (undefined: every document, e.g. after a settings change). */
  readonly onDidChange = this.changeEmitter.event;

  constructor(
    tracker: BatchDocumentTracker,
    clientOptions: EstimatorClientOptions = {},
  ) {
    super();
    this.client = new EstimatorClient(clientOptions);
    const summaries = this.client.onSummary((event) => this.onSummary(event));
    const progress = this.client.onProgress((event) => this.onProgress(event));
    const restarts = this.client.onRestart((ids) => this.onRestart(ids));
    const failures = this.client.onFailure((event) => this.onFailure(event));
    this.registerAll(
      { dispose: () => this.client.dispose() },
      summaries,
      failures,
      progress,
      restarts,
      this.changeEmitter,
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration(CONFIG_SECTION)) {
          this.onConfiguration(event);
        }
      }),
      { dispose: () => this.settleAll() },
    );
    this.documents = tracker.join<Entry>(this);
  }

  /** Whether estimates are shown for a document (a batch file, with estimates enabled). */
  appliesTo(document: vscode.TextDocument): boolean {
    return estimatesEnabled(document.uri) && isBatchDocument(document);
  }

  /**
   * The estimate of a document, starting to count it if needed (edits waiting for the debounce are sent now).
   * `done` only when the worker's figures are for this version; otherwise {@link onDidChange} fires when they are.
   * Undefined when estimates do not apply to the document.
   */
  stateFor(document: vscode.TextDocument): EstimateState | undefined {
    const entry = this.entryFor(document);
    if (entry === undefined) {
      return undefined;
    }
    this.documents.runNow(document);
    if (entry.done?.version === document.version) {
      return { kind: 'done', version: entry.done.version, summary: entry.done.summary };
    }
    if (entry.failed?.version === document.version) {
      return { kind: 'unavailable', version: entry.failed.version, reason: entry.failed.reason };
    }
    return { kind: 'counting', progress: entry.progress, last: entry.done?.summary };
  }

  /** One line's estimate, from the worker (which counts the line now if its background count has not reached it). */
  async lineEstimate(document: vscode.TextDocument, line: number): Promise<LineEstimateInfo | undefined> {
    if (!this.appliesTo(document) || line < 0 || line >= document.lineCount) {
      return undefined;
    }
    const entry = this.entryFor(document);
    if (entry === undefined) {
      return undefined;
    }
    // The worker answers for the version it has: give it this one.
    this.documents.runNow(document);
    return this.client.lineEstimate(entry.id, document.version, line);
  }

  /**
   * Resolves once the estimate of the document's current version is complete or has failed (immediately when it
   * is not tracked).
   */
  async whenIdle(uri: vscode.Uri): Promise<void> {
    for (;;) {
      await this.documents.whenIdle(uri);
      const entry = this.entries.get(uri.toString());
      if (entry === undefined || this.isDisposed || entry.document.isClosed || entry.done?.version === entry.document.version || entry.failed?.version === entry.document.version) {
        return;
      }
      await new Promise<void>((resolve) => entry.waiters.push(resolve));
    }
  }

  /** Where tokens are counted: in the worker thread, unless it could not run (for tests and diagnostics). */
  get counterMode(): EstimatorMode {
    return this.client.mode;
  }

  /** @internal For tests: ends the worker thread as a crash would (it is restarted and given the documents again). */
  crashCounterForTest(): Promise<void> {
    return this.client.crashWorkerForTest();
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
    const id = document.uri.toString();
    const entry: Entry = {
      id,
      document,
      settingsKey: resolverKey(document.uri),
      sentVersion: undefined,
      done: undefined,
      failed: undefined,
      progress: 0,
      waiters: [],
      lines: new LineEditRecorder(
        {
          upload: (part) => {
            const version = part.complete ? document.version : undefined;
            this.sent(entry, version);
            const lines = linesText(document, part.start, part.count);
            if (part.first) {
              this.client.open(id, version, lines, estimatorSettings(document.uri));
            } else {
              this.client.edit(id, version, [{ start: part.start, deleteCount: part.deleteCount, lines }]);
            }
          },
          edits: (edits, complete) => {
            // A part of a large change has no version: the last part brings it.
            const version = complete ? document.version : undefined;
            if (!complete || edits.length > 0 || entry.sentVersion !== document.version) {
              this.sent(entry, version);
              this.client.edit(id, version, edits);
            }
          },
        },
        document.lineCount,
      ),
    };
    this.entries.get(id)?.waiters.forEach((settle) => settle());
    this.entries.set(id, entry);
    return entry;
  }

  /** @internal {@link DocumentFeature} */
  completed(): void {
    // The edits are sent: the worker's summary publishes (see onSummary).
  }

  /** @internal {@link DocumentFeature} */
  released(_document: vscode.TextDocument, entry: Entry): void {
    if (this.entries.get(entry.id) === entry) {
      this.entries.delete(entry.id);
      this.client.close(entry.id);
    }
    settle(entry);
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

  private sent(entry: Entry, version: number | undefined): void {
    entry.sentVersion = version;
    entry.progress = 0;
  }

  /** The worker lost its documents (it was restarted): send them again, whole. */
  private onRestart(ids: readonly string[]): void {
    for (const id of ids) {
      const entry = this.entries.get(id);
      if (entry !== undefined && !entry.document.isClosed) {
        entry.lines.reset(entry.document.lineCount);
        entry.sentVersion = undefined;
        this.documents.rerun(entry.document.uri);
      }
    }
  }

  private onSummary({ id, version, summary }: SummaryEvent): void {
    const entry = this.entries.get(id);
    if (entry === undefined) {
      return;
    }
    entry.done = { version, summary };
    entry.failed = undefined;
    this.published(entry, version);
  }

  /** A result for `version` came: the waiters look again, and the views refresh if it is the current one. */
  private published(entry: Entry, version: number): void {
    settle(entry);
    if (version === entry.document.version) {
      this.changeEmitter.fire(entry.document.uri);
    }
  }

  private onFailure({ id, version, reason }: FailureEvent): void {
    const entry = this.entries.get(id);
    if (entry === undefined) {
      return;
    }
    entry.failed = { version, reason };
    this.published(entry, version);
  }

  private onProgress({ id, version, fraction }: ProgressEvent): void {
    const entry = this.entries.get(id);
    if (entry !== undefined && version === entry.sentVersion) {
      entry.progress = fraction;
    }
  }

  private onConfiguration(event: vscode.ConfigurationChangeEvent): void {
    // Documents estimates were turned on or off for.
    this.documents.review();
    for (const entry of this.entries.values()) {
      const uri = entry.document.uri;
      if (event.affectsConfiguration(estimatesSection, uri)) {
        const settingsKey = resolverKey(uri);
        if (settingsKey !== entry.settingsKey) {
          entry.settingsKey = settingsKey;
          entry.done = undefined;
          entry.progress = 0;
          // Edits not sent yet are sent first, so the recount is of the current text.
          this.documents.runNow(entry.document);
          this.client.settings(entry.id, estimatorSettings(uri));
        }
      }
    }
    if (event.affectsConfiguration(estimatesSection) || event.affectsConfiguration(settingId(Settings.validationEnabled)) || event.affectsConfiguration(settingId(Settings.filePatterns))) {
      this.changeEmitter.fire(undefined);
    }
  }

  private settleAll(): void {
    for (const entry of this.entries.values()) {
      settle(entry);
    }
  }
}

/** Lines [start, start + count) of a document as one text (one copy, split in the worker). */
function linesText(document: vscode.TextDocument, start: number, count: number): string | readonly string[] {
  if (count === 0) {
    return [];
  }
  const last = start + count - 1;
  return document.getText(new vscode.Range(start, 0, last, document.lineAt(last).text.length));
}

function settle(entry: Entry): void {
  const waiters = entry.waiters;
  entry.waiters = [];
  for (const resolve of waiters) {
    resolve();
  }
}
