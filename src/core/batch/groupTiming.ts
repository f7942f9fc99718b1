import type { GroupState } from './groupRunner';

/**
 * How long a job group has run, in ms, by the service's clock: from its first part's job created (the group's
 * own creation while no part went out yet) to its last part's finish once every part is done, or to `now`
 * while any part is still queued or running. `finishedAt` (seconds) is the fallback end when no part has a
 * finish time (every part cancelled before it went out). Undefined for a finished group with no end known
 * (saved before finish times were kept): better no duration than one that keeps growing.
 */
export function groupElapsedMs(state: Pick<GroupState, 'createdAt' | 'parts'>, now: number, finishedAt?: number): number | undefined {
  const created = state.parts.map((part) => part.createdAt).filter((at): at is number => at !== undefined);
  const start = created.length > 0 ? Math.min(...created) : state.createdAt;
  const done = state.parts.every((part) => part.status === 'done');
  let end: number | undefined;
  if (done) {
    const finished = state.parts.map((part) => part.finishedAt).filter((at): at is number => at !== undefined);
    end = finished.length > 0 ? Math.max(...finished) : finishedAt;
  } else {
    // Whole seconds on both sides, like the service's timestamps, so the time never seems to run backwards.
    end = Math.floor(now / 1000);
  }
  return end === undefined ? undefined : Math.max(0, end - start) * 1000;
}
