import * as vscode from 'vscode';
import { Disposable } from '../lifecycle';
import type { ValidationController } from './validationController';

/** Shows the active batch file's request and error counts; a click opens the Problems view. */
export class ValidationStatusItem extends Disposable {
  private readonly item = vscode.window.createStatusBarItem('azureOpenAIBatch.validation', vscode.StatusBarAlignment.Left, 50);

  constructor(private readonly controller: ValidationController) {
    super();
    this.item.name = vscode.l10n.t('Azure OpenAI Batch: file check');
    this.item.command = 'workbench.actions.view.problems';
    this.registerAll(
      this.item,
      vscode.window.onDidChangeActiveTextEditor(() => this.update()),
      controller.onDidValidate((summary) => {
        if (summary.uri.toString() === vscode.window.activeTextEditor?.document.uri.toString()) {
          this.update();
        }
      }),
    );
    this.update();
  }

  private update(): void {
    const uri = vscode.window.activeTextEditor?.document.uri;
    const summary = uri && this.controller.isTracked(uri) ? this.controller.summaryFor(uri) : undefined;
    if (!summary) {
      this.item.hide();
      return;
    }
    const requests = summary.requests === 1 ? vscode.l10n.t('1 request') : vscode.l10n.t('{0} requests', summary.requests.toLocaleString());
    if (summary.errors > 0) {
      const errors = summary.errors === 1 ? vscode.l10n.t('1 error') : vscode.l10n.t('{0} errors', summary.errors.toLocaleString());
      this.item.text = `$(error) ${requests} · ${errors}`;
      this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
    } else {
      const warnings = summary.warnings === 1 ? vscode.l10n.t('1 warning') : vscode.l10n.t('{0} warnings', summary.warnings.toLocaleString());
      this.item.text = `$(pass) ${requests}${summary.warnings > 0 ? ` · ${warnings}` : ''}`;
      this.item.backgroundColor = undefined;
    }
    this.item.tooltip = vscode.l10n.t('Azure OpenAI Batch: {0} requests, {1} errors, {2} warnings. Click to open the Problems view.', summary.requests, summary.errors, summary.warnings);
    this.item.show();
  }
}
