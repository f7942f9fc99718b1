import * as vscode from 'vscode';

/**
 * A list kept in a Memento (global state) whose read-modify-write changes run one after another, so
 * concurrent updates (a poll, a submission, a user action) never lose each other.
 */
export class PersistedList<T> implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly state: vscode.Memento,
    private readonly key: string,
  ) {}

  all(): T[] {
    return this.state.get<T[]>(this.key, []);
  }

  /** Applies `change` to the latest list and saves it; resolves once saved. */
  mutate(change: (items: T[]) => T[]): Promise<void> {
    const next = this.queue.then(async () => {
      await this.state.update(this.key, change([...this.all()]));
      this.changed.fire();
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
