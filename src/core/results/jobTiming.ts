/** The timestamps of a batch (seconds since the epoch), as the service reports them. */
export interface BatchTimes {
  readonly created_at?: number | null;
  readonly in_progress_at?: number | null;
  readonly finalizing_at?: number | null;
  readonly completed_at?: number | null;
  readonly failed_at?: number | null;
  readonly cancelled_at?: number | null;
  readonly expired_at?: number | null;
}

export type JobPhaseName = 'validating' | 'in_progress' | 'finalizing' | 'total';

/** How long a job spent in one phase, in seconds. */
export interface PhaseDuration {
  readonly phase: JobPhaseName;
  readonly seconds: number;
}

/**
 * How long a job spent validating (created → in progress), in progress (→ finalizing) and finalizing (→
 * completed), and in all. A phase the job left by ending (failed in validation, cancelled or expired while
 * running) ends at that time; a phase it never reached, or whose timestamps are missing, is left out.
 */
export function phaseDurations(times: BatchTimes): PhaseDuration[] {
  const ended = times.completed_at ?? times.failed_at ?? times.cancelled_at ?? times.expired_at ?? undefined;
  const steps: [JobPhaseName, number | null | undefined, number | null | undefined][] = [
    ['validating', times.created_at, times.in_progress_at ?? (times.finalizing_at ? undefined : ended)],
    ['in_progress', times.in_progress_at, times.finalizing_at ?? ended],
    ['finalizing', times.finalizing_at, times.completed_at ?? ended],
    ['total', times.created_at, ended],
  ];
  const durations: PhaseDuration[] = [];
  for (const [phase, start, end] of steps) {
    if (start && end && end >= start) {
      durations.push({ phase, seconds: end - start });
    }
  }
  return durations;
}
