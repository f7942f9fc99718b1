/**
 * The validator benchmark (`npm run bench`, or `npm run bench -- --quick`).
 *
 * For each generated file it measures, in the same process and run, a floor (read + split + JSON.parse, the
 * least any validator must do), the core validator's full pass and the CLI end to end, and prints their
 * ratios to the floor; then the CLI's peak RSS on the ~200 MB file and the cost of one-line edits in a
 * 100,000-line document. Timings are medians over several runs after a warm-up. Targets are reported as
 * PASS/MISS but never fail the process: the exit code is non-zero only when something crashed or a sanity
 * check (exit codes, diagnostic counts) failed, which would make the figures meaningless.
 */
import { benchCreate } from './create';
import { benchJoin } from './join';
import { benchViewer } from './viewer';
import { benchTokens, benchWorstCases, tokenBenchRows, worstCaseRows } from './tokens';
import { existsSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { validateFile } from '../src/core/jsonl/fileValidator';
import type { ValidationResult } from '../src/core/jsonl/types';
import { runNode, runNodeWithRss, writeRssPreload, type CliRun } from './cliRunner';
import { ensureDataFile, type DataFile, type DataSpec } from './generate';
import { benchIncremental, type IncrementalResult } from './incremental';
import { collectGarbage, floorPass, mbPerSecond, percentile, samples, type FloorResult, type Samples } from './measure';

const MiB = 1024 * 1024;

const targets = {
  validatorRatio: 1.3,
  cliRatio: 1.5,
  cliPeakRssMiB: 300,
  editMs: 5,
  viewerBuildRatio: 2,
  viewerFirstPageMs: 1000,
  viewerQueryMs: 100,
} as const;

/** Sections `--only` can pick besides data files. */
const viewerSection = 'viewer';
/** `create` from a CSV (1,000,000 rows; 100,000 with --quick). */
const createSection = 'create';

interface Options {
  readonly quick: boolean;
  readonly runs: number;
  readonly regenerate: boolean;
  readonly skipCli: boolean;
  /** Data file names to measure (all when undefined). */
  readonly only?: readonly string[];
}

const usage = `usage: node out/bench/run.js [--quick] [--runs N] [--regenerate] [--no-cli] [--only NAME,...]
  --quick       small files only, one measured run (a smoke test in seconds)
  --runs N      measured runs per timing (default 5; the median is reported), after one warm-up
  --regenerate  rebuild the data files in bench/.data even if cached
  --no-cli      skip the CLI measurements (no dist/cli.js needed)
  --only NAMES  measure only these data files (comma-separated: chat-10k, chat-100k, chat-200mb, chat-10k-errors);
                the edit benchmark runs when the file it edits (chat-100k, or chat-10k with --quick) is among them;
                \`viewer\` runs the results viewer's model (on chat-100k's joined results, chat-10k with --quick),
                so \`--only viewer\` runs it alone (no CLI needed); \`create\` runs the CSV-to-batch-file conversion`;

/** Wrong command-line arguments: reported without a stack trace. */
class UsageError extends Error {}

function parseOptions(argv: readonly string[]): Options {
  let quick = false;
  let runs: number | undefined;
  let regenerate = false;
  let skipCli = false;
  let only: string[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--quick') {
      quick = true;
    } else if (arg === '--regenerate') {
      regenerate = true;
    } else if (arg === '--no-cli') {
      skipCli = true;
    } else if (arg === '--runs' || arg.startsWith('--runs=')) {
      const raw = arg.includes('=') ? arg.slice('--runs='.length) : argv[++i];
      runs = Number(raw);
      if (!Number.isInteger(runs) || runs < 1) {
        throw new UsageError(`--runs takes a positive integer\n${usage}`);
      }
    } else if (arg === '--only' || arg.startsWith('--only=')) {
      const raw = arg.includes('=') ? arg.slice('--only='.length) : argv[++i];
      only = (raw ?? '').split(',').filter((name) => name.length > 0);
      if (only.length === 0) {
        throw new UsageError(`--only takes data file names\n${usage}`);
      }
    } else if (arg === '--help' || arg === '-h') {
      process.stdout.write(usage + '\n');
      process.exit(0);
    } else {
      throw new UsageError(`unknown argument ${arg}\n${usage}`);
    }
  }
  return { quick, runs: runs ?? (quick ? 1 : 5), regenerate, skipCli, only };
}

