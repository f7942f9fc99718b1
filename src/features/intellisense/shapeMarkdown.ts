import * as vscode from 'vscode';
import type { Shape } from '../../core/jsonl/requestSchema';
import { keyNotes, rangeSummary, typeSummary, type KeyNote } from '../../core/intellisense/keyDoc';
import { escapeMarkdown, markdownCode } from '../../core/markdown';

/**
 * The documentation of a key or value: its description, type, range or values, and the models that reject it
 * (left out with `rejectedOnLine`, when the hover shows the diagnostic that says so; see `keyNotes`).
 */
export function shapeMarkdown(shape: Shape, title?: string, rejectedOnLine = false): vscode.MarkdownString {
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
  for (const note of keyNotes(shape, rejectedOnLine)) {
    md.appendMarkdown(`- ${escapeMarkdown(noteText(note))}\n`);
  }
  return md;
}

function noteText(note: KeyNote): string {
  if (note.kind === 'deprecated') {
    return note.replacement !== undefined ? vscode.l10n.t('Deprecated: use {0}.', note.replacement) : vscode.l10n.t('Deprecated.');
  }
  const restriction = note.restriction;
  const models = restriction.models === 'reasoning' ? vscode.l10n.t('reasoning models (o-series, GPT-5)') : vscode.l10n.t('models without reasoning');
  return restriction.allowed !== undefined
    ? vscode.l10n.t('Rejected by {0} unless it is {1}.', models, JSON.stringify(restriction.allowed))
    : restriction.replacement !== undefined
      ? vscode.l10n.t('Rejected by {0}: use {1}.', models, restriction.replacement)
      : vscode.l10n.t('Rejected by {0}.', models);
}
