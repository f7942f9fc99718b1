// `npm run bench:host`: the figures a user feels, measured inside the real VS Code extension host (the VS Code
// server build from code-server, opened in headless Chromium, as test/runner/runIntegration.mjs does):
// activation, opening 10k/20k/100k-row batch files to their final diagnostics (against the core validator's
// full pass on the same files in the same run) and to a complete estimate CodeLens, keystroke-to-diagnostics
// latency, event-loop stalls, and the extension host's memory across open/close cycles. The extension host
// runs out/bench/host/index.js; this script prepares the files, also times loading the bundle in a plain
// Node process, prints a table and writes out/bench/host-results.json. Not part of `npm test`.
//
// Expects `npm run build && npm run compile-tests` (the npm script runs them) and the test host
// (bash scripts/install-test-host.sh; VSCODE_TEST_CACHE points elsewhere).
//
//   node bench/host/run.mjs [--runs N] [--only 10k,20k,100k] [--edits N] [--settle-ms N] [--quick] [--regenerate] [--cpu-profile] [--no-merge-conflict]
// Environment: AOAI_BATCH_BENCH_TIMEOUT_MS (whole run, default 10 minutes), VSCODE_TEST_VERBOSE=1 (echo the
// server log and browser console).
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { readJson, tailFile, tailLines as tail } from '../../test/runner/logs.mjs';
import { findServerInstall, openWorkbench, repoRoot, startServer } from '../../test/runner/workbench.mjs';

const require = createRequire(import.meta.url);
const started = Date.now();
const verbose = /^(1|true)$/i.test(process.env.VSCODE_TEST_VERBOSE ?? '');
const timeoutMs = Number(process.env.AOAI_BATCH_BENCH_TIMEOUT_MS || 10 * 60 * 1000);

const bundle = path.join(repoRoot, 'dist', 'extension.js');
const hostModule = path.join(repoRoot, 'out', 'bench', 'host', 'index.js');
const resultsModule = path.join(repoRoot, 'out', 'bench', 'host', 'results.js');
const generatorModule = path.join(repoRoot, 'out', 'bench', 'generate.js');
const dataDir = path.join(repoRoot, 'bench', '.data');
const resultPath = path.join(repoRoot, 'out', 'bench', 'host-results.json');
const profileDir = path.join(repoRoot, 'out', 'bench', 'host-profiles');

// Rows of ~350 bytes (median) keep the 100k-row file (45 MiB) under the 50 MiB above which VS Code does not
// hand a document to extensions at all. Each file has 12 rows broken on purpose (bench/generate.ts).
const documents = [
  { label: '10k', rows: 10_000, seed: 10_010 },
  { label: '20k', rows: 20_000, seed: 20_010 },
  { label: '100k', rows: 100_000, seed: 100_010 },
];
const memoryDocument = '100k';
const usage = `usage: node bench/host/run.mjs [--runs N] [--only ${documents.map((d) => d.label).join(',')}] [--edits N] [--settle-ms N] [--quick] [--regenerate] [--cpu-profile] [--no-merge-conflict]
  --runs N       opens of each document (default 3): the open/close cycles of the memory figures
  --only LABELS  measure only these documents (the memory figures need ${memoryDocument})
  --edits N      one-line edits timed on each document (default 10)
  --settle-ms N  wait after a document is released before the second memory reading (default 3000)
  --quick        10k only, one open, 4 edits: a smoke test
  --regenerate   rebuild the data files in bench/.data
  --cpu-profile  CPU profiles of the first open of each document, by phase, in ${path.relative(repoRoot, profileDir)}/
                 (slows the extension host: the timings of such a run are not comparable)
  --no-merge-conflict
                 turn off the decorations and CodeLens of VS Code's built-in merge-conflict extension, which
                 otherwise scans the whole text of a document in the same extension host on every change`;

class RunError extends Error {}

