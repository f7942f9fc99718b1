import * as vscode from 'vscode';
import type { GroupState } from '../../core/batch/groupRunner';
import { PersistedList } from '../persistedList';

/** A split submission: the queue's state plus where it runs and where its results go. */
export interface GroupRecord {
  readonly connectionId: string;
  readonly sourceUri: string;
  readonly state: GroupState;
  /** Every part reached a terminal state. */
  readonly finished: boolean;
  /** When the scheduler saw every part finished (seconds since the epoch). */
  readonly finishedAt?: number;
  /** The finish was announced. */
  readonly notified?: boolean;
  readonly results?: string;
}

const GROUPS_KEY = 'azureOpenAIBatch.groups';

/** Job groups, persisted in global state after every change so a reload loses no part and submits none twice. */
export class GroupStore implements vscode.Disposable {
  private readonly list: PersistedList<GroupRecord>;
  readonly onDidChange: vscode.Event<void>;

  constructor(state: vscode.Memento) {
    this.list = new PersistedList<GroupRecord>(state, GROUPS_KEY);
    this.onDidChange = this.list.onDidChange;
  }

  all(): GroupRecord[] {
    return this.list.all();
  }

  forConnection(connectionId: string): GroupRecord[] {
    return this.all().filter((group) => group.connectionId === connectionId);
  }

  get(groupId: string): GroupRecord | undefined {
    return this.all().find((group) => group.state.id === groupId);
  }

  save(record: GroupRecord): Promise<void> {
    return this.mutate((groups) => {
      const index = groups.findIndex((g) => g.state.id === record.state.id);
      if (index >= 0) {
        groups[index] = record;
      } else {
        groups.push(record);
      }
      return groups;
    });
  }

  update(groupId: string, change: (record: GroupRecord) => GroupRecord): Promise<void> {
    return this.mutate((groups) => groups.map((g) => (g.state.id === groupId ? change(g) : g)));
  }

  remove(groupId: string): Promise<void> {
    return this.mutate((groups) => groups.filter((g) => g.state.id !== groupId));
  }

  dispose(): void {
    this.list.dispose();
  }

  private mutate(change: (groups: GroupRecord[]) => GroupRecord[]): Promise<void> {
    return this.list.mutate(change);
  }
}
