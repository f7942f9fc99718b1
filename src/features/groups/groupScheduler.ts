import * as vscode from 'vscode';
import { CONFIG_SECTION, Settings } from '../../constants';
import { isLoopbackEndpoint } from '../../core/batch/connection';
import { GroupRunner, type GroupState } from '../../core/batch/groupRunner';
import type { ConnectionStore } from '../connections/connectionStore';
import type { ClientFactory } from '../connections/credentials';
import type { GroupRecord, GroupStore } from './groupStore';

/**
 * Drives every unfinished job group: one {@link GroupRunner} step per tick (one list call per group),
 * submitting parts as the quota allows. State is saved after every change, and groups left unfinished
 * by a reload or crash resume at start-up.
 */
export class GroupScheduler implements vscode.Disposable {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly running = new Set<string>();
  private readonly finished = new vscode.EventEmitter<GroupRecord>();
  /** A group's last part reached a terminal state. */
  readonly onDidFinishGroup = this.finished.event;
  private disposed = false;

  constructor(
    private readonly groups: GroupStore,
    private readonly connections: ConnectionStore,
    private readonly clients: ClientFactory,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** Starts a new group (or wakes one up) right away. */
  start(groupId: string): void {
    this.schedule(groupId, 0);
  }

  /** Resumes every unfinished group (at activation). */
  resumeAll(): void {
    for (const group of this.groups.all().filter((g) => !g.finished)) {
      this.schedule(group.state.id, 0);
    }
  }

  /** Cancels the running parts of a group and drops its queued ones. */
  async cancel(groupId: string): Promise<void> {
    const record = this.groups.get(groupId);
    if (!record) {
      return;
    }
    const runner = await this.runnerFor(record, true);
    await runner.cancel();
    this.schedule(groupId, 0);
  }

  dispose(): void {
    this.disposed = true;
    for (const timer of this.timers.values()) {
      clearTimeout(timer);
    }
    this.timers.clear();
    this.finished.dispose();
  }

  private schedule(groupId: string, delay: number): void {
    if (this.disposed) {
      return;
    }
    clearTimeout(this.timers.get(groupId));
    this.timers.set(groupId, setTimeout(() => void this.tick(groupId), delay));
  }

  private async tick(groupId: string): Promise<void> {
    this.timers.delete(groupId);
    const record = this.groups.get(groupId);
    if (!record || record.finished || this.running.has(groupId)) {
      return;
    }
    this.running.add(groupId);
    let runner: GroupRunner | undefined;
    try {
      runner = await this.runnerFor(record, false);
      await runner.step();
    } catch (error) {
      this.log.warn(`Job group ${record.state.name}: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.running.delete(groupId);
    }
    const latest = this.groups.get(groupId);
    if (!latest) {
      return;
    }
    if (runner?.done) {
      const done: GroupRecord = { ...latest, finished: true, finishedAt: Math.floor(Date.now() / 1000) };
      await this.groups.save(done);
      this.finished.fire(done);
      return;
    }
    this.schedule(groupId, this.delayFor(latest, runner?.nextWakeAt));
  }

  private async runnerFor(record: GroupRecord, interactive: boolean): Promise<GroupRunner> {
    const connection = this.connections.get(record.connectionId);
    if (!connection) {
      throw new Error(vscode.l10n.t('The connection of this job group was removed.'));
    }
    const client = await this.clients.clientFor(connection, { interactive });
    // The runner works on a copy and saves each change, so the stored state is always the latest.
    const state = JSON.parse(JSON.stringify(record.state)) as GroupState;
    return new GroupRunner(client, state, {
      log: (line) => this.log.info(`[${record.state.name}] ${line}`),
      persist: (next) => this.groups.update(record.state.id, (current) => ({ ...current, state: JSON.parse(JSON.stringify(next)) as GroupState })),
    });
  }

  private delayFor(record: GroupRecord, wakeAt: number | undefined): number {
    const connection = this.connections.get(record.connectionId);
    const config = vscode.workspace.getConfiguration(CONFIG_SECTION);
    const local = connection?.emulator || (connection && isLoopbackEndpoint(connection.endpoint));
    const interval = (local ? config.get<number>(Settings.emulatorPollIntervalSeconds, 1) : Math.max(60, config.get<number>(Settings.pollIntervalSeconds, 60))) * 1000;
    return wakeAt !== undefined ? Math.max(100, Math.min(interval, wakeAt - Date.now())) : interval;
  }
}
