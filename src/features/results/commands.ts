import { Commands } from '../../constants';
import type { RegisterCommand } from '../commands';
import { resolveJob, type JobArgument, type JobCommands } from '../jobs/jobCommands';
import type { JobsModel } from '../jobs/jobsModel';
import { announceDownload } from './downloadNotice';
import type { ResultOptions, ResultsService } from './resultsService';

/** The results commands: download, open the output or error file, retry the failed rows or resubmit the remaining ones. */
export function registerResultCommands(register: RegisterCommand, deps: { readonly jobs: JobsModel; readonly jobCommands: JobCommands; readonly results: ResultsService }): void {
  const { jobs, jobCommands, results } = deps;
  register(Commands.downloadResults, async (arg?: JobArgument, options?: ResultOptions) => {
    const job = resolveJob(jobs, arg);
    const outcome = await jobCommands.withResultFiles(job, () => results.download(job.connection, job.batchId, options));
    void announceDownload(jobs.store.find(job.connection.id, job.batchId)?.sourceName ?? job.batchId, outcome);
    return outcome;
  });
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
