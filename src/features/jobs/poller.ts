import * as vscode from 'vscode';
import { CONFIG_SECTION, Settings } from '../../constants';
import { isLoopbackEndpoint } from '../../core/batch/connection';
import { azurePollSettings, emulatorPollSettings, loopDelay, nextPollDelay, wakeDelay, type PollSettings } from '../../core/batch/pollSchedule';
import type { Connection } from '../connections/connectionStore';
import { Disposable } from '../lifecycle';
import type { JobsModel } from './jobsModel';

/** Other work polled on the same loop as the jobs (the job groups' queues). */
export interface PollSource {
  /** The connections this source has work on. */
  activeConnections(): Iterable<string>;
  /** One round on a connection; `wakeAt` (ms since the epoch) asks for the next round by then. */
  poll(connection: Connection): Promise<{ readonly wakeAt?: number }>;
}

interface Schedule {
  timer: NodeJS.Timeout | undefined;
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
export class JobPoller extends Disposable {
  private readonly schedules = new Map<string, Schedule>();
  private readonly sources = new Set<PollSource>();
  private paused = false;

  constructor(
    private readonly model: JobsModel,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this.paused = !vscode.window.state.focused;
    this.register(
      vscode.window.onDidChangeWindowState((state) => {
        const wasPaused = this.paused;
        this.paused = !state.focused;
        if (wasPaused && !this.paused) {
          this.resumeAll();
        }
      }),
    );
  }

  /** Polls the source's work on this loop too. */
  addSource(source: PollSource): vscode.Disposable {
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
    clearTimeout(schedule.timer);
    schedule.delay = undefined;
    this.arm(connectionId, immediately ? 0 : undefined);
  }

  /** Polls every connection that has active work (at start-up, after a reload, when the window regains focus). */
  resumeAll(): void {
    for (const id of this.activeConnections()) {
      const schedule = this.schedule(id);
      if (!schedule.running) {
        clearTimeout(schedule.timer);
        this.arm(id, 0);
      }
    }
  }

  override dispose(): void {
    for (const schedule of this.schedules.values()) {
      clearTimeout(schedule.timer);
    }
    this.schedules.clear();
    this.sources.clear();
    super.dispose();
  }

  private activeConnections(): Set<string> {
    const ids = new Set(this.model.store.active().map((job) => job.connectionId));
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
    if (this.isDisposed) {
      return;
    }
    const schedule = this.schedule(connectionId);
    const connection = this.model.connections.get(connectionId);
    if (!connection) {
      this.schedules.delete(connectionId);
      return;
    }
    const wait = delay ?? nextPollDelay(schedule.delay, false, settingsFor(connection));
    schedule.delay = delay === 0 ? schedule.delay : wait;
    schedule.timer = setTimeout(() => void this.tick(connectionId), wait);
  }

  private async tick(connectionId: string): Promise<void> {
    const schedule = this.schedule(connectionId);
    schedule.timer = undefined;
    const connection = this.model.connections.get(connectionId);
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
    const settings = settingsFor(connection);
    try {
      if (this.model.store.active(connectionId).length > 0) {
        changed = await this.model.refreshActive(connection);
      }
    } catch (error) {
      this.log.warn(`Polling ${connection.name} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    for (const source of this.sources) {
      if (![...source.activeConnections()].includes(connectionId)) {
        continue;
      }
      try {
        const round = await source.poll(connection);
        wakes.push(wakeDelay(round.wakeAt, settings.floorMs, Date.now()));
      } catch (error) {
        this.log.warn(`Polling ${connection.name} failed: ${error instanceof Error ? error.message : String(error)}`);
        wakes.push(settings.floorMs);
      }
    }
    schedule.running = false;
    if (this.isDisposed) {
      return;
    }
    const jobsActive = this.model.store.active(connectionId).length > 0;
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
    clearTimeout(schedule.timer);
    schedule.timer = setTimeout(() => void this.tick(connectionId), wait);
  }
}

function settingsFor(connection: Connection): PollSettings {
  const config = vscode.workspace.getConfiguration(CONFIG_SECTION);
  if (connection.emulator || isLoopbackEndpoint(connection.endpoint)) {
    return emulatorPollSettings(config.get<number>(Settings.emulatorPollIntervalSeconds, 1));
  }
  return azurePollSettings(config.get<number>(Settings.pollIntervalSeconds, 60), config.get<number>(Settings.maxPollIntervalSeconds, 300));
}
