import * as vscode from 'vscode';
import { validateFile } from '../../core/jsonl/fileValidator';
import { isResultFileName } from '../../core/jsonl/resultShape';
import { withCancellableProgress } from '../progress';
import { limitsFor, maxDiagnosticsFor } from './batchDocuments';
import { inputFileProblem } from './inputFileCheck';
import type { ValidationController, ValidationSummary } from './validationController';

/**
 * "Validate Batch File": streams a file from disk (any size, including those too large for the editor
 * to hand to extensions) and publishes the same diagnostics, with cancellable progress. For several
 * files (Explorer multi-select) each is validated in turn.
 */
export async function validateFiles(controller: ValidationController, clicked?: vscode.Uri, selected?: vscode.Uri[]): Promise<ValidationSummary[]> {
  const targets = selected && selected.length > 0 ? selected : clicked ? [clicked] : await pickTargets();
  const summaries: ValidationSummary[] = [];
  for (const uri of targets) {
    const summary = await validateOne(controller, uri);
    if (summary === 'skipped') {
      continue;
    }
    if (!summary) {
      break;
    }
    summaries.push(summary);
  }
  if (summaries.length > 0) {
    // Not awaited: the command's result must not wait for the user to dismiss the message.
    void report(summaries);
  }
  return summaries;
}

async function pickTargets(): Promise<vscode.Uri[]> {
  const active = vscode.window.activeTextEditor?.document;
  if (active && active.uri.scheme === 'file') {
    return [active.uri];
  }
  return (
    (await vscode.window.showOpenDialog({
      canSelectMany: true,
      filters: { [vscode.l10n.t('Batch files')]: ['jsonl'] },
      openLabel: vscode.l10n.t('Validate'),
    })) ?? []
  );
}

/** A summary; 'skipped' for a file of results (not batch input); undefined when cancelled or unreadable. */
async function validateOne(controller: ValidationController, uri: vscode.Uri): Promise<ValidationSummary | 'skipped' | undefined> {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (open && controller.isTracked(uri)) {
    // The editor's copy (perhaps with unsaved edits) is what the user sees: report on it.
    await controller.whenIdle(uri);
    return controller.summaryFor(uri);
  }
  if (uri.scheme !== 'file') {
    void vscode.window.showWarningMessage(vscode.l10n.t('Only files on disk can be validated without opening them: {0}', uri.toString()));
    return undefined;
  }
  const name = vscode.workspace.asRelativePath(uri);
  if (isResultFileName(uri.path)) {
    void vscode.window.showInformationMessage(notInputMessage(name));
    return 'skipped';
  }
  const problem = await inputFileProblem(uri);
  if (problem) {
    void vscode.window.showErrorMessage(problem);
    return undefined;
  }
  let size = 0;
  try {
    size = (await vscode.workspace.fs.stat(uri)).size;
  } catch (error) {
    throw new Error(vscode.l10n.t('Cannot read {0}.', name), { cause: error });
  }
  return withCancellableProgress(
    vscode.l10n.t('Validating {0}', name),
    async (report, signal) => {
      let reported = 0;
      try {
        const result = await validateFile(uri.fsPath, {
          limits: limitsFor(uri, controller.batchService),
          maxDiagnostics: maxDiagnosticsFor(uri),
          signal,
          onProgress: (bytes) => {
            const percent = size > 0 ? Math.floor((bytes / size) * 100) : 100;
            if (percent > reported) {
              report({ increment: percent - reported, message: `${percent}%` });
              reported = percent;
            }
          },
        });
        if (result.startsWithOutputLine) {
          controller.clear(uri);
          void vscode.window.showInformationMessage(notInputMessage(name));
          return 'skipped';
        }
        return controller.publish(uri, result);
      } catch (error) {
        if (signal.aborted) {
          // Cancelled: stop here and report the files validated so far.
          return undefined;
        }
        throw new Error(vscode.l10n.t('Cannot validate {0}: {1}', name, error instanceof Error ? error.message : String(error)), { cause: error });
      }
    },
  );
}

function notInputMessage(name: string): string {
  return vscode.l10n.t('{0} holds batch results (output lines), not batch input: it is not validated.', name);
}

async function report(summaries: readonly ValidationSummary[]): Promise<void> {
  const errors = summaries.reduce((n, s) => n + s.errors, 0);
  const warnings = summaries.reduce((n, s) => n + s.warnings, 0);
  const requests = summaries.reduce((n, s) => n + s.requests, 0);
  const where = summaries.length === 1 ? vscode.workspace.asRelativePath(summaries[0]!.uri) : vscode.l10n.t('{0} files', summaries.length);
  const counts = requests.toLocaleString();
  if (errors === 0 && warnings === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('{0}: {1} requests, no problems found.', where, counts));
    return;
  }
  const show = vscode.l10n.t('Show Problems');
  const text = vscode.l10n.t('{0}: {1} requests, {2} errors, {3} warnings.', where, counts, errors, warnings);
  const choice = await (errors > 0 ? vscode.window.showErrorMessage(text, show) : vscode.window.showWarningMessage(text, show));
  if (choice === show) {
    await vscode.commands.executeCommand('workbench.actions.view.problems');
  }
}
