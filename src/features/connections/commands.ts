import * as vscode from 'vscode';
import { Commands } from '../../constants';
import type { RegisterCommand } from '../commands';
import { resolveConnection } from '../jobs/jobCommands';
import type { JobsModel } from '../jobs/jobsModel';
import { addConnection, editConnection, enterApiKey, pickWorkspaceConnection, removeConnection, tryEmulator, type ConnectionInput } from './connectionCommands';
import type { Connection, ConnectionStore } from './connectionStore';
import type { ClientFactory } from './credentials';
import type { EmbeddedEmulator } from './embeddedEmulator';
import type { DeploymentCache } from '../deployments/deploymentCache';

export interface ConnectionCommandDeps {
  readonly connections: ConnectionStore;
  readonly clients: ClientFactory;
  readonly emulator: EmbeddedEmulator;
  readonly jobs: JobsModel;
  /** Where Try the Local Emulator puts the emulator's deployments. */
  readonly deployments?: DeploymentCache;
}

/** The connections feature's commands: add, edit, remove, set the default, pick it, enter a key, try the local emulator. */
export function registerConnectionCommands(register: RegisterCommand, deps: ConnectionCommandDeps): void {
  const { connections, clients, emulator, jobs, deployments } = deps;
  const connectionFrom = (arg?: unknown): Connection => {
    const connection = resolveConnection(jobs, arg) ?? connections.defaultConnection();
    if (!connection) {
      throw new Error(vscode.l10n.t('Choose a connection in the Batch Jobs view.'));
    }
    return connection;
  };
  register(Commands.addConnection, (input?: Partial<ConnectionInput>) => addConnection(connections, clients, input));
  register(Commands.editConnection, async (arg?: unknown, input?: ConnectionInput) => {
    const updated = await editConnection(connections, clients, connectionFrom(arg), input);
    if (updated) {
      // Else the tree keeps showing the listing error the edit just fixed (a missing key) until a Refresh.
      await jobs.refresh(updated);
    }
    return updated;
  });
  register(Commands.removeConnection, async (arg?: unknown, confirmed?: boolean) => {
    const connection = connectionFrom(arg);
    if (await removeConnection(connections, connection, confirmed === true)) {
      await jobs.store.removeConnection(connection.id);
      await jobs.marks.removeConnection(connection.id);
    }
  });
  register(Commands.setDefaultConnection, (arg?: unknown) => connections.setDefault(connectionFrom(arg).id));
  register(Commands.enterApiKey, async (arg?: unknown, key?: string) => {
    const connection = connectionFrom(arg);
    if (await enterApiKey(connections, connection, key)) {
      await jobs.refresh(connection);
      return true;
    }
    return false;
  });
  register(Commands.pickWorkspaceConnection, () => pickWorkspaceConnection(connections));
  register(Commands.tryEmulator, async () => {
    const connection = await tryEmulator(connections, emulator, deployments);
    await jobs.refresh(connection);
    return connection;
  });
}
