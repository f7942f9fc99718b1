import * as vscode from 'vscode';
import type { OutcomeIndex } from '../../core/results/outcomeIndex';
import type { OutcomesController } from './outcomesController';

// Registered by the results viewer; named by its id so this lens does not depend on that module.
const openResultsCommand = 'azureOpenAIBatch.openResults';

/**
 * A CodeLens at the top of a batch file with downloaded results: the totals and Open Results. It sits next to
 * the estimate's CodeLens on line 0.
 */
export class OutcomeCodeLensProvider implements vscode.CodeLensProvider {
  readonly onDidChangeCodeLenses: vscode.Event<void>;

  constructor(private readonly outcomes: OutcomesController) {
    this.onDidChangeCodeLenses = outcomes.onDidChange;
  }

  async provideCodeLenses(document: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    const found = await this.outcomes.outcomesFor(document);
    if (!found) {
      return [];
    }
    const range = new vscode.Range(0, 0, 0, 0);
    const results = vscode.Uri.file(found.resultsPath);
    return [
      new vscode.CodeLens(range, { title: totalsTitle(found.index.totals), command: '', tooltip: found.resultsPath }),
      new vscode.CodeLens(range, { title: vscode.l10n.t('Open Results'), command: openResultsCommand, arguments: [results], tooltip: found.resultsPath }),
    ];
  }
}

/** `Results: 8 succeeded · 1 failed · 1 missing` */
export function totalsTitle(totals: OutcomeIndex['totals']): string {
  return vscode.l10n.t('Results: {0} succeeded · {1} failed · {2} missing', totals.succeeded.toLocaleString(), totals.failed.toLocaleString(), totals.missing.toLocaleString());
}
