import { randomUUID } from 'node:crypto';
import { SOURCE_FILE_KEY, type Batch, type BatchClient } from './client';
import { BatchServiceError, SubmissionMayExistError } from './errors';
import { isTerminal } from './status';
import { submitBatchFile } from './submitFile';

export type PartStatus = 'queued' | 'submitting' | 'running' | 'done';

/** Metadata key naming the job group a part's batch belongs to. */
export const GROUP_ID_KEY = 'group_id';

/** One part of a split submission, as persisted between steps (and across reloads). */
export interface PartState {
  readonly index: number;
  readonly path: string;
  readonly requests: number;
  /** Estimated enqueued tokens (input plus output bound). */
  readonly tokens: number;
  /** The deployment its requests name (`body.model`), whose enqueued-token quota it uses while it runs. */
  readonly deployment?: string;
  status: PartStatus;
  /** The submission id of the current attempt; a new attempt gets a new one. */
  submissionId: string;
  /** Attempts that were refused for the token quota. */
  attempts: number;
  /** When the current submission id's create was sent (ms since the epoch): lookups read jobs from then on. */
  attemptedAt?: number;
  /**
   * The create had no clear answer and the job was not found: it may exist. The part is never created
   * again automatically; each step looks for it again.
   */
  mayExist?: boolean;
  /** Not submitted before this time (ms since the epoch): the backoff after `token_limit_exceeded`. */
  notBefore?: number;
  inputFileId?: string;
  batchId?: string;
  /** The last status the service reported for the part's job. */
  batchStatus?: string;
  outputFileId?: string | null;
  errorFileId?: string | null;
  /** The job's request counts, for progress. */
  requestCounts?: { total: number; completed: number; failed: number };
  /** When the service created the part's first job (seconds since the epoch, the service's clock). */
  createdAt?: number;
  /** When the part's job reached its terminal state (seconds since the epoch, the service's clock). */
  finishedAt?: number;
  error?: string;
}

/** A file submitted as several parts, fed to the service as its quota allows. */
export interface GroupState {
  readonly id: string;
  readonly name: string;
  readonly sourcePath: string;
  readonly endpoint: string;
  readonly createdAt: number;
  readonly maxParallel: number;
  /** The deployment's enqueued-token limit: from the service's header, a setting, or learned from refusals. */
  tokenLimit?: number;
  readonly parts: PartState[];
}

export interface GroupRunnerOptions {
  /** First wait after a `token_limit_exceeded`; doubles per attempt (Microsoft's sample: 5 s, 10 tries). */
  readonly backoffMs?: number;
  readonly maxAttempts?: number;
  readonly now?: () => number;
  readonly log?: (line: string) => void;
  /** Saves the state after every change, so a crash or reload loses no part and submits none twice. */
  readonly persist?: (group: GroupState) => Promise<void>;
  readonly signal?: AbortSignal;
}

const TOKEN_LIMIT = 'token_limit_exceeded';

/** Creates the state of a new group from its parts. */
export function newGroup(fields: { name: string; sourcePath: string; endpoint: string; maxParallel: number; tokenLimit?: number }, parts: readonly { index: number; path: string; requests: number; tokens: number; deployment?: string }[]): GroupState {
  return {
    id: `group_${randomUUID()}`,
    createdAt: Math.floor(Date.now() / 1000),
    ...fields,
    parts: parts.map((part) => ({ ...part, status: 'queued' as PartStatus, submissionId: randomUUID(), attempts: 0 })),
  };
}

/**
 * The quota-aware submission queue of one group. Each {@link step} brings running parts up to date
 * (one list call, not one request per part), then submits queued parts while the estimate of enqueued
 * tokens (running parts plus the next) fits the deployment's limit and `maxParallel` allows. A part
 * refused with `token_limit_exceeded` — a failed job, or a 400 on create in "fail fast" regions — goes
 * back to the queue with exponential backoff. Every change is persisted before the next call to the
 * service, and creation reuses the part's submission id, so resuming after a crash never submits a part
 * twice.
 */
export class GroupRunner {
  private readonly backoffMs: number;
  private readonly maxAttempts: number;
  private readonly now: () => number;

  constructor(
    private readonly client: BatchClient,
    readonly group: GroupState,
    private readonly options: GroupRunnerOptions = {},
  ) {
    this.backoffMs = options.backoffMs ?? 5000;
    this.maxAttempts = options.maxAttempts ?? 10;
    this.now = options.now ?? Date.now;
  }