function parseOptions(argv) {
  const options = { runs: 3, only: undefined, edits: 10, settleMs: 3000, regenerate: false, cpuProfile: false, mergeConflict: true };
  const number = (name, raw, min) => {
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min) throw new RunError(`${name} takes an integer >= ${min}\n${usage}`);
    return value;
  };
  for (let i = 0; i < argv.length; i++) {
    const [arg, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => inline ?? argv[++i];
    if (arg === '--runs') options.runs = number(arg, value(), 1);
    else if (arg === '--edits') options.edits = number(arg, value(), 0);
    else if (arg === '--settle-ms') options.settleMs = number(arg, value(), 0);
    else if (arg === '--only') options.only = String(value() ?? '').split(',').filter(Boolean);
    else if (arg === '--regenerate') options.regenerate = true;
    else if (arg === '--cpu-profile') options.cpuProfile = true;
    else if (arg === '--no-merge-conflict') options.mergeConflict = false;
    else if (arg === '--quick') Object.assign(options, { runs: 1, only: ['10k'], edits: 4, settleMs: 1000 });
    else if (arg === '--help' || arg === '-h') {
      console.log(usage);
      process.exit(0);
    } else throw new RunError(`unknown argument ${argv[i]}\n${usage}`);
  }
  const unknown = (options.only ?? []).filter((label) => !documents.some((d) => d.label === label));
  if (unknown.length > 0 || options.only?.length === 0) {
    throw new RunError(`--only takes ${documents.map((d) => d.label).join(', ')}\n${usage}`);
  }
  return options;
}

const cleanups = [];
let cleaningUp;
function cleanup() {
  cleaningUp ??= (async () => {
    for (const fn of cleanups.reverse()) {
      await Promise.resolve().then(fn).catch((error) => console.error(`[bench:host] cleanup: ${error.message}`));
    }
  })();
  return cleaningUp;
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    console.error(`\n[bench:host] ${signal}: stopping`);
    cleanup().finally(() => process.exit(1));
  });
}

main().then(
  async () => {
    await cleanup();
    process.exit(0);
  },
  async (error) => {
    await cleanup();
    console.error(`\n[bench:host] FAILED: ${error instanceof RunError ? error.message : (error?.stack ?? error)}`);
    process.exit(1);
  },
);

async function main() {
  const options = parseOptions(process.argv.slice(2));
  for (const [file, hint] of [
    [bundle, 'npm run build'],
    [hostModule, 'npm run compile-tests'],
    [generatorModule, 'npm run compile-tests'],
  ]) {
    if (!fs.existsSync(file)) throw new RunError(`${path.relative(repoRoot, file)} is missing: run \`${hint}\` first`);
  }
  const install = findServerInstall();
  if (!install) {
    throw new RunError('the VS Code server is not installed: run `bash scripts/install-test-host.sh` (or set VSCODE_TEST_CACHE)');
  }
  const { formatReport } = require(resultsModule);

  // The files, cached in bench/.data, then linked (or copied) into a fresh workspace.
  const { ensureDataFile } = require(generatorModule);
  const selected = documents.filter((d) => !options.only || options.only.includes(d.label));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aoai-batch-hostbench-'));
  cleanups.push(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const workspace = path.join(tmp, 'workspace');
  fs.mkdirSync(workspace);
  const benchDocuments = selected.map((d) => {
    const file = ensureDataFile(dataDir, { name: `host-${d.label}`, rows: d.rows, seed: d.seed, medianRowBytes: 350, withErrors: true }, options.regenerate, (text) =>
      console.log(`[bench:host] ${text}`),
    );
    const target = path.join(workspace, `requests-${d.label}.jsonl`);
    linkOrCopy(file.path, target);
    const plainTextPath = path.join(workspace, `requests-${d.label}.txt`);
    linkOrCopy(file.path, plainTextPath);
    return { label: d.label, rows: d.rows, lines: file.lines, bytes: file.bytes, plantedBadRows: file.brokenRows, path: target, plainTextPath };
  });

  const plainNode = measureBundle(install.node);
  if (plainNode) {
    console.log(`[bench:host] plain Node ${plainNode.node}: require() of the bundle ${plainNode.requireMs.map((ms) => `${ms.toFixed(0)} ms`).join(', ')}`);
  }

  const logFile = path.join(tmp, 'bench.log');
  const hostResultFile = path.join(tmp, 'host-result.json');
  const config = {
    documents: benchDocuments,
    runs: options.runs,
    typingEdits: options.edits,
    memoryDocument,
    startDelayMs: 3000,
    settleMs: options.settleMs,
    scratchDir: path.join(tmp, 'scratch'),
    profileDir: options.cpuProfile ? profileDir : undefined,
    logFile,
    resultFile: hostResultFile,
  };
  if (options.cpuProfile) fs.rmSync(profileDir, { recursive: true, force: true });
  const configFile = path.join(tmp, 'config.json');
  fs.writeFileSync(configFile, JSON.stringify(config, null, 2));
  fs.writeFileSync(logFile, '');

  console.log(`[bench:host] VS Code ${install.version} (server build from code-server ${install.codeServerVersion ?? '?'}), headless Chromium`);
  const server = await startServer({
    workspace,
    extensionPath: repoRoot,
    testsPath: hostModule,
    env: { AOAI_BATCH_BENCH_CONFIG: configFile },
    settings: options.mergeConflict ? {} : { 'merge-conflict.decorators.enabled': false, 'merge-conflict.codeLens.enabled': false },
    echo: verbose,
  });
  cleanups.push(() => server.stop());
  const tailer = tailFile(logFile, (text) => process.stdout.write(text));
  cleanups.push(() => tailer.stop());

  const browserLog = [];
  const onConsole = (line) => {
    browserLog.push(line);
    if (verbose) process.stderr.write(`${line}\n`);
  };
  const serverGone = server.exit.then(({ code, signal }) => {
    throw new RunError(`the VS Code server exited early (code ${code}, signal ${signal})\n${tail(server.logs)}`);
  });
  serverGone.catch(() => undefined);
  const opening = openWorkbench(server, { onConsole });
  cleanups.push(() => opening.then((workbench) => workbench.close()).catch(() => undefined));
  const workbench = await Promise.race([opening, serverGone]);
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new RunError(`timed out after ${timeoutMs} ms (AOAI_BATCH_BENCH_TIMEOUT_MS)`)), timeoutMs);
  });
  let outcome;
  try {
    outcome = await Promise.race([workbench.automationExit, serverGone, timeout]);
  } finally {
    clearTimeout(timer);
    tailer.flush();
  }
  const host = readJson(hostResultFile);
  if (outcome.code !== 0 || !host) {
    throw new RunError(
      `the benchmark did not finish in the extension host (exit code ${outcome.code})\n${tail(server.logs)}\nbrowser console:\n${tail(browserLog)}`,
    );
  }

  const report = {
    date: new Date().toISOString(),
    commit: gitCommit(),
    machine: machine(),
    // The machine's load while the bench ran (1, 5 and 15 minute averages): shared machines skew the figures.
    loadAverage: os.loadavg().map((load) => Number(load.toFixed(2))),
    totalSeconds: (Date.now() - started) / 1000,
    options: { runs: options.runs, documents: selected.map((d) => d.label), edits: options.edits, cpuProfile: options.cpuProfile, mergeConflict: options.mergeConflict },
    plainNode,
    host,
  };
  fs.mkdirSync(path.dirname(resultPath), { recursive: true });
  fs.writeFileSync(resultPath, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`\n${formatReport(report)}`);
  console.log(`\n[bench:host] figures in ${path.relative(process.cwd(), resultPath) || resultPath}`);
}

