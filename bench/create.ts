import { createReadStream, createWriteStream, existsSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { createBatchFile } from '../src/core/create/convert';
import { compileTemplate } from '../src/core/create/template';

export interface CreateBenchResult {
  readonly rows: number;
  readonly dataBytes: number;
  readonly outputBytes: number;
  /** Reading the CSV, splitting it into lines and writing the batch file's byte count: the least any conversion must do. */
  readonly floorMs: number;
  readonly createMs: number;
  readonly rowsPerSecond: number;
  readonly peakRssDeltaMiB: number;
}

/** A CSV of `rows` reviews with quoted fields (commas, doubled quotes, one embedded newline in ten rows), cached. */
async function ensureCsv(dataDir: string, rows: number): Promise<string> {
  const path = join(dataDir, `create-${rows}.csv`);
  if (existsSync(path)) {
    return path;
  }
  const out = createWriteStream(path);
  out.write('id,stars,text\n');
  for (let i = 1; i <= rows; i++) {
    const text = i % 10 === 0 ? `Review ${i}: good, "really" good\nsecond line` : `Review ${i}: fine, "ok" overall`;
    if (!out.write(`r${i},${1 + (i % 5)},"${text.replace(/"/g, '""')}"\n`)) {
      await once(out, 'drain');
    }
  }
  out.end();
  await once(out, 'finish');
  return path;
}

/**
 * The least any conversion must do, measured like it: read the CSV and split it into lines, and write as many bytes
 * as the batch file has, a megabyte per call.
 */
async function floor(data: string, rows: number, out: string, outputBytes: number): Promise<number> {
  const start = performance.now();
  let lines = 0;
  for await (const chunk of createReadStream(data, { encoding: 'utf8', highWaterMark: 1024 * 1024 })) {
    lines += (chunk as string).split('\n').length;
  }
  if (lines <= rows) {
    throw new Error(`the CSV has ${lines} lines for ${rows} rows`);
  }
  const block = Buffer.alloc(1024 * 1024, 0x61);
  const handle = await open(out, 'w');
  try {
    for (let written = 0; written < outputBytes; written += block.length) {
      await handle.write(block, 0, Math.min(block.length, outputBytes - written));
    }
  } finally {
    await handle.close();
  }
  return performance.now() - start;
}

/** `create` on a CSV of `rows` rows (custom_id from a column, so the duplicate check runs), against a floor. */
export async function benchCreate(dataDir: string, rows: number, runs: number): Promise<CreateBenchResult> {
  const data = await ensureCsv(dataDir, rows);
  const out = join(dataDir, `create-${rows}.jsonl`);
  const compiled = compileTemplate({
    endpoint: '/chat/completions',
    model: 'gpt-4o-mini-batch',
    system: 'Classify the review as positive, neutral or negative.',
    prompt: 'Stars: {{stars}}\n{{text}}',
    customId: { column: 'id' },
    maxTokens: 50,
  });
  const floors: number[] = [];
  const creates: number[] = [];
  let peak = 0;
  const floorOut = join(dataDir, `create-${rows}.floor.jsonl`);
  let outputBytes = 0;
  for (let run = 0; run <= runs; run++) {
    rmSync(out, { force: true });
    global.gc?.();
    const base = process.memoryUsage().rss;
    let max = base;
    const sampler = setInterval(() => (max = Math.max(max, process.memoryUsage().rss)), 10);
    const start = performance.now();
    const result = await createBatchFile(data, compiled, out);
    creates.push(performance.now() - start);
    clearInterval(sampler);
    if (!result.written || result.requests !== rows) {
      throw new Error(`create wrote ${result.requests} of ${rows} rows (${result.problemCount} problems)`);
    }
    if (run > 0) {
      peak = Math.max(peak, (max - base) / (1024 * 1024));
    }
    outputBytes = statSync(out).size;
    floors.push(await floor(data, rows, floorOut, outputBytes));
  }
  rmSync(floorOut, { force: true });
  const median = (values: number[]) => [...values.slice(1)].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]!;
  const createMs = median(creates);
  return {
    rows,
    dataBytes: statSync(data).size,
    outputBytes,
    floorMs: median(floors),
    createMs,
    rowsPerSecond: rows / (createMs / 1000),
    peakRssDeltaMiB: peak,
  };
}
