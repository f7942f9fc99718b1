import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { Commands } from '../../constants';
import type { RegisterCommand } from '../commands';
import type { ConnectionStore } from '../connections/connectionStore';
import type { ClientFactory } from '../connections/credentials';
import { downloadGroup } from '../groups/groupResults';
import type { GroupStore } from '../groups/groupStore';
import { resolveArgument } from '../jobs/jobArguments';
import { resolveJob, type JobArgument, type JobCommands } from '../jobs/jobCommands';
import type { JobsModel } from '../jobs/jobsModel';
import { announceDownload } from './downloadNotice';
import { isResultsUri, openResultsFile, pickResultsFile } from './openResults';
import type { ResultOptions, ResultsService } from './resultsService';

export interface ResultCommandDeps {
  readonly jobs: JobsModel;
  readonly jobCommands: JobCommands;
  readonly results: ResultsService;
  readonly groups: GroupStore;
  readonly connections: ConnectionStore;
  readonly clients: ClientFactory;
}

/** The results commands: download, open the results, the output or error file, retry the failed rows or resubmit the remaining ones. */
export function registerResultCommands(register: RegisterCommand, deps: ResultCommandDeps): void {
  const { jobs, jobCommands, results } = deps;
  register(Commands.downloadResults, async (arg?: JobArgument, options?: ResultOptions) => {
    const job = resolveJob(jobs, arg);
    const outcome = await jobCommands.withResultFiles(job, () => results.download(job.connection, job.batchId, options));
    void announceDownload(jobs.store.find(job.connection.id, job.batchId)?.sourceName ?? job.batchId, outcome);
    return outcome;
  });
  register(Commands.openResults, (arg?: unknown, options?: ResultOptions) => openResults(deps, arg, options));
  register(Commands.openOutput, (arg?: JobArgument) => {
    const job = resolveJob(jobs, arg);
    return jobCommands.withResultFiles(job, () => results.open(job.connection, job.batchId, 'output'), false);
  });
  register(Commands.openErrors, (arg?: JobArgument) => {
    const job = resolveJob(jobs, arg);
    return jobCommands.withResultFiles(job, () => results.open(job.connection, job.batchId, 'errors'), false);
  });
  // One follow-up of the failed and missing rows, named Retry Failed after a job that ran to the end and
  // Resubmit Remaining after one that ended early (expired, cancelled, failed).
  const resubmitUnfinished = (arg?: JobArgument, options?: ResultOptions) => {
    const job = resolveJob(jobs, arg);
    return jobCommands.withResultFiles(job, () => results.retryFailed(job.connection, job.batchId, options), false);
  };
  register(Commands.retryFailed, resubmitUnfinished);
  register(Commands.resubmitRemaining, resubmitUnfinished);
}

/**
 * "Open Results": a results file as given, the active or a picked `*.results.jsonl` from the palette, or the
 * merged results of a job (with its retries) or a job group, downloaded first when they are not on disk yet.
 * Resolves to how the file was opened, or undefined when there was nothing to open.
 */
async function openResults(deps: ResultCommandDeps, arg: unknown, options: ResultOptions | undefined): Promise<'viewer' | 'text' | undefined> {
  const file = arg === undefined ? await pickResultsFile() : isResultsUri(arg) ? arg : await resultsOf(deps, arg, options);
  return file ? openResultsFile(file) : undefined;
}

async function resultsOf(deps: ResultCommandDeps, arg: unknown, options: ResultOptions | undefined): Promise<vscode.Uri | undefined> {
  const { jobs, jobCommands, results } = deps;
  const target = resolveArgument(arg, jobs);
  if (target.groupId !== undefined && target.jobs.length === 0) {
    const onDisk = deps.groups.get(target.groupId)?.results;
    const path = onDisk && existsSync(onDisk) ? onDisk : (await downloadGroup(deps.groups, deps.connections, deps.clients, target.groupId, options?.overwrite))?.results;
    return path ? vscode.Uri.file(path) : undefined;
  }
  const job = resolveJob(jobs, arg);
  const record = jobs.store.find(job.connection.id, job.batchId);
  const onDisk = jobs.store.find(job.connection.id, record?.parentBatchId ?? job.batchId)?.downloaded?.results;
  // A follow-up not downloaded yet is not in its parent's merged results: download (and merge) it first.
  const current = record?.parentBatchId === undefined || record.downloaded?.output !== undefined || record.downloaded?.errors !== undefined;
  if (current && onDisk && existsSync(onDisk)) {
    return vscode.Uri.file(onDisk);
  }
  const outcome = await jobCommands.withResultFiles(job, () => results.download(job.connection, job.batchId, options));
  // Without the input at hand there are no joined results: the output (or error) file is what there is.
  const path = outcome.results ?? outcome.output ?? outcome.errors;
  return path ? vscode.Uri.file(path) : undefined;
}
