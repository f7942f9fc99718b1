import * as vscode from 'vscode';
import type { Batch } from '../../core/batch/client';
import { withoutDeletedFiles, type FileRole } from '../../core/batch/jobVisibility';
import type { JobPhase } from '../../core/batch/status';
import type { Connection, ConnectionStore } from '../connections/connectionStore';
import { CredentialRequiredError, type ClientFactory } from '../connections/credentials';
import type { GroupRecord, GroupStore } from '../groups/groupStore';
import { Disposable } from '../lifecycle';
import type { ArgumentLookup, JobTarget } from './jobArguments';
import { isSubmission, listEntries, listJobs, mergeListing, type JobView, type ListEntry } from './jobListing';
import type { JobMarks } from './jobMarks';
import type { JobRecord, JobStore, JobTransition } from './jobStore';

export type { JobView } from './jobListing';

interface RemoteListing {
  jobs: Batch[];
  hasMore: boolean;
  lastId: string | undefined;
  error?: { message: string; needsCredential: boolean; missingKey?: boolean };
  loading: boolean;
}

const pageSize = 20;
const maxActivePages = 5;

/**
 * The data behind the jobs tree and the notifications: jobs we submitted (persisted) merged with the service's
 * own listing (jobs created in the portal or by scripts) and the job groups, per connection, less the jobs the
 * user removed and the parts of groups (shown under their group only). Filtering happens here, once. Fires
 * `onDidChange` when anything moves; the tree and the notifications read nothing but this model.
 */
export class JobsModel extends Disposable implements ArgumentLookup {
  private readonly listings = new Map<string, RemoteListing>();
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  private readonly transitions = this.register(new vscode.EventEmitter<{ connection: Connection; transition: JobTransition }>());
  private phaseFilter: ReadonlySet<JobPhase> | undefined;

  readonly onDidChange = this.changed.event;
  /** A job we track reached a terminal state. */
  readonly onDidFinishJob = this.transitions.event;
  private readonly groupsFinished = this.register(new vscode.EventEmitter<GroupRecord>());
  /** A job group's last part reached a terminal state (seen once per group and window). */
  readonly onDidFinishGroup = this.groupsFinished.event;
  private unfinishedGroups: Set<string>;

  constructor(
    readonly connections: ConnectionStore,
    readonly store: JobStore,
    private readonly clients: ClientFactory,
    private readonly groups: GroupStore,
    readonly marks: JobMarks,
  ) {
    super();
    this.unfinishedGroups = new Set(groups.all().filter((group) => !group.finished).map((group) => group.state.id));
    this.register(store.onDidChange(() => this.changed.fire()));
    this.register(connections.onDidChange(() => this.changed.fire()));
    this.register(groups.onDidChange(() => this.groupsChanged()));
    this.register(marks.onDidChange(() => this.changed.fire()));
  }

  /** The connections, in the order the view lists them. */
  connectionList(): readonly Connection[] {
    return this.connections.all();
  }

  connection(connectionId: string): Connection | undefined {
    return this.connections.get(connectionId);
  }

  isDefaultConnection(connectionId: string): boolean {
    return this.connections.defaultConnection()?.id === connectionId;
  }

  /** A job group by its id. */
  group(groupId: string): GroupRecord | undefined {
    return this.groups.get(groupId);
  }

  /** How many jobs we track are still running (or waiting for their create to answer). */
  activeJobCount(): number {
    return this.store.active().length;
  }

  /** The top of a connection's list: its groups and jobs, filtered, newest first. */
  entriesFor(connectionId: string): ListEntry[] {
    return listEntries(this.listingInput(connectionId));
  }

  hasConnection(connectionId: string): boolean {
    return this.connections.get(connectionId) !== undefined;
  }

  groupConnection(groupId: string): string | undefined {
    return this.groups.get(groupId)?.connectionId;
  }

  jobsWithId(batchId: string): JobTarget[] {
    return this.connections
      .all()
      .filter((connection) => this.merged(connection.id).has(batchId))
      .map((connection) => ({ connectionId: connection.id, batchId }));
  }

