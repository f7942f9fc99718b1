import * as vscode from 'vscode';
import type { RequestOutcomeInfo } from '../../core/results/outcomeIndex';
import { escapeMarkdown } from '../markdown';
import type { OutcomesController } from './outcomesController';

/** A hover on each request line of a batch file with results: its status and the start of its answer or its error. */
export class OutcomeHoverProvider implements vscode.HoverProvider {
  constructor(private readonly outcomes: OutcomesController) {}

  async provideHover(document: vscode.TextDocument, position: vscode.Position): Promise<vscode.Hover | undefined> {
    const found = await this.outcomes.outcomeAt(document, position.line);
    if (!found) {
      return undefined;
    }
    return new vscode.Hover(outcomeMarkdown(found.info), document.lineAt(position.line).range);
  }
}

export function outcomeMarkdown(info: RequestOutcomeInfo): vscode.MarkdownString {
  const md = new vscode.MarkdownString();
  md.appendMarkdown(`**${escapeMarkdown(statusLine(info))}**\n\n`);
  if (info.status === 'succeeded') {
    if (info.preview) {
      md.appendCodeblock(info.preview, 'text');
    }
  } else if (info.code || info.message) {
    md.appendMarkdown(`${info.code ? `**${escapeMarkdown(info.code)}** ` : ''}${escapeMarkdown(info.message ?? '')}\n`);
  } else if (info.status === 'missing') {
    md.appendMarkdown(`${escapeMarkdown(vscode.l10n.t('The job ended before this request ran: Resubmit Remaining sends it again.'))}\n`);
  }
  return md;
}

function statusLine(info: RequestOutcomeInfo): string {
  const code = info.statusCode !== null ? ` (${info.statusCode})` : '';
  switch (info.status) {
    case 'succeeded':
      return vscode.l10n.t('Result: succeeded{0}', code);
    case 'failed':
      return vscode.l10n.t('Result: failed{0}', code);
    case 'missing':
      return vscode.l10n.t('Result: missing (not run)');
  }
}
