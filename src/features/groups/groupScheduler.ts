import * as vscode from 'vscode';
import { GroupRunner, type GroupState } from '../../core/batch/groupRunner';
import type { Connection, ConnectionStore } from '../connections/connectionStore';
import type { ClientFactory } from '../connections/credentials';
import type { JobPoller, PollSource } from '../jobs/poller';
import { Disposable } from '../lifecycle';
import type { GroupRecord, GroupStore } from './groupStore';

/**
 * Drives every unfinished job group on the jobs' poll loop: one {@link GroupRunner} step per round (one list
 * call per group), submitting parts as the quota allows; paused with the loop while the window is unfocused.
 * State is saved after every change, and groups left unfinished by a reload or crash resume at start-up.
 */
export class GroupScheduler extends Disposable implements PollSource {
  private readonly running = new Set<string>();

  constructor(
    private readonly groups: GroupStore,
    private readonly connections: ConnectionStore,
    private readonly clients: ClientFactory,
    private readonly log: vscode.LogOutputChannel,
    private readonly poller: JobPoller,
  ) {
    super();
    this.register(poller.addSource(this));
  }

  /** Starts a new group (or wakes one up) right away. */
  start(groupId: string): void {
    const record = this.groups.get(groupId);
    if (record && !this.isDisposed) {
      this.poller.kick(record.connectionId, true);
    }
  }

  /** Resumes every unfinished group (at activation). */
  resumeAll(): void {
    this.poller.resumeAll();
  }

  /** Cancels the running parts of a group and drops its queued ones. */
  async cancel(groupId: string): Promise<void> {
    const record = this.groups.get(groupId);
    if (!record) {
      return;
    }
    const runner = await this.runnerFor(record, true);
    await runner.cancel();
    this.start(groupId);
  }

  activeConnections(): Set<string> {
    return new Set(this.unfinished().map((group) => group.connectionId));
  }

  /** One step of each unfinished group on the connection; asks to be woken when the soonest of them wants to. */
  async poll(connection: Connection): Promise<{ wakeAt?: number }> {
    let wakeAt: number | undefined;
    for (const group of this.unfinished().filter((g) => g.connectionId === connection.id)) {
      const wake = await this.step(group.state.id);
      if (wake !== undefined) {
        wakeAt = Math.min(wakeAt ?? wake, wake);
      }
    }
    return { wakeAt };
  }

  private unfinished(): GroupRecord[] {
    return this.groups.all().filter((group) => !group.finished);
  }

  // A group's step; returns when its runner wants the next one (a token-limit backoff ending), if it said.
  private async step(groupId: string): Promise<number | undefined> {
    const record = this.groups.get(groupId);
    if (!record || record.finished || this.running.has(groupId)) {
      return undefined;
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
    if (latest && runner?.done) {
      // The jobs model sees the group finish in the store and announces it.
      await this.groups.save({ ...latest, finished: true, finishedAt: Math.floor(Date.now() / 1000) });
    }
    return runner?.nextWakeAt;
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
}
