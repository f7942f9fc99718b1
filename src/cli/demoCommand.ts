import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { existingFiles } from '../core/atomicFile';
import { BatchClient, SOURCE_FILE_KEY, type Batch } from '../core/batch/client';
import { isTerminal, jobState } from '../core/batch/status';
import { sleep } from '../core/batch/retry';
import { formatRepeatedIds } from '../core/format';
import { summarizeResultFiles } from '../core/results/summary';
import { terminalSafe } from '../core/terminalText';
import { startEmulator } from '../emulator';
import { parseArgs, UsageError } from './args';
import { downloadResults, plannedResultFiles, submitFile } from './jobRunner';
import { ProgressLine } from './progress';

import { usages } from './usage';

const demoUsage = usages.demo;

/**
 * `npm start`: the whole loop on the embedded emulator, no Azure account needed. Starts the emulator on a
 * free loopback port, validates and submits the example batch files, follows them with a live progress
 * line, downloads the results and prints what came back.
 */
export async function runDemo(argv: readonly string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const args = parseArgs(argv, ['examples', 'out'], []);
  if (args.positionals.length > 0) {
    throw new UsageError(`usage: ${demoUsage}`);
  }
  const examplesDir = resolve(String(args.options.get('examples') ?? findExamples()));
  const files = (await readdir(examplesDir)).filter((name) => name.endsWith('.jsonl')).sort().map((name) => join(examplesDir, name));
  if (files.length === 0) {
    throw new UsageError(`no .jsonl files in ${examplesDir}`);
  }
  const outDir = args.options.has('out') ? resolve(String(args.options.get('out'))) : await mkdtemp(join(tmpdir(), 'aoai-batch-demo-'));
  await mkdir(outDir, { recursive: true });
  // Results of an earlier run in --out are not replaced: say so before anything runs.
  const planned = await Promise.all(files.map((file) => plannedResultFiles(outDir, basename(file), '')));
  const existing = await existingFiles(planned.flatMap(({ output, errors }) => [output, errors]));
  if (existing.length > 0) {
    throw new UsageError(`${existing[0]} already exists: choose another --out folder`);
  }

  const apiKey = randomBytes(16).toString('hex');
  const emulator = await startEmulator({ port: 0, apiKey, requestDelayMs: 40 });
  out.write(`Azure OpenAI Batch emulator listening on ${emulator.url}\n\n`);
  try {
    const client = new BatchClient({ endpoint: emulator.url, apiVersion: '2025-04-01-preview', credential: { kind: 'apiKey', apiKey } });
    const submitted: Batch[] = [];
    for (const file of files) {
      out.write(`Submitting ${basename(file)}\n`);
      submitted.push(await submitFile(client, file, err));
    }
    out.write('\n');
    const finished = await followJobs(client, submitted, err);
    out.write('\n');
    let failedJobs = 0;
    for (const batch of finished) {
      const name = terminalSafe(batch.metadata?.[SOURCE_FILE_KEY] ?? batch.id);
      const state = jobState(batch.status, batch.request_counts);
      // A folder given with --out may hold an earlier run's results: they are not replaced.
      const written = await downloadResults(client, batch, outDir, false);
      const summary = await summarizeResultFiles([written.output, written.errors].filter((p): p is string => p !== undefined));
      out.write(`${name}: ${state.label}\n`);
      out.write(`  succeeded ${summary.succeeded}, failed ${summary.failed}\n`);
      for (const failure of summary.failuresByCode) {
        out.write(`    ${failure.count} × ${terminalSafe(failure.key)}\n`);
      }
      if (summary.repeatedIds.count > 0) {
        out.write(`  ${terminalSafe(formatRepeatedIds(summary.repeatedIds))}\n`);
      }
      out.write(`  tokens: ${summary.promptTokens.toLocaleString('en-US')} prompt, ${summary.completionTokens.toLocaleString('en-US')} completion\n`);
      for (const path of Object.values(written)) {
        out.write(`  ${terminalSafe(path)}\n`);
      }
      if (state.phase === 'failed') {
        failedJobs++;
      }
    }
    out.write(`\nResults are in ${outDir}\n`);
    return failedJobs > 0 ? 1 : 0;
  } finally {
    await emulator.close();
  }
}

/** Polls every job until all are done, on one live progress line. */
async function followJobs(client: BatchClient, jobs: readonly Batch[], err: NodeJS.WritableStream): Promise<Batch[]> {
  const progress = new ProgressLine(err);
  const latest = new Map(jobs.map((job) => [job.id, job]));
  for (;;) {
    for (const id of latest.keys()) {
      if (!isTerminal(latest.get(id)!.status)) {
        latest.set(id, await client.getBatch(id));
      }
    }
    const parts = [...latest.values()].map((job) => {
      const counts = job.request_counts;
      const done = counts && counts.total > 0 ? ` ${counts.completed + counts.failed}/${counts.total}` : '';
      return `${job.metadata?.[SOURCE_FILE_KEY] ?? job.id}: ${jobState(job.status, counts).label}${done}`;
    });
    progress.update(parts.join(' | '));
    if ([...latest.values()].every((job) => isTerminal(job.status))) {
      progress.done();
      return [...latest.values()];
    }
    await sleep(250);
  }
}

function findExamples(): string {
  // dist/cli.js and src/cli/ both sit one or two levels below the package root.
  for (const candidate of [resolve(__dirname, '..', 'examples'), resolve(__dirname, '..', '..', 'examples'), resolve('examples')]) {
    if (existsSync(candidate)) {
      return candidate;
    }
  }
  return resolve('examples');
}
