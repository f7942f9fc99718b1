import * as vscode from 'vscode';
import { settingId } from '../../constants';
import { costUsd, requestCost } from '../../core/tokens/models';
import { escapeMarkdown } from '../markdown';
import { formatCost, formatRate, formatTokens } from './estimateCodeLens';
import type { EstimatesController } from './estimatesController';
import { EstimateSettings } from './estimateSettings';

/**
 * A hover on each request line with its own estimate: input tokens, output bound and batch cost. The token worker
 * counts only the hovered line (or reuses its background count).
 */
export class EstimateHoverProvider implements vscode.HoverProvider {
  constructor(private readonly controller: EstimatesController) {}

  async provideHover(document: vscode.TextDocument, position: vscode.Position, token?: vscode.CancellationToken): Promise<vscode.Hover | undefined> {
    const info = await this.controller.lineEstimate(document, position.line);
    // Moved away, or edited since: this answer is for nothing shown.
    if (token?.isCancellationRequested || document.isClosed || position.line >= document.lineCount) {
      return undefined;
    }
    if (info === undefined || info.estimate.kind !== 'request' || info.model === undefined) {
      return undefined;
    }
    const { estimate, model } = info;
    const price = model.price;
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**${escapeMarkdown(vscode.l10n.t('Batch estimate for this request'))}**\n\n`);
    md.appendMarkdown(`- ${escapeMarkdown(vscode.l10n.t('Input: {0} tokens, {1}', formatTokens(estimate.inputTokens), formatCost(costUsd(estimate.inputTokens, 0, price))))}\n`);
    if (estimate.endpoint === 'embeddings') {
      md.appendMarkdown(`- ${escapeMarkdown(vscode.l10n.t('Output: none (embeddings)'))}\n`);
    } else if (estimate.unbounded) {
      md.appendMarkdown(`- ${escapeMarkdown(vscode.l10n.t('Output: no limit set (max_tokens, max_completion_tokens or max_output_tokens), not included'))}\n`);
    } else {
      md.appendMarkdown(
        `- ${escapeMarkdown(vscode.l10n.t('Output: up to {0} tokens ({1}), {2}', formatTokens(estimate.outputTokens), estimate.outputLimit ?? '', formatCost(costUsd(0, estimate.outputTokens, price))))}\n`,
      );
    }
    const total = formatCost(requestCost(estimate, model));
    md.appendMarkdown(
      `- ${escapeMarkdown(
        estimate.unbounded || estimate.endpoint === 'embeddings'
          ? vscode.l10n.t('Estimated cost: {0}', total)
          : vscode.l10n.t('Estimated cost: up to {0} (the output is priced at its limit: an upper bound)', total),
      )}\n\n`,
    );
    const deployment = estimate.deployment === '' ? vscode.l10n.t('(no body.model)') : estimate.deployment;
    md.appendMarkdown(
      escapeMarkdown(
        vscode.l10n.t(
          '{0} → {1}, {2} tokenizer, batch prices {3} input / {4} output per 1M tokens (estimates).',
          deployment,
          model.model,
          model.encoding,
          formatRate(price.input),
          formatRate(price.output),
        ),
      ),
    );
    if (model.source === 'default') {
      md.appendMarkdown(' ' + escapeMarkdown(vscode.l10n.t('The model is assumed: the deployment name does not say it. Map it in {0}.', settingId(EstimateSettings.deploymentModels))));
    }
    return new vscode.Hover(md, document.lineAt(position.line).range);
  }
}
