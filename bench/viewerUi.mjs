// `npm run bench:viewer`: the results viewer as a user feels it, in the real workbench (VS Code server + headless
// Chromium, as the UI tests run it), on the joined results of a 100,000-request job (the `viewer` data of
// `npm run bench`, generated in bench/.data when missing): from pressing Enter in Quick Open to the first row of
// the grid, and to every row read; filter and search to the grid redrawn; a jump to the end of the grid to its
// rows; and the page's memory with the viewer open (JS heap after a full collection, against the same reading
// before it was opened, and the viewer's DOM nodes). Not part of `npm test`.
//
//   npm run build && npm run compile-tests && node bench/viewerUi.mjs [--rows N] [--runs N]
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { openWorkbench, repoRoot, startServer } from '../test/runner/workbench.mjs';

const require = createRequire(import.meta.url);
const { ensureDataFile } = require('../out/bench/generate.js');
const { ensureJobOutputs } = require('../out/bench/join.js');
const { joinResults } = require('../out/src/core/results/join.js');

const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const at = argv.indexOf(name);
  return at >= 0 ? Number(argv[at + 1]) : fallback;
};
const rows = option('--rows', 100_000);
const runs = option('--runs', 3);
const targets = { firstRowMs: 1000, queryMs: 100 };

const dataDir = path.join(repoRoot, 'bench', '.data');
fs.mkdirSync(dataDir, { recursive: true });
const input = ensureDataFile(dataDir, { name: rows === 100_000 ? 'chat-100k' : `chat-${rows}`, rows, seed: 100_001, medianRowBytes: 800 }, false, (text) => console.log(text));
const { output, errors } = await ensureJobOutputs(input.path, dataDir);
const joined = path.join(dataDir, `viewer-${rows}.results.jsonl`);
if (!fs.existsSync(joined)) {
  await joinResults(input.path, [{ output, errors }], joined);
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aoai-batch-viewer-bench-'));
const workspace = path.join(tmp, 'workspace');
fs.mkdirSync(workspace);
// The viewer finds the input next to the results by name.
fs.symlinkSync(input.path, path.join(workspace, 'job.jsonl'));
fs.symlinkSync(joined, path.join(workspace, 'job.results.jsonl'));
console.log(`results: ${rows.toLocaleString('en-US')} rows, ${(fs.statSync(joined).size / 2 ** 20).toFixed(0)} MiB (input ${(input.bytes / 2 ** 20).toFixed(0)} MiB)`);

const server = await startServer({ workspace, extensionPath: repoRoot, settings: { 'workbench.editor.enablePreview': false } });
const workbench = await openWorkbench(server);
const { page } = workbench;
page.setDefaultTimeout(120_000);
const figures = [];
try {
  await server.waitForLog(/Launched Extension Host Process/, 90_000);
  await page.waitForTimeout(3000);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const heap = async () => {
    await cdp.send('HeapProfiler.collectGarbage');
    const { metrics } = await cdp.send('Performance.getMetrics');
    return metrics.find((metric) => metric.name === 'JSHeapUsedSize').value;
  };
  const viewer = () => page.frameLocator('iframe.webview >> visible=true').first().frameLocator('iframe#active-frame');
  const all = `${rows.toLocaleString('en-US')} of ${rows.toLocaleString('en-US')} rows`;

  const first = [];
  const complete = [];
  let heapBefore = 0;
  let heapOpen = 0;
  let nodes = 0;
  for (let run = 0; run < runs; run++) {
    heapBefore = await heap();
    await page.keyboard.press('Control+P');
    const quick = page.locator('.quick-input-widget input');
    await quick.fill('job.results.jsonl');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'job.results.jsonl' }).first().waitFor();
    const start = Date.now();
    await page.keyboard.press('Enter');
    await viewer().locator('.grid-row[data-index="0"]').waitFor();
    first.push(Date.now() - start);
    await viewer().locator('.counts', { hasText: all }).waitFor();
    complete.push(Date.now() - start);
    console.log(`  open ${run + 1}: first row ${first.at(-1)} ms, every row read ${complete.at(-1)} ms`);
    if (run < runs - 1) {
      await page.keyboard.press('Control+W');
      await viewer().locator('.grid').waitFor({ state: 'detached' });
    }
  }

  // Jump to the end: the grid asks for the last page.
  let start = Date.now();
  await viewer().locator('.grid').evaluate((grid) => (grid.scrollTop = grid.scrollHeight));
  await viewer().locator(`.grid-row[data-position="${rows - 1}"][data-index]`).waitFor();
  const jumpMs = Date.now() - start;

  // Filter to the failed rows, then search: until the counts say so and the first row is drawn.
  start = Date.now();
  await viewer().locator('vscode-checkbox[data-status="succeeded"]').click();
  await viewer().locator('vscode-checkbox[data-status="missing"]').click();
  await viewer().locator('.counts', { hasText: /Succeeded 0\s+·\s+Failed [\d,]+\s+·\s+Missing 0/ }).waitFor();
  await viewer().locator('.grid-row[data-position="0"][data-index]').waitFor();
  const filterMs = Date.now() - start;
  await viewer().locator('vscode-checkbox[data-status="succeeded"]').click();
  await viewer().locator('vscode-checkbox[data-status="missing"]').click();
  await viewer().locator('.counts', { hasText: all }).waitFor();
  const needle = 'zz-not-there';
  start = Date.now();
  await viewer().locator('vscode-textfield.search input').fill(needle);
  await viewer().locator('.counts', { hasText: /^0 of / }).waitFor();
  // The search waits for typing to pause (250 ms) before it asks.
  const searchMs = Date.now() - start;
  await viewer().locator('vscode-textfield.search input').fill('');
  await viewer().locator('.counts', { hasText: all }).waitFor();

  // The extension host's side, from its log: editor opened → first page sent, and the whole read.
  const hostLog = findFiles([server.userDataDir, server.serverDataDir], /Azure OpenAI Batch\.log$/).map((file) => fs.readFileSync(file, 'utf8')).join('\n');
  const hostFirst = [...hostLog.matchAll(/first page of job\.results\.jsonl sent (\d+) ms/g)].map((match) => Number(match[1]));
  const hostReady = [...hostLog.matchAll(/webview of job\.results\.jsonl ready (\d+) ms/g)].map((match) => Number(match[1]));
  const hostRead = [...hostLog.matchAll(/read [\d,]+ rows of job\.results\.jsonl in (\d+) ms/g)].map((match) => Number(match[1]));

  heapOpen = await heap();
  nodes = await viewer().locator('body').evaluate(() => document.getElementsByTagName('*').length);
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  figures.push(
    ['first row of the grid (Enter in Quick Open → row drawn)', `${median(first)} ms`, `< ${targets.firstRowMs} ms`, median(first) < targets.firstRowMs ? 'PASS' : 'MISS'],
    ['  of which in the extension host: editor opened → first page sent', hostFirst.length ? `${median(hostFirst)} ms` : 'n/a', `< ${targets.firstRowMs} ms`, hostFirst.length ? (median(hostFirst) < targets.firstRowMs ? 'PASS' : 'MISS') : ''],
    ['    of which the webview loading (editor opened → its first message)', hostReady.length ? `${median(hostReady)} ms` : 'n/a', '', ''],
    ['every row read (counts complete)', `${median(complete)} ms`, '', ''],
    ['  the model built in the extension host', hostRead.length ? `${median(hostRead)} ms` : 'n/a', '', ''],
    ['jump to the last row (scroll → row drawn)', `${jumpMs} ms`, '', ''],
    ['filter to failed (2 clicks → rows drawn)', `${filterMs} ms`, '', ''],
    ['search (typed → counts; includes the 250 ms typing pause)', `${searchMs} ms`, '', ''],
    ['page JS heap with the viewer open, over before it', `${((heapOpen - heapBefore) / 2 ** 20).toFixed(1)} MiB`, '', ''],
    ['viewer DOM elements', `${nodes}`, '', ''],
  );
} finally {
  await workbench.close().catch(() => undefined);
  await server.stop().catch(() => undefined);
  fs.rmSync(tmp, { recursive: true, force: true });
}
console.log(`\nResults viewer in the workbench, ${rows.toLocaleString('en-US')} rows (${runs} opens; medians):`);
for (const [what, value, target, status] of figures) {
  console.log(`  ${what.padEnd(66)} ${value.padStart(10)}  ${target.padEnd(9)} ${status}`);
}

function findFiles(roots, pattern) {
  const found = [];
  const walk = (dir) => {
    for (const entry of fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }) : []) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (pattern.test(entry.name)) found.push(full);
    }
  };
  roots.forEach(walk);
  return found;
}
