import * as vscode from 'vscode';
import { CONFIG_SECTION, settingId, Settings } from '../../constants';
import { DocumentValidator } from '../../core/jsonl/documentValidator';
import { countBySeverity, type BatchDiagnostic, type DiagnosticCounts } from '../../core/jsonl/types';
import { isBatchDocument, isResultDocument, limitsFor, maxDiagnosticsFor } from './batchDocuments';
import { moreProblemsDiagnostic, toVscodeDiagnostic } from './toVscode';
import { Disposable } from '../lifecycle';

/** What the last validation of a document found. */
export interface ValidationSummary {
  readonly uri: vscode.Uri;
  readonly requests: number;
  readonly errors: number;
  readonly warnings: number;
}

/** A validation to publish: the diagnostics kept (perhaps capped) and the counts of all problems. */
export interface PublishedValidation {
  readonly requests: number;
  readonly diagnostics: readonly BatchDiagnostic[];
  readonly counts: DiagnosticCounts;
  readonly total: number;
}

interface Entry {
  readonly document: vscode.TextDocument;
  readonly validator: DocumentValidator;
  timer: NodeJS.Timeout | undefined;
  /** The diagnostics published (at most the `maxDiagnostics` setting's worth). */
  diagnostics: readonly BatchDiagnostic[];
  counts: DiagnosticCounts;
  idle: Promise<void>;
  settle: (() => void) | undefined;
}

// The longest stretch of analysis before yielding to the extension host's event loop.
const sliceMs = 15;

/**
 * Keeps diagnostics current for every open batch document. Edits are recorded line by line as they
 * arrive (cheap), analysed after a short debounce in time-boxed slices, then published through one
 * DiagnosticCollection: at most the `maxDiagnostics` setting's worth per document, with a note on line 1
 * when there are more. Files validated from disk (too large to open) are published here too, and keep
 * their problems until validated again; an open document's problems go when its last editor tab closes.
 * Result files (see {@link isResultDocument}) are never validated.
 */
