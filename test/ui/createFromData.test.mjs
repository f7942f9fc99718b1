// UI test of "New Batch File from Data" in the REAL VS Code workbench (see workbench.test.mjs for the harness):
// a user runs the command from the Command Palette, picks a CSV in the file dialog, answers every step, accepts
// the preview, and submits the written file to the local emulator. Source of media/screenshots/create-*.png.
//
//   npm run build && npx mocha --no-config --timeout 300000 test/ui/createFromData.test.mjs
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { openWorkbench, quickOpen, repoRoot, requireUiHost, startServer } from '../runner/workbench.mjs';

const { waitFor } = createRequire(import.meta.url)('../../out/test/shared/waitFor.js');

const screenshotsDir = path.join(repoRoot, 'media', 'screenshots');
const resultsDir = path.join(repoRoot, 'test-results');
const verbose = /^(1|true)$/i.test(process.env.UI_TEST_VERBOSE ?? '');

/** The data a user starts from: quotes, an embedded newline, unicode. */
const reviewsCsv = [
  'id,product,review',
  'r1,Kettle,"Boils fast, but the lid sticks."',
  'r2,Toaster,"Works.\nBread comes out evenly."',
  'r3,Café grinder,Too loud for the morning',
  '',
].join('\n');

/** A request to a reasoning deployment with max_tokens, and a long conversation for the preview hover. */
const reasoningLine = {
  custom_id: 'support-42',
  method: 'POST',
  url: '/chat/completions',
  body: {
    model: 'o3-mini-batch',
    messages: [
      { role: 'system', content: 'You are a support agent for a kettle maker. Answer briefly.' },
      ...Array.from({ length: 6 }, (_, i) => [
        { role: 'user', content: `Question ${i + 1}: the lid of my kettle sticks after ${i + 2} weeks of daily use, what can I do about it before I return it?` },
        { role: 'assistant', content: `Answer ${i + 1}: clean the hinge with vinegar and let it dry fully.` },
      ]).flat(),
      { role: 'user', content: 'Thanks. Anything else?' },
    ],
    max_tokens: 300,
  },
};

const settings = {
  'editor.wordWrap': 'on', // the whole written request in the picture
  'editor.minimap.enabled': false,
  'remote.autoForwardPorts': false,
  'workbench.editor.enablePreview': false,
};

