import { open, rename, stat, truncate, writeFile, type FileHandle } from 'node:fs/promises';
import type { ValidationLimits } from '../core/jsonl/types';
import { executeRow, notExecutedLine, type ExecutorSettings } from './executor';
import type { ResolvedOptions } from './options';
import { hash32, ids, permutation } from './random';
import { indexRequests, scanInputFile, type ScanResult } from './scan';
import { StateSaveError, terminalStatuses, type BatchError, type BatchRecord, type Store } from './store';
import { cancelOutcome, moveTo, unixNow } from './transitions';
import { validationErrors } from './validationErrors';

const saveRetryMs = 1000;

interface Sleeper {
  readonly batchId: string | undefined;
  readonly done: () => void;
}

/**
 * Drives batches through their lifecycle: `validating` → `in_progress` → `finalizing` → `completed` (or
 * `failed`, `cancelling` → `cancelled`, `expired`). One async driver per batch; every step is saved, so a
 * restart with the same data dir resumes where it stopped.
 */
export class BatchRunner {
  private readonly drivers = new Map<string, Promise<void>>();
  private readonly scans = new Map<string, Promise<ScanResult>>();
  private readonly sleepers = new Set<Sleeper>();
  private readonly abort = new AbortController();
  private closing = false;
  readonly limits: ValidationLimits;
  private readonly executor: ExecutorSettings;

  constructor(
    private readonly store: Store,
    private readonly options: ResolvedOptions,
  ) {
    this.limits = { maxRequests: options.maxRequestsPerFile, maxBytes: options.maxFileBytes };
    this.executor = {
      seed: options.seed,
      failureRate: options.failureRate,
      failureMarker: options.failureMarker,
      failedOnce: new Set<string>(),
      modelOf: (deployment) => options.deployments.get(deployment)?.model ?? deployment,
    };
  }

  /** Validation of an input file, done once per file (its content never changes). */
  scan(fileId: string): Promise<ScanResult> {
    let scan = this.scans.get(fileId);
    if (scan === undefined) {
      scan = scanInputFile(this.store.blobPath(fileId), this.limits, this.abort.signal);
      scan.catch(() => this.scans.delete(fileId));
      this.scans.set(fileId, scan);
    }
    return scan;
  }

  forgetFile(fileId: string): void {
    this.scans.delete(fileId);
  }

  /** Tokens enqueued for a deployment: the estimates of its batches that are not terminal. */
  enqueuedTokens(deployment: string, exceptBatchId?: string): number {
    let total = 0;
    for (const batch of this.store.batches.values()) {
      if (batch.id !== exceptBatchId && !terminalStatuses.has(batch.status) && batch.internal.deployment === deployment) {
        total += batch.internal.estimatedTokens ?? 0;
      }
    }
    return total;
  }

  /** Starts (or resumes) driving a batch. */
  start(batchId: string): void {
    if (this.closing || this.drivers.has(batchId)) {
      return;
    }
    const driver = this.drive(batchId).finally(() => this.drivers.delete(batchId));
    this.drivers.set(batchId, driver);
  }

  /** Resumes every batch that is not terminal (after a restart). */
  resumeAll(): void {
    for (const batch of this.store.batches.values()) {
      if (!terminalStatuses.has(batch.status)) {
        this.start(batch.id);
      }
    }
  }

  /** Moves a validating or running batch to `cancelling`; false when its status does not allow it. */
  cancel(batch: BatchRecord): boolean {
    const outcome = cancelOutcome(batch.status);
    if (outcome !== 'move') {
      return outcome === 'same';
    }
    moveTo(batch, 'cancelling');
    this.store.changed();
    this.wake(batch.id);
    this.start(batch.id);
    return true;
  }

  async close(): Promise<void> {
    this.closing = true;
    this.abort.abort();
    for (const sleeper of [...this.sleepers]) {
      sleeper.done();
    }
    await Promise.allSettled([...this.drivers.values()]);
  }

