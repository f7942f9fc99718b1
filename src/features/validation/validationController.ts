import * as vscode from 'vscode';
import { CONFIG_SECTION, settingId, Settings } from '../../constants';
import { DocumentValidator } from '../../core/jsonl/documentValidator';
import { countBySeverity, type BatchDiagnostic, type BatchService, type DiagnosticCounts } from '../../core/jsonl/types';
import { limitsFor, maxDiagnosticsFor } from './batchDocuments';
import type { BatchDocumentTracker, DocumentFeature, ReleaseReason, TrackedFeature } from '../documents/batchDocumentTracker';
import { moreProblemsDiagnostic, toVscodeDiagnostic } from './toVscode';
import { Disposable } from '../lifecycle';
import type { WorkspaceDeployments } from '../deployments/workspaceDeployments';

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

/** What validation keeps per tracked document. */
interface Entry {
  readonly lines: DocumentValidator;
  /** The diagnostics published (at most the `maxDiagnostics` setting's worth). */
  diagnostics: readonly BatchDiagnostic[];
  counts: DiagnosticCounts;
}

/**
 * Keeps diagnostics current for every open batch document, which the {@link BatchDocumentTracker} follows: it
 * records edits line by line, and after a short debounce the validator analyses the changed lines in slices of
 * the host's shared budget; then they are published through one DiagnosticCollection: at most the
 * `maxDiagnostics` setting's worth per document, with a note on line 1 when there are more. Files validated from
 * disk (too large to open) are published here too, and keep their problems until validated again; an open
 * document's problems go when its last editor tab closes. Result files (see `isResultDocument`) are never
 * validated.
 */
export class ValidationController extends Disposable implements DocumentFeature<Entry> {
  private readonly collection = vscode.languages.createDiagnosticCollection(CONFIG_SECTION);
  private readonly summaries = new Map<string, ValidationSummary>();
  private readonly validatedEmitter = new vscode.EventEmitter<ValidationSummary>();
  private readonly documents: TrackedFeature<Entry>;
  private deploymentSource: WorkspaceDeployments | undefined;
  private service: BatchService = 'azure';

  /** Fires after a document's diagnostics were published. */
  readonly onDidValidate = this.validatedEmitter.event;

