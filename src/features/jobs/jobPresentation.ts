import * as vscode from 'vscode';
import type { Batch } from '../../core/batch/client';
import type { FileRole } from '../../core/batch/jobVisibility';
import { escapeMarkdown } from '../markdown';
import { formatDuration, jobIconToken, mayExistIconToken, stateOf, viewMayExist, type IconToken } from './jobItemTokens';
import type { JobView } from './jobListing';

export { formatDuration, stateOf, viewMayExist } from './jobItemTokens';

/** The name a job goes by: its source file, else its id. */
export function jobLabel(view: Pick<JobView, 'batch' | 'record' | 'batchId' | 'submissionId'>): string {
  return view.record?.sourceName ?? view.batch?.metadata?.source_file ?? (view.submissionId !== undefined ? vscode.l10n.t('(submitting)') : view.batchId);
}

const statusWords: Record<string, () => string> = {
  validating: () => vscode.l10n.t('validating'),
  in_progress: () => vscode.l10n.t('in progress'),
  finalizing: () => vscode.l10n.t('finalizing'),
  completed: () => vscode.l10n.t('completed'),
  failed: () => vscode.l10n.t('failed'),
  expired: () => vscode.l10n.t('expired'),
  cancelling: () => vscode.l10n.t('cancelling'),
  cancelled: () => vscode.l10n.t('cancelled'),
};

/** `in progress · 1,234/10,000 · 3 failed · 12m` */
export function jobDescription(batch: Batch | undefined, now = Date.now()): string {
  if (!batch) {
    return vscode.l10n.t('submitting');
  }
  const state = stateOf(batch)!;
  const parts = [state.phase === 'failed' && batch.status === 'completed' ? vscode.l10n.t('failed: 0 succeeded') : (Object.hasOwn(statusWords, batch.status) ? statusWords[batch.status]!() : batch.status)];
  const counts = batch.request_counts;
  if (counts && counts.total > 0) {
    parts.push(`${(counts.completed + counts.failed).toLocaleString()}/${counts.total.toLocaleString()}`);
    if (counts.failed > 0) {
      parts.push(vscode.l10n.t('{0} failed', counts.failed.toLocaleString()));
    }
  }
  // Whole seconds on both sides, like the service's timestamps, so the time never seems to run backwards.
  const end = batch.completed_at ?? batch.failed_at ?? batch.cancelled_at ?? batch.expired_at ?? (state.done ? batch.created_at : Math.floor(now / 1000));
  parts.push(formatDuration((end - batch.created_at) * 1000));
  return parts.join(' · ');
}

/** A theme icon from its token. */
export function themeIcon(token: IconToken): vscode.ThemeIcon {
  return new vscode.ThemeIcon(token.id, token.color ? new vscode.ThemeColor(token.color) : undefined);
}

export function jobIcon(batch: Batch | undefined): vscode.ThemeIcon {
  return themeIcon(jobIconToken(batch));
}

const fileRoleWords: Record<FileRole, () => string> = {
  input: () => vscode.l10n.t('input file'),
  output: () => vscode.l10n.t('output file'),
  errors: () => vscode.l10n.t('error file'),
};

/** The description of a submission that may exist. */
export function mayExistDescription(): string {
  return vscode.l10n.t('may exist · no clear answer, not found');
}

export function mayExistIcon(): vscode.ThemeIcon {
  return themeIcon(mayExistIconToken);
}

/** A markdown tooltip with ids, timestamps, counts and errors. */
export function jobTooltip(view: JobView): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  md.supportThemeIcons = true;
  const batch = view.batch;
  const mayExist = viewMayExist(view);
  md.appendMarkdown(`**${escapeMarkdown(jobLabel(view))}**\n\n`);
  if (mayExist) {
    md.appendMarkdown(
      `${escapeMarkdown(vscode.l10n.t('The service gave no clear answer when this job was created, and no job with its submission id was found. It may exist: "Look Again" searches for it; "Submit Anew" creates a new job (a second one if the first exists).'))}\n\n`,
    );
  }
  const rows: [string, string | undefined][] = [
    [vscode.l10n.t('Batch id'), batch?.id ?? (view.record?.batchId || undefined)],
    [vscode.l10n.t('Submission id'), batch ? undefined : view.record?.submissionId],
    [vscode.l10n.t('Status'), batch ? stateOf(batch)!.label : mayExist ? vscode.l10n.t('may exist') : vscode.l10n.t('submitting')],
    [vscode.l10n.t('Endpoint'), batch?.endpoint],
    [vscode.l10n.t('Input file'), batch?.input_file_id],
    [vscode.l10n.t('Output file'), batch?.output_file_id ?? undefined],
    [vscode.l10n.t('Error file'), batch?.error_file_id ?? undefined],
    [vscode.l10n.t('Requests'), batch?.request_counts ? vscode.l10n.t('{0} total, {1} completed, {2} failed', batch.request_counts.total, batch.request_counts.completed, batch.request_counts.failed) : undefined],
    [vscode.l10n.t('Created'), time(batch?.created_at ?? view.record?.createdAt)],
    [vscode.l10n.t('Started'), time(batch?.in_progress_at)],
    [vscode.l10n.t('Finalizing'), time(batch?.finalizing_at)],
    [vscode.l10n.t('Completed'), time(batch?.completed_at)],
    [vscode.l10n.t('Failed'), time(batch?.failed_at)],
    [vscode.l10n.t('Cancelled'), time(batch?.cancelled_at)],
    [vscode.l10n.t('Expires'), time(batch?.expires_at)],
    [vscode.l10n.t('Retry of'), view.record?.parentBatchId],
    [vscode.l10n.t('Deleted on the service'), view.deletedFiles?.length ? view.deletedFiles.map((role) => fileRoleWords[role]()).join(', ') : undefined],
  ];
  for (const [name, value] of rows) {
    if (value) {
      md.appendMarkdown(`${escapeMarkdown(name)}: ${escapeMarkdown(value)}  \n`);
    }
  }
  const errors = batch?.errors?.data ?? [];
  if (errors.length > 0) {
    md.appendMarkdown(`\n**${escapeMarkdown(vscode.l10n.t('Errors'))}**\n\n`);
    for (const error of errors.slice(0, 10)) {
      md.appendMarkdown(`- ${error.line ? `${escapeMarkdown(vscode.l10n.t('line {0}', error.line))}: ` : ''}**${escapeMarkdown(error.code ?? '')}** ${escapeMarkdown(error.message ?? '')}\n`);
    }
    if (errors.length > 10) {
      md.appendMarkdown(`- ${escapeMarkdown(vscode.l10n.t('{0} more', errors.length - 10))}\n`);
    }
  }
  return md;
}

function time(seconds: number | null | undefined): string | undefined {
  return seconds ? new Date(seconds * 1000).toLocaleString() : undefined;
}
