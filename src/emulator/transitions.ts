import type { BatchRecord, BatchStatus } from './store';

/** Seconds since the epoch, as the Batch object's times are. */
export const unixNow = (): number => Math.floor(Date.now() / 1000);

type Stamp = 'in_progress_at' | 'finalizing_at' | 'completed_at' | 'failed_at' | 'expired_at' | 'cancelling_at' | 'cancelled_at';

/** The time field each status sets when a batch enters it (`validating` is `created_at`, set at creation). */
const stampOf: Readonly<Record<Exclude<BatchStatus, 'validating'>, Stamp>> = {
  in_progress: 'in_progress_at',
  finalizing: 'finalizing_at',
  completed: 'completed_at',
  failed: 'failed_at',
  expired: 'expired_at',
  cancelling: 'cancelling_at',
  cancelled: 'cancelled_at',
};

/** Moves a batch to `status` and stamps the time field of that status, so the two never disagree. */
export function moveTo(batch: BatchRecord, status: Exclude<BatchStatus, 'validating'>): void {
  batch.status = status;
  batch[stampOf[status]] = unixNow();
}

/**
 * Whether a cancel of a batch in this status is accepted: `move` for validating and running batches, `same` for
 * one already cancelling or cancelled (idempotent), `refuse` for the rest (finalizing or finished: a 409).
 */
export function cancelOutcome(status: BatchStatus): 'move' | 'same' | 'refuse' {
  if (status === 'cancelling' || status === 'cancelled') {
    return 'same';
  }
  return status === 'validating' || status === 'in_progress' ? 'move' : 'refuse';
}

/** What a create fixes about a new batch; everything else starts empty. */
export interface NewBatch {
  readonly id: string;
  readonly endpoint: string;
  readonly inputFileId: string;
  readonly metadata: Record<string, string> | null;
  readonly seq: number;
  readonly outputExpiresAfter: number | undefined;
  /** Milliseconds since the epoch. */
  readonly nowMs: number;
}

/** A batch as it is created: `validating`, no times but `created_at` and `expires_at`, no files, no counts. */
export function newBatchRecord(fields: NewBatch): BatchRecord {
  const created = Math.floor(fields.nowMs / 1000);
  return {
    id: fields.id,
    endpoint: fields.endpoint,
    errors: null,
    input_file_id: fields.inputFileId,
    completion_window: '24h',
    status: 'validating',
    output_file_id: null,
    error_file_id: null,
    created_at: created,
    in_progress_at: null,
    // Live Azure answers carry expires_at (created_at + 24 h) from creation on; the spec example shows null.
    expires_at: created + 24 * 3600,
    finalizing_at: null,
    completed_at: null,
    failed_at: null,
    expired_at: null,
    cancelling_at: null,
    cancelled_at: null,
    request_counts: { total: 0, completed: 0, failed: 0 },
    metadata: fields.metadata,
    internal: { seq: fields.seq, createdMs: fields.nowMs, processed: 0, outputBytes: 0, errorBytes: 0, outputExpiresAfter: fields.outputExpiresAfter },
  };
}
