import * as vscode from 'vscode';
import type { DeploymentInfo, DeploymentSnapshot } from '../../core/azure/deployments';

const CACHE_KEY = 'azureOpenAIBatch.deployments';

/**
 * The deployments last listed for each connection, kept in global state so that the validator, completion and
 * the submit flow work offline and right after a reload. Discovery writes it; everything else reads it.
 */
export class DeploymentCache implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<string>();
  /** Fires with the connection id whose list changed. */
  readonly onDidChange = this.changed.event;

  constructor(private readonly state: vscode.Memento) {}

  get(connectionId: string): DeploymentSnapshot | undefined {
    return this.all()[connectionId];
  }

  /** The connections that have a list. */
  connectionIds(): string[] {
    return Object.keys(this.all());
  }

  async set(connectionId: string, deployments: readonly DeploymentInfo[], fetchedAt = Date.now()): Promise<void> {
    await this.state.update(CACHE_KEY, { ...this.all(), [connectionId]: { fetchedAt, deployments } });
    this.changed.fire(connectionId);
  }

  async delete(connectionId: string): Promise<void> {
    const { [connectionId]: _removed, ...rest } = this.all();
    await this.state.update(CACHE_KEY, rest);
    this.changed.fire(connectionId);
  }

  private all(): Record<string, DeploymentSnapshot> {
    return this.state.get<Record<string, DeploymentSnapshot>>(CACHE_KEY, {});
  }

  dispose(): void {
    this.changed.dispose();
  }
}
