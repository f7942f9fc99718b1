import * as vscode from 'vscode';
import { fileCapUse, type FileCapUse } from '../../core/batch/fileCap';
import type { Connection } from '../connections/connectionStore';
import type { ClientFactory } from '../connections/credentials';
import type { JobsModel } from '../jobs/jobsModel';
import { Disposable } from '../lifecycle';

/**
 * Each connection's input-file count against Azure's cap, from the service's file list. Listed again when the
 * connection's jobs finish loading (the view shown, Refresh, Load more), when a job is added, and after a clean-up;
 * never by the poller, so a resource is not asked for its files every minute. Never prompts.
 */
export class FileUsage extends Disposable {
  private readonly uses = new Map<string, FileCapUse>();
  private readonly loading = new Set<string>();
  private readonly changed = this.register(new vscode.EventEmitter<string>());
  /** Fires with the connection id whose count changed. */
  readonly onDidChange = this.changed.event;
  private readonly wasLoading = new Map<string, boolean>();
  private readonly jobCounts = new Map<string, number>();

  constructor(
    private readonly jobs: JobsModel,
    private readonly clients: ClientFactory,
    private readonly log?: (message: string) => void,
  ) {
    super();
    this.register(jobs.onDidChange(() => this.noticeLoads()));
  }

  /** The count of a connection, once listed. */
  get(connectionId: string): FileCapUse | undefined {
    return this.uses.get(connectionId);
  }

  /** Lists the connection's files again; a failure keeps the last count (and is logged). */
  async refresh(connection: Connection): Promise<FileCapUse | undefined> {
    if (this.loading.has(connection.id)) {
      return this.uses.get(connection.id);
    }
    this.loading.add(connection.id);
    try {
      const client = await this.clients.clientFor(connection, { interactive: false });
      const use = fileCapUse(await client.listFiles());
      this.uses.set(connection.id, use);
      this.changed.fire(connection.id);
      return use;
    } catch (error) {
      this.log?.(`Listing the files of ${connection.name} failed: ${error instanceof Error ? error.message : String(error)}`);
      return this.uses.get(connection.id);
    } finally {
      this.loading.delete(connection.id);
    }
  }

  // A listing that just finished loading, or a job record more than before: count the files again.
  private noticeLoads(): void {
    for (const connection of this.jobs.connectionList()) {
      const loading = this.jobs.listing(connection.id)?.loading ?? false;
      const finishedLoading = this.wasLoading.get(connection.id) === true && !loading;
      this.wasLoading.set(connection.id, loading);
      const count = this.jobs.store.forConnection(connection.id).length;
      const added = count > (this.jobCounts.get(connection.id) ?? count);
      this.jobCounts.set(connection.id, count);
      if (finishedLoading || added) {
        void this.refresh(connection);
      }
    }
  }
}
