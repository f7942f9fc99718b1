import * as vscode from 'vscode';
import { CONFIG_SECTION, settingId, Settings } from '../../constants';
import { DocumentValidator } from '../../core/jsonl/documentValidator';
import type { BatchDiagnostic } from '../../core/jsonl/types';
import { isBatchDocument, limitsFor } from './batchDocuments';
import { toVscodeDiagnostic } from './toVscode';
import { Disposable } from '../lifecycle';

/** What the last validation of a document found. */
export interface ValidationSummary {
  readonly uri: vscode.Uri;
  readonly requests: number;
  readonly errors: number;
  readonly warnings: number;
}

interface Entry {
  readonly document: vscode.TextDocument;
  readonly validator: DocumentValidator;
  timer: NodeJS.Timeout | undefined;
  diagnostics: readonly BatchDiagnostic[];
  summary: ValidationSummary | undefined;
  idle: Promise<void>;
  settle: (() => void) | undefined;
}

// The longest stretch of analysis before yielding to the extension host's event loop.
const sliceMs = 15;

/**
 * Keeps diagnostics current for every open batch document. Edits are recorded line by line as they
 * arrive (cheap), analysed after a short debounce in time-boxed slices, then published through one
 * DiagnosticCollection. Files validated from disk (too large to open) are published here too.
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

  /** The core diagnostics last published for an open document. */
  diagnosticsFor(uri: vscode.Uri): readonly BatchDiagnostic[] {
    return this.entries.get(uri.toString())?.diagnostics ?? [];
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

  /** Publishes a validation done elsewhere (a file streamed from disk). */
  publish(uri: vscode.Uri, diagnostics: readonly BatchDiagnostic[], requests: number): ValidationSummary {
    this.collection.set(uri, diagnostics.map((d) => toVscodeDiagnostic(uri, d)));
    const summary = summarize(uri, diagnostics, requests);
    this.summaries.set(uri.toString(), summary);
    this.validatedEmitter.fire(summary);
    return summary;
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
    const entry: Entry = { document, validator, timer: undefined, diagnostics: [], summary: undefined, idle: Promise.resolve(), settle: undefined };
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
          this.schedule(entry, 0);
        }
      } else {
        this.track(document);
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
    const done = entry.validator.flush((line) => document.lineAt(line).text, performance.now() + sliceMs);
    if (!done) {
      // Yield so typing and other extensions stay responsive, then continue.
      entry.timer = setTimeout(() => this.run(entry), 0);
      return;
    }
    entry.diagnostics = entry.validator.diagnostics();
    this.collection.set(
      document.uri,
      entry.diagnostics.map((d) => toVscodeDiagnostic(document.uri, d)),
    );
    const summary = summarize(document.uri, entry.diagnostics, entry.validator.requestCount);
    entry.summary = summary;
    this.summaries.set(key, summary);
    const settle = entry.settle;
    entry.settle = undefined;
    settle?.();
    this.validatedEmitter.fire(summary);
  }
}

function summarize(uri: vscode.Uri, diagnostics: readonly BatchDiagnostic[], requests: number): ValidationSummary {
  let errors = 0;
  let warnings = 0;
  for (const d of diagnostics) {
    if (d.severity === 'error') {
      errors++;
    } else if (d.severity === 'warning') {
      warnings++;
    }
  }
  return { uri, requests, errors, warnings };
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
