// What the tree items of the jobs view are made of, without `vscode`: context values built from tokens (menus
// match them with `viewItem =~ /.../`), icon and colour ids, counts. The tree turns them into `TreeItem`s.
import type { Batch } from '../../core/batch/client';
import type { PartState } from '../../core/batch/groupRunner';
import { jobState, type JobPhase, type JobState } from '../../core/batch/status';
import type { GroupRecord } from '../groups/groupStore';
import { isMayExist, type JobView } from './jobListing';

/** A codicon and, optionally, the theme colour it is drawn in. */
export interface IconToken {
  readonly id: string;
  readonly color?: string;
}

export function stateOf(batch: Batch | undefined): JobState | undefined {
  return batch ? jobState(batch.status, batch.request_counts) : undefined;
}

/** Whether the view is a submission whose job may or may not exist (no clear answer, not found). */
export function viewMayExist(view: Pick<JobView, 'batch' | 'record'>, now = Date.now()): boolean {
  return !view.batch && view.record !== undefined && isMayExist(view.record, now);
}

/**
 * A job's context value: `job:done|active` then, as they apply, `cancellable`, `results` (it has files to
 * download), `failures` (finished with rows to retry, from a file sent from here), `remaining` (some of them
 * never ran: the job expired, was cancelled or failed), `source`, `local`; a
 * submission that may exist is `job:mayExist[:source]:local`.
 */
export function jobContextValue(view: Pick<JobView, 'batch' | 'record'>, now = Date.now()): string {
  if (viewMayExist(view, now)) {
    return ['job', 'mayExist', view.record?.sourceUri ? 'source' : undefined, 'local'].filter(Boolean).join(':');
  }
  const batch = view.batch;
  const state = stateOf(batch);
  const counts = batch?.request_counts;
  const tokens = ['job', state?.done ? 'done' : 'active'];
  if (state?.cancellable) tokens.push('cancellable');
  if (batch?.output_file_id || batch?.error_file_id) tokens.push('results');
  const endedEarly = batch?.status !== 'completed' || (counts !== undefined && counts.completed + counts.failed < counts.total);
  if (state?.done && ((counts?.failed ?? 0) > 0 || (counts !== undefined && counts.completed < counts.total) || endedEarly) && view.record?.inputPath) {
    tokens.push('failures');
    // Rows that never ran (expired, cancelled, failed part-way): Resubmit Remaining rather than Retry Failed.
    if (endedEarly) tokens.push('remaining');
  }
  if (view.record?.sourceUri) tokens.push('source');
  if (view.record) tokens.push('local');
  return tokens.join(':');
}

/** A job's icon: spinning while it runs, then one per outcome. */
export function jobIconToken(batch: Batch | undefined): IconToken {
  const state = stateOf(batch);
  if (!batch || !state) {
    return { id: 'loading~spin' };
  }
  switch (state.phase) {
    case 'active':
      return { id: batch.status === 'in_progress' ? 'sync~spin' : 'loading~spin' };
    case 'succeeded':
      return { id: 'pass', color: 'testing.iconPassed' };
    case 'partial':
      return { id: 'warning', color: 'list.warningForeground' };
    case 'failed':
      return { id: 'error', color: 'testing.iconFailed' };
    case 'cancelled':
      return { id: 'circle-slash' };
    case 'expired':
      return { id: 'watch' };
  }
}

export const mayExistIconToken: IconToken = { id: 'question', color: 'list.warningForeground' };

/** A connection's context value: `connection[:default][:emulator]`. */
export function connectionContextValue(connection: { readonly emulator?: boolean }, isDefault: boolean): string {
  return ['connection', isDefault ? 'default' : undefined, connection.emulator ? 'emulator' : undefined].filter(Boolean).join(':');
}

/** A group's context value: `group:done` once every part finished, else `group:active`. */
export function groupContextValue(group: Pick<GroupRecord, 'finished'>): string {
  return ['group', group.finished ? 'done' : 'active'].join(':');
}

export function groupIconToken(phase: JobPhase): IconToken {
  return { id: phase === 'active' ? 'sync~spin' : phase === 'succeeded' ? 'pass' : phase === 'partial' ? 'warning' : 'error' };
}

/** Requests over all parts of a group: how many, how many finished (succeeded or failed), how many failed. */
export function groupTotals(group: Pick<GroupRecord, 'state'>): { total: number; finished: number; failed: number } {
  let total = 0;
  let finished = 0;
  let failed = 0;
  for (const part of group.state.parts) {
    total += part.requests;
    finished += (part.requestCounts?.completed ?? 0) + (part.requestCounts?.failed ?? 0);
    failed += part.requestCounts?.failed ?? 0;
  }
  return { total, finished, failed };
}

/** How many parts of a group are done, running (submitting counts) and queued. */
export function groupPartCounts(group: Pick<GroupRecord, 'state'>): { done: number; running: number; queued: number } {
  const count = (status: string) => group.state.parts.filter((part) => part.status === status).length;
  return { done: count('done'), running: count('running') + count('submitting'), queued: count('queued') };
}

/** A part's context value: `part:submitted` once it has a batch (copy its id, open it), else `part`. */
export function partContextValue(part: Pick<PartState, 'batchId'>): string {
  return part.batchId ? 'part:submitted' : 'part';
}

export function partIconToken(part: Pick<PartState, 'status' | 'batchStatus' | 'requestCounts'>): IconToken {
  const state = part.batchStatus ? jobState(part.batchStatus, part.requestCounts) : undefined;
  if (part.status === 'queued') {
    return { id: 'clock' };
  }
  if (part.status === 'submitting' || !state?.done) {
    return { id: 'loading~spin' };
  }
  return { id: state.phase === 'succeeded' ? 'pass' : state.phase === 'partial' ? 'warning' : 'error' };
}

/** `45s`, `12m`, `3h 5m`, `4d`. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) {
    return `${seconds}s`;
  }
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) {
    return `${minutes}m`;
  }
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours}h ${minutes % 60}m` : `${Math.floor(hours / 24)}d`;
}
