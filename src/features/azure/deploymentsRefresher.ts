import * as vscode from 'vscode';
import type { DeploymentSnapshot, ResourceRef } from '../../core/azure/deployments';
import type { Connection, ConnectionStore } from '../connections/connectionStore';
import type { DeploymentCache } from '../deployments/deploymentCache';
import { classifyError } from '../errors';
import { Disposable } from '../lifecycle';
import { currentCloud } from './azureCloud';
import { explainManagementError, managementClient, signInInteractively, silentSession, type Authentication } from './azureSession';

/** What the Batch Jobs view shows under a connection's "Deployments". */
export interface DeploymentsState {
  /** The list last fetched (also after a reload: it is kept in {@link DeploymentCache}). */
  readonly snapshot: DeploymentSnapshot | undefined;
  readonly loading: boolean;
  /** Why the last refresh failed; `signIn` when signing in (again) is the fix. */
  readonly error?: { readonly message: string; readonly signIn: boolean };
}

/** The ARM resource of a connection, when it was picked after signing in. */
export function resourceOf(connection: Connection): ResourceRef | undefined {
  return connection.service !== 'openai' ? connection.resource : undefined;
}

/**
 * Lists the deployments of connections that know their ARM resource and writes them to the {@link DeploymentCache}
 * (which the validator, completion and submit read). Background refreshes never prompt: signed out, the view says
 * so and offers to sign in. Forgets a removed connection's list.
 */
export class DeploymentsRefresher extends Disposable {
  private readonly states = new Map<string, { loading: boolean; error?: DeploymentsState['error'] }>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly changed = this.register(new vscode.EventEmitter<string>());
  /** Fires with the connection id whose state or list changed. */
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly connections: ConnectionStore,
    private readonly cache: DeploymentCache,
    private readonly log: vscode.LogOutputChannel,
    private readonly auth: Authentication = vscode.authentication,
  ) {
    super();
    this.register(cache.onDidChange((id) => this.changed.fire(id)));
    this.register(connections.onDidChange(() => void this.forgetRemoved()));
  }

  state(connectionId: string): DeploymentsState {
    const state = this.states.get(connectionId);
    return { snapshot: this.cache.get(connectionId), loading: state?.loading ?? false, error: state?.error };
  }

  /** Refreshes every connection with a resource (no prompts). */
  async refreshAll(): Promise<void> {
    await Promise.all(this.connections.all().filter((c) => resourceOf(c)).map((c) => this.refresh(c, false)));
  }

  /**
   * Lists the connection's deployments again; `interactive` (a user's click) may sign in. A failure is kept in the
   * state for the view and, when interactive, thrown for the command's boundary. One refresh per connection at once.
   */
  async refresh(connection: Connection, interactive: boolean): Promise<void> {
    const ref = resourceOf(connection);
    if (!ref) {
      return;
    }
    const current = this.running.get(connection.id);
    if (current && !interactive) {
      return current;
    }
    const run = this.list(connection, ref, interactive).finally(() => {
      if (this.running.get(connection.id) === run) {
        this.running.delete(connection.id);
      }
    });
    this.running.set(connection.id, run);
    return run;
  }

  private async list(connection: Connection, ref: ResourceRef, interactive: boolean): Promise<void> {
    const cloud = currentCloud();
    this.setState(connection.id, { loading: true, error: this.states.get(connection.id)?.error });
    try {
      const session = (await silentSession(this.auth, cloud, connection.tenant)) ?? (interactive ? await signInInteractively(this.auth, cloud, connection.tenant) : undefined);
      if (!session) {
        this.setState(connection.id, { loading: false, error: { message: vscode.l10n.t('Sign in with Microsoft to list the deployments'), signIn: true } });
        return;
      }
      const deployments = await managementClient(this.auth, cloud, connection.tenant, session).listDeployments(ref);
      if (!this.connections.get(connection.id)) {
        return; // Removed while listing: nothing to keep.
      }
      await this.cache.set(connection.id, deployments);
      this.setState(connection.id, { loading: false });
    } catch (error) {
      const explained = explainManagementError(error, cloud);
      const report = classifyError(explained);
      if (report.kind === 'cancelled') {
        this.setState(connection.id, { loading: false, error: this.states.get(connection.id)?.error });
        if (interactive) {
          throw explained;
        }
        return;
      }
      this.log.warn(`Listing the deployments of ${ref.name} failed: ${report.details}`);
      const signIn = (error as { reason?: unknown }).reason === 'unauthorized';
      this.setState(connection.id, { loading: false, error: { message: report.message, signIn } });
      if (interactive) {
        throw explained;
      }
    }
  }

  private setState(connectionId: string, state: { loading: boolean; error?: DeploymentsState['error'] }): void {
    this.states.set(connectionId, state);
    this.changed.fire(connectionId);
  }

  private async forgetRemoved(): Promise<void> {
    const known = new Set(this.connections.all().map((c) => c.id));
    for (const id of [...this.states.keys()]) {
      if (!known.has(id)) {
        this.states.delete(id);
      }
    }
    for (const id of this.cache.connectionIds().filter((cached) => !known.has(cached))) {
      await this.cache.delete(id);
    }
  }
}
