import { createWriteStream, existsSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { joinResults } from '../src/core/results/join';
import { readLocatedLines } from '../src/core/io/lineReader';

export interface JoinBenchResult {
  readonly rows: number;
  readonly outputBytes: number;
  readonly floorMs: number;
  readonly joinMs: number;
  readonly peakRssDeltaMiB: number;
}

/**
 * Joins a job's outputs (100,000 rows, shuffled, one in ten failed) back to a 100,000-row input, and
 * compares it with a floor: reading the input and the outputs and parsing every line once.
 */
export async function benchJoin(inputPath: string, dataDir: string, runs: number): Promise<JoinBenchResult> {
  const { ids, output, errors } = await ensureJobOutputs(inputPath, dataDir);
  const destination = join(dataDir, `join-${ids.length}.results.jsonl`);
  const floorTimes: number[] = [];
  const joinTimes: number[] = [];
  let peak = 0;
  for (let run = 0; run <= runs; run++) {
    const floorStart = performance.now();
    for (const path of [inputPath, output, errors]) {
      for await (const { text } of readLocatedLines(path)) {
        JSON.parse(text);
      }
    }
    const floorMs = performance.now() - floorStart;
    global.gc?.();
    const base = process.memoryUsage().rss;
    let max = base;
    const sampler = setInterval(() => (max = Math.max(max, process.memoryUsage().rss)), 10);
    const joinStart = performance.now();
    const summary = await joinResults(inputPath, [{ output, errors }], destination, { overwrite: true });
    const joinMs = performance.now() - joinStart;
    clearInterval(sampler);
    if (summary.total !== ids.length || summary.succeeded + summary.failed !== ids.length) {
      throw new Error(`join bench: joined ${summary.total} rows (${summary.succeeded} ok, ${summary.failed} failed) of ${ids.length}`);
    }
    if (run > 0) {
      floorTimes.push(floorMs);
      joinTimes.push(joinMs);
      peak = Math.max(peak, max - base);
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  return { rows: ids.length, outputBytes: statSync(output).size + statSync(errors).size, floorMs: median(floorTimes), joinMs: median(joinTimes), peakRssDeltaMiB: peak / (1024 * 1024) };
}

/** The output and error files of a job over `inputPath` (cached in `dataDir`), and the input's ids in order. */
export async function ensureJobOutputs(inputPath: string, dataDir: string): Promise<{ ids: string[]; output: string; errors: string }> {
  const ids: string[] = [];
  for await (const { text } of readLocatedLines(inputPath)) {
    ids.push((JSON.parse(text) as { custom_id: string }).custom_id);
  }
  const output = join(dataDir, `join-${ids.length}.output.jsonl`);
  const errors = join(dataDir, `join-${ids.length}.errors.jsonl`);
  if (!existsSync(output) || !existsSync(errors)) {
    await writeOutputs(ids, output, errors);
  }
  return { ids, output, errors };
}

async function writeOutputs(ids: readonly string[], outputPath: string, errorsPath: string): Promise<void> {
  const order = ids.map((id, index) => ({ id, key: (index * 2654435761) % 4294967296 })).sort((a, b) => a.key - b.key);
  const output = createWriteStream(outputPath);
  const errors = createWriteStream(errorsPath);
  let n = 0;
  for (const { id } of order) {
    const failed = n++ % 10 === 0;
    const line = failed
      ? { id: `batch_req_${n}`, custom_id: id, response: { status_code: 429, request_id: `r${n}`, body: { error: { code: 'too_many_requests', message: 'Rate limit reached.' } } }, error: null }
      : { id: `batch_req_${n}`, custom_id: id, response: { status_code: 200, request_id: `r${n}`, body: { id: `chatcmpl-${n}`, object: 'chat.completion', model: 'gpt-4o-2024-08-06', choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: `Réponse numéro ${n}: ${'lorem ipsum dolor sit amet '.repeat(8)}` } }], usage: { prompt_tokens: 120, completion_tokens: 60, total_tokens: 180 } } }, error: null };
    const target = failed ? errors : output;
    if (!target.write(JSON.stringify(line) + '\n')) {
      await once(target, 'drain');
    }
  }
  output.end();
  errors.end();
  await Promise.all([once(output, 'close'), once(errors, 'close')]);
}