  private sleep(batchId: string | undefined, ms: number): Promise<void> {
    if (ms <= 0 || this.closing) {
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const sleeper: Sleeper = {
        batchId,
        done: () => {
          clearTimeout(timer);
          this.sleepers.delete(sleeper);
          resolve();
        },
      };
      const timer = setTimeout(sleeper.done, ms);
      this.sleepers.add(sleeper);
    });
  }

  private wake(batchId: string): void {
    for (const sleeper of [...this.sleepers]) {
      if (sleeper.batchId === batchId) {
        sleeper.done();
      }
    }
  }

  private async drive(id: string): Promise<void> {
    for (;;) {
      const batch = this.store.batches.get(id);
      if (this.closing || batch === undefined || terminalStatuses.has(batch.status)) {
        return;
      }
      const before = batch.status;
      try {
        switch (batch.status) {
          case 'validating':
            await this.validate(batch);
            break;
          case 'in_progress':
            await this.execute(batch);
            break;
          case 'finalizing':
            await this.finalize(batch);
            break;
          case 'cancelling':
            await this.finishCancel(batch);
            break;
        }
      } catch (error) {
        if (this.closing) {
          return;
        }
        this.options.log?.(`batch ${id}: ${error instanceof Error ? error.message : String(error)}`);
        if (error instanceof StateSaveError) {
          // The disk may come back (space freed): the step is redone, the batch is not failed for it.
          await this.sleep(id, saveRetryMs);
          continue;
        }
        this.fail(batch, [{ code: 'internal_error', message: 'The batch could not be processed by the emulator.', param: null, line: null }]);
        return;
      }
      if (batch.status === before && !this.closing) {
        // Every step returns once the status changed; anything else is a bug, not a reason to spin.
        this.options.log?.(`batch ${id}: no progress in status ${before}`);
        return;
      }
      if (terminalStatuses.has(batch.status)) {
        await this.releaseInput(batch);
      }
    }
  }

  /** Deletes the content of an input file deleted while this batch still read it, once no batch needs it. */
  private async releaseInput(batch: BatchRecord): Promise<void> {
    const fileId = batch.input_file_id;
    if (this.store.files.has(fileId)) {
      return;
    }
    for (const other of this.store.batches.values()) {
      if (other.input_file_id === fileId && !terminalStatuses.has(other.status)) {
        return;
      }
    }
    await this.store.removeBlob(fileId);
  }

  /** True while a batch that is not terminal reads this file. */
  inUse(fileId: string): boolean {
    for (const batch of this.store.batches.values()) {
      if (batch.input_file_id === fileId && !terminalStatuses.has(batch.status)) {
        return true;
      }
    }
    return false;
  }

  private fail(batch: BatchRecord, errors: BatchError[]): void {
    moveTo(batch, 'failed');
    batch.errors = { object: 'list', data: errors };
    this.store.changed();
  }

  private async validate(batch: BatchRecord): Promise<void> {
    const [scan] = await Promise.all([
      this.scan(batch.input_file_id).then(
        (result) => result,
        (error: unknown) => error as Error,
      ),
      this.sleep(batch.id, this.options.validatingDelayMs),
    ]);
    if (this.closing || batch.status !== 'validating') {
      return;
    }
    if (scan instanceof Error) {
      this.fail(batch, [{ code: 'invalid_request', message: `The input file '${batch.input_file_id}' could not be read.`, param: 'input_file_id', line: null }]);
      return;
    }
    const errors = validationErrors(scan, batch.endpoint, this.options.deployments);
    if (errors.length > 0) {
      this.fail(batch, errors);
      return;
    }
    const deployment = scan.deployment!;
    const others = this.enqueuedTokens(deployment, batch.id);
    if (others + scan.estimatedTokens > this.options.maxEnqueuedTokens) {
      batch.internal.deployment = deployment;
      this.fail(batch, [tokenLimitError(deployment, others, scan.estimatedTokens, this.options.maxEnqueuedTokens)]);
      return;
    }
    batch.internal.deployment = deployment;
    batch.internal.estimatedTokens = scan.estimatedTokens;
    moveTo(batch, 'in_progress');
    batch.request_counts.total = scan.requests;
    this.store.changed();
  }

  private async openPartial(batch: BatchRecord, kind: 'output' | 'error', length: number): Promise<FileHandle> {
    const path = this.store.partialPath(batch.id, kind);
    try {
      await truncate(path, length);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw error;
      }
    }
    return open(path, 'a');
  }

  private async execute(batch: BatchRecord): Promise<void> {
    const inputPath = this.store.blobPath(batch.input_file_id);
    const ranges = await indexRequests(inputPath, this.abort.signal);
    const count = ranges.length / 2;
    const internal = batch.internal;
    if (internal.orderSeed === undefined) {
      internal.orderSeed = this.options.shuffleOutput ? hash32(this.options.seed, batch.id) : null;
      this.store.changed();
    }
    const order = internal.orderSeed === null ? undefined : permutation(count, internal.orderSeed);
    const input = await open(inputPath, 'r');
    const output = await this.openPartial(batch, 'output', internal.outputBytes);
    const errors = await this.openPartial(batch, 'error', internal.errorBytes);
    const readRow = async (index: number): Promise<string> => {
      const start = ranges[index * 2]!;
      const buffer = Buffer.allocUnsafe(ranges[index * 2 + 1]! - start);
      await input.read(buffer, 0, buffer.length, start);
      return buffer.toString('utf8');
    };
    try {
      while (internal.processed < count) {
        if (this.closing || batch.status !== 'in_progress') {
          return;
        }
        if (this.options.expireAfterMs !== undefined && Date.now() - internal.createdMs >= this.options.expireAfterMs) {
          await this.expire(batch, count, order, readRow, errors);
          return;
        }
        if (this.options.requestDelayMs > 0) {
          await this.sleep(batch.id, this.options.requestDelayMs);
          if (this.closing || batch.status !== 'in_progress') {
            return;
          }
        } else if (internal.processed % 200 === 0) {
          await new Promise((resolve) => setImmediate(resolve));
        }
        const index = order ? order[internal.processed]! : internal.processed;
        // The batch's creation number is stable across restarts and differs for every retry batch.
        const outcome = executeRow(await readRow(index), this.executor, `${internal.seq}:${index}`);
        const data = Buffer.from(outcome.line + '\n');
        if (outcome.ok) {
          await output.write(data);
          internal.outputBytes += data.length;
          batch.request_counts.completed++;
        } else {
          await errors.write(data);
          internal.errorBytes += data.length;
          batch.request_counts.failed++;
        }
        internal.processed++;
        this.store.changed();
      }
      moveTo(batch, 'finalizing');
      this.store.changed();
    } finally {
      await Promise.allSettled([input.close(), output.close(), errors.close()]);
    }
  }

  /** The completion window passed: the rows not run go to the error file as `batch_expired`. */
  private async expire(
    batch: BatchRecord,
    count: number,
    order: Uint32Array | undefined,
    readRow: (index: number) => Promise<string>,
    errors: FileHandle,
  ): Promise<void> {
    const internal = batch.internal;
    for (let k = internal.processed; k < count; k++) {
      const raw = await readRow(order ? order[k]! : k);
      const data = Buffer.from(notExecutedLine(raw, 'batch_expired', 'This request could not be executed before the completion window expired.') + '\n');
      await errors.write(data);
      internal.errorBytes += data.length;
    }
    internal.processed = count;
    await this.publishResults(batch);
    this.endWithResults(batch, 'expired');
  }

  private async finalize(batch: BatchRecord): Promise<void> {
    await this.sleep(undefined, this.options.finalizingDelayMs);
    if (this.closing) {
      return;
    }
    await this.publishResults(batch);
    this.endWithResults(batch, 'completed');
  }

  private async finishCancel(batch: BatchRecord): Promise<void> {
    await this.sleep(undefined, this.options.cancellingDelayMs);
    if (this.closing) {
      return;
    }
    if (batch.in_progress_at !== null) {
      // What finished is kept: an output file with the finished rows, an error file with the failed ones.
      await this.publishResults(batch);
    }
    this.endWithResults(batch, 'cancelled');
  }

  /**
   * Turns the partial output and error files into `batch_output` files and sets their ids on the batch. Both
   * are always created: Azure gives a successful job an `error_file_id` pointing at an empty file.
   */
  private async publishResults(batch: BatchRecord): Promise<void> {
    const now = unixNow();
    for (const kind of ['output', 'error'] as const) {
      const already = kind === 'output' ? batch.output_file_id ?? batch.internal.publishedOutputId : batch.error_file_id ?? batch.internal.publishedErrorId;
      if (already !== undefined && already !== null) {
        continue;
      }
      const id = ids.generatedFile();
      const partial = this.store.partialPath(batch.id, kind);
      const length = kind === 'output' ? batch.internal.outputBytes : batch.internal.errorBytes;
      try {
        await truncate(partial, length);
        await rename(partial, this.store.blobPath(id));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
          throw error;
        }
        await writeFile(this.store.blobPath(id), '');
      }
      const bytes = (await stat(this.store.blobPath(id))).size;
      const expiresAfter = batch.internal.outputExpiresAfter;
      this.store.files.set(id, {
        id,
        bytes,
        created_at: now,
        filename: `${batch.id}_${kind}.jsonl`,
        purpose: 'batch_output',
        status: 'processed',
        status_details: null,
        expires_at: expiresAfter === undefined ? null : now + expiresAfter,
        seq: this.store.nextSeq(),
        expiresAfterSet: expiresAfter !== undefined,
      });
      // Azure shows the ids with the terminal status, never during finalizing: they wait in the internal record.
      if (kind === 'output') {
        batch.internal.publishedOutputId = id;
      } else {
        batch.internal.publishedErrorId = id;
      }
      this.store.changed();
      await this.store.flush();
    }
  }

  /** Moves to a terminal status and shows the published result files with it, in one step no request can split. */
  private endWithResults(batch: BatchRecord, status: 'completed' | 'expired' | 'cancelled'): void {
    batch.output_file_id ??= batch.internal.publishedOutputId ?? null;
    batch.error_file_id ??= batch.internal.publishedErrorId ?? null;
    moveTo(batch, status);
    this.store.changed();
  }
}

/** The error of a batch over the deployment's enqueued-token quota (also the fail-fast 400's code). */
export function tokenLimitError(deployment: string, enqueued: number, needed: number, limit: number): BatchError {
  return {
    code: 'token_limit_exceeded',
    message:
      `Enqueued token limit reached for deployment '${deployment}': ${enqueued} tokens are enqueued, this batch needs about ${needed} ` +
      `and the limit is ${limit}. Please try again after some of the enqueued batches have completed.`,
    param: null,
    line: null,
  };
}
