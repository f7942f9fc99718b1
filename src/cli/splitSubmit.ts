import { existsSync } from 'node:fs';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import type { BatchClient } from '../core/batch/client';
import { GroupRunner, newGroup, type GroupState } from '../core/batch/groupRunner';
import { sleep } from '../core/batch/retry';
import { splitFile, type LineTokenEstimator, type PartLimits } from '../core/batch/split';
import { DiagnosticCodes } from '../core/jsonl/codes';
import { validateFile } from '../core/jsonl/fileValidator';
import { defaultLimits, errorCount } from '../core/jsonl/types';
import { existingFiles, FileExistsError } from '../core/atomicFile';
import { formatRepeatedIds } from '../core/format';
import { allGroupFiles, downloadGroupResults, groupResultPaths } from '../core/recipes/groupResults';
import { terminalSafe } from '../core/terminalText';
import { InvalidInputError } from './jobRunner';
import { ProgressLine } from './progress';
import { formatListing } from './validateCommand';

// Limits a split fixes by itself; any other error still refuses the file.
const splittable = new Set<string>([DiagnosticCodes.tooManyTasks, DiagnosticCodes.fileTooLarge]);

export interface SplitSubmitOptions {
  readonly limits: PartLimits;
  readonly maxParallel: number;
  readonly pollMs: number;
  readonly outDir?: string;
  readonly overwrite: boolean;
  readonly estimate?: LineTokenEstimator;
}

/**
 * `submit --split`: splits a file that is over the per-file limits (or the token quota) into parts,
 * feeds them to the service as its enqueued-token quota allows, and merges the results into one file
 * in the original order.
 */
export async function submitSplit(client: BatchClient, file: string, options: SplitSubmitOptions, err: NodeJS.WritableStream): Promise<GroupState> {
  const validation = await validateFile(file, { limits: { maxRequests: Number.MAX_SAFE_INTEGER, maxBytes: Number.MAX_SAFE_INTEGER } });
  const blocking = validation.diagnostics.filter((d) => d.severity === 'error' && !splittable.has(d.code));
  const blockingErrors = errorCount(validation.counts, splittable);
  if (blockingErrors > 0) {
    err.write(formatListing(file, { ...validation, diagnostics: blocking }));
    throw new InvalidInputError(`${file} has ${blockingErrors} validation error(s); fix them before submitting.`);
  }
  const partsDir = await mkdtemp(join(tmpdir(), 'aoai-batch-parts-'));
  const started = Date.now();
  const parts = await splitFile(file, partsDir, options.limits, options.estimate);
  err.write(`split ${basename(file)} into ${parts.length} part(s) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  const group = newGroup({ name: basename(file), sourcePath: resolve(file), endpoint: validation.endpoint ?? '/chat/completions', maxParallel: options.maxParallel, tokenLimit: options.limits.maxTokens }, parts);
  if (options.outDir && !options.overwrite && existsSync(options.outDir)) {
    // Refused before any part is submitted rather than after they all ran.
    const directory = resolve(options.outDir);
    const existing = await existingFiles(allGroupFiles(await groupResultPaths(group, directory)));
    if (existing.length > 0) {
      throw new FileExistsError(existing[0]!);
    }
  }
  const progress = new ProgressLine(err);
  const runner = new GroupRunner(client, group, { log: (line) => progress.done(line) });
  for (;;) {
    await runner.step();
    const states = group.parts.map((part) => `${part.index}:${part.status === 'running' ? (part.batchStatus ?? 'running') : part.status}`);
    progress.update(`${group.name}: ${states.join(' ')}`);
    if (runner.done) {
      progress.done();
      break;
    }
    await sleep(options.pollMs);
  }
  if (options.outDir) {
    const directory = resolve(options.outDir);
    await mkdir(directory, { recursive: true });
    const merged = await downloadGroupResults(client, group, directory, { overwrite: options.overwrite });
    err.write(`wrote ${terminalSafe(merged.results)}: ${merged.summary.succeeded} succeeded, ${merged.summary.failed} failed, ${merged.summary.missing} missing\n`);
    if (merged.summary.repeatedIds.count > 0) {
      err.write(`warning: ${terminalSafe(formatRepeatedIds(merged.summary.repeatedIds))}\n`);
    }
  }
  return group;
}

export const defaultPartLimits: PartLimits = { maxRequests: defaultLimits.maxRequests, maxBytes: defaultLimits.maxBytes };
