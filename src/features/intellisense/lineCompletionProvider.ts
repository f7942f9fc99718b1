import * as vscode from 'vscode';
import { lineCompletions, type LineCompletion } from '../../core/intellisense/lineCompletion';
import type { ValidationController } from '../validation/validationController';
import { shapeMarkdown } from './shapeMarkdown';

/**
 * Completion inside the request lines of a batch file: keys, enum values, `url` and `method` values, whole
 * requests on an empty line (see {@link lineCompletions}). Reads only the line under the cursor, so it answers
 * at once whatever the file's size. `body.model` values come from the deployment completion.
 */
export class LineCompletionProvider implements vscode.CompletionItemProvider {
  static readonly triggerCharacters = ['"', ':'];

  constructor(private readonly validation: ValidationController) {}

  provideCompletionItems(document: vscode.TextDocument, position: vscode.Position): vscode.CompletionItem[] | undefined {
    if (!this.validation.isTracked(document.uri)) {
      return undefined;
    }
    const line = position.line;
    return lineCompletions(document.lineAt(line).text, position.character).map((candidate) => completionItem(candidate, line));
  }
}

function completionItem(candidate: LineCompletion, line: number): vscode.CompletionItem {
  const kind = candidate.kind === 'key' ? vscode.CompletionItemKind.Property : candidate.kind === 'value' ? vscode.CompletionItemKind.Value : vscode.CompletionItemKind.Snippet;
  const item = new vscode.CompletionItem(candidate.label, kind);
  item.insertText = new vscode.SnippetString(candidate.insertText);
  item.filterText = candidate.filterText;
  item.range = new vscode.Range(line, candidate.range.start, line, candidate.range.end);
  item.sortText = `${candidate.preferred ? 0 : 1}${String(candidate.order).padStart(4, '0')}`;
  if (candidate.kind === 'line') {
    item.detail = vscode.l10n.t('A whole request line');
  } else if (candidate.shape) {
    item.detail = candidate.shape.types.join(' | ');
    item.documentation = shapeMarkdown(candidate.shape);
  }
  return item;
}
