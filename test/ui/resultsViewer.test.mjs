// UI test of the results viewer in the real workbench (VS Code server + headless Chromium): opening a job's
// `NAME.results.jsonl` opens the viewer; it shows the rows, filters to the failed ones, searches, shows a row's
// request and response, and exports the view as CSV. Source of the README's viewer screenshots
// (media/screenshots/results-viewer*.png, overwritten on every run).
//
//   npm run build && npm run compile-tests && npx mocha --no-config --timeout 300000 test/ui/resultsViewer.test.mjs
//
// The viewer is a webview: two nested frames, `iframe.webview` (the host page) holding `iframe#active-frame`
// (our page; see webview.test.mjs). Playwright's CSS locators pierce the web components' shadow roots.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { resultsDir, screenshotsDir, uiSession } from './page.mjs';

const require = createRequire(import.meta.url);
const { writeResultsFixture } = require('../../out/test/shared/resultsFixture.js');

/** Rows of the job that shows the grid is virtualized: far more than are ever in the page at once. */
const manyRows = 5000;
/** Values from files that must show as text: markup, script, links, CSS, something like the viewer's own messages. */
const hostile = [
  '<script>window.__pwned="script"</script>',
  '<img src=x onerror="window.__pwned=\'img\'">',
  '</textarea><svg onload="window.__pwned=\'svg\'">',
  '<a href="javascript:window.__pwned=\'link\'">click</a>',
  '<style>*{display:none!important}</style>',
  '{"type":"detail","detail":{"index":0}}',
];

