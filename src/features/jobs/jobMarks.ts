import type * as vscode from 'vscode';
import { PersistedList } from '../persistedList';
import { currentHiddenMarks, HIDDEN_MARKS_FORMAT } from './jobListing';

/** What one connection's list remembers that the service does not: jobs removed from it, files deleted. */
interface ConnectionMarks {
  readonly connectionId: string;
  /** Batch ids and job group ids the user removed from the list. */
  readonly hidden: readonly string[];
  /** Ids of files deleted on the service through this extension (the jobs that used them still name them). */
  readonly deletedFiles: readonly string[];
  /** {@link HIDDEN_MARKS_FORMAT} once migrated; absent in marks saved by earlier versions. */
  readonly format?: number;
}

const MARKS_KEY = 'azureOpenAIBatch.jobMarks';
/** Per list and connection: the oldest ids are dropped past this, so global state stays small. */
const maxIds = 5000;

/**
 * Marks on the jobs list, per connection, persisted in global state: removed jobs stay removed after the
 * next listing and after a reload, and deleted files are never offered again.
 */
export class JobMarks implements vscode.Disposable {
  private readonly list: PersistedList<ConnectionMarks>;
  readonly onDidChange: vscode.Event<void>;

  constructor(state: vscode.Memento) {
    this.list = new PersistedList<ConnectionMarks>(state, MARKS_KEY);
    this.onDidChange = this.list.onDidChange;
  }

  /** Batch ids and group ids removed from a connection's list. */
  hidden(connectionId: string): ReadonlySet<string> {
    const marks = this.of(connectionId);
    return new Set(marks ? currentHiddenMarks(marks) : []);
  }

  /** Ids of the connection's files deleted on the service. */
  deletedFiles(connectionId: string): ReadonlySet<string> {
    return new Set(this.of(connectionId)?.deletedFiles ?? []);
  }

  hide(connectionId: string, ids: readonly string[]): Promise<void> {
    return this.change(connectionId, (marks) => ({ ...marks, hidden: appendCapped(marks.hidden, ids) }));
  }

  markDeleted(connectionId: string, fileIds: readonly string[]): Promise<void> {
    return this.change(connectionId, (marks) => ({ ...marks, deletedFiles: appendCapped(marks.deletedFiles, fileIds) }));
  }

  removeConnection(connectionId: string): Promise<void> {
    return this.list.mutate((all) => all.filter((marks) => marks.connectionId !== connectionId));
  }

  dispose(): void {
    this.list.dispose();
  }

  private of(connectionId: string): ConnectionMarks | undefined {
    return this.list.all().find((marks) => marks.connectionId === connectionId);
  }

  private change(connectionId: string, update: (marks: ConnectionMarks) => ConnectionMarks): Promise<void> {
    return this.list.mutate((all) => {
      const index = all.findIndex((marks) => marks.connectionId === connectionId);
      const current = index >= 0 ? all[index]! : { connectionId, hidden: [], deletedFiles: [] };
      // Every write saves the marks in the current format (see `currentHiddenMarks`).
      const next = update({ ...current, hidden: currentHiddenMarks(current), format: HIDDEN_MARKS_FORMAT });
      return index >= 0 ? all.map((marks, i) => (i === index ? next : marks)) : [...all, next];
    });
  }
}

function appendCapped(existing: readonly string[], added: readonly string[]): string[] {
  const merged = [...existing.filter((id) => !added.includes(id)), ...added];
  return merged.slice(Math.max(0, merged.length - maxIds));
}
