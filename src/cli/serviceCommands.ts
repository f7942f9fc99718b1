import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { FileExistsError, UnsafePathError } from '../core/atomicFile';
import { SOURCE_FILE_KEY, type Batch } from '../core/batch/client';
import { BatchServiceError, OperationCancelledError } from '../core/batch/errors';
import { jobState } from '../core/batch/status';
import { terminalJson, terminalSafe } from '../core/terminalText';
import { formatDuplicateInputIds } from '../core/format';
import { checkInputFile, parseArgs, UsageError, numberOption } from './args';
import { clientFromArgs, connectionFlags, connectionValued, isLoopback, stringOption } from './connectionOptions';
import { usages } from './usage';
import { InvalidInputError, plannedResultFiles, refuseExisting, submitFile, waitForJob, warnAboutRepeatedIds } from './jobRunner';
import { downloadJoined, type JoinedDownload } from './joinedDownload';
import { defaultPartLimits, submitSplit } from './splitSubmit';

const submitUsage = usages.submit;
const statusUsage = usages.status;
const downloadUsage = usages.download;
const cancelUsage = usages.cancel;

type Streams = [out: NodeJS.WritableStream, err: NodeJS.WritableStream];

/**
 * Maps failures to the CLI's exit codes: 1 for a job, input or output-file problem, 2 for usage and
 * service errors. Messages can quote the service, so control characters are stripped before printing.
 */
async function guarded(err: NodeJS.WritableStream, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof UsageError) {
      throw error;
    }
    if (error instanceof InvalidInputError || error instanceof UnsafePathError) {
      err.write(`error: ${terminalSafe(error.message)}\n`);
      return 1;
    }
    if (error instanceof FileExistsError) {
      err.write(`error: ${terminalSafe(error.message)} Use --force to replace it.\n`);
      return 1;
    }
    if (error instanceof OperationCancelledError) {
      err.write('cancelled\n');
      return 2;
    }
    if (error instanceof BatchServiceError) {
      err.write(`error: ${terminalSafe(error.message)}\n`);
      return 2;
    }
    throw error;
  }
}

function pollInterval(args: ReturnType<typeof parseArgs>, endpoint: string): number {
  // Microsoft asks for no more than one status call a minute against Azure; the emulator is local.
  return numberOption(args, 'poll-ms', isLoopback(endpoint) ? 500 : 60_000);
}

/** `submit`: validate, upload, create; with `--wait` follow it to the end; with `--out` download the results. */
export async function runSubmit(argv: readonly string[], ...[out, err]: Streams): Promise<number> {
  const args = parseArgs(argv, [...connectionValued, 'out', 'poll-ms', 'max-parallel', 'max-requests', 'max-size-mb', 'max-tokens', 'expire-after-days'], [...connectionFlags, 'wait', 'force', 'split']);
  if (args.positionals.length !== 1) {
    throw new UsageError(`usage: ${submitUsage}`);
  }
  if (!(await checkInputFile(args.positionals[0]!, err))) {
    return 2;
  }
  const client = await clientFromArgs(args);
  if (args.options.has('split')) {
    return guarded(err, async () => {
      const group = await submitSplit(
        client,
        args.positionals[0]!,
        {
          limits: {
            maxRequests: numberOption(args, 'max-requests', defaultPartLimits.maxRequests),
            maxBytes: numberOption(args, 'max-size-mb', defaultPartLimits.maxBytes / (1024 * 1024)) * 1024 * 1024,
            maxTokens: args.options.has('max-tokens') ? numberOption(args, 'max-tokens', 0) : undefined,
          },
          maxParallel: numberOption(args, 'max-parallel', 4),
          pollMs: pollInterval(args, client.config.endpoint),
          outDir: stringOption(args, 'out'),
          overwrite: args.options.has('force'),
        },
        err,
      );
      out.write(terminalJson(group) + '\n');
      return group.parts.every((part) => part.batchStatus === 'completed') ? 0 : 1;
    });
  }
  return guarded(err, async () => {
    const outDir = stringOption(args, 'out');
    const force = args.options.has('force');
    if (outDir && existsSync(outDir)) {
      // Refused now rather than after the job ran: the names follow the file's, as submitFile records it.
      const planned = await plannedResultFiles(resolve(outDir), basename(args.positionals[0]!), '');
      await refuseExisting([planned.output, planned.errors, planned.results, planned.summary], force);
    }
    let batch = await submitFile(client, args.positionals[0]!, err);
    if (args.options.has('wait') || outDir) {
      try {
        batch = await waitForJob(client, batch.id, pollInterval(args, client.config.endpoint), err, undefined, batch.metadata?.[SOURCE_FILE_KEY] ?? batch.id);
        if (outDir) {
          await mkdir(outDir, { recursive: true });
          // Joined to the file just submitted: it is the job's input.
          const written = await downloadJoined(client, batch, resolve(outDir), { overwrite: force, input: args.positionals[0]! });
          for (const path of Object.values(written.files)) {
            err.write(`wrote ${terminalSafe(path)}\n`);
          }
          await reportJoin(written, err);
        }
      } catch (error) {
        // The job exists and is paid for: running submit again, the obvious retry, would create a second one.
        err.write(jobSurvivesHint(batch.id, args.positionals[0]!, outDir));
        throw error;
      }
    }
    out.write(terminalJson(batch) + '\n');
    const phase = jobState(batch.status, batch.request_counts).phase;
    return phase === 'failed' || phase === 'cancelled' || phase === 'expired' ? 1 : 0;
  });
}

