/** How often to ask a service about running jobs. */
export interface PollSettings {
  /** The first check right after a submission. */
  readonly firstMs: number;
  /** The regular interval, and the shortest after the first check (60 s against Azure, as Microsoft asks). */
  readonly floorMs: number;
  /** The longest interval while nothing changes. */
  readonly maxMs: number;
}

/** Azure: look once soon after submitting, then no more than once a minute, backing off to `maxSeconds`. */
export function azurePollSettings(floorSeconds = 60, maxSeconds = 300): PollSettings {
  const floor = Math.max(60, floorSeconds) * 1000;
  return { firstMs: 10_000, floorMs: floor, maxMs: Math.max(floor, maxSeconds * 1000) };
}

/** The local emulator: quick, since it costs nothing. */
export function emulatorPollSettings(intervalSeconds = 1): PollSettings {
  const floor = Math.max(0.2, intervalSeconds) * 1000;
  return { firstMs: Math.min(500, floor), floorMs: floor, maxMs: floor * 5 };
}

/**
 * The delay before the next check: `firstMs` right after a submission (no previous delay), back to
 * the floor whenever something changed, otherwise half again as long, up to `maxMs`.
 */
export function nextPollDelay(previousMs: number | undefined, changed: boolean, settings: PollSettings): number {
  if (previousMs === undefined) {
    return settings.firstMs;
  }
  if (changed) {
    return settings.floorMs;
  }
  return Math.min(settings.maxMs, Math.max(settings.floorMs, Math.round(previousMs * 1.5)));
}

/** Queues (job groups) step no more often than this, even when a wake time is nearer. */
export const MIN_WAKE_MS = 100;

/**
 * The wait before a queue's next step: until the time it asked to be woken (a token-limit backoff ending),
 * but no sooner than {@link MIN_WAKE_MS} and no later than the floor; the floor when it asked for nothing.
 */
export function wakeDelay(wakeAt: number | undefined, floorMs: number, now: number): number {
  return wakeAt !== undefined ? Math.max(MIN_WAKE_MS, Math.min(floorMs, wakeAt - now)) : floorMs;
}

/**
 * One poll loop for everything on a connection: the jobs' backed-off delay (when jobs are running) and each
 * queue's wake delay; the loop waits for the soonest. Undefined when nothing is left to poll.
 */
export function loopDelay(jobsMs: number | undefined, queueMs: readonly number[]): number | undefined {
  const all = jobsMs === undefined ? queueMs : [jobsMs, ...queueMs];
  return all.length === 0 ? undefined : Math.min(...all);
}
