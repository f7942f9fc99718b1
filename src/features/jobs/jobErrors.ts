import { stat } from 'node:fs/promises';
import * as vscode from 'vscode';
import { DIAGNOSTIC_SOURCE } from '../../constants';
import type { Batch } from '../../core/batch/client';
import { escapeMarkdown } from '../../core/markdown';
import { Disposable } from '../lifecycle';
import type { JobRecord } from './jobStore';

type BatchErrorEntry = NonNullable<NonNullable<Batch['errors']>['data']>[number];

/** How many errors a notification names; "Show Errors" shows them all. */
export const notifiedErrors = 3;

/** The errors the service gave for a job (`errors.data`): why it failed validation. */
export function batchErrors(batch: Batch): readonly BatchErrorEntry[] {
  return batch.errors?.data ?? [];
}

/** `line 3: invalid_request (Missing url)`, `model_not_found (...)`: one error in a sentence. */
export function describeBatchError(error: BatchErrorEntry): string {
  const code = error.code ?? vscode.l10n.t('error');
  const what = error.message ? `${code} (${error.message})` : code;
  return error.line ? vscode.l10n.t('line {0}: {1}', error.line, what) : what;
}

/**
 * "Show Errors" of a job that failed validation: with line numbers and the source file at hand, the errors go
 * on those lines in the Problems view (until the file is edited); otherwise they open in a markdown document.
 */
export class JobErrorsView extends Disposable {
  private readonly collection = this.register(vscode.languages.createDiagnosticCollection(`${DIAGNOSTIC_SOURCE}: job errors`));

  constructor() {
    super();
    // The service's line numbers describe the file as it was sent: once edited, they no longer point right.
    this.register(vscode.workspace.onDidChangeTextDocument((event) => event.contentChanges.length > 0 && this.collection.delete(event.document.uri)));
  }

  /**
   * Puts the errors back on their lines after a reload (a diagnostic collection does not outlive the window): for
   * each source file whose newest job failed validation naming lines, when the file is unchanged since that job was
   * sent (its modification time, and no unsaved edits); else the line numbers would no longer point right.
   */
  async restore(records: readonly JobRecord[]): Promise<void> {
    const newest = new Map<string, JobRecord>();
    for (const record of records) {
      const current = record.sourceUri === undefined ? undefined : newest.get(record.sourceUri);
      if (record.sourceUri !== undefined && (current === undefined || sentAt(record) > sentAt(current))) {
        newest.set(record.sourceUri, record);
      }
    }
    await Promise.all(
      [...newest.values()].map(async (record) => {
        const errors = record.snapshot?.status === 'failed' ? batchErrors(record.snapshot).filter((error) => error.line) : [];
        const source = vscode.Uri.parse(record.sourceUri!);
        if (errors.length === 0 || source.scheme !== 'file' || vscode.workspace.textDocuments.some((document) => document.isDirty && document.uri.toString() === source.toString())) {
          return;
        }
        const modified = await stat(source.fsPath).then(
          (stats) => Math.floor(stats.mtimeMs),
          () => undefined,
        );
        if (modified !== undefined && modified <= sentAt(record) && !this.isDisposed) {
          this.collection.set(source, errors.map((error) => diagnosticOf(error)));
        }
      }),
    );
  }

  async show(name: string, batch: Batch, sourceUri: string | undefined): Promise<void> {
    const errors = batchErrors(batch);
    const source = sourceUri ? vscode.Uri.parse(sourceUri) : undefined;
    if (source && errors.some((error) => error.line)) {
      try {
        const document = await vscode.workspace.openTextDocument(source);
        this.collection.set(source, errors.map((error) => diagnosticOf(error, document)));
        await vscode.window.showTextDocument(document, { preview: true });
        await vscode.commands.executeCommand('workbench.actions.view.problems');
        return;
      } catch {
        // The source is gone: show the errors as a document instead.
      }
    }
    const document = await vscode.workspace.openTextDocument({ language: 'markdown', content: errorsMarkdown(name, batch) });
    await vscode.window.showTextDocument(document, { preview: true });
  }
}

/** When a job was sent (ms since the epoch): the create call, else its creation time. */
function sentAt(record: JobRecord): number {
  return record.attemptedAt ?? record.createdAt * 1000;
}

/** The error on its line: the whole line of `document`, or without one (restored unopened) the line from its start. */
function diagnosticOf(error: BatchErrorEntry, document?: vscode.TextDocument): vscode.Diagnostic {
  const wanted = Math.max((error.line ?? 1) - 1, 0);
  const line = document === undefined ? wanted : Math.min(wanted, Math.max(document.lineCount - 1, 0));
  // The editor clamps a range past the line's end to it.
  const range = !error.line ? new vscode.Range(0, 0, 0, 0) : document === undefined ? new vscode.Range(line, 0, line, Number.MAX_SAFE_INTEGER) : document.lineAt(line).range;
  const diagnostic = new vscode.Diagnostic(range, vscode.l10n.t('The service refused this job: {0}', error.message ?? error.code ?? ''), vscode.DiagnosticSeverity.Error);
  diagnostic.source = DIAGNOSTIC_SOURCE;
  diagnostic.code = error.code ?? undefined;
  return diagnostic;
}

/** Every error of a job as markdown, each service value escaped. */
function errorsMarkdown(name: string, batch: Batch): string {
  const lines = [`# ${escapeMarkdown(vscode.l10n.t('Errors of the batch job {0}', name))}`, '', `${escapeMarkdown(vscode.l10n.t('Batch id'))}: ${escapeMarkdown(batch.id)}`, ''];
  for (const error of batchErrors(batch)) {
    const where = error.line ? `${escapeMarkdown(vscode.l10n.t('line {0}', error.line))}: ` : '';
    lines.push(`- ${where}**${escapeMarkdown(error.code ?? '')}** ${escapeMarkdown(error.message ?? '')}${error.param ? ` (${escapeMarkdown(error.param)})` : ''}`);
  }
  return lines.join('\n') + '\n';
}