/**
 * Loading the bundle outside VS Code, in the Node the extension host runs (the server's), five fresh
 * processes per measurement.
 */
function measureBundle(node) {
  const script = path.join(repoRoot, 'bench', 'host', 'loadBundle.cjs');
  const sample = (mode) => {
    const run = spawnSync(node, [script, mode, bundle], { encoding: 'utf8' });
    if (run.status !== 0) throw new RunError(`loading ${bundle} in plain Node failed:\n${run.stderr}`);
    return JSON.parse(run.stdout.trim().split('\n').at(-1)).ms;
  };
  const runs = 5;
  const requireMs = [];
  const compileMs = [];
  sample('require'); // warm the page cache
  for (let i = 0; i < runs; i++) {
    requireMs.push(sample('require'));
    compileMs.push(sample('compile'));
  }
  const source = fs.readFileSync(bundle, 'utf8');
  return {
    node: spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim(),
    bundle: path.relative(repoRoot, bundle),
    bundleBytes: Buffer.byteLength(source),
    // A development build keeps the sources' line structure (about 20 characters a line); minified, hundreds.
    minified: source.length / source.split('\n').length > 200,
    requireMs,
    compileMs,
  };
}

/** A hard link when the data directory and the temp folder share a file system, else a copy. */
function linkOrCopy(from, to) {
  try {
    fs.linkSync(from, to);
  } catch {
    fs.copyFileSync(from, to);
  }
}

function gitCommit() {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: repoRoot, encoding: 'utf8' }).trim();
    return dirty ? `${commit} (with uncommitted changes)` : commit;
  } catch {
    return undefined;
  }
}

function machine() {
  const cpus = os.cpus();
  return `${cpus.length} × ${cpus[0]?.model?.trim() ?? 'CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.release()}`;
}