describe('New Batch File from Data in the VS Code workbench (UI)', function () {
  let server;
  let workbench;
  /** @type {import('playwright-core').Page} */
  let page;
  let tmp;
  let workspace;
  let hostExit;
  const browserLog = [];

  before(async function () {
    this.timeout(180_000);
    requireUiHost(['dist/extension.js', 'out/test/shared/waitFor.js']);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aoai-batch-ui-create-'));
    workspace = path.join(tmp, 'workspace');
    fs.mkdirSync(workspace, { recursive: true });
    fs.writeFileSync(path.join(workspace, 'reviews.csv'), reviewsCsv);
    fs.writeFileSync(path.join(workspace, 'missing.csv'), 'id,product,review\nm1,Kettle,Fine\nm2,Toaster\n');
    fs.writeFileSync(path.join(workspace, 'reasoning.jsonl'), `${JSON.stringify(reasoningLine)}\n`);
    fs.mkdirSync(screenshotsDir, { recursive: true });
    server = await startServer({ workspace, extensionPath: repoRoot, settings, echo: verbose });
    server.events.on('line', (line) => {
      const exited = /Extension Host Process exited with code: (\S+?), signal: (\S+?)\./.exec(line);
      if (exited) hostExit = `the extension host exited (code ${exited[1]}, signal ${exited[2]})`;
    });
    workbench = await openWorkbench(server, { viewport: { width: 1400, height: 900 }, onConsole: (line) => browserLog.push(line) });
    page = workbench.page;
    page.setDefaultTimeout(15_000);
    await server.waitForLog(/Launched Extension Host Process/, 90_000);
    await explorerRow('reviews.csv').waitFor({ timeout: 60_000 });
  });

  afterEach(async function () {
    if (this.currentTest?.state !== 'failed' || !page) return;
    fs.mkdirSync(resultsDir, { recursive: true });
    const shot = path.join(resultsDir, 'ui-failure-create-from-data.png');
    await page.screenshot({ path: shot, timeout: 10_000 }).catch(() => undefined);
    const quick = await page.locator('.quick-input-widget').innerText().catch(() => '');
    const dialog = await page.locator('.monaco-dialog-box').innerText().catch(() => '');
    console.error(`[ui] failed; screenshot ${shot}\nquick input: ${quick}\ndialog: ${dialog}\nserver log:\n${(server?.logs ?? []).slice(-25).join('\n')}\nbrowser:\n${browserLog.slice(-15).join('\n')}`);
  });

  after(async function () {
    this.timeout(60_000);
    await workbench?.close().catch(() => undefined);
    await server?.stop().catch(() => undefined);
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('creates a batch file from a CSV through the command, then submits it to the emulator', async function () {
    this.timeout(240_000);
    // An emulator connection first: the deployment step then lists its batch deployments, and the file is submitted to it.
    await runCommand('Azure OpenAI Batch: Try the Local Emulator');
    await openJobsView();
    await waitUntil('the "Local Emulator" connection in the Batch Jobs tree', async () => (await treeRows()).some((r) => r.level === 1 && r.label.startsWith('Local Emulator')), { timeout: 30_000 });

    await runCommand('Azure OpenAI Batch: New Batch File from Data');
    // The data file: the workbench's own file dialog (a quick input holding a path).
    const input = page.locator('.quick-input-widget input');
    await chooseInFileDialog(/New Batch File from Data/, path.join(workspace, 'reviews.csv'));

    await pickItem('Endpoint', 'Chat completions');

    await waitUntil('the deployment step', async () => /Deployment \(body\.model\)/.test(await quickTitle()), { timeout: 10_000 });
    if ((await rowTexts()).some((t) => t.includes('gpt-4o-batch'))) {
      await pickItem('Deployment (body.model)', 'gpt-4o-batch');
    } else {
      await answer('Deployment (body.model)', 'gpt-4o-batch');
    }
    await answer('System prompt (optional)', 'You summarize product reviews in one sentence.');

    // The prompt step: the columns listed, the first row filled in while typing.
    await waitUntil('the prompt step', async () => /User prompt template/.test(await quickTitle()), { timeout: 10_000 });
    await input.fill('Summarize this review of {{product}}: {{review}}');
    const message = page.locator('.quick-input-widget .quick-input-message');
    await waitUntil('the first row preview under the prompt', async () => /Row 1: Summarize this review of Kettle: Boils fast, but the lid sticks\./.test(await message.innerText()), {
      describe: async () => `message: ${await message.innerText().catch(() => '')}`,
    });
    // The columns stay in view (the title) while the message line shows the first row.
    assert.match(await quickTitle(), /columns \{\{id\}\} \{\{product\}\} \{\{review\}\}/);
    await screenshot('create-prompt.png');
    // A misspelt column is an error at once.
    await input.fill('Summarize {{reveiw}}');
    await waitUntil('the unknown column error', async () => /no column "reveiw"/.test(await message.innerText()));
    await input.fill('Summarize this review of {{product}}: {{review}}');
    await waitUntil('the preview again', async () => /^Row 1:/.test((await message.innerText()).trim()));
    await page.keyboard.press('Enter');

    await pickItem('custom_id', 'id');
    // Optional parameters: a multi-select pick; tick "Max output tokens".
    await waitUntil('the optional parameters step', async () => /Optional parameters/.test(await quickTitle()), { timeout: 10_000 });
    const count = page.locator('.quick-input-widget .quick-input-count');
    for (let attempt = 0; attempt < 3 && !/1 Selected/.test(await count.innerText().catch(() => '')); attempt++) {
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Max output tokens' }).first().click();
      await page.waitForTimeout(300);
    }
    await waitUntil('"Max output tokens" ticked', async () => /1 Selected/.test(await count.innerText()), { timeout: 5_000 });
    await page.locator('.quick-input-widget .monaco-button', { hasText: 'OK' }).click();
    await answer('Max output tokens', '200');

    // The modal preview with the estimate.
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ state: 'visible', timeout: 30_000 });
    const text = await dialog.innerText();
    assert.match(text, /Create reviews\.jsonl\?/);
    assert.match(text, /3 requests from 3 rows for gpt-4o-batch \(\/chat\/completions\)/);
    assert.match(text, /Estimated cost/);
    assert.match(text, /r1: Summarize this review of Kettle/);
    await screenshot('create-preview.png');
    await dialog.locator('.monaco-button', { hasText: 'Write reviews.jsonl' }).click();

    // The written file opens; it and its template are beside the data.
    await page.locator('.tabs-container .tab', { hasText: 'reviews.jsonl' }).first().waitFor({ timeout: 20_000 });
    const lines = fs.readFileSync(path.join(workspace, 'reviews.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => l.custom_id), ['r1', 'r2', 'r3']);
    assert.equal(lines[1].body.messages[1].content, 'Summarize this review of Toaster: Works.\nBread comes out evenly.');
    assert.equal(lines[0].body.max_tokens, 200);
    const template = JSON.parse(fs.readFileSync(path.join(workspace, 'reviews.batch-template.json'), 'utf8'));
    assert.equal(template.data, 'reviews.csv');
    // The written file validates clean: the extension's file check item counts 3 requests and no problem.
    const fileCheck = page.locator('.statusbar-item', { hasText: /\d+ requests?\b/ }).first();
    await waitUntil('the file check item to read "3 requests" without problems', async () => /^3 requests$/.test((await fileCheck.innerText().catch(() => '')).trim()), {
      timeout: 15_000,
      describe: async () => `file check item: ${await fileCheck.innerText().catch(() => '(missing)')}`,
    });
    assert.equal(await activeEditor().locator('.squiggly-error, .squiggly-warning').count(), 0, 'the written file has squiggles');
    await page.mouse.move(900, 600);
    await screenshot('create-written.png');

    // Submit it from the Explorer, as a user would, and follow the job to completion.
    await page.keyboard.press('Control+Shift+E');
    const row = explorerRow('reviews.jsonl');
    await row.waitFor();
    await row.click({ button: 'right' });
    const submit = page.locator('.context-view .action-label', { hasText: /^Submit as Batch Job$/ });
    await waitUntil('"Submit as Batch Job" in the context menu', () => submit.isVisible(), { timeout: 10_000 });
    await submit.hover();
    await page.waitForTimeout(300);
    await submit.click();
    if (await submit.isVisible()) await page.keyboard.press('Enter');
    const pick = page.locator('.quick-input-widget');
    await waitUntil('the deployment quick pick of the submission', async () => (await pick.isVisible()) && (await rowTexts()).some((t) => t.includes('gpt-4o-batch')), { timeout: 20_000 });
    await page.keyboard.press('Enter');
    await openJobsView();
    await waitUntil('the reviews.jsonl job to complete', async () => (await treeRows()).some((r) => r.level === 2 && /^reviews\.jsonl completed · 3\/3\b/.test(r.label)), {
      timeout: 90_000,
      describe: async () => `Batch Jobs view:\n${await page.locator('.sidebar').innerText()}`,
    });
  });

  it('flags max_tokens on a reasoning deployment, offers the rename, and explains keys and requests on hover', async function () {
    this.timeout(120_000);
    await runCommand('View: Close All Editors').catch(() => undefined);
    await quickOpen(page, 'reasoning.jsonl');
    const editor = activeEditor();
    await waitUntil('a squiggle on max_tokens', async () => (await editor.locator('.squiggly-error').count()) > 0, { timeout: 30_000 });

    // The diagnostic as F8 shows it.
    const marker = page.locator('.editor-group-container.active .marker-widget');
    const text = JSON.stringify(reasoningLine);
    for (let attempt = 0; attempt < 4 && !(await marker.isVisible()); attempt++) {
      await goTo(1, text.indexOf('"max_tokens"') + 3);
      await page.keyboard.press('F8');
      await page.waitForTimeout(1_000);
    }
    const explained = await marker.innerText();
    assert.match(explained, /max_tokens/);
    assert.match(explained, /max_completion_tokens/);
    assert.match(explained, /unsupported_parameter/);
    await screenshot('create-walk-unsupported.png', resultsDir);
    await page.keyboard.press('Escape');

    // The quick fix (Ctrl+.).
    await goTo(1, text.indexOf('"max_tokens"') + 3);
    const menu = page.locator('.action-widget').first();
    for (let attempt = 0; attempt < 4 && !(await menu.isVisible()); attempt++) {
      await page.keyboard.press('Control+.');
      await page.waitForTimeout(1_000);
    }
    const fixes = (await menu.locator('.monaco-list-row').allInnerTexts()).map((t) => t.trim());
    assert.ok(fixes.some((f) => /max_completion_tokens/.test(f)), `quick fixes: ${JSON.stringify(fixes)}`);
    await screenshot('create-walk-quickfix.png', resultsDir);
    await page.keyboard.press('Escape');

    // Hover on a key, then on custom_id (the request as a conversation).
    const hover = page.locator('.monaco-hover:not(.hidden)').first();
    await hoverAt(1, text.indexOf('"max_tokens"') + 4);
    await waitUntil('the hover on max_tokens', async () => (await hover.isVisible()) && /max_tokens/.test(await hover.innerText()), { timeout: 10_000 });
    await screenshot('create-walk-hover-key.png', resultsDir);
    await hoverAt(1, text.indexOf('support-42') + 3);
    await waitUntil('the request preview hover on custom_id', async () => (await hover.isVisible()) && /Request support-42/.test(await hover.innerText()), { timeout: 10_000 });
    assert.match(await hover.innerText(), /system:/);
    await screenshot('create-walk-hover-request.png', resultsDir);

    // Completion while typing a new line.
    await page.mouse.move(900, 700);
    await focusEnd();
    await page.keyboard.press('Enter');
    await page.keyboard.type('{"', { delay: 50 });
    await page.keyboard.press('Control+Space');
    const suggest = page.locator('.editor-widget.suggest-widget');
    await waitUntil('the completion list on a new line', async () => (await suggest.isVisible()) && (await suggest.innerText()).length > 0, { timeout: 10_000 });
    const offered = await suggest.innerText();
    assert.match(offered, /custom_id/);
    // Only the request's keys: the words of the file (word-based suggestions) are off for JSON Lines.
    assert.doesNotMatch(offered, /\babout\b|\bkettle\b/i, `completion list:\n${offered}`);
    await screenshot('create-walk-completion.png', resultsDir);
    await page.keyboard.press('Escape');
  });

  it('reports a row with a missing column with its line in the preview (Explorer context menu)', async function () {
    this.timeout(90_000);
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+Shift+E');
    const row = explorerRow('missing.csv');
    await row.waitFor();
    await row.click({ button: 'right' });
    const item = page.locator('.context-view .action-label', { hasText: /^New Batch File from Data$/ });
    await waitUntil('"New Batch File from Data" in the context menu of missing.csv', () => item.isVisible(), { timeout: 10_000 });
    await item.hover();
    await page.waitForTimeout(300);
    await item.click();
    if (await item.isVisible()) await page.keyboard.press('Enter');
    await pickItem('Endpoint', 'Chat completions');
    await waitUntil('the deployment step', async () => /Deployment \(body\.model\)/.test(await quickTitle()), { timeout: 10_000 });
    if ((await rowTexts()).some((t) => t.includes('gpt-4o-batch'))) {
      await pickItem('Deployment (body.model)', 'gpt-4o-batch');
    } else {
      await answer('Deployment (body.model)', 'gpt-4o-batch');
    }
    await answer('System prompt (optional)', '');
    await answer('User prompt template', '{{product}}: {{review}}');
    await pickItem('custom_id', 'id');
    await waitUntil('the optional parameters step', async () => /Optional parameters/.test(await quickTitle()), { timeout: 10_000 });
    await page.locator('.quick-input-widget .monaco-button', { hasText: 'OK' }).click();
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ state: 'visible', timeout: 30_000 });
    const text = await dialog.innerText();
    assert.match(text, /1 row cannot be converted/);
    assert.match(text, /1 request from 2 rows for gpt-4o-batch/);
    assert.match(text, /line 3: column "review" has no value/);
    await screenshot('create-walk-missing-column.png', resultsDir);
    await dialog.locator('.monaco-button', { hasText: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden', timeout: 5_000 });
    assert.equal(fs.existsSync(path.join(workspace, 'missing.jsonl')), false, 'nothing is written when the preview is cancelled');
  });

  // ---- helpers ---------------------------------------------------------------------------------------------

  function waitUntil(what, probe, { timeout = 15_000, interval = 250, describe } = {}) {
    return waitFor(what, async () => (await probe()) || undefined, {
      timeoutMs: timeout,
      intervalMs: interval,
      describe,
      abortIf: () => {
        if (hostExit) throw new Error(`${hostExit} while waiting for ${what}`);
      },
    });
  }

  function explorerRow(name) {
    return page.locator('.explorer-folders-view .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${name.replace(/\./g, '\\.')}$`) }) });
  }

  function activeEditor() {
    return page.locator('.editor-group-container.active .monaco-editor').first();
  }

  async function quickTitle() {
    const widget = page.locator('.quick-input-widget');
    if (!(await widget.isVisible())) return '';
    return (await widget.locator('.quick-input-title').innerText().catch(() => '')).trim();
  }

  async function rowTexts() {
    return (await page.locator('.quick-input-list .monaco-list-row').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
  }

  /**
   * Accepts `file` in the workbench's own file dialog titled `title`. The dialog lists its folder after it shows and
   * then writes that folder into its input, over anything typed before; so type once the folder is in the input, and
   * type again if the dialog is still open after Enter (a listing that finished late overwrote the path).
   */
  async function chooseInFileDialog(title, file) {
    const input = page.locator('.quick-input-widget input');
    for (let attempt = 1; ; attempt++) {
      await waitUntil('the file dialog', async () => title.test(await quickTitle()), { timeout: 10_000 });
      await waitUntil('the file dialog to show its folder', async () => (await input.inputValue().catch(() => '')).length > 0, { timeout: 10_000 });
      await input.fill(file);
      await waitUntil('the typed path to stay in the file dialog', async () => (await input.inputValue().catch(() => '')) === file, { timeout: 5_000 }).catch(() => undefined);
      await page.waitForTimeout(300);
      await page.keyboard.press('Enter');
      const closed = await waitUntil('the file dialog to accept the path', async () => !title.test(await quickTitle()), { timeout: 5_000 }).then(() => true, () => false);
      if (closed) return;
      if (attempt === 3) throw new Error(`the file dialog did not accept ${file} after ${attempt} tries; its input holds "${await input.inputValue().catch(() => '')}"`);
    }
  }

  /** Picks the quick pick item whose label is `label` once the step titled `title` shows. */
  async function pickItem(title, label) {
    await waitUntil(`the "${title}" step`, async () => (await quickTitle()).startsWith(title), { timeout: 10_000, describe: async () => `title: ${await quickTitle()}` });
    const item = page.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }) }).first();
    await item.waitFor({ timeout: 10_000 });
    await item.click();
    await waitUntil(`the "${title}" step to close`, async () => !(await quickTitle()).startsWith(title), { timeout: 5_000 });
  }

  /** Types `value` into the input box titled `title` and accepts it. */
  async function answer(title, value) {
    await waitUntil(`the "${title}" step`, async () => (await quickTitle()).startsWith(title), { timeout: 10_000, describe: async () => `title: ${await quickTitle()}` });
    await page.locator('.quick-input-widget input').fill(value);
    await page.keyboard.press('Enter');
    await waitUntil(`the "${title}" step to close`, async () => !(await quickTitle()).startsWith(title), { timeout: 5_000 });
  }

  async function treeRows() {
    return page.locator('.sidebar .monaco-list-row').evaluateAll((rows) => rows.map((row) => ({ label: row.getAttribute('aria-label') ?? '', level: Number(row.getAttribute('aria-level')) })));
  }

  async function openJobsView() {
    const title = page.locator('.sidebar .composite.title');
    if (/azure openai batch/i.test(await title.innerText().catch(() => ''))) return;
    await runCommand('Azure OpenAI Batch: Show Batch Jobs');
    await waitUntil('the Azure OpenAI Batch side bar', async () => /azure openai batch/i.test(await title.innerText().catch(() => '')), { timeout: 10_000 });
  }

  async function runCommand(title) {
    // Right after start the extension's commands are not in the palette yet ("Activating Extensions..."): retry.
    const input = page.locator('.quick-input-widget input');
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
    await waitUntil(`"${title}" in the Command Palette`, async () => {
      if (!(await input.isVisible())) await page.keyboard.press('F1');
      await input.waitFor({ state: 'visible', timeout: 5_000 });
      await input.fill(`>${title}`);
      const listed = await row.waitFor({ timeout: 3_000 }).then(() => true, () => false);
      if (!listed) await page.keyboard.press('Escape');
      return listed;
    }, { timeout: 60_000, interval: 500 });
    await page.keyboard.press('Enter');
    await waitUntil(`the Command Palette to close after "${title}"`, async () => !(await input.isVisible()) || !(await input.inputValue().catch(() => '')).startsWith('>'), { timeout: 5_000 });
  }

  /** Saves a screenshot: README pictures to media/screenshots/, walk-through pictures (`dir`) elsewhere. */
  async function screenshot(name, dir = screenshotsDir) {
    fs.mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: path.join(dir, name) });
  }

  async function goTo(line, column) {
    await focusEnd();
    await page.keyboard.press('Control+G');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 5_000 });
    await input.fill(`:${line}:${column}`);
    await page.waitForTimeout(200);
    await page.keyboard.press('Enter');
  }

  /** Focuses the editor with the cursor at the end of the file. */
  async function focusEnd() {
    const lines = activeEditor().locator('.view-lines');
    const box = await lines.boundingBox();
    await lines.click({ position: { x: 5, y: Math.max(5, (box?.height ?? 10) - 5) } });
    await page.keyboard.press('Control+End');
  }

  /** Moves the mouse over line `line`, column `column` (1-based) of the active editor, as wrapped on screen. */
  async function hoverAt(line, column) {
    await goTo(line, column);
    const cursor = activeEditor().locator('.cursor').first();
    const box = await cursor.boundingBox();
    assert.ok(box, 'no cursor on screen');
    await page.mouse.move(box.x + 4, box.y + box.height / 2, { steps: 4 });
  }
});