describe('The results viewer in the VS Code workbench (UI)', function () {
  let fixture;
  const ui = uiSession({
    name: 'results-viewer',
    builtFiles: ['dist/extension.js', 'dist/resultsViewer.js', 'out/test/shared/resultsFixture.js'],
    async prepare(workspace) {
      fixture = await writeResultsFixture(workspace);
      await writeResultsFixture(workspace, 'many', manyRows);
      // A job whose results and requests hold markup (attack test below).
      const schema = { type: 'object', properties: { '<b>field</b>': { type: 'string' }, constructor: { type: 'string' } } };
      const input = hostile.map((value, i) =>
        JSON.stringify({ custom_id: `${value}#${i}`, method: 'POST', url: '/chat/completions', body: { model: 'gpt-4o-batch', messages: [{ role: 'system', content: value }, { role: 'user', content: value }], response_format: { type: 'json_schema', json_schema: { name: 'H', schema } } } }),
      );
      const results = hostile.map((value, i) =>
        JSON.stringify(
          i % 2 === 0
            ? { custom_id: `${value}#${i}`, status: 'succeeded', status_code: 200, response: { model: value, choices: [{ message: { role: 'assistant', content: JSON.stringify({ '<b>field</b>': value }) } }], usage: { prompt_tokens: 3, completion_tokens: 2 } }, error: null }
            : { custom_id: `${value}#${i}`, status: 'failed', status_code: 400, response: null, error: { code: value, message: value } },
        ),
      );
      fs.writeFileSync(path.join(workspace, 'hostile.jsonl'), input.join('\n') + '\n');
      fs.writeFileSync(path.join(workspace, 'hostile.results.jsonl'), results.join('\n') + '\n');
    },
    waits: { timeout: 20_000, interval: 50 },
    consoleFilter: /error|refused|violat|webview/i,
  });
  const { browserLog } = ui;

  /** The viewer's own page, inside the webview's two frames. */
  const viewer = () => ui.page.frameLocator('iframe.webview >> visible=true').first().frameLocator('iframe#active-frame');
  const rows = () => viewer().locator('.grid-row[data-index]');
  const rowIds = async () => (await rows().evaluateAll((list) => list.map((row) => row.firstElementChild?.textContent ?? ''))).sort();
  const until = (what, check, timeout) => ui.waitUntil(what, check, { timeout });
  const injected = () => viewer().locator('#app').evaluate((app) => ({ pwned: window.__pwned, elements: app.querySelectorAll('.grid-row script, .grid-row img, .grid-row svg, .grid-row a, .grid-row style, .grid-header b, .detail script, .detail img, .detail svg, .detail a, .detail style, .failures *').length }));

  it('shows the rows of a job with failures, filters to the failed ones, searches, shows a row and exports CSV', async function () {
    this.timeout(240_000);
    const { page, workspace } = ui;
    // Room for the grid: no side bar.
    await page.keyboard.press('Control+B');
    await ui.quickOpen('reviews.results.jsonl');

    // The rows, with their structured fields; the input was found next to the results (prompts shown).
    await until('the viewer to show rows', async () => (await rows().count()) > 10, 60_000);
    const header = await viewer().locator('.grid-header').innerText();
    for (const column of ['custom_id', 'Status', 'Prompt', 'Answer', 'Cost', 'sentiment', 'score', 'summary']) {
      assert.ok(header.includes(column), `the grid header lacks ${column}: ${header}`);
    }
    await until('every row read', async () => /48 of 48 rows/.test(await viewer().locator('.counts').innerText()));
    assert.match(await viewer().locator('.grid-row[data-index="0"]').innerText(), /review-001[\s\S]*Product: headphones/);
    // Statuses in the user's words, even for rows drawn before the webview had its strings.
    const statusTexts = new Set(await viewer().locator('.grid-row .cell[class*="status-"]').allInnerTexts());
    assert.deepEqual([...statusTexts].filter((text) => !['Succeeded', 'Failed', 'Missing'].includes(text.trim())), [], `status cells: ${[...statusTexts]}`);
    assert.match(await viewer().locator('.failures').innerText(), /too_many_requests 3, server_error 2/);

    // A succeeded row's request and response side by side: the picture for the README.
    await viewer().locator('.grid-row[data-index="2"]').click();
    await until('the detail of review-003', async () => (await viewer().locator('.detail-title').innerText()) === 'review-003');
    const request = await viewer().locator('.detail-request').innerText();
    assert.match(request, /System prompt[\s\S]*Classify the sentiment/i);
    assert.match(await viewer().locator('.detail-response').innerText(), /Content filter results/i);
    await page.mouse.move(5, 5);
    await screenshot('results-viewer.png', true);

    // Failed only: uncheck Succeeded and Missing.
    await viewer().locator('vscode-checkbox[data-status="succeeded"]').click();
    await viewer().locator('vscode-checkbox[data-status="missing"]').click();
    await until('only the failed rows', async () => (await rows().count()) === fixture.failed && (await viewer().locator('.grid-row .cell.status-succeeded').count()) === 0);
    assert.deepEqual(await rowIds(), ['review-011', 'review-017', 'review-022', 'review-033', 'review-044']);

    // Search the prompts: one failed row has the word.
    await viewer().locator('vscode-textfield.search input').fill(fixture.searchWord);
    await until(`one row for "${fixture.searchWord}"`, async () => (await rows().count()) === 1);
    assert.deepEqual(await rowIds(), [fixture.searchId]);
    await rows().first().click();
    await until('the failed row in the detail pane', async () => (await viewer().locator('.detail-title').innerText()) === fixture.searchId);
    assert.match(await viewer().locator('.detail-response').innerText(), /too_many_requests[\s\S]*Rate limit reached/);
    assert.match(await viewer().locator('.detail-request').innerText(), /zeppelin-shaped lid/);
    await page.mouse.move(5, 5);
    await screenshot('results-viewer-failed.png', true);

    // Hidden and shown again (another editor in front; the webview is not kept alive): the same view comes back.
    await ui.quickOpen('reviews.jsonl');
    await page.locator('.tabs-container .tab.active', { hasText: 'reviews.jsonl' }).waitFor();
    // Back by its tab (Quick Open of a file whose tab is already there returns before the editor switches).
    await page.locator('.tabs-container .tab', { hasText: 'reviews.results.jsonl' }).click();
    await page.locator('.tabs-container .tab.active', { hasText: 'reviews.results.jsonl' }).waitFor();
    await until('the filtered, searched view after the viewer was shown again', async () => (await rows().count()) === 1 && (await viewer().locator('vscode-textfield.search input').inputValue()) === fixture.searchWord);
    assert.equal(await viewer().locator('vscode-checkbox[data-status="succeeded"]').evaluate((box) => box.checked), false);
    await until('the selected row\'s detail again', async () => (await viewer().locator('.detail-title').innerText()) === fixture.searchId);

    // Export CSV: the workbench's own save dialog (a quick input holding the path) proposes reviews.view.csv.
    await viewer().locator('vscode-button.export-csv').click();
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await until('the save dialog to propose reviews.view.csv', async () => (await input.inputValue()).endsWith('reviews.view.csv'));
    await page.keyboard.press('Enter');
    const csvPath = path.join(workspace, 'reviews.view.csv');
    const csv = await until('the exported CSV', () => fs.existsSync(csvPath) && fs.readFileSync(csvPath, 'utf8'), 30_000);
    const lines = csv.replace(/^\ufeff/, '').trim().split('\r\n');
    assert.equal(lines.length, 2, `a header and one row: ${csv}`);
    assert.match(lines[0], /^custom_id,status,code,error,prompt,answer/);
    assert.match(lines[1], /^review-017,failed,too_many_requests,/);
  });

  it('renders only the rows in sight of a big job, and pages in the end of it on scrolling', async function () {
    this.timeout(120_000);
    const { page, workspace } = ui;
    await ui.quickOpen('many.results.jsonl');
    await until('every row of many.results.jsonl read', async () => new RegExp(`${manyRows.toLocaleString('en-US')} of ${manyRows.toLocaleString('en-US')} rows`).test(await viewer().locator('.counts').innerText()), 60_000);
    const inPage = await viewer().locator('.grid-row').count();
    assert.ok(inPage > 10 && inPage < 100, `${inPage} rows in the page for ${manyRows}`);
    await viewer().locator('.grid').evaluate((grid) => (grid.scrollTop = grid.scrollHeight));
    const last = `review-${manyRows}`;
    await until(`the last row (${last}) after scrolling to the end`, async () => (await rowIds()).includes(last));
    assert.ok((await viewer().locator('.grid-row').count()) < 100, 'still only the rows in sight');
    const refused = browserLog.filter((line) => /Refused to|Content Security Policy/i.test(line));
    assert.deepEqual(refused, [], 'the content security policy blocked nothing the viewer needs');
  });


  it('shows markup, script, links and CSS from the files as text', async function () {
    this.timeout(120_000);
    const { page, workspace } = ui;
    await ui.quickOpen('hostile.results.jsonl');
    await until('the hostile rows', async () => (await viewer().locator('.grid-row[data-index]').count()) === hostile.length, 60_000);
    const ids = await viewer().locator('.grid-row[data-index]').evaluateAll((rows) => rows.map((row) => row.firstElementChild?.textContent ?? ''));
    assert.deepEqual(ids.sort(), hostile.map((value, i) => `${value}#${i}`).sort(), 'each custom_id shown as the text it is');
    assert.ok((await viewer().locator('.grid-header').innerText()).includes('<b>field</b>'), 'a field name shown as text');
    assert.ok((await viewer().locator('.failures').innerText()).includes('<img src=x'), 'error codes shown as text');
    assert.doesNotMatch(await viewer().locator('.grid-canvas').innerText(), /function Object|\[object Object\]/, 'a `constructor` field no row has is an empty cell');
    for (let index = 0; index < hostile.length; index++) {
      await viewer().locator(`.grid-row[data-index="${index}"]`).click();
      await until(`the detail of row ${index}`, async () => (await viewer().locator('.detail-title').innerText()) === `${hostile[index]}#${index}`);
      assert.ok((await viewer().locator('.detail-request').innerText()).includes(hostile[index]), `the request of row ${index} as text`);
    }
    assert.deepEqual(await injected(), { pwned: undefined, elements: 0 });
    assert.ok(await viewer().locator('.grid').isVisible(), 'no value hid the page with CSS');
    const refusedAfter = browserLog.filter((line) => /Refused to|Content Security Policy/i.test(line));
    assert.deepEqual(refusedAfter, [], 'the policy had nothing to refuse: no value was parsed as markup');
  });

  async function screenshot(name, keep) {
    await ui.screenshot(`ui-${name}`, resultsDir);
    if (keep) {
      fs.mkdirSync(screenshotsDir, { recursive: true });
      fs.copyFileSync(path.join(resultsDir, `ui-${name}`), path.join(screenshotsDir, name));
    }
  }
});