  constructor(tracker: BatchDocumentTracker) {
    super();
    this.registerAll(
      this.collection,
      this.validatedEmitter,
      // What was published for a document the tracker did not follow (validated from disk) goes when it closes.
      vscode.workspace.onDidCloseTextDocument((document) => this.clear(document.uri)),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration(CONFIG_SECTION)) {
          this.onConfiguration(event.affectsConfiguration(settingId(Settings.maxRequests)) || event.affectsConfiguration(settingId(Settings.maxFileSizeMB)));
        }
      }),
    );
    this.documents = tracker.join<Entry>(this);
  }

  /**
   * Checks `body.model` against the deployments of the workspace's connection from now on, and again whenever
   * that connection or its list changes. A new list re-analyses no line (see `DocumentValidator.setDeployments`).
   */
  useDeployments(source: WorkspaceDeployments): void {
    this.deploymentSource = source;
    this.register(source.onDidChange(() => this.applyDeployments()));
    this.applyDeployments();
  }

  /** The deployments of the workspace's connection, once {@link useDeployments} was called. */
  get deployments(): WorkspaceDeployments | undefined {
    return this.deploymentSource;
  }

  private applyDeployments(): void {
    const list = this.deploymentSource?.current();
    for (const document of vscode.workspace.textDocuments) {
      const entry = this.documents.workFor(document.uri);
      if (entry?.lines.setDeployments(list)) {
        this.documents.rerun(document.uri);
      }
    }
  }

  /** The service batch files go to (that of the workspace's connection): its limits apply. */
  get batchService(): BatchService {
    return this.service;
  }

  /** Validates against another service's limits from now on (the workspace's connection changed). */
  setBatchService(service: BatchService): void {
    if (service !== this.service) {
      this.service = service;
      this.onConfiguration(true);
    }
  }

  /** The incremental validator of an open batch document, once its first pass is done. */
  validatorFor(uri: vscode.Uri): DocumentValidator | undefined {
    return this.documents.workFor(uri)?.lines;
  }

  /** The core diagnostics last published for an open document (at most the `maxDiagnostics` setting's worth). */
  diagnosticsFor(uri: vscode.Uri): readonly BatchDiagnostic[] {
    return this.documents.workFor(uri)?.diagnostics ?? [];
  }

  /** How many problems of each code an open document has, also those not published. */
  countsFor(uri: vscode.Uri): DiagnosticCounts {
    return this.documents.workFor(uri)?.counts ?? {};
  }

  summaryFor(uri: vscode.Uri): ValidationSummary | undefined {
    return this.summaries.get(uri.toString());
  }

  isTracked(uri: vscode.Uri): boolean {
    return this.documents.workFor(uri) !== undefined;
  }

  /** Resolves once the document's pending edits are analysed and published (immediately when untracked). */
  whenIdle(uri: vscode.Uri): Promise<void> {
    return this.documents.whenIdle(uri);
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
    if (!this.isTracked(uri)) {
      this.collection.delete(uri);
      this.summaries.delete(uri.toString());
    }
  }

  /** @internal {@link DocumentFeature}: every batch document is validated. */
  applies(): boolean {
    return true;
  }

  /** @internal {@link DocumentFeature} */
  attach(document: vscode.TextDocument): Entry {
    const validator = new DocumentValidator(limitsFor(document.uri, this.service), eolBytes(document));
    validator.reset(document.lineCount);
    validator.setDeployments(this.deploymentSource?.current());
    return { lines: validator, diagnostics: [], counts: {} };
  }

  /** @internal {@link DocumentFeature}: the line ends and the encoding, which edits and saves can change. */
  prepare(document: vscode.TextDocument, entry: Entry): void {
    entry.lines.setEolBytes(eolBytes(document));
    entry.lines.setBomOnDisk(hasBomEncoding(document));
  }

  /** @internal {@link DocumentFeature} */
  completed(document: vscode.TextDocument, entry: Entry): void {
    const max = maxDiagnosticsFor(document.uri);
    const report = entry.lines.report(max);
    entry.diagnostics = report.diagnostics;
    entry.counts = report.counts;
    const requests = entry.lines.requestCount;
    this.collection.set(document.uri, toPublished(document.uri, { ...report, requests }, max));
    const summary = summarize(document.uri, report.counts, requests);
    this.summaries.set(document.uri.toString(), summary);
    this.validatedEmitter.fire(summary);
  }

  /** @internal {@link DocumentFeature} */
  released(document: vscode.TextDocument, _entry: Entry, reason: ReleaseReason): void {
    this.collection.delete(document.uri);
    this.summaries.delete(document.uri.toString());
    if (reason === 'results') {
      // Edited into results: not batch input, so no problems and no summary.
      this.validatedEmitter.fire({ uri: document.uri, requests: 0, errors: 0, warnings: 0 });
    }
  }

  private onConfiguration(limitsChanged: boolean): void {
    for (const document of vscode.workspace.textDocuments) {
      const entry = this.documents.workFor(document.uri);
      if (entry) {
        if (limitsChanged) {
          entry.lines.setLimits(limitsFor(document.uri, this.service));
        }
        // (Also for a new `maxDiagnostics`: publishing again is cheap.)
        this.documents.rerun(document.uri);
      }
    }
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

function hasBomEncoding(document: vscode.TextDocument): boolean {
  // `encoding` is reported by VS Code 1.100 and later; older hosts keep the BOM in the text instead.
  return (document as { encoding?: string }).encoding === 'utf8bom';
}

/** Bytes each line break takes. */
function eolBytes(document: vscode.TextDocument): number {
  return document.eol === vscode.EndOfLine.CRLF ? 2 : 1;
}
