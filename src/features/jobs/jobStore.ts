import * as vscode from 'vscode';
import type { Batch } from '../../core/batch/client';
import { isTerminal } from '../../core/batch/status';
import type { SubmitEstimate } from '../../core/results/summaryMarkdown';
import { PersistedList } from '../persistedList';

/** A job this extension submitted (or the user pinned), remembered across reloads. */
export interface JobRecord {
  readonly connectionId: string;
  /** Empty while the create call has not answered yet (see `submissionId`). */
  readonly batchId: string;
  /** The client submission id sent in the job's metadata: finds the job if the create had no clear answer. */
  readonly submissionId: string;
  readonly sourceUri?: string;
  readonly sourceName: string;
  readonly createdAt: number;
  /** The job whose failed rows this one retries. */
  readonly parentBatchId?: string;
  /** 0 for a first submission, N for the file `NAME.retry-N.jsonl`. */
  readonly retryNumber: number;
  /** The uploaded (possibly rewritten) input, for retries: the local path of what was sent. */
  readonly inputPath?: string;
  readonly inputFileId?: string;
  /** The endpoint the job was created for (`/chat/completions`...), to submit it anew. */
  readonly endpoint?: string;
  /** When the create was sent (ms since the epoch): lookups for the job read jobs from then on. */
  readonly attemptedAt?: number;
  /**
   * The create had no clear answer and no job was found: it may exist. Not polled; the user looks again
   * or submits anew (see {@link isMayExist}).
   */
  readonly mayExist?: boolean;
  readonly snapshot?: Batch;
  /** A terminal notification was shown for this job. */
  readonly notified?: boolean;
  readonly downloaded?: { readonly output?: string; readonly errors?: string; readonly results?: string };
  /** The estimate of the file sent, made at submission: the summary shows it next to the actual cost. */
  readonly estimate?: SubmitEstimate;
  /** The deployment the job runs on (the file's `model`, or the one chosen at submit), for its quota use. */
  readonly deployment?: string;
  /** The file's rough enqueued-token estimate made at submit (used for the quota while `estimate` is not there). */
  readonly tokens?: number;
  /** The create's `deployment-enqueued-tokens` / `deployment-maximum-enqueued-tokens` headers, when it answered with them. */
  readonly enqueued?: { readonly tokens: number; readonly max?: number; readonly at: number };
}

/** A job's state changed from active to terminal during a refresh. */
export interface JobTransition {
  readonly record: JobRecord;
  readonly batch: Batch;
}

const JOBS_KEY = 'azureOpenAIBatch.jobs';

export { isMayExist, STALE_PENDING_MS } from './jobListing';
import { isMayExist } from './jobListing';

/** The jobs list, persisted in global state so no job is forgotten after a reload. */
export class JobStore implements vscode.Disposable {
  private readonly list: PersistedList<JobRecord>;
  readonly onDidChange: vscode.Event<void>;

  constructor(state: vscode.Memento) {
    this.list = new PersistedList<JobRecord>(state, JOBS_KEY);
    this.onDidChange = this.list.onDidChange;
  }

  all(): JobRecord[] {
    return this.list.all();
  }

  forConnection(connectionId: string): JobRecord[] {
    return this.all().filter((job) => job.connectionId === connectionId);
  }

  find(connectionId: string, batchId: string): JobRecord | undefined {
    return this.all().find((job) => job.connectionId === connectionId && job.batchId === batchId);
  }

  /** The record of a submission, found by its submission id (also before its job is known). */
  findSubmission(connectionId: string, submissionId: string): JobRecord | undefined {
    return this.all().find((job) => job.connectionId === connectionId && job.submissionId === submissionId);
  }

  /** Jobs still running (or whose create has not answered yet); never a submission that may exist. */
  active(connectionId?: string): JobRecord[] {
    const now = Date.now();
    return this.all().filter(
      (job) => (connectionId === undefined || job.connectionId === connectionId) && !isMayExist(job, now) && (job.batchId === '' || !job.snapshot || !isTerminal(job.snapshot.status)),
    );
  }

  /** Adds or replaces the record with the same submission id. */
  upsert(record: JobRecord): Promise<void> {
    return this.mutate((jobs) => {
      const index = jobs.findIndex((job) => job.connectionId === record.connectionId && job.submissionId === record.submissionId);
      if (index >= 0) {
        jobs[index] = record;
      } else {
        jobs.push(record);
      }
      return jobs;
    });
  }

  update(connectionId: string, batchId: string, change: (record: JobRecord) => JobRecord): Promise<void> {
    return this.mutate((jobs) => jobs.map((job) => (job.connectionId === connectionId && job.batchId === batchId ? change(job) : job)));
  }

  /** Forgets the job with this batch id (a submission without a job: {@link removeSubmission}). */
  remove(connectionId: string, batchId: string): Promise<void> {
    return this.mutate((jobs) => jobs.filter((job) => !(job.connectionId === connectionId && job.batchId === batchId)));
  }

  removeSubmission(connectionId: string, submissionId: string): Promise<void> {
    return this.mutate((jobs) => jobs.filter((job) => !(job.connectionId === connectionId && job.submissionId === submissionId)));
  }

  removeConnection(connectionId: string): Promise<void> {
    return this.mutate((jobs) => jobs.filter((job) => job.connectionId !== connectionId));
  }

  /**
   * Records fresh states from the service; returns the jobs that just reached a terminal state and
   * have not been announced yet.
   */
  async applySnapshots(connectionId: string, batches: readonly Batch[]): Promise<JobTransition[]> {
    const byId = new Map(batches.map((batch) => [batch.id, batch]));
    const transitions: JobTransition[] = [];
    await this.mutate((jobs) =>
      jobs.map((job) => {
        const batch = job.connectionId === connectionId ? byId.get(job.batchId) : undefined;
        if (!batch) {
          return job;
        }
        const wasDone = job.snapshot !== undefined && isTerminal(job.snapshot.status);
        const next: JobRecord = { ...job, snapshot: batch };
        if (isTerminal(batch.status) && !wasDone && !job.notified) {
          transitions.push({ record: next, batch });
          return { ...next, notified: true };
        }
        return next;
      }),
    );
    return transitions;
  }

  dispose(): void {
    this.list.dispose();
  }

  private mutate(change: (jobs: JobRecord[]) => JobRecord[]): Promise<void> {
    return this.list.mutate(change);
  }
}
