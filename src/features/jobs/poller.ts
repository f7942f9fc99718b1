import * as vscode from 'vscode';
import { CONFIG_SECTION, Settings } from '../../constants';
import { isLoopbackEndpoint } from '../../core/batch/connection';
import { azurePollSettings, emulatorPollSettings, nextPollDelay, type PollSettings } from '../../core/batch/pollSchedule';
import type { Connection } from '../connections/connectionStore';
import { Disposable } from '../lifecycle';
import type { JobsModel } from './jobsModel';

interface Schedule {
  timer: NodeJS.Timeout | undefined;
  delay: number | undefined;
  running: boolean;
}

/**
 * Keeps active jobs fresh with a chained timer per connection: quick right after a submission, then
 * backing off while nothing changes; paused while the window is unfocused (and checked again on focus);
 * stopped when no job is active. One list call per connection per tick.
 */
export class JobPoller extends Disposable {
  private readonly schedules = new Map<string, Schedule>();
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

  /** Starts (or speeds up) polling a connection, e.g. right after a submission. */
  kick(connectionId: string, immediately = false): void {
    const schedule = this.schedule(connectionId);
    clearTimeout(schedule.timer);
    schedule.delay = undefined;
    this.arm(connectionId, immediately ? 0 : undefined);
  }

  /** Polls every connection that has active jobs (at start-up and after a reload). */
  resumeAll(): void {
    const connections = new Set(this.model.store.active().map((job) => job.connectionId));
    for (const id of connections) {
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
    super.dispose();
  }

  private schedule(connectionId: string): Schedule {
    let schedule = this.schedules.get(connectionId);
    if (!schedule) {
      schedule = { timer: undefined, delay: undefined, running: false };
      this.schedules.set(connectionId, schedule);
    }
    return schedule;
  }

  private arm(connectionId: string, delay?: number): void {
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
    if (!connection || this.model.store.active(connectionId).length === 0) {
      this.schedules.delete(connectionId);
      return;
    }
    if (this.paused) {
      // Picked up again by resumeAll() when the window regains focus.
      return;
    }
    schedule.running = true;
    let changed = false;
    try {
      changed = await this.model.refreshActive(connection);
    } catch (error) {
      this.log.warn(`Polling ${connection.name} failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      schedule.running = false;
    }
    if (this.model.store.active(connectionId).length === 0) {
      this.schedules.delete(connectionId);
      return;
    }
    const settings = settingsFor(connection);
    schedule.delay = nextPollDelay(schedule.delay ?? settings.firstMs, changed, settings);
    schedule.timer = setTimeout(() => void this.tick(connectionId), schedule.delay);
  }
}

function settingsFor(connection: Connection): PollSettings {
  const config = vscode.workspace.getConfiguration(CONFIG_SECTION);
  if (connection.emulator || isLoopbackEndpoint(connection.endpoint)) {
    return emulatorPollSettings(config.get<number>(Settings.emulatorPollIntervalSeconds, 1));
  }
  return azurePollSettings(config.get<number>(Settings.pollIntervalSeconds, 60), config.get<number>(Settings.maxPollIntervalSeconds, 300));
}
