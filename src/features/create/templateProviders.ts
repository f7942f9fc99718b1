import { dirname, resolve } from 'node:path';
import * as vscode from 'vscode';
import { Commands } from '../../constants';
import { compilePrompt, PromptTemplateError } from '../../core/create/prompt';
import { dataColumns } from '../../core/create/readers';
import { templateSuffix } from '../../core/create/template';

/** Batch template files, whatever language they open in (json, jsonc). */
export const templateSelector: vscode.DocumentSelector = { scheme: 'file', pattern: `**/*${templateSuffix}` };

/** "Run Batch Template" above the first line of a template. */
export class TemplateCodeLensProvider implements vscode.CodeLensProvider {
  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (!document.uri.path.endsWith(templateSuffix)) {
      return [];
    }
    const lenses = [new vscode.CodeLens(new vscode.Range(0, 0, 0, 0), { title: vscode.l10n.t('$(play) Run Batch Template'), command: Commands.runBatchTemplate, arguments: [document.uri] })];
    const problem = placeholderProblemOf(document.getText());
    if (problem !== undefined) {
      // The problem stays in view above the template until it is fixed; clicking it runs the template, which says it again.
      lenses.push(new vscode.CodeLens(new vscode.Range(0, 0, 0, 0), { title: vscode.l10n.t('$(error) {0}', problem), command: Commands.runBatchTemplate, arguments: [document.uri] }));
    }
    return lenses;
  }
}

/** A malformed placeholder in the template's `prompt` or `system` (an unclosed `{{`), read from text that parses. */
function placeholderProblemOf(text: string): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) {
    return undefined;
  }
  for (const field of ['prompt', 'system'] as const) {
    const fieldText = (value as Record<string, unknown>)[field];
    if (typeof fieldText !== 'string') {
      continue;
    }
    try {
      compilePrompt(fieldText);
    } catch (error) {
      if (error instanceof PromptTemplateError) {
        return `"${field}": ${error.message}`;
      }
      throw error;
    }
  }
  return undefined;
}

/** The `data` file a template's text names, read without requiring the template to be valid yet. */
function dataFileOf(document: vscode.TextDocument): string | undefined {
  const match = /"data"\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(document.getText());
  if (match === null) {
    return undefined;
  }
  try {
    return resolve(dirname(document.uri.fsPath), JSON.parse(`"${match[1]}"`) as string);
  } catch {
    return undefined;
  }
}

/** Completes `{{` in a template with the columns (and nested dot paths) of its data file. */
export class TemplateCompletionProvider implements vscode.CompletionItemProvider {
  static readonly triggers = ['{'];

  async provideCompletionItems(document: vscode.TextDocument, position: vscode.Position): Promise<vscode.CompletionItem[] | undefined> {
    const before = document.lineAt(position.line).text.slice(0, position.character);
    const open = /\{\{\s*([\w.\- ]*)$/.exec(before);
    const data = open === null ? undefined : dataFileOf(document);
    if (open === null || data === undefined) {
      return undefined;
    }
    let columns: string[];
    try {
      columns = await dataColumns(data);
    } catch {
      return undefined;
    }
    const after = document.lineAt(position.line).text.slice(position.character);
    const closes = after.startsWith('}}');
    const range = new vscode.Range(position.translate(0, -open[1]!.length), position);
    return columns.map((column, i) => {
      const item = new vscode.CompletionItem(column, vscode.CompletionItemKind.Field);
      item.insertText = closes ? column : `${column}}}`;
      item.range = range;
      item.sortText = String(i).padStart(4, '0');
      item.detail = vscode.l10n.t('column of {0}', vscode.workspace.asRelativePath(data));
      return item;
    });
  }
}
