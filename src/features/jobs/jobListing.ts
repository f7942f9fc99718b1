// The jobs list as data, without `vscode`: what the service listed merged with what the store remembers,
// filtered once for jobs and groups alike. Unit-tested outside the extension host.
import type { Batch } from '../../core/batch/client';
import { isListedJob, withoutDeletedFiles, type FileRole, type ListingMarks } from '../../core/batch/jobVisibility';
import { jobState, type JobPhase } from '../../core/batch/status';
import type { GroupRecord } from '../groups/groupStore';
import type { JobRecord } from './jobStore';

/** A job as the tree shows it: what the service said, and what we remember about it. */
export interface JobView {
  readonly connectionId: string;
  /** The job's batch id; empty for a submission whose job is not known (see `submissionId`). */
  readonly batchId: string;
  /**
   * Set only for a local submission whose create has not answered (or that may exist). A field of its own,
   * never a prefix of `batchId`: the service names its jobs as it likes and must not pass for one of these.
   */
  readonly submissionId?: string;
  readonly batch?: Batch;
  readonly record?: JobRecord;
  /** Files of this job deleted on the service (cleared from `batch`). */
  readonly deletedFiles?: readonly FileRole[];
  /** Retries of this job's failed rows. */
  readonly retries: JobView[];
}

/** One entry at the top of a connection's list: a job (with its retries) or a job group (with its parts). */
export type ListEntry = { readonly kind: 'job'; readonly view: JobView } | { readonly kind: 'group'; readonly group: GroupRecord };

/** What a connection's list is made of. */
export interface ListingInput {
  readonly connectionId: string;
  /** The jobs the service listed (pages read so far). */
  readonly listed: readonly Batch[];
  /** The jobs this machine remembers (submitted here). */
  readonly records: readonly JobRecord[];
  readonly groups: readonly GroupRecord[];
  /** Ids of jobs and groups removed from the list. */
  readonly hidden: ReadonlySet<string>;
  /** Ids of files deleted on the service. */
  readonly deletedFiles: ReadonlySet<string>;
  /** Only jobs and groups in these phases; all when undefined. */
  readonly filter?: ReadonlySet<JobPhase>;
}

/**
 * How versions up to 0.1 named a submission without a job in the list's hidden marks: `pending:SUBMISSION_ID`.
 * Only read to drop such marks (see `JobMarks`); a service job may well be named so.
 */
export const LEGACY_PENDING_PREFIX = 'pending:';

/** The version of the hidden marks that no longer names submissions (see {@link currentHiddenMarks}). */
export const HIDDEN_MARKS_FORMAT = 2;

/**
 * A connection's hidden ids as this version reads them. Marks saved before {@link HIDDEN_MARKS_FORMAT} also
 * held `pending:SUBMISSION_ID` for a removed submission (whose record went with it): dropped, lest they hide
 * a service job that happens to bear that name. Later marks are batch and group ids only, taken as they are.
 */
export function currentHiddenMarks(marks: { readonly hidden: readonly string[]; readonly format?: number }): string[] {
  return marks.format === HIDDEN_MARKS_FORMAT ? [...marks.hidden] : marks.hidden.filter((id) => !id.startsWith(LEGACY_PENDING_PREFIX));
}

/**
 * A create still unanswered after this long belongs to a window or process that is gone (a reload or a
 * crash mid-create): it is shown as "may exist" and no longer keeps the poller running.
 */
export const STALE_PENDING_MS = 10 * 60_000;

/** True for a submission whose job may or may not exist: marked so, or left unanswered for too long. */
export function isMayExist(record: JobRecord, now = Date.now()): boolean {
  if (record.batchId !== '') {
    return false;
  }
  return record.mayExist === true || now - (record.attemptedAt ?? record.createdAt * 1000) > STALE_PENDING_MS;
}

/** True for a record (or view) of a submission whose job is not known yet. */
export function isSubmission(entry: Pick<JobRecord, 'batchId'>): boolean {
  return entry.batchId === '';
}

/**
 * What the service listed and what the store remembers, one entry per job by batch id (the later state of
 * the two wins). Submissions without a job are not in it: see {@link submissionViews}.
 */
export function mergeListing(listed: readonly Batch[], records: readonly JobRecord[]): Map<string, { batch?: Batch; record?: JobRecord }> {
  const views = new Map<string, { batch?: Batch; record?: JobRecord }>();
  for (const batch of listed) {
    views.set(batch.id, { batch });
  }
  for (const record of records.filter((r) => !isSubmission(r))) {
    views.set(record.batchId, { record, batch: newerBatch(views.get(record.batchId)?.batch, record.snapshot) });
  }
  return views;
}

/** The submissions of these records whose job is not known, as views of their own. */
export function submissionViews(connectionId: string, records: readonly JobRecord[]): JobView[] {
  return records.filter(isSubmission).map((record) => ({ connectionId, batchId: '', submissionId: record.submissionId, record, retries: [] }));
}