  get done(): boolean {
    return this.group.parts.every((part) => part.status === 'done');
  }

  /** Estimated tokens of the parts the service holds now. */
  get enqueuedTokens(): number {
    return this.group.parts.filter((part) => part.status === 'running' || part.status === 'submitting').reduce((sum, part) => sum + part.tokens, 0);
  }

  /** When the next queued part may go out (for a caller that sleeps between steps). */
  get nextWakeAt(): number | undefined {
    const waits = this.group.parts.filter((part) => part.status === 'queued' && part.notBefore !== undefined).map((part) => part.notBefore!);
    return waits.length > 0 ? Math.min(...waits) : undefined;
  }

  /** One scheduling pass; returns whether anything changed. */
  async step(): Promise<boolean> {
    let changed = await this.resumeSubmitting();
    changed = (await this.refreshRunning()) || changed;
    changed = (await this.submitWhatFits()) || changed;
    return changed;
  }

  // Parts caught between upload and create (a crash, a reload, an unclear answer): find their job. One
  // whose create may have been sent is never sent again: it waits as "may exist" until its job shows up.
  private async resumeSubmitting(): Promise<boolean> {
    let changed = false;
    for (const part of this.group.parts.filter((p) => p.status === 'submitting')) {
      const since = part.attemptedAt ?? this.group.createdAt * 1000;
      const existing = await this.client.findBySubmissionId(part.submissionId, { since, signal: this.options.signal });
      if (existing) {
        this.markRunning(part, existing);
        this.options.log?.(`part ${part.index}/${this.group.parts.length}: found ${existing.id} by its submission id`);
      } else if (!part.mayExist) {
        part.mayExist = true;
        part.error = `no clear answer to creating the job of submission ${part.submissionId}, and it was not found: it may exist (looking again at every step)`;
      } else {
        continue;
      }
      await this.save();
      changed = true;
    }
    return changed;
  }

  private async refreshRunning(): Promise<boolean> {
    const running = this.group.parts.filter((part) => part.status === 'running' && part.batchId);
    if (running.length === 0) {
      return false;
    }
    const wanted = new Set(running.map((part) => part.batchId!));
    const seen = new Map<string, Batch>();
    let after: string | undefined;
    for (let page = 0; page < 5 && wanted.size > 0; page++) {
      const result = await this.client.listBatches({ after, limit: 100, signal: this.options.signal });
      for (const batch of result.data) {
        if (wanted.delete(batch.id)) {
          seen.set(batch.id, batch);
        }
      }
      if (!result.hasMore) {
        break;
      }
      after = result.lastId;
    }
    for (const id of wanted) {
      seen.set(id, await this.client.getBatch(id, this.options.signal));
    }
    let changed = false;
    for (const part of running) {
      const batch = seen.get(part.batchId!)!;
      if (batch.status !== part.batchStatus) {
        changed = true;
      }
      part.batchStatus = batch.status;
      part.outputFileId = batch.output_file_id;
      part.errorFileId = batch.error_file_id;
      part.requestCounts = batch.request_counts ?? undefined;
      if (!isTerminal(batch.status)) {
        continue;
      }
      part.finishedAt = finishedAt(batch);
      const refused = batch.status === 'failed' && (batch.errors?.data ?? []).some((error) => error.code === TOKEN_LIMIT);
      if (refused) {
        // The service counted more enqueued tokens than we did: remember a limit below what was in flight.
        this.learnLimit(this.enqueuedTokens - 1);
        this.requeue(part, `${batch.id} failed: ${TOKEN_LIMIT}`);
      } else {
        part.status = 'done';
        this.options.log?.(`part ${part.index}: ${batch.id} ${batch.status}`);
      }
      changed = true;
    }
    if (changed) {
      await this.save();
    }
    return changed;
  }

  private async submitWhatFits(): Promise<boolean> {
    let changed = false;
    for (const part of this.group.parts) {
      if (part.status !== 'queued' || (part.notBefore !== undefined && part.notBefore > this.now())) {
        continue;
      }
      const active = this.group.parts.filter((p) => p.status === 'running' || p.status === 'submitting').length;
      if (active >= this.group.maxParallel) {
        break;
      }
      const limit = this.group.tokenLimit;
      // A part alone over the limit still goes when nothing else is enqueued; the service decides.
      if (limit !== undefined && active > 0 && this.enqueuedTokens + part.tokens > limit) {
        break;
      }
      changed = true;
      if (!(await this.submit(part))) {
        break;
      }
    }
    return changed;
  }