export class ValidationController extends Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection(CONFIG_SECTION);
  private readonly entries = new Map<string, Entry>();
  private readonly summaries = new Map<string, ValidationSummary>();
  private readonly validatedEmitter = new vscode.EventEmitter<ValidationSummary>();

  /** Fires after a document's diagnostics were published. */
  readonly onDidValidate = this.validatedEmitter.event;

  constructor() {
    super();
    this.registerAll(
      this.collection,
      this.validatedEmitter,
      vscode.workspace.onDidOpenTextDocument((document) => this.track(document)),
      vscode.workspace.onDidCloseTextDocument((document) => this.untrack(document.uri, true)),
      // The editor keeps a closed tab's document alive for a while: clear its problems when the tab goes,
      // and validate it again if a tab shows it again.
      vscode.window.tabGroups.onDidChangeTabs((event) => this.onTabsChanged(event)),
      vscode.workspace.onDidChangeTextDocument((event) => this.onChange(event)),
      vscode.workspace.onDidSaveTextDocument((document) => this.onSave(document)),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration(CONFIG_SECTION)) {
          this.retrackAll(event.affectsConfiguration(settingId(Settings.maxRequests)) || event.affectsConfiguration(settingId(Settings.maxFileSizeMB)));
        }
      }),
    );
    for (const document of vscode.workspace.textDocuments) {
      this.track(document);
    }
  }

  /** The incremental validator of an open batch document, once its first pass is done. */
  validatorFor(uri: vscode.Uri): DocumentValidator | undefined {
    return this.entries.get(uri.toString())?.validator;
  }

  /** The core diagnostics last published for an open document (at most the `maxDiagnostics` setting's worth). */
  diagnosticsFor(uri: vscode.Uri): readonly BatchDiagnostic[] {
    return this.entries.get(uri.toString())?.diagnostics ?? [];
  }

  /** How many problems of each code an open document has, also those not published. */
  countsFor(uri: vscode.Uri): DiagnosticCounts {
    return this.entries.get(uri.toString())?.counts ?? {};
  }

  summaryFor(uri: vscode.Uri): ValidationSummary | undefined {
    return this.summaries.get(uri.toString());
  }

  isTracked(uri: vscode.Uri): boolean {
    return this.entries.has(uri.toString());
  }

  /** Resolves once the document's pending edits are analysed and published (immediately when untracked). */
  whenIdle(uri: vscode.Uri): Promise<void> {
    return this.entries.get(uri.toString())?.idle ?? Promise.resolve();
  }

  /** Publishes a validation done elsewhere (a file streamed from disk), capped like an open document's. */
  publish(uri: vscode.Uri, validation: PublishedValidation): ValidationSummary {
    this.collection.set(uri, toPublished(uri, validation, maxDiagnosticsFor(uri)));
    const summary = summarize(uri, validation.counts, validation.requests);
    this.summaries.set(uri.toString(), summary);
    this.validatedEmitter.fire(summary);
    return summary;
  }

  /** Removes what was published for a file that is not open (validated from disk). */
  clear(uri: vscode.Uri): void {
    if (!this.entries.has(uri.toString())) {
      this.collection.delete(uri);
      this.summaries.delete(uri.toString());
    }
  }

  override dispose(): void {
    for (const entry of this.entries.values()) {
      clearTimeout(entry.timer);
      entry.settle?.();
    }
    this.entries.clear();
    super.dispose();
  }

  private track(document: vscode.TextDocument): void {
    const key = document.uri.toString();
    if (!isBatchDocument(document)) {
      this.untrack(document.uri, this.entries.has(key));
      return;
    }
    if (this.entries.has(key)) {
      return;
    }
    const validator = new DocumentValidator(limitsFor(document.uri), document.eol === vscode.EndOfLine.CRLF ? 2 : 1);
    validator.setBomOnDisk(hasBomEncoding(document));
    validator.reset(document.lineCount);
    const entry: Entry = { document, validator, timer: undefined, diagnostics: [], counts: {}, idle: Promise.resolve(), settle: undefined };
    this.entries.set(key, entry);
    this.schedule(entry, 0);
  }

  private untrack(uri: vscode.Uri, clear: boolean): void {
    const key = uri.toString();
    const entry = this.entries.get(key);
    if (entry) {
      clearTimeout(entry.timer);
      entry.settle?.();
      this.entries.delete(key);
    }
    if (clear) {
      this.collection.delete(uri);
      this.summaries.delete(key);
    }
  }

  private retrackAll(limitsChanged: boolean): void {
    for (const document of vscode.workspace.textDocuments) {
      const entry = this.entries.get(document.uri.toString());
      if (entry && isBatchDocument(document)) {
        if (limitsChanged) {
          entry.validator.setLimits(limitsFor(document.uri));
        }
        // (Also for a new `maxDiagnostics`: publishing again is cheap.)
        this.schedule(entry, 0);
      } else {
        this.track(document);
      }
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
        if (!shown.has(uri.toString()) && this.entries.has(uri.toString())) {
          this.untrack(uri, true);
        }
      }
    }
    for (const tab of [...event.opened, ...event.changed]) {
      for (const uri of tabUris(tab)) {
        const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
        if (document && !this.entries.has(uri.toString())) {
          this.track(document);
        }
      }
    }
  }

  private onChange(event: vscode.TextDocumentChangeEvent): void {
    const entry = this.entries.get(event.document.uri.toString());
    if (!entry) {
      return;
    }
    if (event.contentChanges.length === 0) {
      // An event without changes reports a new encoding (for example "UTF-8 with BOM" to "UTF-8").
      entry.validator.setBomOnDisk(hasBomEncoding(event.document));
      this.schedule(entry, 0);
      return;
    }
    // VS Code applies the changes of one event in order, each against the text the previous one left.
    for (const change of event.contentChanges) {
      const start = change.range.start.line;
      entry.validator.splice(start, change.range.end.line - start + 1, countLines(change.text));
    }
    entry.validator.setEolBytes(event.document.eol === vscode.EndOfLine.CRLF ? 2 : 1);
    this.schedule(entry, debounceMs());
  }

  private onSave(document: vscode.TextDocument): void {
    const entry = this.entries.get(document.uri.toString());
    if (entry) {
      // Saving can change the encoding (for example "Save with Encoding" dropping the BOM).
      entry.validator.setBomOnDisk(hasBomEncoding(document));
      this.schedule(entry, 0);
    } else {
      this.track(document);
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
    const key = entry.document.uri.toString();
    if (this.entries.get(key) !== entry || entry.document.isClosed) {
      return;
    }
    const document = entry.document;
    if (isResultDocument(document)) {
      // Edited into results (output lines pasted into it): not batch input, so no problems and no summary.
      this.untrack(document.uri, true);
      this.validatedEmitter.fire({ uri: document.uri, requests: 0, errors: 0, warnings: 0 });
      return;
    }
    const done = entry.validator.flush((line) => document.lineAt(line).text, performance.now() + sliceMs);
    if (!done) {
      // Yield so typing and other extensions stay responsive, then continue.
      entry.timer = setTimeout(() => this.run(entry), 0);
      return;
    }
    const max = maxDiagnosticsFor(document.uri);
    const report = entry.validator.report(max);
    entry.diagnostics = report.diagnostics;
    entry.counts = report.counts;
    const requests = entry.validator.requestCount;
    this.collection.set(document.uri, toPublished(document.uri, { ...report, requests }, max));
    const summary = summarize(document.uri, report.counts, requests);
    this.summaries.set(key, summary);
    const settle = entry.settle;
    entry.settle = undefined;
    settle?.();
    this.validatedEmitter.fire(summary);
  }
}

/** The editor's diagnostics for a validation: the first `max`, and a note on line 1 when there are more. */
function toPublished(uri: vscode.Uri, validation: PublishedValidation, max: number): vscode.Diagnostic[] {
  const shown = validation.diagnostics.slice(0, max);
  const published = shown.map((d) => toVscodeDiagnostic(uri, d));
  if (validation.total > shown.length) {
    published.push(moreProblemsDiagnostic(validation.total - shown.length, validation.total, shown.length));
  }
  return published;
}

function summarize(uri: vscode.Uri, counts: DiagnosticCounts, requests: number): ValidationSummary {
  const severities = countBySeverity(counts);
  return { uri, requests, errors: severities.error, warnings: severities.warning };
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

/** Number of lines a piece of inserted text spans (one more than its line breaks). */
export function countLines(text: string): number {
  let lines = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      lines++;
    } else if (c === 13) {
      lines++;
      if (text.charCodeAt(i + 1) === 10) {
        i++;
      }
    }
  }
  return lines;
}

function hasBomEncoding(document: vscode.TextDocument): boolean {
  // `encoding` is reported by VS Code 1.100 and later; older hosts keep the BOM in the text instead.
  return (document as { encoding?: string }).encoding === 'utf8bom';
}

function debounceMs(): number {
  return vscode.workspace.getConfiguration(CONFIG_SECTION).get<number>(Settings.debounceMs, 150);
}
