import * as vscode from 'vscode';
import type { Shape } from '../../core/jsonl/requestSchema';
import { rangeSummary, typeSummary } from '../../core/intellisense/keyDoc';
import { escapeMarkdown, markdownCode } from '../../core/markdown';

/** The documentation of a key or value: its description, type, range or values, and the models that reject it. */
export function shapeMarkdown(shape: Shape, title?: string): vscode.MarkdownString {
  const md = new vscode.MarkdownString();
  if (title !== undefined) {
    md.appendMarkdown(`${markdownCode(title)}: ${escapeMarkdown(typeSummary(shape))}\n\n`);
  }
  md.appendMarkdown(`${escapeMarkdown(shape.doc)}\n\n`);
  const range = rangeSummary(shape);
  if (range !== undefined) {
    md.appendMarkdown(`- ${escapeMarkdown(vscode.l10n.t('Range: {0}', range))}\n`);
  }
  if (shape.enum && shape.enum.length > 0) {
    md.appendMarkdown(`- ${escapeMarkdown(vscode.l10n.t('Values:'))} ${shape.enum.map((value) => markdownCode(value)).join(', ')}\n`);
  }
  for (const restriction of shape.restrictions ?? []) {
    const models = restriction.models === 'reasoning' ? vscode.l10n.t('reasoning models (o-series, GPT-5)') : vscode.l10n.t('models without reasoning');
    const text =
      restriction.allowed !== undefined
        ? vscode.l10n.t('Rejected by {0} unless it is {1}.', models, JSON.stringify(restriction.allowed))
        : restriction.replacement !== undefined
          ? vscode.l10n.t('Rejected by {0}: use {1}.', models, restriction.replacement)
          : vscode.l10n.t('Rejected by {0}.', models);
    md.appendMarkdown(`- ${escapeMarkdown(text)}\n`);
  }
  if (shape.deprecated !== undefined) {
    md.appendMarkdown(`- ${escapeMarkdown(vscode.l10n.t('Deprecated: use {0}.', shape.deprecated))}\n`);
  }
  return md;
}