// --- data -------------------------------------------------------------------------------------------

interface BenchFile {
  readonly label: string;
  readonly spec: DataSpec;
  /** Whether the file is meant to validate cleanly. */
  readonly valid: boolean;
}

const smallFile: BenchFile = { label: '10k rows', valid: true, spec: { name: 'chat-10k', rows: 10_000, seed: 10_001, medianRowBytes: 800 } };
const mediumFile: BenchFile = { label: '100k rows', valid: true, spec: { name: 'chat-100k', rows: 100_000, seed: 100_001, medianRowBytes: 800 } };
const largeFile: BenchFile = {
  label: '~200 MB',
  valid: true,
  // Just under the 200 MB limit Azure and the validator apply, with 100,000 rows (~2 KB each).
  spec: { name: 'chat-200mb', rows: 100_000, seed: 200_001, totalBytes: 200 * MiB - 16 * 1024 },
};
const errorFile: BenchFile = { label: '10k rows, 12 bad', valid: false, spec: { name: 'chat-10k-errors', rows: 10_000, seed: 10_002, medianRowBytes: 800, withErrors: true } };

// --- report -----------------------------------------------------------------------------------------

type Status = 'PASS' | 'MISS' | '';

interface Row {
  readonly file: string;
  readonly measurement: string;
  readonly time: string;
  readonly spread: string;
  readonly throughput: string;
  readonly ratio: string;
  readonly target: string;
  readonly status: Status;
  readonly note?: string;
}

const rows: Row[] = [];
const sanity: string[] = [];
const log = (text: string) => process.stderr.write(`${text}\n`);

function ms(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : value >= 10 ? `${value.toFixed(0)} ms` : `${value.toFixed(2)} ms`;
}

function spreadOf(s: Samples): string {
  return s.runs.length > 1 ? `${ms(s.min)}–${ms(s.max)}` : '';
}

function check(ok: boolean, what: string): void {
  if (!ok) {
    sanity.push(what);
    log(`  SANITY CHECK FAILED: ${what}`);
  }
}

