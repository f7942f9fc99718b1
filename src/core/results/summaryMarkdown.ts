import { formatCount, formatDuration } from '../format';
import { escapeMarkdown } from '../markdown';
import { formatUsd } from '../tokens/usd';
import type { ActualCost } from './cost';
import type { JoinSummary } from './join';
import { phaseDurations, type BatchTimes, type JobPhaseName } from './jobTiming';

/** The estimate made before a job was submitted, kept with the job to compare with what it cost. */
export interface SubmitEstimate {
  readonly inputTokens: number;
  /** An upper bound: the requests' output limits added up. */
  readonly outputTokens: number;
  readonly costUsd: number;
}

/** What a summary says about the job beyond the counts: each part optional (a group, the CLI, an adopted job). */
export interface SummaryDetails {
  readonly batchId?: string;
  readonly connection?: string;
  /** The deployment; else the ones the input's requests name. */
  readonly deployment?: string;
  readonly times?: BatchTimes;
  readonly cost?: ActualCost;
  readonly estimate?: SubmitEstimate;
}

/** The words of a results summary: English by default (the CLI), the user's language in the editor. */
export interface SummaryLabels {
  readonly title: (name: string) => string;
  readonly failedVerdict: string;
  readonly failuresVerdict: string;
  readonly completedVerdict: string;
  readonly requests: string;
  readonly succeeded: string;
  readonly failed: string;
  readonly missing: string;
  readonly tokens: string;
  readonly prompt: string;
  readonly completion: string;
  readonly failuresByCode: string;
  readonly code: string;
  readonly repeatedHeading: string;
  readonly repeatedNote: (count: string, ids: string) => string;
  readonly duplicateInputHeading: string;
  readonly duplicateInputNote: (count: string, ids: string) => string;
  readonly unusableHeading: string;
  readonly unknownId: string;
  readonly batchId: string;
  readonly connection: string;
  readonly deployment: string;
  readonly cost: string;
  readonly unknownPrice: string;
  readonly atPrices: (models: string) => string;
  readonly unpriced: (tokens: string) => string;
  readonly estimate: string;
  readonly estimateText: (cost: string, input: string, output: string) => string;
  readonly timing: string;
  readonly phase: string;
  readonly duration: string;
  readonly phases: Readonly<Record<JobPhaseName, string>>;
  /** The last item of a list of unusable lines cut short: how many more there are. */
  readonly moreUnusable: (count: string) => string;
}

export const englishSummaryLabels: SummaryLabels = {
  title: (name) => `Results of ${name}`,
  failedVerdict: 'Failed: no request succeeded.',
  failuresVerdict: 'Completed with failures.',
  completedVerdict: 'Completed.',
  requests: 'requests',
  succeeded: 'succeeded',
  failed: 'failed',
  missing: 'missing',
  tokens: 'Tokens',
  prompt: 'prompt',
  completion: 'completion',
  failuresByCode: 'Failures by code',
  code: 'code',
  repeatedHeading: 'Requests answered more than once',
  repeatedNote: (count, ids) => `${count} custom_ids appear more than once in the results of one job; the latest success is kept: ${ids}`,
  duplicateInputHeading: 'Requests on more than one input line',
  duplicateInputNote: (count, ids) => `${count} custom_ids appear on more than one line of the input; every line has its row (with the same answer), and the counts above count each custom_id once: ${ids}`,
  unusableHeading: 'Lines that could not be used',
  unknownId: 'unknown custom_id',
  batchId: 'Batch id',
  connection: 'Connection',
  deployment: 'Deployment',
  cost: 'Cost',
  unknownPrice: 'unknown price',
  atPrices: (models) => `at the batch prices of ${models}`,
  unpriced: (tokens) => `${tokens} tokens of unknown price not included`,
  estimate: 'Estimated before submission',
  estimateText: (cost, input, output) => `up to ${cost} (${input} input tokens, up to ${output} output tokens)`,
  timing: 'Timing',
  phase: 'phase',
  duration: 'duration',
  phases: { validating: 'validating', in_progress: 'in progress', finalizing: 'finalizing', total: 'total' },
  moreUnusable: (count) => `and ${count} more`,
};

/**
 * `NAME.summary.md`: the job (batch id, connection, deployment), its actual cost next to the estimate made
 * before submission, outcome counts, tokens, timing per phase, failures by code, and what could not be used.
 * Every value from the input, the settings or the service (the name, ids, codes, file names, reasons, model
 * names) is markdown-escaped, so none can break the tables or add markup; the labels are the caller's own text.
 */
