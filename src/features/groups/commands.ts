import * as vscode from 'vscode';
import { Commands } from '../../constants';
import type { RegisterCommand } from '../commands';
import type { ConnectionStore } from '../connections/connectionStore';
import type { ClientFactory } from '../connections/credentials';
import { resolveGroupId } from '../jobs/jobCommands';
import type { JobsModel } from '../jobs/jobsModel';
import type { ResultOptions } from '../results/resultsService';
import { downloadGroup } from './groupResults';
import type { GroupScheduler } from './groupScheduler';
import type { GroupStore } from './groupStore';

export interface GroupCommandDeps {
  readonly groups: GroupStore;
  readonly connections: ConnectionStore;
  readonly clients: ClientFactory;
  readonly scheduler: GroupScheduler;
  readonly jobs: JobsModel;
}

/** The job groups' commands: download the merged results, cancel, remove from the list. */
export function registerGroupCommands(register: RegisterCommand, deps: GroupCommandDeps): void {
  const { groups, connections, clients, scheduler, jobs } = deps;
  register(Commands.downloadGroupResults, (arg?: unknown, options?: ResultOptions) => downloadGroup(groups, connections, clients, resolveGroupId(jobs, arg), options?.overwrite));
  register(Commands.cancelGroup, async (arg?: unknown, confirmed?: boolean) => {
    const id = resolveGroupId(jobs, arg);
    const cancel = vscode.l10n.t('Cancel Group');
    if (confirmed === true || (await vscode.window.showWarningMessage(vscode.l10n.t('Cancel every part of {0}? Finished requests are kept (and billed).', jobs.group(id)?.state.name ?? id), { modal: true }, cancel)) === cancel) {
      await scheduler.cancel(id);
    }
  });
  register(Commands.removeGroup, async (arg?: unknown) => {
    const group = jobs.group(resolveGroupId(jobs, arg));
    if (group) {
      // Hidden too, so the service's listing does not bring the parts back as jobs of their own.
      await jobs.marks.hide(group.connectionId, [group.state.id, ...group.state.parts.flatMap((part) => (part.batchId ? [part.batchId] : []))]);
      await groups.remove(group.state.id);
    }
  });
}
