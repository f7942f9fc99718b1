// UI test of the results viewer on a narrow window (1000x700, then 800 px wide): the grid's fixed columns fit
// without scrolling at 1000 px, the structured fields past them are reached by scrolling sideways with custom_id
// kept in sight, and a search counts its rows against the whole job ("1 of 48 rows"). Screenshots go to
// test-results/ (ui-results-viewer-narrow*.png), not to media/.
//
//   npm run build && npm run compile-tests && npx mocha --no-config --timeout 300000 test/ui/viewerNarrow.test.mjs
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { resultsDir, uiSession } from './page.mjs';

const require = createRequire(import.meta.url);
const { waitFor } = require('../../out/test/shared/waitFor.js');
const { writeResultsFixture } = require('../../out/test/shared/resultsFixture.js');

describe('The results viewer on a narrow window (UI)', function () {
  let fixture;
  const ui = uiSession({
    name: 'viewer-narrow',
    builtFiles: ['dist/extension.js', 'dist/resultsViewer.js', 'out/test/shared/resultsFixture.js'],
    async prepare(workspace) {
      fixture = await writeResultsFixture(workspace);
    },
    viewport: { width: 1000, height: 700 },
    consoleFilter: /error|refused|violat|webview/i,
  });
  const viewer = () => ui.page.frameLocator('iframe.webview >> visible=true').first().frameLocator('iframe#active-frame');
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
    await ui.quickOpen('reviews.results.jsonl');
    await until('every row read', async () => /48 of 48 rows/.test(await viewer().locator('.counts').innerText()), 60_000);

    // Every fixed column through Cost is in sight without scrolling (the side bar is open, as it is by default).
    await ui.page.keyboard.press('Control+B');
    await until('the side bar closed and the grid laid out again', async () => (await ui.page.locator('.part.sidebar').isVisible()) === false);
    for (const column of ['custom_id', 'status', 'code', 'prompt', 'answer', 'inputTokens', 'outputTokens', 'cost']) {
      const { grid, cell } = await boxes(column);
      assert.ok(cell, `a ${column} column`);
      assert.ok(cell.left >= grid.left - 1 && cell.right <= grid.right + 1, `${column} is in sight at 1000 px: ${JSON.stringify({ grid, cell })}`);
    }
    assert.equal(await viewer().locator('.grid-header [data-column="reasoningTokens"]').count(), 0, 'no reasoning column when no row has reasoning tokens');
    await ui.page.mouse.move(5, 5);
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
    await ui.page.setViewportSize({ width: 800, height: 700 });
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
    await ui.page.mouse.move(5, 5);
    await screenshot('ui-results-viewer-800.png');
  });

  function screenshot(name) {
    return ui.screenshot(name, resultsDir);
  }
});
