import * as vscode from 'vscode';
import { modelValueAt } from '../../core/jsonl/modelPosition';
import { choiceDescription, deploymentCandidates } from './quickFixes';
import type { ValidationController } from './validationController';

/**
 * Completion inside `"model": "…"` on a line of a batch file: the batch deployments of the workspace's
 * connection first (with model, version and sku), then the names used in the file, then the setting's (those
 * the resource has no batch deployment of left out). Reads
 * only the line under the cursor and what the validator already knows, so it answers at once on any file size.
 */
export class ModelCompletionProvider implements vscode.CompletionItemProvider {
  static readonly triggerCharacters = ['"'];

  constructor(private readonly controller: ValidationController) {}

  provideCompletionItems(document: vscode.TextDocument, position: vscode.Position): vscode.CompletionItem[] | undefined {
    if (!this.controller.isTracked(document.uri)) {
      return undefined;
    }
    const text = document.lineAt(position.line).text;
    const span = modelValueAt(text, position.character);
    if (!span) {
      return undefined;
    }
    const line = position.line;
    const range = { inserting: new vscode.Range(line, span.start, line, position.character), replacing: new vscode.Range(line, span.start, line, span.end) };
    const validator = this.controller.validatorFor(document.uri);
    // With the resource's list known, a name it would reject (as the file or the setting may hold) is no suggestion.
    const choices = deploymentCandidates(this.controller, document).filter((choice) => !validator?.deploymentProblemFor(choice.name));
    return choices.map((choice, index) => {
      const item = new vscode.CompletionItem(choice.name, choice.deployment ? vscode.CompletionItemKind.Value : vscode.CompletionItemKind.Text);
      item.detail = choiceDescription(choice);
      item.documentation =
        choice.source === 'resource'
          ? vscode.l10n.t('A batch deployment of the workspace\'s connection.')
          : choice.source === 'file'
            ? vscode.l10n.t('A deployment name used elsewhere in this file.')
            : vscode.l10n.t('From the azureOpenAIBatch.deployments setting.');
      // Kept in this order (resource, file, setting) whatever the typed prefix matches.
      item.sortText = String(index).padStart(4, '0');
      item.range = range;
      item.preselect = index === 0;
      return item;
    });
  }
}
