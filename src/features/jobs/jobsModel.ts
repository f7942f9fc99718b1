import * as vscode from 'vscode';
import type { Batch } from '../../core/batch/client';
import { isListedJob, withoutDeletedFiles, type FileRole, type ListingMarks } from '../../core/batch/jobVisibility';
import { jobState, type JobPhase } from '../../core/batch/status';
import type { Connection, ConnectionStore } from '../connections/connectionStore';
import { CredentialRequiredError, type ClientFactory } from '../connections/credentials';
import type { GroupStore } from '../groups/groupStore';
import { Disposable } from '../lifecycle';
import type { JobMarks } from './jobMarks';
import type { JobRecord, JobStore, JobTransition } from './jobStore';

/** A job as the tree shows it: what the service said, and what we remember about it. */
export interface JobView {
  readonly connectionId: string;
  readonly batchId: string;
  readonly batch?: Batch;
  readonly record?: JobRecord;
  /** Files of this job deleted on the service (cleared from `batch`). */
  readonly deletedFiles?: readonly FileRole[];
  /** Retries of this job's failed rows. */
  readonly retries: JobView[];
}

interface RemoteListing {
  jobs: Batch[];
  hasMore: boolean;
  lastId: string | undefined;
  error?: { message: string; needsCredential: boolean };
  loading: boolean;
}

const pageSize = 20;
const maxActivePages = 5;

/**
 * The data behind the jobs tree: jobs we submitted (persisted) merged with the service's own listing
 * (jobs created in the portal or by scripts), per connection, less the jobs the user removed and the parts
 * of job groups (shown under their group). Fires `onDidChange` when anything moves.
 */
export class JobsModel extends Disposable {
  private readonly listings = new Map<string, RemoteListing>();
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  private readonly transitions = this.register(new vscode.EventEmitter<{ connection: Connection; transition: JobTransition }>());
  private phaseFilter: ReadonlySet<JobPhase> | undefined;

  readonly onDidChange = this.changed.event;
  /** A job we track reached a terminal state. */
  readonly onDidFinishJob = this.transitions.event;

  constructor(
    readonly connections: ConnectionStore,
    readonly store: JobStore,
    private readonly clients: ClientFactory,
    private readonly groups: GroupStore,
    readonly marks: JobMarks,
  ) {
    super();
    this.register(store.onDidChange(() => this.changed.fire()));
    this.register(connections.onDidChange(() => this.changed.fire()));
    this.register(groups.onDidChange(() => this.changed.fire()));
    this.register(marks.onDidChange(() => this.changed.fire()));
  }

  get filter(): ReadonlySet<JobPhase> | undefined {
    return this.phaseFilter;
  }

  setFilter(phases: ReadonlySet<JobPhase> | undefined): void {
    this.phaseFilter = phases;
    this.changed.fire();
  }

  listing(connectionId: string): Readonly<RemoteListing> | undefined {
    return this.listings.get(connectionId);
  }

  /** Top-level jobs of a connection, newest first, retries nested under their parent. */
  jobsFor(connectionId: string): JobView[] {
    const marks = this.listingMarks(connectionId);
    const deleted = this.marks.deletedFiles(connectionId);
    const all = [...this.merged(connectionId)]
      .filter(([batchId, v]) => isListedJob(batchId, v.batch, marks))
      .map(([batchId, v]): JobView & { retries: JobView[] } => {
        const shown = v.batch && deleted.size > 0 ? withoutDeletedFiles(v.batch, deleted) : undefined;
        return { connectionId, batchId, batch: shown?.batch ?? v.batch, record: v.record, deletedFiles: shown?.deleted, retries: [] };
      });
    const byId = new Map(all.map((view) => [view.batchId, view]));
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
    const filter = this.phaseFilter;
    return sort(top).filter((view) => !filter || !view.batch || filter.has(jobState(view.batch.status, view.batch.request_counts).phase));
  }

  /** The files of a job deleted on the service (by the batch the service or the store last reported). */
  deletedFilesOf(connectionId: string, batchId: string): FileRole[] {
    const batch = this.merged(connectionId).get(batchId)?.batch;
    return batch ? withoutDeletedFiles(batch, this.marks.deletedFiles(connectionId)).deleted : [];
  }