  jobsFromSource(uri: string): JobTarget[] {
    return this.store
      .all()
      .filter((record) => record.sourceUri === uri && !isSubmission(record))
      .sort((a, b) => b.createdAt - a.createdAt)
      .map((record) => ({ connectionId: record.connectionId, batchId: record.batchId }));
  }

  groupsFromSource(uri: string): string[] {
    return this.groups
      .all()
      .filter((group) => group.sourceUri === uri)
      .sort((a, b) => b.state.createdAt - a.state.createdAt)
      .map((group) => group.state.id);
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

  /** Top-level jobs of a connection (groups aside), newest first, retries nested under their parent. */
  jobsFor(connectionId: string): JobView[] {
    return listJobs(this.listingInput(connectionId));
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
    const submissions: string[] = [];
    for (let grew = true; grew; ) {
      grew = false;
      for (const record of this.store.forConnection(connectionId)) {
        if (!record.parentBatchId || !family.has(record.parentBatchId)) {
          continue;
        }
        if (isSubmission(record)) {
          // A retry whose create has not answered has no id to hide: its record goes, so it leaves the list.
          submissions.push(record.submissionId);
        } else if (!family.has(record.batchId)) {
          family.add(record.batchId);
          grew = true;
        }
      }
    }
    await this.marks.hide(connectionId, [...family]);
    for (const id of family) {
      await this.store.remove(connectionId, id);
    }
    for (const id of new Set(submissions)) {
      await this.store.removeSubmission(connectionId, id);
    }
  }

  /** Removes a submission without a job from the list: its record is forgotten (there is no id to hide). */
  forgetSubmission(connectionId: string, submissionId: string): Promise<void> {
    return this.store.removeSubmission(connectionId, submissionId);
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
    try {
      const changed = await this.refreshActiveJobs(connection, active);
      this.noteListingError(connection.id, undefined);
      return changed;
    } catch (error) {
      // Without this a dead service only reaches the log: the tree kept showing "in progress" as if all was well.
      if (!(error instanceof vscode.CancellationError)) {
        this.noteListingError(connection.id, error);
      }
      throw error;
    }
  }

  private noteListingError(connectionId: string, error: unknown): void {
    const listing = this.listings.get(connectionId) ?? { jobs: [], hasMore: false, lastId: undefined, loading: false };
    if (error === undefined && listing.error === undefined) {
      return;
    }
    listing.error = error === undefined ? undefined : listingError(error);
    this.listings.set(connectionId, listing);
    this.changed.fire();
  }

  private async refreshActiveJobs(connection: Connection, active: readonly JobRecord[]): Promise<boolean> {
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

  private merged(connectionId: string): Map<string, { batch?: Batch; record?: JobRecord }> {
    return mergeListing(this.listings.get(connectionId)?.jobs ?? [], this.store.forConnection(connectionId));
  }

  private listingInput(connectionId: string) {
    return {
      connectionId,
      listed: this.listings.get(connectionId)?.jobs ?? [],
      records: this.store.forConnection(connectionId),
      groups: this.groups.forConnection(connectionId),
      hidden: this.marks.hidden(connectionId),
      deletedFiles: this.marks.deletedFiles(connectionId),
      filter: this.phaseFilter,
    };
  }

  // Announces each group seen going from unfinished to finished, then passes the change on.
  private groupsChanged(): void {
    const finished: GroupRecord[] = [];
    const unfinished = new Set<string>();
    for (const group of this.groups.all()) {
      if (!group.finished) {
        unfinished.add(group.state.id);
      } else if (this.unfinishedGroups.has(group.state.id)) {
        finished.push(group);
      }
    }
    this.unfinishedGroups = unfinished;
    this.changed.fire();
    for (const group of finished) {
      this.groupsFinished.fire(group);
    }
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
      listing.error = listingError(error);
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

/** How a failed list call is shown on its connection in the tree. */
function listingError(error: unknown): { message: string; needsCredential: boolean; missingKey?: boolean } {
  const missingKey = error instanceof CredentialRequiredError && error.missing === 'apiKey';
  return { message: error instanceof Error ? error.message : String(error), needsCredential: error instanceof CredentialRequiredError, ...(missingKey ? { missingKey } : {}) };
}
