// UI attack on the results viewer (issue 11): a job whose results and requests hold markup, script, links and
// CSS. The grid, the header and the detail pane must show them as text: no element made from them, nothing run,
// nothing the content security policy had to refuse (a refusal means a value was parsed as markup).
//
//   npm run build && npm run compile-tests && npx mocha --no-config --timeout 300000 test/ui/resultsViewerHostile.test.mjs
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { findChromium, findServerInstall, openWorkbench, quickOpen, repoRoot, startServer } from '../runner/workbench.mjs';

const require = createRequire(import.meta.url);
const { waitFor } = require('../../out/test/shared/waitFor.js');

const hostile = [
  '<script>window.__pwned="script"</script>',
  '<img src=x onerror="window.__pwned=\'img\'">',
  '</textarea><svg onload="window.__pwned=\'svg\'">',
  '<a href="javascript:window.__pwned=\'link\'">click</a>',
  '<style>*{display:none!important}</style>',
  '{"type":"detail","detail":{"index":0}}',
];

describe('The results viewer with hostile values (UI)', function () {
  let server;
  let workbench;
  let page;
  let tmp;
  const browserLog = [];

  before(async function () {
    this.timeout(180_000);
    if (!fs.existsSync(path.join(repoRoot, 'dist', 'resultsViewer.js'))) throw new Error('dist/resultsViewer.js is missing: run `npm run build` first');
    if (!findServerInstall() || !findChromium()) throw new Error('the VS Code server or Chromium is missing');
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aoai-batch-viewer-hostile-'));
    const workspace = path.join(tmp, 'workspace');
    fs.mkdirSync(workspace);
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
    server = await startServer({ workspace, extensionPath: repoRoot, settings: { 'workbench.editor.enablePreview': false } });
    workbench = await openWorkbench(server, { onConsole: (line) => browserLog.push(line) });
    page = workbench.page;
    page.setDefaultTimeout(15_000);
    await server.waitForLog(/Launched Extension Host Process/, 90_000);
  });

  after(async function () {
    this.timeout(60_000);
    await workbench?.close().catch(() => undefined);
    await server?.stop().catch(() => undefined);
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  const viewer = () => page.frameLocator('iframe.webview >> visible=true').first().frameLocator('iframe#active-frame');
  const until = (what, check, timeoutMs = 30_000) => waitFor(what, check, { timeoutMs });
  const injected = () => viewer().locator('#app').evaluate((app) => ({ pwned: window.__pwned, elements: app.querySelectorAll('.grid-row script, .grid-row img, .grid-row svg, .grid-row a, .grid-row style, .grid-header b, .detail script, .detail img, .detail svg, .detail a, .detail style, .failures *').length }));

  it('shows markup, script, links and CSS from the files as text', async function () {
    this.timeout(240_000);
    await quickOpen(page, 'hostile.results.jsonl');
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
    const refused = browserLog.filter((line) => /Refused to|Content Security Policy/i.test(line));
    assert.deepEqual(refused, [], 'the policy had nothing to refuse: no value was parsed as markup');
  });
});
