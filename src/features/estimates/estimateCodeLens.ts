import * as vscode from 'vscode';
import { settingId } from '../../constants';
import type { DeploymentEstimate, EstimateSummary } from '../../core/tokens/estimate';
import { formatPrice, formatUsd } from '../../core/tokens/usd';
import type { EstimatesController } from './estimatesController';
import { EstimateSettings } from './estimateSettings';

/** `1,234` in the display language's digit grouping. */
export function formatTokens(n: number): string {
  try {
    return n.toLocaleString(vscode.env.language);
  } catch {
    return n.toLocaleString('en-US');
  }
}

export function formatCost(usd: number): string {
  try {
    return formatUsd(usd, vscode.env.language);
  } catch {
    return formatUsd(usd);
  }
}

/** A price per million tokens: `$1.25`, `$0.075`. */
export function formatRate(usdPerMillion: number): string {
  try {
    return formatPrice(usdPerMillion, vscode.env.language);
  } catch {
    return formatPrice(usdPerMillion);
  }
}

/** Why an estimate is missing, for a tooltip (the reason itself is in the log). */
export function unavailableTooltip(): string {
  return vscode.l10n.t('Counting the tokens of this file failed; the reason is in the Azure OpenAI Batch output. The estimate is tried again after your next edit.');
}

/**
 * `N requests · ~X input tokens · est. $Y (batch price)`, or `N of M requests estimated · ...` when lines are
 * skipped: M is every non-blank line, what the status item counts as requests (a broken line is still a request
 * Azure reads), N the ones the estimate covers.
 */
export function lensTitle(summary: EstimateSummary): string {
  const tokens = formatTokens(summary.inputTokens);
  const cost = formatCost(summary.costUsd);
  if (summary.skipped > 0) {
    return vscode.l10n.t('{0} of {1} requests estimated · ~{2} input tokens · est. {3} (batch price)', formatTokens(summary.requests), formatTokens(summary.requests + summary.skipped), tokens, cost);
  }
  return summary.requests === 1
    ? vscode.l10n.t('1 request · ~{0} input tokens · est. {1} (batch price)', tokens, cost)
    : vscode.l10n.t('{0} requests · ~{1} input tokens · est. {2} (batch price)', formatTokens(summary.requests), tokens, cost);
}

function deploymentLine(d: DeploymentEstimate): string {
  const name = d.deployment === '' ? vscode.l10n.t('(no body.model)') : d.deployment;
  const prices = vscode.l10n.t('{0} input / {1} output per 1M tokens', formatRate(d.model.price.input), formatRate(d.model.price.output));
  const line = vscode.l10n.t('{0} → {1} ({2} tokenizer), {3}: {4} requests, {5}', name, d.model.model, d.model.encoding, prices, formatTokens(d.requests), formatCost(d.costUsd));
  return d.model.source === 'default'
    ? `${line} ${vscode.l10n.t('[model assumed: map the deployment in {0}]', settingId(EstimateSettings.deploymentModels))}`
    : line;
}

/** The lens tooltip: what the figures are made of and how far to trust them (`clickable`: a click opens the settings). */
export function lensTooltip(summary: EstimateSummary, updating: boolean, clickable = true): string {
  const inputCost = summary.deployments.reduce((sum, d) => sum + (d.inputTokens * d.model.price.input) / 1_000_000, 0);
  const lines = [vscode.l10n.t('Azure OpenAI Batch estimate at batch prices (an estimate, not a quote):')];
  if (updating) {
    lines.push(vscode.l10n.t('Updating after your last edit...'));
  }
  lines.push(`• ${vscode.l10n.t('Input: {0} tokens, {1}', formatTokens(summary.inputTokens), formatCost(inputCost))}`);
  lines.push(
    `• ${vscode.l10n.t(
      "Output: up to {0} tokens, {1}. This is each request's max_tokens (or max_completion_tokens / max_output_tokens): an upper bound, replies are usually shorter.",
      formatTokens(summary.outputTokens),
      formatCost(summary.costUsd - inputCost),
    )}`,
  );
  if (summary.unbounded > 0) {
    lines.push(`• ${vscode.l10n.t('{0} requests set no output limit: their output is not included, so the cost can be higher.', formatTokens(summary.unbounded))}`);
  }
  for (const d of summary.deployments) {
    lines.push(`• ${deploymentLine(d)}`);
  }
  if (summary.skipped > 0) {
    lines.push(`• ${vscode.l10n.t('{0} lines skipped: not valid requests (see the Problems view).', formatTokens(summary.skipped))}`);
  }
  lines.push(
    clickable
      ? vscode.l10n.t('Prices are estimates to check against the Azure OpenAI pricing page. Click to change the prices or the models behind your deployments.')
      : vscode.l10n.t('Prices are estimates to check against the Azure OpenAI pricing page.'),
  );
  return lines.join('\n');
}

const openSettings: Pick<vscode.Command, 'command' | 'arguments'> = {
  command: 'workbench.action.openSettings',
  arguments: [settingId('estimates')],
};

/**
 * One CodeLens at the top of a batch file with its request count, input tokens and estimated batch cost. It
 * never counts on the request path beyond a few ms: until the background count is done it shows progress (or
 * the previous figures after an edit) and refreshes when the count completes.
 */
export class EstimateCodeLensProvider implements vscode.CodeLensProvider {
  readonly onDidChangeCodeLenses: vscode.Event<void>;

  constructor(private readonly controller: EstimatesController) {
    this.onDidChangeCodeLenses = (listener, thisArgs, disposables) => controller.onDidChange(() => listener.call(thisArgs), undefined, disposables);
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const state = this.controller.stateFor(document);
    if (state === undefined) {
      return [];
    }
    const range = new vscode.Range(0, 0, 0, 0);
    if (state.kind === 'unavailable') {
      return [new vscode.CodeLens(range, { title: `$(warning) ${vscode.l10n.t('Token estimate unavailable')}`, command: '', tooltip: unavailableTooltip() })];
    }
    if (state.kind === 'counting' && state.last === undefined) {
      const percent = Math.floor(state.progress * 100);
      return [new vscode.CodeLens(range, { title: `$(sync~spin) ${vscode.l10n.t('Estimating tokens... {0}%', percent)}`, command: '', tooltip: vscode.l10n.t('Counting tokens in the background.') })];
    }
    const summary = state.kind === 'done' ? state.summary : state.last!;
    if (summary.requests === 0 && summary.skipped === 0) {
      return [];
    }
    return [new vscode.CodeLens(range, { title: lensTitle(summary), tooltip: lensTooltip(summary, state.kind === 'counting'), ...openSettings })];
  }
}