/** What to run, after a failure once the job was created, to follow it and fetch its results without creating it again. */
function jobSurvivesHint(batchId: string, file: string, outDir: string | undefined): string {
  const id = terminalSafe(batchId);
  return (
    `the job ${id} was created and keeps running; do not run submit again, which would create a second job.\n` +
    `follow it with: aoai-batch status ${id}\n` +
    `fetch its results with: aoai-batch download ${shellWord(id)} --out ${outDir === undefined ? 'DIR' : shellWord(outDir)} --input ${shellWord(file)} (and the same connection options)\n`
  );
}

/** `text` as one shell word, quoted when it holds anything but plain path characters, so the printed command can be pasted. */
function shellWord(text: string): string {
  const safe = terminalSafe(text);
  return /^[\w@%+=:,./-]+$/.test(safe) ? safe : `'${safe.replace(/'/g, `'\\''`)}'`;
}

/** `status`: one job in detail, or a table of recent jobs. */
export async function runStatus(argv: readonly string[], ...[out, err]: Streams): Promise<number> {
  const args = parseArgs(argv, [...connectionValued, 'limit', 'submission-id'], [...connectionFlags, 'json']);
  const submissionId = stringOption(args, 'submission-id');
  if (args.positionals.length > 1 || (submissionId && args.positionals.length > 0)) {
    throw new UsageError(`usage: ${statusUsage}`);
  }
  const client = await clientFromArgs(args);
  return guarded(err, async () => {
    if (submissionId) {
      // The job of a create that had no clear answer, found by the submission id in its metadata.
      const found = await client.findBySubmissionId(submissionId);
      if (!found) {
        err.write(`no job carries the submission id ${terminalSafe(submissionId)}\n`);
        return 1;
      }
      out.write(args.options.has('json') ? terminalJson(found) + '\n' : formatJobTable([found]));
      return 0;
    }
    const id = args.positionals[0];
    const jobs = id ? [await client.getBatch(id)] : await client.listAllBatches({ max: numberOption(args, 'limit', 50) });
    if (args.options.has('json')) {
      out.write(terminalJson(id ? jobs[0] : jobs) + '\n');
    } else {
      out.write(formatJobTable(jobs));
    }
    return 0;
  });
}

/** `download`: a job's output and error files into a folder, joined to its input as `NAME.results.jsonl` with `NAME.summary.md`. */
export async function runDownload(argv: readonly string[], ...[out, err]: Streams): Promise<number> {
  const args = parseArgs(argv, [...connectionValued, 'out', 'input'], [...connectionFlags, 'force']);
  const outDir = stringOption(args, 'out');
  if (args.positionals.length !== 1 || !outDir) {
    throw new UsageError(`usage: ${downloadUsage}`);
  }
  const input = stringOption(args, 'input');
  if (input !== undefined && !(await checkInputFile(input, err))) {
    return 2;
  }
  const client = await clientFromArgs(args);
  return guarded(err, async () => {
    const batch = await client.getBatch(args.positionals[0]!);
    if (!batch.output_file_id && !batch.error_file_id) {
      err.write(`error: ${terminalSafe(batch.id)} has no results yet (status: ${terminalSafe(batch.status)}).\n`);
      return 1;
    }
    await mkdir(outDir, { recursive: true });
    const written = await downloadJoined(client, batch, resolve(outDir), { overwrite: args.options.has('force'), input });
    for (const path of Object.values(written.files)) {
      out.write(`${terminalSafe(path)}\n`);
    }
    return reportJoin(written, err);
  });
}

/**
 * Tells on `err` what the join found worth a warning (custom_ids answered more than once, or on several input
 * lines), or why there was no join; 1 when there was none (the command did not write everything it says it writes).
 */
async function reportJoin(written: JoinedDownload, err: NodeJS.WritableStream): Promise<number> {
  await warnAboutRepeatedIds(written.files, err);
  const duplicates = written.joined?.duplicateInputIds;
  if (duplicates && duplicates.count > 0) {
    err.write(`warning: ${terminalSafe(formatDuplicateInputIds(duplicates))}\n`);
  }
  if (written.notJoined !== undefined) {
    err.write(`error: ${terminalSafe(written.notJoined)}, so NAME.results.jsonl and NAME.summary.md were not written; pass the submitted file with --input FILE.\n`);
    return 1;
  }
  return 0;
}

/** `cancel`: asks the service to cancel a job and prints its new status. */
export async function runCancel(argv: readonly string[], ...[out, err]: Streams): Promise<number> {
  const args = parseArgs(argv, connectionValued, connectionFlags);
  if (args.positionals.length !== 1) {
    throw new UsageError(`usage: ${cancelUsage}`);
  }
  const client = await clientFromArgs(args);
  return guarded(err, async () => {
    const batch = await client.cancelBatch(args.positionals[0]!);
    out.write(`${terminalSafe(batch.id)} ${terminalSafe(batch.status)}\n`);
    return 0;
  });
}

/** A plain-text table of jobs: id, status, progress, created, source file (each cell stripped of control characters). */
export function formatJobTable(jobs: readonly Batch[]): string {
  const rows = jobs.map((job) => {
    const counts = job.request_counts;
    return [
      job.id,
      jobState(job.status, counts).label,
      counts && counts.total > 0 ? `${counts.completed + counts.failed}/${counts.total}${counts.failed ? ` (${counts.failed} failed)` : ''}` : '-',
      new Date(job.created_at * 1000).toISOString().replace('T', ' ').slice(0, 19),
      job.metadata?.[SOURCE_FILE_KEY] ?? '',
    ].map(terminalSafe);
  });
  const header = ['ID', 'STATUS', 'REQUESTS', 'CREATED (UTC)', 'SOURCE'];
  const widths = header.map((h, i) => rows.reduce((width, r) => Math.max(width, r[i]!.length), h.length));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}
