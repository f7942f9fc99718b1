/** The raw statuses the service reports for a batch. */
export type BatchStatus = 'validating' | 'failed' | 'in_progress' | 'finalizing' | 'completed' | 'expired' | 'cancelling' | 'cancelled';

/** What a user needs to know about a job, derived in one place from the raw status and counts. */
export type JobPhase = 'active' | 'succeeded' | 'partial' | 'failed' | 'cancelled' | 'expired';

export interface JobCounts {
  readonly total: number;
  readonly completed: number;
  readonly failed: number;
}

export interface JobState {
  readonly phase: JobPhase;
  /** Terminal: the service will not change the job any more. */
  readonly done: boolean;
  /** A short label: "Validating", "In progress 40%", "Finalizing 100%", "Completed", "Failed: 0 of 5 succeeded". */
  readonly label: string;
  /** 0..1 while running, when the total is known. */
  readonly progress: number | undefined;
  /** Can be cancelled now. */
  readonly cancellable: boolean;
}

const terminal: ReadonlySet<string> = new Set(['failed', 'completed', 'expired', 'cancelled']);

/** True once the service will not change the job any more. */
export function isTerminal(status: string): boolean {
  return terminal.has(status);
}

/**
 * Maps a raw status and counts to what users see. "Finalizing 100%" is still running; a job that
 * completed with no successful request is a failure, not a success.
 */
export function jobState(status: string, counts: JobCounts | undefined): JobState {
  const total = counts?.total ?? 0;
  const finished = (counts?.completed ?? 0) + (counts?.failed ?? 0);
  const progress = total > 0 ? Math.min(1, finished / total) : undefined;
  const percent = progress === undefined ? '' : ` ${Math.floor(progress * 100)}%`;
  switch (status) {
    case 'validating':
      return { phase: 'active', done: false, label: 'Validating', progress: undefined, cancellable: true };
    case 'in_progress':
      return { phase: 'active', done: false, label: `In progress${percent}`, progress, cancellable: true };
    case 'finalizing':
      return { phase: 'active', done: false, label: `Finalizing${percent}`, progress, cancellable: false };
    case 'cancelling':
      return { phase: 'active', done: false, label: 'Cancelling', progress, cancellable: false };
    case 'completed': {
      const succeeded = counts?.completed ?? 0;
      if (total > 0 && succeeded === 0) {
        return { phase: 'failed', done: true, label: `Failed: 0 of ${total} succeeded`, progress: 1, cancellable: false };
      }
      if ((counts?.failed ?? 0) > 0) {
        return { phase: 'partial', done: true, label: `Completed with ${counts!.failed} failed`, progress: 1, cancellable: false };
      }
      return { phase: 'succeeded', done: true, label: 'Completed', progress: 1, cancellable: false };
    }
    case 'failed':
      return { phase: 'failed', done: true, label: 'Failed', progress: undefined, cancellable: false };
    case 'cancelled':
      return { phase: 'cancelled', done: true, label: 'Cancelled', progress, cancellable: false };
    case 'expired':
      return { phase: 'expired', done: true, label: 'Expired', progress, cancellable: false };
    default:
      return { phase: 'active', done: false, label: status, progress, cancellable: false };
  }
}
