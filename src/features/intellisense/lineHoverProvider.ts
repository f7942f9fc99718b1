import * as vscode from 'vscode';
import { keyDocAt } from '../../core/intellisense/keyDoc';
import { DiagnosticCodes } from '../../core/jsonl/codes';
import { cursorContext } from '../../core/intellisense/lineContext';
import { requestPreview, type PreviewPart, type RequestPreview } from '../../core/intellisense/requestPreview';
import { escapeMarkdown, markdownCode } from '../../core/markdown';
import type { ValidationController } from '../validation/validationController';
import { shapeMarkdown } from './shapeMarkdown';

/**
 * Hovers inside the request lines of a batch file: the documentation of the key under the cursor (only on a
 * key, so the estimate and outcome hovers of the line are not buried), and on `custom_id` a preview of the
 * request as a conversation. Reads only the hovered line.
 */
export class LineHoverProvider implements vscode.HoverProvider {
  constructor(private readonly validation: ValidationController) {}

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    if (!this.validation.isTracked(document.uri)) {
      return undefined;
    }
    const line = position.line;
    const text = document.lineAt(line).text;
    const key = keyDocAt(text, position.character);
    const onCustomId = key ? key.path.length === 1 && key.name === 'custom_id' : isCustomIdValue(text, position.character);
    const contents: vscode.MarkdownString[] = [];
    if (key?.shape) {
      contents.push(shapeMarkdown(key.shape, key.path.join('.'), rejectedHere(document.uri, line, key.range)));
    } else if (key?.inDescribedObject) {
      const md = new vscode.MarkdownString();
      const unknown = key.path.length === 1 ? vscode.l10n.t('not a key of a batch request line (custom_id, method, url, body).') : vscode.l10n.t('not a parameter the {0} endpoint defines.', key.endpoint);
      md.appendMarkdown(`${markdownCode(key.path.join('.'))}: ${escapeMarkdown(unknown)}`);
      contents.push(md);
    }
    if (onCustomId) {
      const preview = requestPreview(text);
      if (preview) {
        contents.push(previewMarkdown(preview));
      }
    }
    if (contents.length === 0) {
      return undefined;
    }
    const range = key ? new vscode.Range(line, key.range.start, line, key.range.end) : undefined;
    return new vscode.Hover(contents, range);
  }
}

/**
 * Whether an `unsupported_parameter` diagnostic sits on the key: VS Code shows it in the same hover, so the key's
 * documentation does not say again which models reject it.
 */
function rejectedHere(uri: vscode.Uri, line: number, key: { readonly start: number; readonly end: number }): boolean {
  const range = new vscode.Range(line, key.start, line, key.end);
  return vscode.languages.getDiagnostics(uri).some((d) => {
    const code = typeof d.code === 'object' ? d.code.value : d.code;
    return code === DiagnosticCodes.unsupportedParameter && d.range.intersection(range) !== undefined;
  });
}

function isCustomIdValue(text: string, offset: number): boolean {
  const context = cursorContext(text, offset);
  return context.kind === 'value' && context.token !== undefined && context.path.length === 1 && context.path[0] === 'custom_id';
}

/** A request as a conversation: one paragraph per turn, text escaped (never HTML), images by detail and source. */
export function previewMarkdown(preview: RequestPreview): vscode.MarkdownString {
  const md = new vscode.MarkdownString();
  const head = [preview.customId !== undefined ? vscode.l10n.t('Request {0}', preview.customId) : vscode.l10n.t('Request'), preview.model !== undefined ? `→ ${preview.model}` : '', `(${preview.endpoint})`]
    .filter((part) => part !== '')
    .join(' ');
  md.appendMarkdown(`**${escapeMarkdown(head)}**\n\n`);
  if (preview.turns.length === 0) {
    md.appendMarkdown(`${escapeMarkdown(vscode.l10n.t('No messages.'))}\n\n`);
  }
  for (const turn of preview.turns) {
    const parts = turn.parts.map(partMarkdown);
    if (turn.toolCalls.length > 0) {
      parts.push(escapeMarkdown(vscode.l10n.t('[calls: {0}]', turn.toolCalls.join(', '))));
    }
    md.appendMarkdown(`**${escapeMarkdown(turn.role)}:** ${parts.join('  \n') || escapeMarkdown(vscode.l10n.t('(empty)'))}\n\n`);
  }
  if (preview.omittedTurns > 0) {
    md.appendMarkdown(`${escapeMarkdown(vscode.l10n.t('… {0} more messages', preview.omittedTurns))}\n\n`);
  }
  if (preview.parameters.length > 0) {
    md.appendMarkdown(preview.parameters.map((p) => `${markdownCode(p.key)}: ${escapeMarkdown(p.value)}`).join(' · '));
  }
  return md;
}

function partMarkdown(part: PreviewPart): string {
  switch (part.kind) {
    case 'text':
      // Line breaks of the text kept as breaks; each line escaped.
      return part.text.split(/\r?\n/).map(escapeMarkdown).join('  \n') + (part.clipped ? ' …' : '');
    case 'image':
      return escapeMarkdown(vscode.l10n.t('[image: {0}]', [part.detail ?? 'auto', part.source].filter((s) => s !== '').join(', ')));
    case 'audio':
      return escapeMarkdown(vscode.l10n.t('[audio: {0}]', part.format ?? '?'));
    case 'file':
      return escapeMarkdown(vscode.l10n.t('[file: {0}]', part.name ?? '?'));
    case 'other':
      return escapeMarkdown(`[${part.type}]`);
  }
}
