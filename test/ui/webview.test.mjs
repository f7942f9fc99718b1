// UI test of the harness itself: webviews render in headless Chromium. It opens the built-in Markdown preview
// of a workspace file and reads the document's text inside the webview's frames. Webviews are what the results
// viewer (issue 11) is built on, so a harness that renders them blank would hide every failure of the viewer.
//
//   npm run compile-tests && npx mocha --no-config --timeout 300000 test/ui/webview.test.mjs
//
// Needs the server (bash scripts/install-test-host.sh), Chromium and `npm run compile-tests` (the page helpers'
// polling); no build of the extension.
// Why it works without network: the server's workbench configuration sets `webviewEndpoint` to its own static
// path (see the README, "Webviews in the test host"); that wins over the product's CDN template.
// A webview is two nested frames: `iframe.webview` (the host page, pre/index.html) holds `iframe#active-frame`
// (the content); local resources (the preview's CSS) come through the host page's service worker.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resultsDir, uiSession } from './page.mjs';

/** A word that appears nowhere else on screen: seeing it proves the document itself was rendered. */
const marker = 'zebra-kumquat-42';

describe('Webviews in the test workbench (UI)', function () {
  const ui = uiSession({
    name: 'webview',
    extension: false,
    prepare(workspace) {
      fs.writeFileSync(path.join(workspace, 'notes.md'), `# Webview probe\n\nRendered by the Markdown preview: ${marker}.\n`);
    },
    consoleFilter: /error|webview|service ?worker/i,
  });

  it('renders the Markdown preview of a workspace file, with its stylesheet, from the server itself', async function () {
    this.timeout(120_000);
    const { page } = ui;
    await ui.quickOpen('notes.md');
    // Picked by command id: other commands match the same words ("Open as Preview", "Open Preview to the Side").
    await ui.runCommand('Markdown: Open Preview', { id: 'markdown.showPreview', timeout: 45_000 });

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

    await ui.screenshot('ui-webview-markdown-preview.png', resultsDir);
  });
});
