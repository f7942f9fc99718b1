import * as assert from 'node:assert/strict';
import { PollLoop, type PollSource, type PollTimers, type WindowFocus } from '../../src/core/batch/pollLoop';
import type { PollSettings } from '../../src/core/batch/pollSchedule';

// The jobs' poll loop outside the extension host: the window's focus and the timers are fakes, the jobs and a
// job group's queue are stubs that count the requests they would send to the service.

const settings: PollSettings = { firstMs: 50, floorMs: 100, maxMs: 500 };

/** Timers on a clock that moves only when the test says, letting each round's promises settle. */
class TestClock implements PollTimers {
  private time = 0;
  private nextId = 1;
  private readonly due = new Map<number, { at: number; run: () => void }>();

  setTimeout(run: () => void, ms: number): number {
    const id = this.nextId++;
    this.due.set(id, { at: this.time + ms, run });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.due.delete(handle as number);
  }

  now(): number {
    return this.time;
  }

  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    await settle();
    for (;;) {
      const next = [...this.due].filter(([, timer]) => timer.at <= end).sort(([, a], [, b]) => a.at - b.at)[0];
      if (!next) {
        break;
      }
      this.due.delete(next[0]);
      this.time = next[1].at;
      next[1].run();
      await settle();
    }
    this.time = end;
  }
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

class TestFocus implements WindowFocus {
  private listeners = new Set<(focused: boolean) => void>();
  constructor(public focused: boolean) {}

  readonly onDidChange = (listener: (focused: boolean) => void) => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };

  set(focused: boolean): void {
    this.focused = focused;
    for (const listener of this.listeners) {
      listener(focused);
    }
  }
}

interface TestConnection {
  readonly id: string;
  readonly name: string;
}

/** A loop over running jobs on `jobConnections` and a group queue with work on `groupConnections`. */
function loopWith(options: { focused: boolean; jobConnections: string[]; groupConnections: string[] }) {
  const clock = new TestClock();
  const focus = new TestFocus(options.focused);
  const requests: string[] = [];
  const connections = new Map(['c1', 'c2', 'c3'].map((id) => [id, { id, name: id }]));
  const loop = new PollLoop<TestConnection>({
    jobs: {
      connection: (id) => connections.get(id),
      activeConnections: () => options.jobConnections,
      hasActive: (id) => options.jobConnections.includes(id),
      refresh: async (connection) => {
        requests.push(`jobs:${connection.id}`);
        return false;
      },
    },
    settingsFor: () => settings,
    focus,
    warn: () => undefined,
    timers: clock,
  });
  const groups: PollSource<TestConnection> = {
    activeConnections: () => options.groupConnections,
    poll: async (connection) => {
      requests.push(`group:${connection.id}`);
      return {};
    },
  };
  loop.addSource(groups);
  return { loop, clock, focus, requests };
}

describe('the poll loop and the window focus', () => {
  it('sends no request for jobs or group parts while the window is unfocused, however often it is kicked', async () => {
    const { loop, clock, requests } = loopWith({ focused: false, jobConnections: ['c1'], groupConnections: ['c1', 'c2'] });
    loop.resumeAll();
    loop.kick('c1', true);
    loop.kick('c2');
    await clock.advance(10 * settings.maxMs);
    loop.kick('c1', true);
    await clock.advance(10 * settings.maxMs);
    assert.deepEqual(requests, [], 'ten of the longest intervals, twice, and not one poll');
    loop.dispose();
  });

  it('stops polling when the window loses focus, polls every connection with work once on focus, then keeps its schedule', async () => {
    const { loop, clock, focus, requests } = loopWith({ focused: true, jobConnections: ['c1'], groupConnections: ['c2'] });
    loop.resumeAll();
    await clock.advance(0);
    assert.deepEqual(requests.sort(), ['group:c2', 'jobs:c1'], 'start-up polls both');
    await clock.advance(3 * settings.maxMs);
    assert.ok(requests.filter((r) => r === 'group:c2').length >= 4, `the group queue is stepped every floor: ${requests}`);

    focus.set(false);
    // A round already due when focus went lands on the pause and arms nothing more.
    await clock.advance(settings.maxMs);
    const beforeBlurEnded = requests.length;
    await clock.advance(20 * settings.maxMs);
    assert.equal(requests.length, beforeBlurEnded, 'nothing is polled while the window is unfocused');

    requests.length = 0;
    focus.set(true);
    await clock.advance(0);
    assert.deepEqual(requests.sort(), ['group:c2', 'jobs:c1'], 'on focus, one immediate poll of each connection with active work (c3 has none)');

    await clock.advance(settings.floorMs - 1);
    assert.equal(requests.length, 2, 'then no poll sooner than the floor');
    await clock.advance(settings.maxMs);
    assert.ok(requests.includes('jobs:c1') && requests.filter((r) => r === 'jobs:c1').length === 2, `the jobs are polled again within the longest interval: ${requests}`);
    assert.ok(requests.filter((r) => r === 'group:c2').length >= 2, `the group queue is stepped again on its schedule: ${requests}`);
    loop.dispose();
  });

  it('an unfocused start waits for focus, then polls both the jobs and the group parts', async () => {
    const { loop, clock, focus, requests } = loopWith({ focused: false, jobConnections: ['c1'], groupConnections: ['c1'] });
    loop.resumeAll();
    await clock.advance(5 * settings.maxMs);
    assert.deepEqual(requests, []);
    focus.set(true);
    await clock.advance(0);
    assert.deepEqual(requests, ['jobs:c1', 'group:c1'], 'one round on the connection: its jobs, then its group parts');
    focus.set(true);
    await clock.advance(0);
    assert.equal(requests.length, 2, 'a focus event while focused is no new round');
    loop.dispose();
  });

  it('polls nothing after dispose, focus or not', async () => {
    const { loop, clock, focus, requests } = loopWith({ focused: true, jobConnections: ['c1'], groupConnections: ['c2'] });
    loop.dispose();
    focus.set(false);
    focus.set(true);
    loop.kick('c1', true);
    await clock.advance(5 * settings.maxMs);
    assert.deepEqual(requests, []);
  });
});
