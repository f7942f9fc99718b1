import * as vscode from 'vscode';
import { Disposable } from '../lifecycle';
import type { ValidationController } from './validationController';

/** An estimate for the status item to show, where the editor shows no CodeLens (documents over 20 MiB). */
export interface StatusEstimates {
  /** Fires when an estimate may have changed. */
  readonly onDidChange: vscode.Event<unknown>;
  /** The text to add after the counts and the tooltip to add to the item's, or undefined to add nothing. */
  statusFor(document: vscode.TextDocument): { readonly text: string; readonly tooltip: string } | undefined;
}

/**
 * Shows the active batch file's request and error counts, and its estimate where the CodeLens cannot; a click
 * opens the Problems view.
 */
export class ValidationStatusItem extends Disposable {
  private readonly item = vscode.window.createStatusBarItem('azureOpenAIBatch.validation', vscode.StatusBarAlignment.Left, 50);
  private visible = false;

  constructor(
    private readonly controller: ValidationController,
    private readonly estimates?: StatusEstimates,
  ) {
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
    if (estimates) {
      this.register(estimates.onDidChange(() => this.update()));
    }
    this.update();
  }

  /** What the item shows now, undefined when hidden (read-only, for tests: the API cannot read the status bar). */
  get shown(): { readonly text: string; readonly tooltip: string } | undefined {
    return this.visible ? { text: this.item.text, tooltip: String(this.item.tooltip ?? '') } : undefined;
  }

  private update(): void {
    const document = vscode.window.activeTextEditor?.document;
    const uri = document?.uri;
    const summary = uri && this.controller.isTracked(uri) ? this.controller.summaryFor(uri) : undefined;
    if (!summary) {
      this.item.hide();
      this.visible = false;
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
    const estimate = document && this.estimates?.statusFor(document);
    if (estimate) {
      this.item.text += ` · ${estimate.text}`;
      this.item.tooltip += `\n\n${estimate.tooltip}`;
    }
    this.item.show();
    this.visible = true;
  }
}
