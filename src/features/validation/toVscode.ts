import * as vscode from 'vscode';
import { DIAGNOSTIC_SOURCE } from '../../constants';
import { docsUrlFor } from '../../core/jsonl/codes';
import type { LineEdit } from '../../core/jsonl/fixes';
import type { BatchDiagnostic, Message } from '../../core/jsonl/types';

/** Translates a core message through the extension's localisation bundle. */
export function localize(m: Message): string {
  return vscode.l10n.t(m.template, ...m.args);
}

const severities = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
} as const;

/** Converts a core diagnostic into the editor's form, with a documentation link and related locations. */
export function toVscodeDiagnostic(uri: vscode.Uri, d: BatchDiagnostic): vscode.Diagnostic {
  const diagnostic = new vscode.Diagnostic(new vscode.Range(d.line, d.start, d.line, d.end), localize(d.message), severities[d.severity]);
  diagnostic.source = DIAGNOSTIC_SOURCE;
  diagnostic.code = { value: d.code, target: vscode.Uri.parse(docsUrlFor(d.code)) };
  if (d.related) {
    diagnostic.relatedInformation = d.related.map(
      (r) => new vscode.DiagnosticRelatedInformation(new vscode.Location(uri, new vscode.Range(r.line, r.start, r.line, r.end)), localize(r.message)),
    );
  }
  return diagnostic;
}

/**
 * The note on line 1 of a document with more problems than are published: how many more, and the setting
 * that raises the cap. Information, so it does not count as one more error.
 */
export function moreProblemsDiagnostic(hidden: number, total: number, shown: number): vscode.Diagnostic {
  const diagnostic = new vscode.Diagnostic(
    new vscode.Range(0, 0, 0, 0),
    vscode.l10n.t(
      '{0} more problems are not shown: the file has {1} in all and the Problems view lists the first {2} (setting azureOpenAIBatch.validation.maxDiagnostics).',
      hidden.toLocaleString(),
      total.toLocaleString(),
      shown.toLocaleString(),
    ),
    vscode.DiagnosticSeverity.Information,
  );
  diagnostic.source = DIAGNOSTIC_SOURCE;
  return diagnostic;
}

/** The code of one of our diagnostics, or undefined for other sources. */
export function codeOf(diagnostic: vscode.Diagnostic): string | undefined {
  if (diagnostic.source !== DIAGNOSTIC_SOURCE) {
    return undefined;
  }
  const code = diagnostic.code;
  return typeof code === 'object' ? String(code.value) : code === undefined ? undefined : String(code);
}

/** Applies core edits to a workspace edit (one undo step for all of them). */
export function toWorkspaceEdit(uri: vscode.Uri, edits: readonly LineEdit[], edit = new vscode.WorkspaceEdit()): vscode.WorkspaceEdit {
  for (const e of edits) {
    edit.replace(uri, new vscode.Range(e.startLine, e.startColumn, e.endLine, e.endColumn), e.newText);
  }
  return edit;
}
