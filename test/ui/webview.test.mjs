// UI test of the harness itself: webviews render in headless Chromium. It opens the built-in Markdown preview
// of a workspace file and reads the document's text inside the webview's frames. Webviews are what the results
// viewer (issue 11) is built on, so a harness that renders them blank would hide every failure of the viewer.
//
//   npx mocha --no-config --timeout 300000 test/ui/webview.test.mjs
//
// Needs the server (bash scripts/install-test-host.sh) and Chromium; no build of the extension.
// Why it works without network: the server's workbench configuration sets `webviewEndpoint` to its own static
// path (see the README, "Webviews in the test host"); that wins over the product's CDN template.
// A webview is two nested frames: `iframe.webview` (the host page, pre/index.html) holds `iframe#active-frame`
// (the content); local resources (the preview's CSS) come through the host page's service worker.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findChromium, findServerInstall, openWorkbench, quickOpen, repoRoot, startServer } from '../runner/workbench.mjs';

const resultsDir = path.join(repoRoot, 'test-results');
/** A word that appears nowhere else on screen: seeing it proves the document itself was rendered. */
const marker = 'zebra-kumquat-42';

describe('Webviews in the test workbench (UI)', function () {
  let server;
  let workbench;
  let tmp;
  const browserLog = [];

  before(async function () {
    this.timeout(180_000);
    if (!findServerInstall()) throw new Error('the VS Code server is not installed: run `bash scripts/install-test-host.sh`');
    if (!findChromium()) throw new Error('Chromium not found: install the Debian package `chromium` or set CHROMIUM_PATH');
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aoai-batch-webview-'));
    const workspace = path.join(tmp, 'workspace');
    fs.mkdirSync(workspace);
    fs.writeFileSync(path.join(workspace, 'notes.md'), `# Webview probe\n\nRendered by the Markdown preview: ${marker}.\n`);
    server = await startServer({ workspace });
    workbench = await openWorkbench(server, { onConsole: (line) => browserLog.push(line) });
    workbench.page.setDefaultTimeout(15_000);
  });

  after(async function () {
    this.timeout(60_000);
    await workbench?.close().catch(() => undefined);
    await server?.stop().catch(() => undefined);
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('renders the Markdown preview of a workspace file, with its stylesheet, from the server itself', async function () {
    this.timeout(120_000);
    const { page } = workbench;
    try {
      await quickOpen(page, 'notes.md');
      await runCommandById(page, 'Markdown: Open Preview', 'markdown.showPreview');

      const host = page.locator('iframe.webview');
      await host.first().waitFor({ state: 'attached', timeout: 30_000 });
      const hostUrl = new URL((await host.first().getAttribute('src')) ?? '', page.url());
      assert.equal(hostUrl.origin, new URL(page.url()).origin, `the webview host page comes from ${hostUrl.origin}, not the server`);
      assert.match(hostUrl.pathname, /\/static\/out\/vs\/workbench\/contrib\/webview\/browser\/pre\/index\.html$/);

      const content = page.frameLocator('iframe.webview').first().frameLocator('iframe#active-frame');
      const heading = content.locator('h1', { hasText: 'Webview probe' });
      await heading.waitFor({ state: 'visible', timeout: 30_000 });
      assert.match(await content.locator('body').innerText(), new RegExp(`Rendered by the Markdown preview: ${marker}\\.`));
      // The host page's script put the theme on the body; markdown.css (a local resource, served through the
      // webview's service worker) gives h1 its bottom border: both fail when the host page or its worker do not load.
      assert.match((await content.locator('body').getAttribute('class')) ?? '', /\bvscode-(light|dark|high-contrast)\b/);
      assert.equal(await heading.evaluate((el) => getComputedStyle(el).borderBottomStyle), 'solid', 'markdown.css did not apply');

      fs.mkdirSync(resultsDir, { recursive: true });
      await page.screenshot({ path: path.join(resultsDir, 'ui-webview-markdown-preview.png') });
    } catch (error) {
      fs.mkdirSync(resultsDir, { recursive: true });
      await page.screenshot({ path: path.join(resultsDir, 'ui-failure-webview.png') }).catch(() => undefined);
      const log = browserLog.filter((line) => /error|webview|service ?worker/i.test(line)).slice(-20).join('\n');
      error.message += `\nscreenshot: test-results/ui-failure-webview.png\nbrowser console (errors, webview):\n${log}`;
      throw error;
    }
  });
});

/**
 * Runs a command from the Command Palette, picking its row by command id: other commands match the same words
 * ("Open as Preview", "Open Preview to the Side"). Built-in extensions' commands are listed only once the
 * workbench has registered them, a few seconds after it shows, so the palette is reopened until the row is there.
 * @param {import('playwright-core').Page} page
 */
async function runCommandById(page, title, id, timeoutMs = 45_000) {
  const input = page.locator('.quick-input-widget input');
  const row = page.locator(`.quick-input-list [data-quick-input-id="${id}"]`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await page.keyboard.press('F1');
    await input.waitFor({ state: 'visible', timeout: 5_000 });
    await input.fill(`>${title}`);
    if (await row.waitFor({ timeout: 3_000 }).then(() => true, () => false)) break;
    await page.keyboard.press('Escape');
    if (Date.now() > deadline) throw new Error(`the Command Palette did not list ${id} ("${title}") within ${timeoutMs} ms`);
  }
  await row.click();
}
