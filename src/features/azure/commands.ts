import { Commands } from '../../constants';
import type { RegisterCommand } from '../commands';
import type { Connection, ConnectionStore } from '../connections/connectionStore';
import { resolveConnection } from '../jobs/jobCommands';
import type { JobsModel } from '../jobs/jobsModel';
import type { Authentication } from './azureSession';
import type { DeploymentsRefresher } from './deploymentsRefresher';
import { signInWithMicrosoft } from './signIn';

export interface AzureCommandDeps {
  readonly connections: ConnectionStore;
  readonly deployments: DeploymentsRefresher;
  readonly jobs: JobsModel;
  readonly auth: Authentication;
}

/** "Sign in with Microsoft" (pick a resource after signing in) and "Refresh Deployments". */
export function registerAzureCommands(register: RegisterCommand, deps: AzureCommandDeps): void {
  const { connections, deployments, jobs } = deps;
  register(Commands.signInWithMicrosoft, () => signInWithMicrosoft({ connections, deployments, auth: deps.auth, refreshJobs: (connection) => jobs.refresh(connection, true) }));
  // From the tree (a connection id, or a node with its connection) or the palette (every connection): may sign in.
  register(Commands.refreshDeployments, async (arg?: unknown) => {
    const connection = connectionOf(connections, jobs, arg);
    if (connection) {
      await deployments.refresh(connection, true);
    } else {
      await Promise.all(connections.all().map((c) => deployments.refresh(c, true)));
    }
  });
}

/**
 * What the view's Refresh also refreshes: the deployments of one connection, or of all, without prompting. A signed-out
 * connection shows one sign-in item (its jobs'): its deployments are listed once that sign-in has ended, with it.
 */
export function refreshDeploymentsWithJobs(deps: AzureCommandDeps): (arg?: unknown) => Promise<void> {
  return async (arg?: unknown) => {
    const connection = arg === undefined ? undefined : connectionOf(deps.connections, deps.jobs, arg);
    if (!connection) {
      await deps.deployments.refreshAll();
      return;
    }
    if (deps.deployments.state(connection.id).error?.signIn) {
      await jobsSettled(deps.jobs, connection.id);
    }
    await deps.deployments.refresh(connection, false);
  };
}

/** Resolves once the connection's jobs are not loading (the sign-in their refresh may open has ended). */
function jobsSettled(jobs: JobsModel, connectionId: string): Promise<void> {
  const settled = (): boolean => !jobs.listing(connectionId)?.loading;
  if (settled()) {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const watching = jobs.onDidChange(() => {
      if (settled()) {
        watching.dispose();
        resolve();
      }
    });
  });
}

function connectionOf(connections: ConnectionStore, jobs: JobsModel, arg: unknown): Connection | undefined {
  if (typeof arg === 'string') {
    return connections.get(arg);
  }
  if (typeof arg === 'object' && arg !== null && 'connection' in arg) {
    const id = (arg as { connection?: { id?: unknown } }).connection?.id;
    return typeof id === 'string' ? connections.get(id) : undefined;
  }
  return resolveConnection(jobs, arg);
}

