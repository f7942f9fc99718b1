import * as vscode from 'vscode';
import type { DeploymentInfo } from '../../core/azure/deployments';
import type { Connection, ConnectionStore } from '../connections/connectionStore';
import { Disposable } from '../lifecycle';
import type { DeploymentCache } from './deploymentCache';

/**
 * The deployments of the workspace's connection (the one a file goes to), as last listed: what the validator
 * checks `body.model` against and what the quick fixes, completion and submit offer first. Reads only the cache,
 * never the network, so it answers at once and offline.
 */
export class WorkspaceDeployments extends Disposable {
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  /** Fires when the workspace's connection or its list may have changed. */
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly connections: Pick<ConnectionStore, 'defaultConnection' | 'onDidChange'>,
    private readonly cache: Pick<DeploymentCache, 'get' | 'onDidChange'>,
  ) {
    super();
    this.registerAll(
      connections.onDidChange(() => this.changed.fire()),
      cache.onDidChange((id) => {
        if (id === this.connections.defaultConnection()?.id) {
          this.changed.fire();
        }
      }),
    );
  }

  /** The connection a file of this workspace goes to, if there is one. */
  connection(): Connection | undefined {
    return this.connections.defaultConnection();
  }

  /**
   * Every deployment of the connection's resource as last listed; undefined when no list is known or the
   * connection is OpenAI's (whose `model` is a model name, not a deployment).
   */
  forConnection(connection: Connection | undefined): readonly DeploymentInfo[] | undefined {
    if (connection === undefined || connection.service === 'openai') {
      return undefined;
    }
    return this.cache.get(connection.id)?.deployments;
  }

  /** {@link forConnection} of the workspace's connection. */
  current(): readonly DeploymentInfo[] | undefined {
    return this.forConnection(this.connection());
  }
}