  /** Uploads (once) and creates the part's job; false when the quota refused it. */
  private async submit(part: PartState): Promise<boolean> {
    // Set once the part is saved as "submitting": from then on a failure may concern a job on the service.
    let creating = false;
    try {
      const created = await submitBatchFile(this.client, {
        path: part.path,
        endpoint: this.group.endpoint,
        submissionId: part.submissionId,
        uploadedFileId: part.inputFileId,
        metadata: { [SOURCE_FILE_KEY]: this.group.name, [GROUP_ID_KEY]: this.group.id, part: `${part.index}/${this.group.parts.length}` },
        signal: this.options.signal,
        // A create cut off here is looked for by its submission id at the next step.
        abortCreate: true,
        beforeCreate: async ({ fileId }) => {
          part.inputFileId = fileId;
          part.status = 'submitting';
          part.attemptedAt = this.now();
          await this.save();
          creating = true;
        },
      });
      if (created.maxEnqueuedTokens !== undefined) {
        this.group.tokenLimit = created.maxEnqueuedTokens;
      }
      this.markRunning(part, created.batch);
      this.options.log?.(`part ${part.index}/${this.group.parts.length}: created ${created.batch.id} (${part.tokens.toLocaleString('en-US')} tokens)`);
      await this.save();
      return true;
    } catch (error) {
      if (!creating) {
        // The upload or its processing failed: the part is still queued and nothing was created.
        throw error;
      }
      if (error instanceof BatchServiceError && error.code === TOKEN_LIMIT) {
        // "Fail fast" regions refuse the create itself.
        this.learnLimit(this.enqueuedTokens - part.tokens);
        this.requeue(part, error.message);
        await this.save();
        return false;
      }
      // Without a clear answer the job may exist: stay "submitting", so the next step looks for it first.
      // Only a clear refusal, or a request that never left, sends the part back to the queue.
      if (error instanceof BatchServiceError && !error.ambiguous) {
        part.status = 'queued';
      }
      part.mayExist = error instanceof SubmissionMayExistError ? true : undefined;
      part.error = error instanceof Error ? error.message : String(error);
      await this.save();
      throw error;
    }
  }

  private markRunning(part: PartState, batch: Batch): void {
    part.status = isTerminal(batch.status) ? 'done' : 'running';
    part.batchId = batch.id;
    part.batchStatus = batch.status;
    part.outputFileId = batch.output_file_id;
    part.errorFileId = batch.error_file_id;
    part.requestCounts = batch.request_counts ?? undefined;
    // A part retried after a refusal keeps the time of its first job: the group's work started then.
    part.createdAt ??= batch.created_at;
    part.finishedAt = isTerminal(batch.status) ? finishedAt(batch) : undefined;
    part.error = undefined;
    part.mayExist = undefined;
  }

  /** Cancels the running parts and drops the queued ones. */
  async cancel(): Promise<void> {
    for (const part of this.group.parts) {
      if (part.status === 'running' && part.batchId) {
        const batch = await this.client.cancelBatch(part.batchId, this.options.signal);
        part.batchStatus = batch.status;
      } else if (part.status === 'queued' || part.status === 'submitting') {
        part.status = 'done';
        part.error = 'cancelled before it was submitted';
      }
    }
    await this.save();
  }

  private requeue(part: PartState, reason: string): void {
    part.attempts++;
    if (part.attempts >= this.maxAttempts) {
      part.status = 'done';
      part.error = `${reason} (gave up after ${part.attempts} attempts)`;
      return;
    }
    part.status = 'queued';
    part.batchId = undefined;
    part.batchStatus = undefined;
    part.finishedAt = undefined;
    part.submissionId = randomUUID();
    part.notBefore = this.now() + this.backoffMs * 2 ** (part.attempts - 1);
    part.error = reason;
    this.options.log?.(`part ${part.index}: ${reason}; retrying in ${Math.round((part.notBefore - this.now()) / 1000)} s`);
  }

  private learnLimit(candidate: number): void {
    if (candidate > 0 && (this.group.tokenLimit === undefined || candidate < this.group.tokenLimit)) {
      this.group.tokenLimit = candidate;
    }
  }

  private async save(): Promise<void> {
    await this.options.persist?.(this.group);
  }
}

/** When a terminal batch finished, by the service's clock (seconds); its creation time when no stamp is given. */
function finishedAt(batch: Batch): number {
  return batch.completed_at ?? batch.failed_at ?? batch.cancelled_at ?? batch.expired_at ?? batch.created_at;
}
