// UI test of the results viewer on a narrow window (1000x700, then 800 px wide): the grid's fixed columns fit
// without scrolling at 1000 px, the structured fields past them are reached by scrolling sideways with custom_id
// kept in sight, and a search counts its rows against the whole job ("1 of 48 rows"). Screenshots go to
// test-results/ (ui-results-viewer-narrow*.png), not to media/.
//
//   npm run build && npm run compile-tests && npx mocha --no-config --timeout 300000 test/ui/viewerNarrow.test.mjs
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { findChromium, findServerInstall, openWorkbench, quickOpen, repoRoot, startServer } from '../runner/workbench.mjs';

const require = createRequire(import.meta.url);
const { waitFor } = require('../../out/test/shared/waitFor.js');
const { writeResultsFixture } = require('../../out/test/shared/resultsFixture.js');

const resultsDir = path.join(repoRoot, 'test-results');
const verbose = /^(1|true)$/i.test(process.env.UI_TEST_VERBOSE ?? '');

describe('The results viewer on a narrow window (UI)', function () {
  let server;
  let workbench;
  let page;
  let tmp;
  let fixture;
  const browserLog = [];

  before(async function () {
    this.timeout(180_000);
    if (!fs.existsSync(path.join(repoRoot, 'dist', 'resultsViewer.js'))) throw new Error('dist/resultsViewer.js is missing: run `npm run build` first');
    if (!findServerInstall()) throw new Error('the VS Code server is not installed: run `bash scripts/install-test-host.sh`');
    if (!findChromium()) throw new Error('Chromium not found: install the Debian package `chromium` or set CHROMIUM_PATH');
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aoai-batch-narrow-ui-'));
    const workspace = path.join(tmp, 'workspace');
    fs.mkdirSync(workspace);
    fixture = await writeResultsFixture(workspace);
    server = await startServer({ workspace, extensionPath: repoRoot, echo: verbose, settings: { 'workbench.editor.enablePreview': false, 'editor.minimap.enabled': false } });
    workbench = await openWorkbench(server, {
      viewport: { width: 1000, height: 700 },
      onConsole: (line) => {
        browserLog.push(line);
        if (verbose) process.stderr.write(`${line}\n`);
      },
    });
    page = workbench.page;
    page.setDefaultTimeout(15_000);
    await server.waitForLog(/Launched Extension Host Process/, 90_000);
  });

  afterEach(async function () {
    if (this.currentTest?.state !== 'failed' || !page) return;
    fs.mkdirSync(resultsDir, { recursive: true });
    await page.screenshot({ path: path.join(resultsDir, 'ui-failure-viewer-narrow.png') }).catch(() => undefined);
    const log = browserLog.filter((line) => /error|refused|violat|webview/i.test(line)).slice(-25).join('\n');
    console.error(`[ui] screenshot: test-results/ui-failure-viewer-narrow.png\n[ui] browser console (errors):\n${log}`);
  });

  after(async function () {
    this.timeout(60_000);
    await workbench?.close().catch(() => undefined);
    await server?.stop().catch(() => undefined);
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  const viewer = () => page.frameLocator('iframe.webview >> visible=true').first().frameLocator('iframe#active-frame');
  const until = (what, check, timeoutMs = 20_000) => waitFor(what, check, { timeoutMs });
  /** The grid's visible box and a header cell's box, in the viewer page's coordinates. */
  const boxes = (column) =>
    viewer()
      .locator('.grid')
      .evaluate((grid, id) => {
        const cell = grid.querySelector(`.grid-header [data-column="${id}"]`);
        const g = grid.getBoundingClientRect();
        const c = cell?.getBoundingClientRect();
        return { grid: { left: g.left, right: g.left + grid.clientWidth }, cell: c && { left: c.left, right: c.right }, scrollWidth: grid.scrollWidth, clientWidth: grid.clientWidth };
      }, column);

  it('fits the fixed columns at 1000 px, scrolls sideways to the fields with custom_id in sight, and counts a search against the job', async function () {
    this.timeout(240_000);
    await quickOpen(page, 'reviews.results.jsonl');
    await until('every row read', async () => /48 of 48 rows/.test(await viewer().locator('.counts').innerText()), 60_000);

    // Every fixed column through Cost is in sight without scrolling (the side bar is open, as it is by default).
    await page.keyboard.press('Control+B');
    await until('the side bar closed and the grid laid out again', async () => (await page.locator('.part.sidebar').isVisible()) === false);
    for (const column of ['custom_id', 'status', 'code', 'prompt', 'answer', 'inputTokens', 'outputTokens', 'cost']) {
      const { grid, cell } = await boxes(column);
      assert.ok(cell, `a ${column} column`);
      assert.ok(cell.left >= grid.left - 1 && cell.right <= grid.right + 1, `${column} is in sight at 1000 px: ${JSON.stringify({ grid, cell })}`);
    }
    assert.equal(await viewer().locator('.grid-header [data-column="reasoningTokens"]').count(), 0, 'no reasoning column when no row has reasoning tokens');
    await page.mouse.move(5, 5);
    await screenshot('ui-results-viewer-narrow.png');

    // The structured fields are past the edge: scrolling sideways reaches the last, custom_id stays in sight.
    const before = await boxes('field:summary');
    assert.ok(before.scrollWidth > before.clientWidth, 'the grid scrolls sideways');
    await viewer().locator('.grid').evaluate((grid) => (grid.scrollLeft = grid.scrollWidth));
    await until('the last field column in sight', async () => {
      const { grid, cell } = await boxes('field:summary');
      return cell.right <= grid.right + 1 && cell.left >= grid.left;
    });
    const sticky = await viewer()
      .locator('.grid')
      .evaluate((grid) => {
        const g = grid.getBoundingClientRect();
        const first = grid.querySelector('.grid-row[data-index="0"] .cell');
        const box = first.getBoundingClientRect();
        const topmost = document.elementFromPoint(box.left + 4, box.top + box.height / 2);
        return { left: box.left - g.left, text: first.textContent, covered: topmost !== first && !first.contains(topmost) };
      });
    assert.ok(sticky.left >= -1 && sticky.left <= 2, `custom_id stays at the left edge: ${JSON.stringify(sticky)}`);
    assert.equal(sticky.text, 'review-001');
    assert.equal(sticky.covered, false, 'no cell scrolled over custom_id');
    await screenshot('ui-results-viewer-narrow-scrolled.png');

    // A search finds one row: "1 of 48 rows", with the counts of what is shown.
    await viewer().locator('.grid').evaluate((grid) => (grid.scrollLeft = 0));
    await viewer().locator('vscode-textfield.search input').fill(fixture.searchWord);
    await until('one row for the search', async () => (await viewer().locator('.grid-row[data-index]').count()) === 1);
    const counts = await viewer().locator('.counts').innerText();
    assert.match(counts, new RegExp(`^1 of ${fixture.rows} rows`), counts);
    assert.match(counts, /Succeeded 0\s+·\s+Failed 1\s+·\s+Missing 0/, counts);

    // 800 px: still usable, by scrolling sideways; the toolbar wraps rather than hiding controls.
    await page.setViewportSize({ width: 800, height: 700 });
    await viewer().locator('vscode-textfield.search input').fill('');
    await until('every row again', async () => /48 of 48 rows/.test(await viewer().locator('.counts').innerText()));
    await viewer().locator('.grid').evaluate((grid) => (grid.scrollLeft = 0));
    await until('custom_id and status in sight at 800 px', async () => {
      const id = await boxes('custom_id');
      const status = await boxes('status');
      return id.cell.left >= id.grid.left - 1 && status.cell.right <= status.grid.right + 1;
    });
    for (const control of ['vscode-textfield.search', 'vscode-button.export-csv', 'vscode-button.export-jsonl']) {
      assert.ok(await viewer().locator(control).isVisible(), `${control} is shown at 800 px`);
    }
    await viewer().locator('.grid').evaluate((grid) => (grid.scrollLeft = grid.scrollWidth));
    await until('the cost column reachable at 800 px', async () => {
      const { grid, cell } = await boxes('cost');
      return cell.right <= grid.right + 1 || cell.left < grid.right;
    });
    await page.mouse.move(5, 5);
    await screenshot('ui-results-viewer-800.png');
  });

  async function screenshot(name) {
    fs.mkdirSync(resultsDir, { recursive: true });
    await page.screenshot({ path: path.join(resultsDir, name) });
  }
});