/** The later of two states of one job: terminal beats active, and otherwise the one with more finished requests. */
export function newerBatch(a: Batch | undefined, b: Batch | undefined): Batch | undefined {
  if (!a || !b) {
    return a ?? b;
  }
  const finished = (batch: Batch) => (batch.request_counts?.completed ?? 0) + (batch.request_counts?.failed ?? 0);
  const stamp = (batch: Batch) => Math.max(batch.completed_at ?? 0, batch.failed_at ?? 0, batch.cancelled_at ?? 0, batch.finalizing_at ?? 0, batch.in_progress_at ?? 0);
  return stamp(b) > stamp(a) || (stamp(b) === stamp(a) && finished(b) > finished(a)) ? b : a;
}

/** The parts of these groups and the groups themselves, which keep parts out of the top of the list. */
export function listingMarks(groups: readonly GroupRecord[], hidden: ReadonlySet<string>): ListingMarks {
  return {
    hidden,
    groupIds: new Set(groups.map((group) => group.state.id)),
    partBatchIds: new Set(groups.flatMap((group) => group.state.parts.map((part) => part.batchId).filter((id): id is string => id !== undefined))),
  };
}

/** A job's phase; a job without a state yet (submitting) has none. */
export function jobPhase(view: Pick<JobView, 'batch'>): JobPhase | undefined {
  return view.batch ? jobState(view.batch.status, view.batch.request_counts).phase : undefined;
}

/** A group's phase: active until every part finished, then succeeded, partial (some rows succeeded) or failed. */
export function groupPhase(group: Pick<GroupRecord, 'finished' | 'state'>): JobPhase {
  if (!group.finished) {
    return 'active';
  }
  const phases = group.state.parts.map((part) => (part.batchStatus ? jobState(part.batchStatus, part.requestCounts).phase : 'cancelled'));
  if (phases.every((phase) => phase === 'succeeded')) {
    return 'succeeded';
  }
  return phases.some((phase) => phase === 'succeeded' || phase === 'partial') ? 'partial' : 'failed';
}

/** The one filter of the list: a job or group is shown when the filter takes its phase (a job without a state always is). */
export function passesFilter(phase: JobPhase | undefined, filter: ReadonlySet<JobPhase> | undefined): boolean {
  return !filter || phase === undefined || filter.has(phase);
}

/** When an entry was created (seconds since the epoch), for newest-first order. */
export function createdAt(entry: ListEntry): number {
  return entry.kind === 'group' ? entry.group.state.createdAt : (entry.view.batch?.created_at ?? entry.view.record?.createdAt ?? 0);
}

/**
 * The top-level jobs of a connection, newest first, with retries nested under the job they retry (newest
 * first too), less removed jobs and the parts of known groups; filtered by phase at the top level only.
 */
export function listJobs(input: Omit<ListingInput, 'groups'> & { readonly groups?: readonly GroupRecord[] }): JobView[] {
  const marks = listingMarks(input.groups ?? [], input.hidden);
  const jobs = [...mergeListing(input.listed, input.records)]
    .filter(([batchId, v]) => isListedJob(batchId, v.batch, marks))
    .map(([batchId, v]): JobView & { retries: JobView[] } => {
      const shown = v.batch && input.deletedFiles.size > 0 ? withoutDeletedFiles(v.batch, input.deletedFiles) : undefined;
      return { connectionId: input.connectionId, batchId, batch: shown?.batch ?? v.batch, record: v.record, deletedFiles: shown?.deleted, retries: [] };
    });
  const all = [...jobs, ...submissionViews(input.connectionId, input.records)];
  const byId = new Map(jobs.map((view) => [view.batchId, view]));
  const top: JobView[] = [];
  for (const view of all) {
    const parent = view.record?.parentBatchId ? byId.get(view.record.parentBatchId) : undefined;
    if (parent && parent !== view) {
      parent.retries.push(view);
    } else {
      top.push(view);
    }
  }
  const created = (view: JobView) => view.batch?.created_at ?? view.record?.createdAt ?? 0;
  const sort = (list: JobView[]) => list.sort((a, b) => created(b) - created(a));
  for (const view of all) {
    sort(view.retries);
  }
  return sort(top).filter((view) => passesFilter(jobPhase(view), input.filter));
}

/** Everything at the top of a connection's list: its groups and its jobs, filtered alike, newest first. */
export function listEntries(input: ListingInput): ListEntry[] {
  const groups: ListEntry[] = input.groups.filter((group) => !input.hidden.has(group.state.id) && passesFilter(groupPhase(group), input.filter)).map((group) => ({ kind: 'group', group }));
  const jobs: ListEntry[] = listJobs(input).map((view) => ({ kind: 'job', view }));
  return [...groups, ...jobs].sort((a, b) => createdAt(b) - createdAt(a));
}