function printTable(): void {
  const headers = ['file', 'measurement', 'time (median)', 'spread (min–max)', 'MB/s', 'vs floor', 'target', 'result', 'note'];
  const cells = rows.map((r) => [r.file, r.measurement, r.time, r.spread, r.throughput, r.ratio, r.target, r.status, r.note ?? '']);
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const right = new Set([2, 3, 4, 5]);
  const line = (c: readonly string[]) =>
    c
      .map((cell, i) => (right.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const out = [line(headers), widths.map((w) => '-'.repeat(w)).join('  ')];
  let previous = '';
  for (const c of cells) {
    if (previous !== '' && c[0] !== previous) {
      out.push('');
    }
    previous = c[0]!;
    out.push(line(c));
  }
  process.stdout.write(out.join('\n') + '\n');
}

// --- measurements -----------------------------------------------------------------------------------

interface Context {
  readonly options: Options;
  readonly root: string;
  readonly dataDir: string;
  readonly cliPath: string;
  readonly preload: string;
  readonly floorMainPath: string;
  nodeStartupMs?: number;
}

async function timeAsync<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  collectGarbage();
  const started = performance.now();
  const value = await fn();
  return { ms: performance.now() - started, value };
}

/** Small files are cheap to repeat and noisier, so they get three times the runs (not in --quick). */
function runsFor(options: Options, file: DataFile): number {
  return !options.quick && file.bytes < 32 * MiB ? options.runs * 3 : options.runs;
}

async function benchFile(ctx: Context, bench: BenchFile, file: DataFile): Promise<void> {
  const runs = runsFor(ctx.options, file);
  const label = `${bench.label} (${(file.bytes / MiB).toFixed(1)} MiB)`;
  log(`\n${label}: ${relative(ctx.root, file.path)}, ${file.lines.toLocaleString('en-US')} lines`);

  // Warm-up: page cache and JIT for both.
  const warmFloor = await floorPass(file.path);
  const warmResult = await validateFile(file.path);
  checkFloor(bench, file, warmFloor);
  checkResult(bench, file, warmResult);

  // Interleaved, alternating which goes first, so drift on a noisy machine hits both alike.
  const floorMs: number[] = [];
  const validatorMs: number[] = [];
  for (let run = 0; run < runs; run++) {
    const order = run % 2 === 0 ? ['floor', 'validator'] : ['validator', 'floor'];
    for (const which of order) {
      if (which === 'floor') {
        floorMs.push((await timeAsync(() => floorPass(file.path))).ms);
      } else {
        validatorMs.push((await timeAsync(() => validateFile(file.path))).ms);
      }
    }
    log(`  run ${run + 1}/${runs}: floor ${ms(floorMs[run]!)}, validateFile ${ms(validatorMs[run]!)}`);
  }
  const floor = samples(floorMs);
  const validator = samples(validatorMs);
  const validatorRatio = validator.median / floor.median;
  rows.push({
    file: label,
    measurement: '1. floor: read + split + JSON.parse',
    time: ms(floor.median),
    spread: spreadOf(floor),
    throughput: mbPerSecond(file.bytes, floor.median).toFixed(0),
    ratio: '1.00x',
    target: '',
    status: '',
  });
  rows.push({
    file: label,
    measurement: '2. core validateFile()',
    time: ms(validator.median),
    spread: spreadOf(validator),
    throughput: mbPerSecond(file.bytes, validator.median).toFixed(0),
    ratio: `${validatorRatio.toFixed(2)}x`,
    target: `≤ ${targets.validatorRatio}x`,
    status: validatorRatio <= targets.validatorRatio ? 'PASS' : 'MISS',
    note: `${warmResult.diagnostics.length} diagnostics`,
  });

  if (ctx.options.skipCli) {
    return;
  }
  // The CLI's warm-up run doubles as the peak-memory run (under the RSS preload).
  const expectedExit = bench.valid ? 0 : 1;
  const cliArgs = [ctx.cliPath, 'validate', file.path, '--json'];
  const memoryRun = await runNodeWithRss(cliArgs, { cwd: ctx.root, preload: ctx.preload, dataDir: ctx.dataDir });
  checkCli(bench, memoryRun, expectedExit, warmResult);
  // Interleaved with the floor run as a process of its own, which pays the same start-up and cold JIT.
  const floorArgs = [ctx.floorMainPath, file.path];
  await runNode(floorArgs, { cwd: ctx.root });
  const cliMs: number[] = [];
  const floorProcessMs: number[] = [];
  for (let run = 0; run < runs; run++) {
    const order = run % 2 === 0 ? ['cli', 'floor'] : ['floor', 'cli'];
    for (const which of order) {
      collectGarbage();
      if (which === 'cli') {
        const result = await runNode(cliArgs, { cwd: ctx.root });
        checkCli(bench, result, expectedExit, warmResult);
        cliMs.push(result.ms);
      } else {
        const result = await runNode(floorArgs, { cwd: ctx.root });
        if (result.exitCode !== 0) {
          throw new Error(`floor process exited with ${result.exitCode ?? result.signal} on ${bench.label}: ${result.stderr.trim()}`);
        }
        floorProcessMs.push(result.ms);
      }
    }
    log(`  run ${run + 1}/${runs}: CLI ${ms(cliMs[run]!)}, floor process ${ms(floorProcessMs[run]!)}`);
  }
  const cli = samples(cliMs);
  const floorProcess = samples(floorProcessMs);
  const cliRatio = cli.median / floor.median;
  const startup = ctx.nodeStartupMs ?? 0;
  rows.push({
    file: label,
    measurement: '3. CLI validate --json (end to end)',
    time: ms(cli.median),
    spread: spreadOf(cli),
    throughput: mbPerSecond(file.bytes, cli.median).toFixed(0),
    ratio: `${cliRatio.toFixed(2)}x`,
    target: `≤ ${targets.cliRatio}x`,
    status: cliRatio <= targets.cliRatio ? 'PASS' : 'MISS',
    note: `${((cli.median - startup) / floor.median).toFixed(2)}x without node start-up; ${(cli.median / floorProcess.median).toFixed(2)}x the floor process`,
  });
  rows.push({
    file: label,
    measurement: '   floor as a node process (reference)',
    time: ms(floorProcess.median),
    spread: spreadOf(floorProcess),
    throughput: mbPerSecond(file.bytes, floorProcess.median).toFixed(0),
    ratio: `${(floorProcess.median / floor.median).toFixed(2)}x`,
    target: '',
    status: '',
    note: 'start-up + cold JIT, no validation',
  });
  if (memoryRun.maxRssBytes !== undefined) {
    const rssMiB = memoryRun.maxRssBytes / MiB;
    const applies = bench === largeFile;
    rows.push({
      file: label,
      measurement: '4. CLI peak RSS',
      time: `${rssMiB.toFixed(0)} MiB`,
      spread: '',
      throughput: '',
      ratio: '',
      target: applies ? `< ${targets.cliPeakRssMiB} MiB` : '',
      status: applies ? (rssMiB < targets.cliPeakRssMiB ? 'PASS' : 'MISS') : '',
      note: applies ? '' : 'target applies to the ~200 MB file',
    });
  } else {
    check(false, `${bench.label}: the CLI did not report its peak RSS`);
  }
}

function checkFloor(bench: BenchFile, file: DataFile, floor: FloorResult): void {
  check(floor.bytes === file.bytes, `${bench.label}: floor read ${floor.bytes} bytes, the file has ${file.bytes}`);
  check(floor.lines === file.lines, `${bench.label}: floor saw ${floor.lines} lines, the file has ${file.lines}`);
  if (bench.valid) {
    check(floor.failed === 0 && floor.parsed === file.spec.rows, `${bench.label}: floor parsed ${floor.parsed} of ${file.spec.rows} rows (${floor.failed} failed)`);
  }
}

function checkResult(bench: BenchFile, file: DataFile, result: ValidationResult): void {
  check(result.bytes === file.bytes, `${bench.label}: validateFile counted ${result.bytes} bytes, the file has ${file.bytes}`);
  if (bench.valid) {
    const first = result.diagnostics[0];
    check(
      result.diagnostics.length === 0 && result.requests === file.spec.rows,
      `${bench.label}: validateFile found ${result.requests} requests and ${result.diagnostics.length} diagnostics` +
        (first ? ` (first: line ${first.line + 1} ${first.code}: ${first.message.text})` : '') +
        `; expected ${file.spec.rows} and none`,
    );
  } else {
    check(result.diagnostics.length >= file.brokenRows, `${bench.label}: validateFile found ${result.diagnostics.length} diagnostics for ${file.brokenRows} broken rows`);
  }
}

function checkCli(bench: BenchFile, run: CliRun, expectedExit: number, inProcess: ValidationResult): void {
  if (run.exitCode !== 0 && run.exitCode !== 1) {
    // Not a validation verdict: the CLI crashed or could not read the file.
    throw new Error(`CLI exited with ${run.exitCode ?? run.signal} on ${bench.label}: ${run.stderr.trim()}`);
  }
  check(run.exitCode === expectedExit, `${bench.label}: CLI exit code ${run.exitCode}, expected ${expectedExit}`);
  try {
    const output = JSON.parse(run.stdout) as { requests: number; diagnostics: unknown[] };
    check(
      output.requests === inProcess.requests && output.diagnostics.length === inProcess.diagnostics.length,
      `${bench.label}: CLI reported ${output.requests} requests / ${output.diagnostics.length} diagnostics, validateFile ${inProcess.requests} / ${inProcess.diagnostics.length}`,
    );
  } catch (error) {
    check(false, `${bench.label}: CLI --json output is not one JSON object (${String(error)})`);
  }
}

async function measureNodeStartup(ctx: Context): Promise<void> {
  const times: number[] = [];
  await runNode(['-e', '0'], { cwd: ctx.root });
  for (let run = 0; run < Math.max(ctx.options.runs, 3); run++) {
    times.push((await runNode(['-e', '0'], { cwd: ctx.root })).ms);
  }
  const startup = samples(times);
  ctx.nodeStartupMs = startup.median;
  rows.push({ file: 'node', measurement: 'start-up: node -e 0 (for reference)', time: ms(startup.median), spread: spreadOf(startup), throughput: '', ratio: '', target: '', status: '' });
}

function reportIncremental(label: string, result: IncrementalResult): void {
  const file = `edits in ${result.lines.toLocaleString('en-US')}-line doc`;
  log(`\n${label}: ${result.edits.length} one-line edits`);
  rows.push({ file, measurement: 'DocumentValidator load (reset + flush)', time: ms(result.loadMs), spread: '', throughput: '', ratio: '', target: '', status: '', note: `first diagnostics() ${ms(result.firstDiagnosticsMs)}` });
  const p50 = percentile(result.edits, 50);
  const p95 = percentile(result.edits, 95);
  const kinds = [...result.byKind]
    .filter(([kind]) => kind !== 'split')
    .map(([kind, times]) => `${kind} ${ms(percentile(times, 50))}/${ms(percentile(times, 95))}`)
    .join(', ');
  rows.push({ file, measurement: `5. one-line edit, median (n=${result.edits.length})`, time: ms(p50), spread: '', throughput: '', ratio: '', target: `< ${targets.editMs} ms`, status: p50 < targets.editMs ? 'PASS' : 'MISS', note: `p50/p95 by kind: ${kinds}` });
  rows.push({ file, measurement: '5. one-line edit, p95', time: ms(p95), spread: '', throughput: '', ratio: '', target: `< ${targets.editMs} ms`, status: p95 < targets.editMs ? 'PASS' : 'MISS', note: `max ${ms(Math.max(...result.edits))}` });
  const split = result.byKind.get('split') ?? [];
  if (split.length > 0) {
    rows.push({ file, measurement: `line split/join, median (n=${split.length})`, time: ms(percentile(split, 50)), spread: '', throughput: '', ratio: '', target: '', status: '', note: `p95 ${ms(percentile(split, 95))}; renumbers later lines (info)` });
  }
  for (const mismatch of result.mismatches) {
    check(false, `incremental: ${mismatch}`);
  }
}

function reportViewer(result: Awaited<ReturnType<typeof benchViewer>>): void {
  const file = `viewer, ${result.rows.toLocaleString('en-US')} results`;
  const ratio = result.build.median / result.floor.median;
  const throughput = (value: number) => mbPerSecond(result.bytes, value).toFixed(0);
  rows.push({ file, measurement: 'floor: read + JSON.parse input and results', time: ms(result.floor.median), spread: spreadOf(result.floor), throughput: throughput(result.floor.median), ratio: '1.00x', target: '', status: '' });
  rows.push({ file, measurement: '7. buildResultsModel()', time: ms(result.build.median), spread: spreadOf(result.build), throughput: throughput(result.build.median), ratio: `${ratio.toFixed(2)}x`, target: `≤ ${targets.viewerBuildRatio}x`, status: ratio <= targets.viewerBuildRatio ? 'PASS' : 'MISS' });
  rows.push({ file, measurement: '7. first page (growing model, query + page)', time: ms(result.firstPage.median), spread: spreadOf(result.firstPage), throughput: '', ratio: '', target: `< ${targets.viewerFirstPageMs} ms`, status: result.firstPage.median < targets.viewerFirstPageMs ? 'PASS' : 'MISS' });
  rows.push({ file, measurement: '   first page after the whole build', time: ms(result.pageAfterBuild.median), spread: spreadOf(result.pageAfterBuild), throughput: '', ratio: '', target: '', status: '', note: 'without onProgress' });
  for (const query of result.queries) {
    const ok = query.time.median < targets.viewerQueryMs;
    rows.push({ file, measurement: `7. ${query.name}`, time: ms(query.time.median), spread: spreadOf(query.time), throughput: '', ratio: '', target: `< ${targets.viewerQueryMs} ms`, status: ok ? 'PASS' : 'MISS', note: `${query.matched.toLocaleString('en-US')} rows` });
  }
  rows.push({ file, measurement: 'first sort by custom_id (ranks it once)', time: ms(result.firstTextSortMs), spread: '', throughput: '', ratio: '', target: '', status: '', note: 'later sorts by it are in the rows above' });
  rows.push({ file, measurement: 'first sort by prompt (ranks it once)', time: ms(result.firstPromptSortMs), spread: '', throughput: '', ratio: '', target: '', status: '', note: 'later sorts by it take as long as the sorts above' });
  rows.push({ file, measurement: '7. memory held by the model (heap + buffers)', time: `${result.heapMiB.toFixed(0)} MiB`, spread: '', throughput: '', ratio: '', target: '', status: '', note: `${((result.heapMiB * 1024 * 1024) / result.rows).toFixed(0)} bytes per row` });
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const root = resolve(__dirname, '..', '..');
  const dataDir = join(root, 'bench', '.data');
  const cliPath = join(root, 'dist', 'cli.js');
  const onlyFiles = options.only?.filter((name) => name !== viewerSection && name !== createSection);
  const viewerOnly = onlyFiles !== undefined && onlyFiles.length === 0;
  if (!options.skipCli && !viewerOnly && !existsSync(cliPath)) {
    throw new Error(`${relative(root, cliPath)} is missing: run \`npm run build\` (or \`node esbuild.mjs\`) first, or pass --no-cli`);
  }
  const ctx: Context = { options, root, dataDir, cliPath, preload: writeRssPreload(dataDir), floorMainPath: join(__dirname, 'floorMain.js') };
  const wall = performance.now();

  const cpu = cpus();
  log(`node ${process.version}, ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB RAM`);
  log(`${options.quick ? 'quick mode: ' : ''}${options.runs} measured run(s) per timing (x3 for files under 32 MiB) after one warm-up, median reported`);

  const all = options.quick ? [smallFile, errorFile] : [smallFile, mediumFile, largeFile, errorFile];
  const unknown = onlyFiles?.filter((name) => !all.some((bench) => bench.spec.name === name)) ?? [];
  if (unknown.length > 0) {
    throw new UsageError(`--only: no data file named ${unknown.join(', ')} in this mode (${all.map((bench) => bench.spec.name).join(', ')})`);
  }
  const benches = all.filter((bench) => onlyFiles === undefined || onlyFiles.includes(bench.spec.name));
  const editBench = options.quick ? smallFile : mediumFile;
  const files = new Map<BenchFile, DataFile>();
  for (const bench of benches) {
    files.set(bench, ensureDataFile(dataDir, bench.spec, options.regenerate, log));
  }

  if (!options.skipCli && benches.length > 0) {
    await measureNodeStartup(ctx);
  }
  for (const bench of benches) {
    await benchFile(ctx, bench, files.get(bench)!);
  }

  const editFile = files.get(editBench);
  if (editFile) {
    collectGarbage();
    const incremental = benchIncremental(editFile.path, {
      edits: options.quick ? 300 : 3000,
      warmup: options.quick ? 100 : 300,
      seed: 5,
    });
    reportIncremental(editFile.spec.name, incremental);
  }

  const joinFile = files.get(editBench);
  if (joinFile) {
    log(`\njoin: ${joinFile.spec.name} outputs back to their inputs`);
    const joined = await benchJoin(joinFile.path, dataDir, options.quick ? 1 : 3);
    const label = `join ${joined.rows.toLocaleString('en-US')} results`;
    rows.push({ file: label, measurement: 'floor: read + JSON.parse input and outputs', time: ms(joined.floorMs), spread: '', throughput: mbPerSecond(joinFile.bytes + joined.outputBytes, joined.floorMs).toFixed(0), ratio: '1.00x', target: '', status: '' });
    rows.push({ file: label, measurement: '6. joinResults() to NAME.results.jsonl', time: ms(joined.joinMs), spread: '', throughput: mbPerSecond(joinFile.bytes + joined.outputBytes, joined.joinMs).toFixed(0), ratio: `${(joined.joinMs / joined.floorMs).toFixed(2)}x`, target: '', status: '', note: `peak RSS +${joined.peakRssDeltaMiB.toFixed(0)} MiB while joining` });
  }

  const tokenFile = files.get(editBench);
  if (tokenFile) {
    log(`\ntokens: the estimator against the raw tokenizer on ${tokenFile.spec.name}`);
    const tokens = await benchTokens(tokenFile.path, options.quick ? 1 : 3, log);
    rows.push(...tokenBenchRows(`tokens, ${tokens.requests.toLocaleString('en-US')} requests`, tokens));
    log('\ntokens: worst cases for the tokenizer against prose of the same bytes');
    rows.push(...worstCaseRows(benchWorstCases(tokenFile.path, options.quick ? 1 : 3, log)));
  }

  if (options.only === undefined || options.only.includes(viewerSection)) {
    const viewerInput = files.get(editBench) ?? ensureDataFile(dataDir, editBench.spec, options.regenerate, log);
    log(`\nviewer: the results viewer's model over ${viewerInput.spec.name}'s joined results`);
    reportViewer(await benchViewer(viewerInput.path, dataDir, options.quick ? 1 : 3, log));
  }

  if (options.only === undefined || options.only.includes(createSection)) {
    const createRows = options.quick ? 100_000 : 1_000_000;
    log(`\ncreate: a ${createRows.toLocaleString('en-US')}-row CSV to a batch file`);
    const created = await benchCreate(dataDir, createRows, options.quick ? 1 : 3);
    const label = `create ${created.rows.toLocaleString('en-US')} rows`;
    rows.push({ file: label, measurement: 'floor: read + split the CSV, write as many bytes', time: ms(created.floorMs), spread: '', throughput: mbPerSecond(created.dataBytes, created.floorMs).toFixed(0), ratio: '1.00x', target: '', status: '' });
    rows.push({ file: label, measurement: 'createBatchFile() CSV to NAME.jsonl', time: ms(created.createMs), spread: '', throughput: mbPerSecond(created.dataBytes, created.createMs).toFixed(0), ratio: `${(created.createMs / created.floorMs).toFixed(2)}x`, target: '', status: '', note: `${Math.round(created.rowsPerSecond).toLocaleString('en-US')} rows/s, ${(created.outputBytes / (1024 * 1024)).toFixed(0)} MiB written, peak RSS +${created.peakRssDeltaMiB.toFixed(0)} MiB` });
  }

  const runsNote = options.quick ? '1 run' : `median of ${options.runs} runs, ${options.runs * 3} for files under 32 MiB`;
  process.stdout.write(`\nBenchmark (${options.quick ? 'quick, ' : ''}${runsNote}, after one warm-up; ratios against the floor measured in the same run)\n\n`);
  printTable();
  process.stdout.write(
    [
      '',
      `Targets: validateFile ≤ ${targets.validatorRatio}x the floor; CLI ≤ ${targets.cliRatio}x the floor; CLI peak RSS < ${targets.cliPeakRssMiB} MiB on the ~200 MB file;`,
      `one-line edit < ${targets.editMs} ms (median and p95). MISS never fails the run. The floor runs in this process, warm; the CLI`,
      'pays Node start-up and a cold JIT on top, which dominates small files: compare it with "floor as a node process".',
    ].join('\n') + '\n',
  );
  process.stdout.write(
    `Viewer: building the model ≤ ${targets.viewerBuildRatio}x the floor (reading + JSON.parse of the input and results files once); first page < ${targets.viewerFirstPageMs} ms;\n` +
      `each query (filter, search, sort, and its first page) < ${targets.viewerQueryMs} ms; "memory held" is what the model keeps after a full collection (heap and array buffers).\n`,
  );
  process.stdout.write(`\ntotal bench time ${ms(performance.now() - wall)}\n`);
  if (sanity.length > 0) {
    process.stdout.write(`\n${sanity.length} sanity check(s) failed, the figures above may be meaningless:\n${sanity.map((s) => `  - ${s}`).join('\n')}\n`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  const text = error instanceof UsageError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`bench failed: ${text}\n`);
  process.exitCode = 2;
});
