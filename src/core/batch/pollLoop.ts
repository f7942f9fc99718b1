import { loopDelay, nextPollDelay, wakeDelay, type PollSettings } from './pollSchedule';

/** Whether the window has focus, and when that changes (vscode.window.state in the extension; a fake in tests). */
export interface WindowFocus {
  readonly focused: boolean;
  readonly onDidChange: (listener: (focused: boolean) => void) => { dispose(): void };
}

/** The timer functions the loop uses: the global ones, or a test clock. */
export interface PollTimers {
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

const globalTimers: PollTimers = {
  setTimeout: (run, ms) => setTimeout(run, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout | undefined),
  now: () => Date.now(),
};

/** Other work polled on the same loop as the jobs (the job groups' queues). */
export interface PollSource<C> {
  /** The connections this source has work on. */
  activeConnections(): Iterable<string>;
  /** One round on a connection; `wakeAt` (ms since the epoch) asks for the next round by then. */
  poll(connection: C): Promise<{ readonly wakeAt?: number }>;
}

/** The running jobs the loop brings up to date, and the connections they run on. */
export interface PolledJobs<C> {
  connection(connectionId: string): C | undefined;
  /** The connections with running jobs (one entry per job is fine). */
  activeConnections(): Iterable<string>;
  hasActive(connectionId: string): boolean;
  /** Brings the connection's running jobs up to date; whether anything changed. */
  refresh(connection: C): Promise<boolean>;
}

export interface PollLoopOptions<C> {
  readonly jobs: PolledJobs<C>;
  readonly settingsFor: (connection: C) => PollSettings;
  readonly focus: WindowFocus;
  readonly warn: (line: string) => void;
  readonly timers?: PollTimers;
}

interface Schedule {
  timer: unknown;
  /** The jobs' backed-off delay. */
  delay: number | undefined;
  running: boolean;
  /** Kicked while a round ran: go again right after it. */
  again: boolean;
}

/**
 * The one poll loop: a chained timer per connection that brings its running jobs up to date (one list call
 * per tick) and steps the sources' work there (the job groups). Quick right after a submission, then backing
 * off while nothing changes; paused while the window is unfocused (and run again on focus); stopped when
 * nothing is active; cleared on dispose.
 */
export class PollLoop<C extends { readonly name: string }> {
  private readonly schedules = new Map<string, Schedule>();
  private readonly sources = new Set<PollSource<C>>();
  private readonly timers: PollTimers;
  private readonly focusListener: { dispose(): void };
  private paused: boolean;
  private disposed = false;

  constructor(private readonly options: PollLoopOptions<C>) {
    this.timers = options.timers ?? globalTimers;
    this.paused = !options.focus.focused;
    this.focusListener = options.focus.onDidChange((focused) => {
      const wasPaused = this.paused;
      this.paused = !focused;
      if (wasPaused && !this.paused) {
        this.resumeAll();
      }
    });
  }

  /** Polls the source's work on this loop too. */
  addSource(source: PollSource<C>): { dispose(): void } {
    this.sources.add(source);
    return { dispose: () => this.sources.delete(source) };
  }

  /** Starts (or speeds up) polling a connection, e.g. right after a submission. */
  kick(connectionId: string, immediately = false): void {
    const schedule = this.schedule(connectionId);
    if (schedule.running) {
      schedule.again = true;
      return;
    }
    this.timers.clearTimeout(schedule.timer);
    schedule.delay = undefined;
    this.arm(connectionId, immediately ? 0 : undefined);
  }

  /** Polls every connection that has active work (at start-up, after a reload, when the window regains focus). */
  resumeAll(): void {
    for (const id of this.activeConnections()) {
      const schedule = this.schedule(id);
      if (!schedule.running) {
        this.timers.clearTimeout(schedule.timer);
        this.arm(id, 0);
      }
    }
  }

  dispose(): void {
    this.disposed = true;
    this.focusListener.dispose();
    for (const schedule of this.schedules.values()) {
      this.timers.clearTimeout(schedule.timer);
    }
    this.schedules.clear();
    this.sources.clear();
  }

  private activeConnections(): Set<string> {
    const ids = new Set(this.options.jobs.activeConnections());
    for (const source of this.sources) {
      for (const id of source.activeConnections()) {
        ids.add(id);
      }
    }
    return ids;
  }

  private schedule(connectionId: string): Schedule {
    let schedule = this.schedules.get(connectionId);
    if (!schedule) {
      schedule = { timer: undefined, delay: undefined, running: false, again: false };
      this.schedules.set(connectionId, schedule);
    }
    return schedule;
  }

  private arm(connectionId: string, delay?: number): void {
    if (this.disposed) {
      return;
    }
    const schedule = this.schedule(connectionId);
    const connection = this.options.jobs.connection(connectionId);
    if (!connection) {
      this.schedules.delete(connectionId);
      return;
    }
    const wait = delay ?? nextPollDelay(schedule.delay, false, this.options.settingsFor(connection));
    schedule.delay = delay === 0 ? schedule.delay : wait;
    schedule.timer = this.timers.setTimeout(() => void this.tick(connectionId), wait);
  }

  private async tick(connectionId: string): Promise<void> {
    const { jobs, warn } = this.options;
    const schedule = this.schedule(connectionId);
    schedule.timer = undefined;
    const connection = jobs.connection(connectionId);
    if (!connection || !this.activeConnections().has(connectionId)) {
      this.schedules.delete(connectionId);
      return;
    }
    if (this.paused) {
      // Picked up again by resumeAll() when the window regains focus.
      return;
    }
    schedule.running = true;
    schedule.again = false;
    let changed = false;
    const wakes: number[] = [];
    const settings = this.options.settingsFor(connection);
    try {
      if (jobs.hasActive(connectionId)) {
        changed = await jobs.refresh(connection);
      }
    } catch (error) {
      warn(`Polling ${connection.name} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    for (const source of this.sources) {
      if (![...source.activeConnections()].includes(connectionId)) {
        continue;
      }
      try {
        const round = await source.poll(connection);
        wakes.push(wakeDelay(round.wakeAt, settings.floorMs, this.timers.now()));
      } catch (error) {
        warn(`Polling ${connection.name} failed: ${error instanceof Error ? error.message : String(error)}`);
        wakes.push(settings.floorMs);
      }
    }
    schedule.running = false;
    if (this.disposed) {
      return;
    }
    const jobsActive = jobs.hasActive(connectionId);
    if (jobsActive) {
      schedule.delay = nextPollDelay(schedule.delay ?? settings.firstMs, changed, settings);
    }
    // Sources whose work just finished ask for no more rounds.
    const stillActive = [...this.sources].some((source) => [...source.activeConnections()].includes(connectionId));
    const queueWaits = stillActive ? (wakes.length > 0 ? wakes : [settings.floorMs]) : [];
    const wait = schedule.again ? 0 : loopDelay(jobsActive ? schedule.delay : undefined, queueWaits);
    if (wait === undefined) {
      this.schedules.delete(connectionId);
      return;
    }
    this.timers.clearTimeout(schedule.timer);
    schedule.timer = this.timers.setTimeout(() => void this.tick(connectionId), wait);
  }
}
