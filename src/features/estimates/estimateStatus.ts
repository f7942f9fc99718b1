import * as vscode from 'vscode';
import type { StatusEstimates } from '../validation/statusItem';
import { formatCost, formatTokens, lensTooltip, unavailableTooltip } from './estimateCodeLens';
import type { EstimatesController } from './estimatesController';

// VS Code shows no CodeLens on a document it treats as too large to tokenize (with `editor.largeFileOptimizations`,
// the default): more than 20 MiB of text or more than 300,000 lines, as measured when the editor's model was made.
const largeFileChars = 20 * 1024 * 1024;
const largeFileLines = 300_000;

/** Whether the editor shows CodeLens on a document (see {@link largeFileChars}). */
export function showsCodeLens(document: vscode.TextDocument): boolean {
  if (!vscode.workspace.getConfiguration('editor', document.uri).get<boolean>('largeFileOptimizations', true)) {
    return true;
  }
  if (document.lineCount > largeFileLines) {
    return false;
  }
  // The text's length with its line breaks, from the host's line index (no copy of the text).
  return document.offsetAt(document.lineAt(document.lineCount - 1).range.end) <= largeFileChars;
}

/** The estimate beside the request and error counts in the status item, for documents the CodeLens cannot show. */
export class EstimateStatus implements StatusEstimates {
  readonly onDidChange: vscode.Event<unknown>;

  constructor(private readonly controller: EstimatesController) {
    this.onDidChange = controller.onDidChange;
  }

  statusFor(document: vscode.TextDocument): { readonly text: string; readonly tooltip: string } | undefined {
    if (showsCodeLens(document)) {
      return undefined;
    }
    const state = this.controller.stateFor(document);
    if (state === undefined) {
      return undefined;
    }
    if (state.kind === 'unavailable') {
      return { text: `$(warning) ${vscode.l10n.t('token estimate unavailable')}`, tooltip: unavailableTooltip() };
    }
    const summary = state.kind === 'done' ? state.summary : state.last;
    if (summary === undefined) {
      return { text: `$(sync~spin) ${vscode.l10n.t('estimating tokens...')}`, tooltip: vscode.l10n.t('Counting tokens in the background.') };
    }
    return {
      text: vscode.l10n.t('~{0} input tokens · est. {1}', formatTokens(summary.inputTokens), formatCost(summary.costUsd)),
      tooltip: lensTooltip(summary, state.kind === 'counting', false),
    };
  }
}