export function summaryMarkdown(sourceName: string, summary: JoinSummary, labels: SummaryLabels = englishSummaryLabels, details: SummaryDetails = {}): string {
  const verdict = summary.succeeded === 0 && summary.total > 0 ? labels.failedVerdict : summary.failed + summary.missing > 0 ? labels.failuresVerdict : labels.completedVerdict;
  const lines = [
    `# ${labels.title(escapeMarkdown(sourceName))}`,
    '',
    `**${verdict}**`,
    '',
    ...jobFacts(summary, labels, details),
    `| ${labels.requests} | ${labels.succeeded} | ${labels.failed} | ${labels.missing} |`,
    '|---:|---:|---:|---:|',
    `| ${formatCount(summary.total)} | ${formatCount(summary.succeeded)} | ${formatCount(summary.failed)} | ${formatCount(summary.missing)} |`,
    '',
    `${labels.tokens}: ${formatCount(summary.promptTokens)} ${labels.prompt}, ${formatCount(summary.completionTokens)} ${labels.completion}`,
  ];
  const timing = details.times ? phaseDurations(details.times) : [];
  if (timing.length > 0) {
    lines.push('', `## ${labels.timing}`, '', `| ${labels.phase} | ${labels.duration} |`, '|---|---:|');
    for (const { phase, seconds } of timing) {
      lines.push(`| ${labels.phases[phase]} | ${formatDuration(seconds * 1000)} |`);
    }
  }
  if (summary.failuresByCode.length > 0) {
    lines.push('', `## ${labels.failuresByCode}`, '', `| ${labels.code} | ${labels.requests} |`, '|---|---:|');
    for (const failure of summary.failuresByCode) {
      lines.push(`| ${escapeMarkdown(failure.key)} | ${formatCount(failure.count)} |`);
    }
  }
  if (summary.repeatedIds.count > 0) {
    const more = summary.repeatedIds.count > summary.repeatedIds.first.length ? ', …' : '';
    lines.push('', `## ${labels.repeatedHeading}`, '', labels.repeatedNote(formatCount(summary.repeatedIds.count), summary.repeatedIds.first.map(escapeMarkdown).join(', ') + more));
  }
  const duplicates = summary.duplicateInputIds;
  if (duplicates && duplicates.count > 0) {
    const more = duplicates.count > duplicates.first.length ? ', …' : '';
    lines.push('', `## ${labels.duplicateInputHeading}`, '', labels.duplicateInputNote(formatCount(duplicates.count), duplicates.first.map(escapeMarkdown).join(', ') + more));
  }
  if (summary.malformed.length > 0 || summary.unknownIds.length > 0) {
    lines.push('', `## ${labels.unusableHeading}`, '');
    for (const bad of summary.malformed) {
      lines.push(`- ${escapeMarkdown(`${bad.file}:${bad.line}`)}: ${escapeMarkdown(bad.reason)}`);
    }
    for (const unknown of summary.unknownIds) {
      lines.push(`- ${escapeMarkdown(`${unknown.file}:${unknown.line}`)}: ${labels.unknownId} ${escapeMarkdown(unknown.customId)}`);
    }
    const unlisted = summary.unusableLines - summary.malformed.length - summary.unknownIds.length;
    if (unlisted > 0) {
      lines.push(`- ${labels.moreUnusable(formatCount(unlisted))}`);
    }
  }
  return lines.join('\n') + '\n';
}

/** The lines about the job itself (each only when known), then a blank line; nothing at all when none is. */
function jobFacts(summary: JoinSummary, labels: SummaryLabels, details: SummaryDetails): string[] {
  const deployment = details.deployment ?? (summary.deployments?.length ? summary.deployments.join(', ') : undefined);
  const facts: [string, string | undefined][] = [
    [labels.batchId, details.batchId && escapeMarkdown(details.batchId)],
    [labels.connection, details.connection && escapeMarkdown(details.connection)],
    [labels.deployment, deployment && escapeMarkdown(deployment)],
    [labels.cost, details.cost && costText(details.cost, labels)],
    [labels.estimate, details.estimate && labels.estimateText(formatUsd(details.estimate.costUsd), formatCount(details.estimate.inputTokens), formatCount(details.estimate.outputTokens))],
  ];
  const lines = facts.filter(([, value]) => value).map(([label, value]) => `- ${label}: ${value}`);
  return lines.length > 0 ? [...lines, ''] : [];
}

function costText(cost: ActualCost, labels: SummaryLabels): string {
  if (cost.models.length === 0) {
    return cost.unpricedTokens > 0 ? labels.unknownPrice : formatUsd(0);
  }
  const priced = `${formatUsd(cost.usd)} (${labels.atPrices(cost.models.map(escapeMarkdown).join(', '))})`;
  return cost.unpricedTokens > 0 ? `${priced}; ${labels.unpriced(formatCount(cost.unpricedTokens))}` : priced;
}