  /**
   * Removes a job from the list for good: its record (and those of its retries) is forgotten, and its id is
   * remembered so the service's listing does not bring it back, after a reload either.
   */
  async hide(connectionId: string, batchId: string): Promise<void> {
    const family = new Set([batchId]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const record of this.store.forConnection(connectionId)) {
        const key = record.batchId || `pending:${record.submissionId}`;
        if (record.parentBatchId && family.has(record.parentBatchId) && !family.has(key)) {
          family.add(key);
          grew = true;
        }
      }
    }
    await this.marks.hide(connectionId, [...family]);
    for (const id of family) {
      if (id.startsWith('pending:')) {
        await this.store.removeSubmission(connectionId, id.slice('pending:'.length));
      } else {
        await this.store.remove(connectionId, id);
      }
    }
  }

  /** Reloads the first page of a connection's jobs (and the state of every job we track there). */
  async refresh(connection: Connection, interactive = false): Promise<void> {
    await this.load(connection, undefined, interactive);
    await this.refreshActive(connection);
  }

  async loadMore(connection: Connection): Promise<void> {
    await this.load(connection, this.listings.get(connection.id)?.lastId, true);
  }

  /**
   * Brings every active job we track on this connection up to date with list calls (one per page, most
   * recent first), rather than one request per job. Returns whether anything changed.
   */
  async refreshActive(connection: Connection): Promise<boolean> {
    const active = this.store.active(connection.id);
    if (active.length === 0) {
      return false;
    }
    const client = await this.clients.clientFor(connection, { interactive: false });
    const wanted = new Set(active.map((job) => job.batchId));
    const pendingSubmissions = active.filter((job) => job.batchId === '');
    const seen: Batch[] = [];
    let after: string | undefined;
    for (let page = 0; page < maxActivePages && (wanted.size > 0 || page === 0); page++) {
      const result = await client.listBatches({ after, limit: 100 });
      for (const batch of result.data) {
        // Not push(...result.data): a page of a few hundred thousand jobs would overflow the stack.
        seen.push(batch);
        wanted.delete(batch.id);
      }
      if (!result.hasMore) {
        break;
      }
      after = result.lastId;
    }
    // Jobs older than the pages read: ask for them one by one (rare: a job left running for days).
    for (const id of wanted) {
      if (id) {
        const batch = await client.getBatch(id).catch(() => undefined);
        if (batch) {
          seen.push(batch);
        }
      }
    }
    await this.adoptPending(pendingSubmissions, seen);
    const changed = seen.some((batch) => {
      const known = active.find((job) => job.batchId === batch.id);
      return known !== undefined && JSON.stringify(known.snapshot) !== JSON.stringify(batch);
    });
    const transitions = await this.store.applySnapshots(connection.id, seen);
    this.mergeIntoListing(connection.id, seen);
    for (const transition of transitions) {
      this.transitions.fire({ connection, transition });
    }
    return changed || pendingSubmissions.length > 0;
  }

  // What the service listed and what the store remembers, one entry per job (pending ones by submission id).
  private merged(connectionId: string): Map<string, { batch?: Batch; record?: JobRecord }> {
    const views = new Map<string, { batch?: Batch; record?: JobRecord }>();
    for (const batch of this.listings.get(connectionId)?.jobs ?? []) {
      views.set(batch.id, { batch });
    }
    for (const record of this.store.forConnection(connectionId)) {
      const key = record.batchId || `pending:${record.submissionId}`;
      const known = views.get(key);
      views.set(key, { record, batch: newer(known?.batch, record.snapshot) });
    }
    return views;
  }

  private listingMarks(connectionId: string): ListingMarks {
    const groups = this.groups.forConnection(connectionId);
    return {
      hidden: this.marks.hidden(connectionId),
      groupIds: new Set(groups.map((group) => group.state.id)),
      partBatchIds: new Set(groups.flatMap((group) => group.state.parts.map((part) => part.batchId).filter((id): id is string => id !== undefined))),
    };
  }

  // A submission whose create call never answered (a crash or reload in between): find it by its id.
  private async adoptPending(pending: readonly JobRecord[], batches: readonly Batch[]): Promise<void> {
    for (const record of pending) {
      const found = batches.find((batch) => batch.metadata?.submission_id === record.submissionId);
      if (found) {
        await this.store.upsert({ ...record, batchId: found.id, snapshot: found });
      }
    }
  }

  private async load(connection: Connection, after: string | undefined, interactive: boolean): Promise<void> {
    const listing = this.listings.get(connection.id) ?? { jobs: [], hasMore: false, lastId: undefined, loading: false };
    listing.loading = true;
    this.listings.set(connection.id, listing);
    this.changed.fire();
    try {
      const client = await this.clients.clientFor(connection, { interactive });
      const page = await client.listBatches({ after, limit: pageSize });
      listing.jobs = after ? [...listing.jobs, ...page.data.filter((b) => !listing.jobs.some((j) => j.id === b.id))] : page.data;
      listing.hasMore = page.hasMore;
      listing.lastId = page.lastId;
      listing.error = undefined;
      await this.store.applySnapshots(connection.id, page.data);
    } catch (error) {
      if (error instanceof vscode.CancellationError) {
        throw error;
      }
      listing.error = { message: error instanceof Error ? error.message : String(error), needsCredential: error instanceof CredentialRequiredError };
    } finally {
      listing.loading = false;
      this.changed.fire();
    }
  }

  private mergeIntoListing(connectionId: string, batches: readonly Batch[]): void {
    const listing = this.listings.get(connectionId);
    if (!listing) {
      return;
    }
    const byId = new Map(batches.map((batch) => [batch.id, batch]));
    listing.jobs = listing.jobs.map((job) => byId.get(job.id) ?? job);
    for (const batch of batches) {
      if (!listing.jobs.some((job) => job.id === batch.id) && this.store.find(connectionId, batch.id)) {
        listing.jobs.unshift(batch);
      }
    }
    this.changed.fire();
  }
}

function newer(a: Batch | undefined, b: Batch | undefined): Batch | undefined {
  if (!a || !b) {
    return a ?? b;
  }
  // Prefer the later state: terminal beats active, and otherwise the one with more finished requests.
  const finished = (batch: Batch) => (batch.request_counts?.completed ?? 0) + (batch.request_counts?.failed ?? 0);
  const stamp = (batch: Batch) => Math.max(batch.completed_at ?? 0, batch.failed_at ?? 0, batch.cancelled_at ?? 0, batch.finalizing_at ?? 0, batch.in_progress_at ?? 0);
  return stamp(b) > stamp(a) || (stamp(b) === stamp(a) && finished(b) > finished(a)) ? b : a;
}
