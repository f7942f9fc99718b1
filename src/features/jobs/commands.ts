import * as vscode from 'vscode';
import { Commands, VIEW_ID } from '../../constants';
import type { JobPhase } from '../../core/batch/status';
import type { RegisterCommand } from '../commands';
import type { JobArgument, JobCommands, SubmissionArgument } from './jobCommands';

/** The jobs view's commands: refresh, load more, filter, and the job actions. */
export function registerJobCommands(register: RegisterCommand, jobCommands: JobCommands, alsoRefresh?: (arg?: unknown) => Promise<void>): void {
  // `alsoRefresh`: what else the view shows per connection (its deployments) is refreshed with its jobs.
  register(Commands.refresh, () => Promise.all([jobCommands.refreshAll(), alsoRefresh?.()]));
  register(Commands.refreshConnection, (arg?: unknown) => Promise.all([jobCommands.refresh(arg), alsoRefresh?.(arg)]));
  register(Commands.loadMore, (arg?: unknown) => jobCommands.loadMore(arg));
  register(Commands.filterJobs, (phases?: JobPhase[]) => jobCommands.filter(phases));
  register(Commands.cancelJob, (arg?: JobArgument, confirmed?: boolean) => jobCommands.cancel(arg, confirmed === true));
  register(Commands.copyBatchId, (arg?: JobArgument) => jobCommands.copyId(arg));
  register(Commands.revealSource, (arg?: JobArgument) => jobCommands.revealSource(arg));
  register(Commands.deleteRemoteFiles, (arg?: JobArgument, confirmed?: boolean) => jobCommands.deleteRemoteFiles(arg, confirmed === true));
  register(Commands.removeJob, (arg?: JobArgument) => jobCommands.remove(arg));
  register(Commands.lookAgain, (arg?: SubmissionArgument) => jobCommands.lookAgain(arg));
  register(Commands.submitAnew, (arg?: SubmissionArgument, confirmed?: boolean) => jobCommands.submitAnew(arg, confirmed === true));
  register(Commands.showJobs, () => vscode.commands.executeCommand(`${VIEW_ID}.focus`));
}
