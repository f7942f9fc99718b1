import { formatCount } from '../format';
import { escapeMarkdown } from '../markdown';
import type { JoinSummary } from './join';

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
  moreUnusable: (count) => `and ${count} more`,
};

/**
 * `NAME.summary.md`: outcome counts, failures by code, tokens, and what could not be used. Every value
 * from the input or the service (the name, codes, ids, file names, reasons) is markdown-escaped, so none
 * can break the tables or add markup; the labels are the caller's own text.
 */
export function summaryMarkdown(sourceName: string, summary: JoinSummary, labels: SummaryLabels = englishSummaryLabels): string {
  const verdict = summary.succeeded === 0 && summary.total > 0 ? labels.failedVerdict : summary.failed + summary.missing > 0 ? labels.failuresVerdict : labels.completedVerdict;
  const lines = [
    `# ${labels.title(escapeMarkdown(sourceName))}`,
    '',
    `**${verdict}**`,
    '',
    `| ${labels.requests} | ${labels.succeeded} | ${labels.failed} | ${labels.missing} |`,
    '|---:|---:|---:|---:|',
    `| ${formatCount(summary.total)} | ${formatCount(summary.succeeded)} | ${formatCount(summary.failed)} | ${formatCount(summary.missing)} |`,
    '',
    `${labels.tokens}: ${formatCount(summary.promptTokens)} ${labels.prompt}, ${formatCount(summary.completionTokens)} ${labels.completion}`,
  ];
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
