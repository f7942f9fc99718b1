import * as vscode from 'vscode';
import { Commands } from '../../constants';
import type { RegisterCommand } from '../commands';
import type { ConnectionStore } from '../connections/connectionStore';
import type { ClientFactory } from '../connections/credentials';
import { resolveGroupId } from '../jobs/jobCommands';
import type { JobsModel } from '../jobs/jobsModel';
import { announceDownload } from '../results/downloadNotice';
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
  register(Commands.downloadGroupResults, async (arg?: unknown, options?: ResultOptions) => {
    const id = resolveGroupId(jobs, arg);
    const downloaded = await downloadGroup(groups, connections, clients, id, options?.overwrite);
    if (downloaded) {
      void announceDownload(groups.get(id)?.state.name ?? id, downloaded);
    }
    return downloaded;
  });
  register(Commands.cancelGroup, async (arg?: unknown, confirmed?: boolean) => {
    const id = resolveGroupId(jobs, arg);
    if (confirmed === true || (await confirmCancelGroup(jobs.group(id)?.state.name ?? id))) {
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

/**
 * Asks before cancelling a group, worded like Cancel Job: the file is named, and the buttons are "Cancel Job
 * Group" and "Keep Running" (the dialog's own dismiss button, relabelled, so no "Cancel" sits next to it).
 */
async function confirmCancelGroup(name: string): Promise<boolean> {
  const cancel: vscode.MessageItem = { title: vscode.l10n.t('Cancel Job Group') };
  const keep: vscode.MessageItem = { title: vscode.l10n.t('Keep Running'), isCloseAffordance: true };
  const question = vscode.l10n.t('Cancel every part of the job group of {0}? Requests that already finished are kept (and billed).', name);
  const choice = await vscode.window.showWarningMessage(question, { modal: true }, cancel, keep);
  return choice?.title === cancel.title;
}
