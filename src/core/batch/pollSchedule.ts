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
