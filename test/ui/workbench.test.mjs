// UI test of the extension in the REAL VS Code workbench (the VS Code server build from code-server, opened in
// headless Chromium by test/runner/workbench.mjs), driven as a user would, and the source of the README
// screenshots in media/screenshots/ (overwritten on every run).
//
//   npm run build && npx mocha --no-config --timeout 300000 test/ui/*.test.mjs
//
// Needs the server (bash scripts/install-test-host.sh) and Chromium (/usr/bin/chromium or CHROMIUM_PATH).
// The extension under development is loaded through extensionDevelopmentPath WITHOUT extensionTestsPath, so the
// workbench stays up. On failure: test-results/ui-failure-*.png (the page) and test-results/ui-logs/ (server
// log, browser console, the window's and extension host's log files, including the "Azure OpenAI Batch"
// output channel). UI_TEST_VERBOSE=1 echoes the server log and browser console while running; UI_TEST_LOGS=1
// keeps test-results/ui-logs/ after a passing run too. Add --no-config to run only this file: mocha otherwise
// also picks up the unit test specs of the repository's .mocharc.json.
//
// Harness facts this test relies on (VS Code 1.139 web workbench):
// - With --enable-smoke-test-driver the workbench never shows notification toasts: notifications only land in
//   the notification center, so the test opens the center to read them.
// - A context menu ignores a click that comes right after it opened; the test hovers the item first.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { findChromium, findServerInstall, openWorkbench, quickOpen, repoRoot, startServer } from '../runner/workbench.mjs';

// The one polling helper of every suite, compiled by `npm run compile-tests` (which `npm test` runs first).
const { waitFor } = createRequire(import.meta.url)('../../out/test/shared/waitFor.js');

const screenshotsDir = path.join(repoRoot, 'media', 'screenshots');
const resultsDir = path.join(repoRoot, 'test-results');
const verbose = /^(1|true)$/i.test(process.env.UI_TEST_VERBOSE ?? '');

/** The quick fix the placeholder model on line 1 of broken.jsonl must offer. */
const deploymentFix = 'Set the deployment to "gpt-4o-batch" on every row';
/** Diagnostic codes broken.jsonl must produce (shown as `Azure OpenAI Batch(code)` in the Problems view). */
const brokenCodes = ['placeholder_model', 'duplicate_custom_id', 'blank_line', 'invalid_method', 'url_mismatch', 'model_mismatch', 'invalid_json_line'];

/** Settings for the test profile, over the harness defaults: legible screenshots, no port-forwarding prompts. */
const settings = {
  'editor.wordWrap': 'on', // every squiggle of broken.jsonl on screen
  'editor.minimap.enabled': false,
  'remote.autoForwardPorts': false, // the emulator's port would otherwise be auto-forwarded
  'workbench.editor.enablePreview': false,
  'azureOpenAIBatch.jobs.notifyOnCompletion': true,
};

describe('Azure OpenAI Batch in the VS Code workbench (UI)', function () {
  /** @type {Awaited<ReturnType<typeof startServer>> | undefined} */
  let server;
  /** @type {Awaited<ReturnType<typeof openWorkbench>> | undefined} */
  let workbench;
  /** @type {import('playwright-core').Page} */
  let page;
  let tmp;
  let workspace;
  const browserLog = [];
  /** Set when the extension host process exits: every wait fails at once instead of timing out. */
  let hostExit;
  // Set while the window reloads on purpose: its extension host exits and a new one starts.
  let reloading = false;
  const state = { emulator: false };
  /** Notes printed at the end (what the UI showed), for humans reading the run. */
  const observed = [];

  const cleanup = async () => {
    await workbench?.close().catch(() => undefined);
    await server?.stop().catch(() => undefined);
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  };
  // mocha does not run `after` hooks on Ctrl+C, and the server runs in its own process group.
  const onSignal = (signal) => {
    process.stderr.write(`\n[ui] ${signal}: stopping the VS Code server and Chromium\n`);
    void cleanup().finally(() => process.exit(130));
  };

  before(async function () {
    this.timeout(180_000);
    for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, onSignal);
    if (!fs.existsSync(path.join(repoRoot, 'dist', 'extension.js'))) {
      throw new Error('dist/extension.js is missing: run `npm run build` first');
    }
    if (!findServerInstall()) throw new Error('the VS Code server is not installed: run `bash scripts/install-test-host.sh`');
    if (!findChromium()) throw new Error('Chromium not found: install the Debian package `chromium` or set CHROMIUM_PATH');

    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aoai-batch-ui-'));
    workspace = path.join(tmp, 'workspace');
    fs.cpSync(path.join(repoRoot, 'test', 'fixtures', 'workspace'), workspace, { recursive: true });
    for (const name of fs.readdirSync(path.join(repoRoot, 'examples')).filter((n) => n.endsWith('.jsonl'))) {
      fs.copyFileSync(path.join(repoRoot, 'examples', name), path.join(workspace, name));
    }
    fs.mkdirSync(screenshotsDir, { recursive: true });
    for (const old of fs.existsSync(resultsDir) ? fs.readdirSync(resultsDir) : []) {
      if (/^ui-failure-.*\.png$/.test(old)) fs.rmSync(path.join(resultsDir, old), { force: true });
    }

    server = await startServer({ workspace, extensionPath: repoRoot, settings, echo: verbose });
    server.events.on('line', (line) => {
      const exited = /Extension Host Process exited with code: (\S+?), signal: (\S+?)\./.exec(line);
      if (exited) hostExit = `the extension host exited (code ${exited[1]}, signal ${exited[2]})`;
    });
    workbench = await openWorkbench(server, {
      viewport: { width: 1400, height: 900 },
      onConsole: (line) => {
        browserLog.push(line);
        if (verbose) process.stderr.write(`${line}\n`);
      },
    });
    page = workbench.page;
    page.setDefaultTimeout(15_000);
    page.on('crash', () => (hostExit = 'the workbench page crashed'));
    await server.waitForLog(/Launched Extension Host Process/, 90_000);
    // The Explorer is the default view; wait for it to list the workspace.
    await explorerRow('clean.jsonl').waitFor({ timeout: 60_000 });
    await closeWelcomeEditors();
    await widenSideBar(460);
  });

  afterEach(async function () {
    if (this.currentTest?.state !== 'failed' || !page) return;
    const slug = this.currentTest.title.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase().slice(0, 60);
    fs.mkdirSync(resultsDir, { recursive: true });
    const shot = path.join(resultsDir, `ui-failure-${slug}.png`);
    await page.screenshot({ path: shot, timeout: 10_000 }).catch((error) => console.error(`[ui] no failure screenshot: ${error.message}`));
    const screen = await describeScreen().catch((error) => `(could not read the screen: ${error.message})`);
    console.error(`\n[ui] "${this.currentTest.title}" failed; screenshot ${path.relative(process.cwd(), shot)}\n${screen}`);
    // CI keeps only what is printed: the server's last lines say whether the extension host came up.
    console.error(`[ui] VS Code server log (last lines):\n${tail(server?.logs ?? [], 25)}\n[ui] browser console (last lines):\n${tail(browserLog, 15)}`);
    saveLogs();
  });

  after(async function () {
    this.timeout(60_000);
    if (observed.length) console.log(`\n[ui] observed:\n${observed.map((line) => `  - ${line}`).join('\n')}`);
    if (/^(1|true)$/i.test(process.env.UI_TEST_LOGS ?? '') && server) saveLogs();
    for (const signal of ['SIGINT', 'SIGTERM']) process.off(signal, onSignal);
    await cleanup();
  });

  it('shows diagnostics for a broken batch file in the editor and the Problems view', async function () {
    this.timeout(90_000);
    await quickOpen(page, 'broken.jsonl');
    const counts = await waitUntil('the status bar problems item to count errors for broken.jsonl (extension activated?)', async () => {
      const label = (await page.locator('[id="status.problems"]').getAttribute('aria-label')) ?? '';
      const match = /Errors: (\d+), Warnings: (\d+)/.exec(label);
      return match && Number(match[1]) > 0 ? { errors: Number(match[1]), warnings: Number(match[2]) } : undefined;
    }, { timeout: 45_000 });
    assert.ok(counts.errors >= 5, `expected at least 5 errors for broken.jsonl, the status bar says ${JSON.stringify(counts)}`);
    await waitUntil('squiggles in the broken.jsonl editor', async () => (await activeEditor().locator('.squiggly-error').count()) > 0);

    await page.keyboard.press('Control+Shift+M');
    const problems = page.locator('.markers-panel .monaco-list-row');
    const rowTexts = () => problems.evaluateAll((rows) => rows.map((row) => (row.textContent ?? '').replace(/\s+/g, ' ').trim()));
    await waitUntil('the Problems view to list every diagnostic code of broken.jsonl', async () => {
      const text = (await rowTexts()).join('\n');
      return brokenCodes.every((code) => text.includes(`Azure OpenAI Batch${code}`)); // the parentheses are CSS
    }, { describe: async () => `Problems view rows:\n${indent((await rowTexts()).join('\n'))}` });
    const labels = await problems.evaluateAll((rows) => rows.map((row) => row.getAttribute('aria-label') ?? ''));
    assert.ok(labels.some((l) => l.startsWith('Error: ') && l.includes('placeholder, not a deployment name')), 'placeholder model not reported as an error');
    assert.ok(labels.some((l) => l.startsWith('Warning: ') && l.includes('Blank line')), 'blank line not reported as a warning');

    // Cursor to the top, mouse away from the editor: no stray hover in the picture.
    await focusEditor();
    await page.keyboard.press('Control+Home');
    await page.mouse.move(700, 470);
    await screenshot('diagnostics.png');
  });

  it('offers the "set the deployment" quick fix on the placeholder model (Ctrl+.)', async function () {
    this.timeout(90_000);
    await quickOpen(page, 'broken.jsonl');
    const firstLine = fs.readFileSync(path.join(workspace, 'broken.jsonl'), 'utf8').split('\n')[0];
    const column = firstLine.indexOf('REPLACE-WITH-MODEL-DEPLOYMENT-NAME');
    assert.ok(column >= 0, 'broken.jsonl line 1 no longer has the placeholder model');
    await goTo(1, column + 4);

    // The first Ctrl+. can land while the workbench is still moving focus (the Problems view had it) or before
    // the code actions are computed; a user presses it again, and so does this test.
    const menu = page.locator('.action-widget').first();
    let tries = 0;
    await waitUntil('the quick fix menu (Ctrl+.)', async () => {
      if (tries++ > 0) {
        await page.keyboard.press('Escape');
        await goTo(1, column + 4);
      }
      await page.keyboard.press('Control+.');
      return waitUntil('the quick fix menu to appear', () => menu.isVisible(), { timeout: 4_000 }).then(() => true, () => false);
    }, { timeout: 40_000, interval: 500 });
    const items = menu.locator('.monaco-list-row');
    await waitUntil(`the quick fix "${deploymentFix}"`, async () => (await items.allInnerTexts()).some((t) => t.trim() === deploymentFix), {
      timeout: 10_000,
      describe: async () => `quick fix menu:\n${indent((await items.allInnerTexts()).join('\n'))}`,
    });
    await screenshot('quick-fix.png');
    await page.keyboard.press('Escape');
    await waitUntil('the quick fix menu to close after Escape', async () => !(await menu.isVisible()), { timeout: 5_000 });
  });

  it('shows the welcome view and starts the local emulator from it', async function () {
    this.timeout(90_000);
    // Hide the Problems view: the Batch Jobs view is the subject of the next pictures.
    if (await page.locator('.part.panel').isVisible()) await runCommand('View: Toggle Panel Visibility');
    await waitUntil('the panel to hide', async () => !(await page.locator('.part.panel').isVisible()), { timeout: 5_000 });
    await openJobsView();
    const welcome = page.locator('.sidebar .welcome-view-content');
    await waitUntil('the welcome content of the Batch Jobs view', () => welcome.isVisible(), { timeout: 20_000 });
    const buttons = (await welcome.locator('.monaco-button').allInnerTexts()).map((t) => t.trim());
    for (const expected of ['Add Connection', 'Sign in with Microsoft', 'Try the Local Emulator']) {
      assert.ok(buttons.includes(expected), `welcome button "${expected}" missing; buttons: ${JSON.stringify(buttons)}`);
    }
    assert.match(await welcome.innerText(), /needs no Azure account/);
    await page.mouse.move(700, 470);
    await screenshot('welcome.png');

    await welcome.locator('.monaco-button', { hasText: 'Try the Local Emulator' }).click();
    await waitUntil('the "Local Emulator" connection in the Batch Jobs tree', async () => (await jobsRows()).some((r) => r.level === 1 && r.label.startsWith('Local Emulator')), {
      timeout: 30_000,
      describe: async () => `Batch Jobs view:\n${indent(await page.locator('.sidebar').innerText())}`,
    });
    state.emulator = true;
    await assertNoErrorNotifications();
  });

  it('submits clean.jsonl from the Explorer context menu and tracks the job to completion', async function () {
    if (!state.emulator) this.skip(); // needs the emulator connection of the previous test
    this.timeout(150_000);
    await page.keyboard.press('Control+Shift+E');
    const row = explorerRow('clean.jsonl');
    await row.waitFor();
    await row.click({ button: 'right' });
    const submit = page.locator('.context-view .action-label', { hasText: /^Submit as Batch Job$/ });
    await waitUntil('"Submit as Batch Job" in the Explorer context menu of clean.jsonl', () => submit.isVisible(), {
      timeout: 10_000,
      describe: async () => `context menu:\n${indent((await page.locator('.context-view .action-label').allInnerTexts()).filter(Boolean).join('\n'))}`,
    });
    await submit.hover(); // highlighted in the picture (and the menu accepts the click after the hover)
    await page.waitForTimeout(300);
    await screenshot('explorer-submit.png');
    await submit.click();
    if (await submit.isVisible()) await page.keyboard.press('Enter'); // the click came too early for the menu

    const pick = page.locator('.quick-input-widget');
    const keep = 'Submit with the deployment "gpt-4o-batch"';
    await waitUntil(`the deployment quick pick offering ${keep}`, async () => (await pick.isVisible()) && (await pick.locator('.monaco-list-row').allInnerTexts()).some((t) => t.includes(keep)), { timeout: 20_000 });
    const focused = await pick.locator('.monaco-list-row.focused').innerText();
    assert.ok(focused.includes(keep), `the quick pick's default choice is "${focused}", not ${keep}`);
    await page.keyboard.press('Enter');
    await waitUntil('the deployment quick pick to close', async () => !(await pick.isVisible()), { timeout: 5_000 });

    await openJobsView();
    const seen = new Set();
    const done = await waitUntil('the clean.jsonl job to read "completed" in the Batch Jobs tree', async () => {
      const job = (await jobsRows()).find((r) => r.level === 2 && r.label.startsWith('clean.jsonl '));
      if (job) seen.add(job.label.replace(/, has actions$/, ''));
      return job && /^clean\.jsonl completed · 5\/5\b/.test(job.label) ? job : undefined;
    }, {
      timeout: 60_000,
      interval: 200,
      describe: async () => `Batch Jobs view:\n${indent(await page.locator('.sidebar').innerText())}\nstates seen: ${JSON.stringify([...seen])}`,
    });
    observed.push(`job descriptions seen while polling: ${JSON.stringify([...seen])}`);

    const notes = await waitUntil('the notifications "Submitted clean.jsonl to Local Emulator." and "Batch job clean.jsonl: Completed."', async () => {
      const list = await notifications();
      return list.some((n) => n.text.includes('Submitted clean.jsonl to Local Emulator.')) && list.some((n) => n.text.includes('Batch job clean.jsonl: Completed.')) ? list : undefined;
    }, { timeout: 15_000, interval: 1_000, describe: async () => `notifications:\n${indent(formatNotifications(await notifications()))}` });
    assertNoErrors(notes);

    // The submitted file in the editor, the job expanded (its files show) and hovered (its tooltip).
    await quickOpen(page, 'clean.jsonl');
    await openJobsView();
    const jobRow = page.locator('.sidebar .monaco-list-row[aria-level="2"]', { hasText: 'clean.jsonl' });
    if ((await jobRow.getAttribute('aria-expanded')) !== 'true') await jobRow.locator('.monaco-tl-twistie').click();
    await waitUntil('the input and output file rows under the clean.jsonl job', async () => {
      const labels = (await jobsRows()).filter((r) => r.level === 3).map((r) => r.label);
      return labels.some((l) => l.startsWith('Input file')) && labels.some((l) => l.startsWith('Output file'));
    }, { timeout: 10_000, describe: async () => `Batch Jobs view:\n${indent(await page.locator('.sidebar').innerText())}` });
    // The tooltip opens below the row at the mouse: point at the row's free space right of the file ids (on a
    // wider side bar) so it does not cover the file rows.
    await widenSideBar(620);
    const rowBox = await jobRow.boundingBox();
    const textRight = await page.locator('.sidebar .monaco-list-row[aria-level="3"] .monaco-icon-label').evaluateAll((labels) =>
      Math.max(0, ...labels.map((label) => [...label.querySelectorAll('.label-name, .label-description')].reduce((right, el) => Math.max(right, el.getBoundingClientRect().right), 0))),
    );
    assert.ok(rowBox, 'the clean.jsonl job row has no box');
    const hoverX = Math.min(Math.max(textRight + 24, rowBox.x + rowBox.width / 2), rowBox.x + rowBox.width - 70); // not on the inline actions
    await page.mouse.move(hoverX, rowBox.y + rowBox.height / 2, { steps: 5 });
    const tooltip = page.locator('.workbench-hover, .monaco-hover').filter({ hasText: 'Batch id' });
    const hovered = await tooltip.first().waitFor({ state: 'visible', timeout: 5_000 }).then(() => true, () => false);
    if (!hovered) console.warn('[ui] the job tooltip did not render; jobs-tree.png is taken without it');
    await screenshot('jobs-tree.png');
    assert.match(done.label, /^clean\.jsonl completed · 5\/5/);
  });

  it('validates as you type: breaking a row of clean.jsonl adds a diagnostic, undo clears it', async function () {
    this.timeout(60_000);
    await page.mouse.move(900, 470); // drop any tooltip
    await quickOpen(page, 'clean.jsonl');
    const editor = activeEditor();
    await waitUntil('clean.jsonl to open without errors', async () => (await editor.locator('.squiggly-error').count()) === 0, { timeout: 10_000 });
    const firstLine = fs.readFileSync(path.join(workspace, 'clean.jsonl'), 'utf8').split('\n')[0];
    const column = firstLine.indexOf('"POST"') + 2; // 1-based column of the P
    assert.ok(column > 1, 'clean.jsonl line 1 has no "POST"');
    await goTo(1, column);
    for (let i = 0; i < 4; i++) await page.keyboard.press('Shift+ArrowRight');
    await page.keyboard.type('GET');

    await waitUntil('a squiggle in clean.jsonl after typing "GET"', async () => (await editor.locator('.squiggly-error').count()) > 0, { timeout: 15_000 });
    // The extension's status bar item counts the active file's errors.
    const fileCheck = page.locator('.statusbar-item', { hasText: /\d+ requests?\b/ }).first();
    await waitUntil('the file check status bar item to count 1 error', async () => /\b5 requests? · 1 errors?\b/.test(await fileCheck.innerText()), {
      timeout: 10_000,
      describe: async () => `status bar item: ${await fileCheck.innerText().catch(() => '(missing)')}`,
    });
    observed.push(`file check status item after the edit: "${(await fileCheck.innerText()).trim()}"`);
    // F8 (Go to Next Problem) shows the diagnostic inline under the row. The key can be lost while the
    // editor is still busy with the edit, so press it again until the widget shows.
    const marker = page.locator('.editor-group-container.active .marker-widget');
    const explained = async () => /"method" must be "POST"; it is "GET"\./.test(await marker.innerText({ timeout: 500 }).catch(() => ''));
    for (let attempt = 0; attempt < 4 && !(await explained()); attempt++) {
      await goTo(1, 1);
      if (attempt % 2 === 0) {
        await page.keyboard.press('F8');
      } else {
        await runCommand('Go to Next Problem (Error, Warning, Info)');
      }
      await page.waitForTimeout(1500);
    }
    await waitUntil('the inline problem widget (F8) to explain the GET method', explained, {
      timeout: 10_000,
      describe: async () => `marker widget: ${await marker.innerText().catch(() => '(not shown)')}`,
    });
    await page.keyboard.press('Escape');

    // Undo until the editor is back to the saved file (typing may take more than one undo step).
    await focusEditor();
    const tab = page.locator('.editor-group-container.active .tabs-container .tab.active');
    const isDirty = async () => /\bdirty\b/.test((await tab.getAttribute('class')) ?? '');
    for (let i = 0; i < 5 && (await isDirty()); i++) {
      await page.keyboard.press('Control+Z');
      await page.waitForTimeout(200);
    }
    assert.equal(await isDirty(), false, 'clean.jsonl is still modified after undo');
    await waitUntil('the squiggle to go away after undo', async () => (await editor.locator('.squiggly-error').count()) === 0, { timeout: 15_000 });
    await assertNoErrorNotifications();
  });

  it('keeps the job list across a window reload', async function () {
    if (!state.emulator) this.skip();
    this.timeout(240_000);
    reloading = true;
    // Mark this page so that the wait below knows the reload has really happened (on a slow machine the
    // command takes a while, and the old workbench still answers every selector meanwhile).
    await page.evaluate(() => {
      window.__aoaiBatchBeforeReload = true;
    });
    const logsBefore = server.logs.length;
    await runCommand('Developer: Reload Window');
    await waitFor('the window to reload', async () => (await page.evaluate(() => window.__aoaiBatchBeforeReload !== true).catch(() => false)) || undefined, { timeoutMs: 60_000, intervalMs: 250 });
    await page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
    // The workbench comes back with a new extension host (the old one exits, on purpose): its views are
    // registered once that host is up. The jobs come from global state and the embedded emulator restarts on
    // its saved data.
    await server.waitForLog(/Launched Extension Host Process/, 120_000, logsBefore);
    hostExit = undefined;
    reloading = false;
    await openJobsView();
    // The restored side bar can come back as an empty container ("Drag a view here to display") when the
    // workbench restores it before the new host has registered the view, and VS Code does not always fill it
    // in later. Opening the view again shows it, as a user clicking the activity bar would.
    const emptyContainer = async () => /Drag a view here to display/.test(await page.locator('.sidebar').innerText().catch(() => ''));
    let emptySince;
    let reopened = 0;
    await waitUntil('the clean.jsonl job to be listed again after the reload', async () => {
      if (!(await emptyContainer())) {
        emptySince = undefined;
      } else if (emptySince === undefined) {
        emptySince = Date.now();
      } else if (Date.now() - emptySince > 5_000 && reopened < 3) {
        reopened++;
        emptySince = undefined;
        observed.push('after the reload the side bar stayed an empty Azure OpenAI Batch container for 5 s; opened the view again');
        await runCommand('View: Show Explorer');
        await runCommand('Azure OpenAI Batch: Show Batch Jobs');
      }
      const job = (await jobsRows()).find((r) => r.level === 2 && r.label.startsWith('clean.jsonl '));
      return job && /^clean\.jsonl completed · 5\/5\b/.test(job.label) ? job : undefined;
    }, { timeout: 90_000, describe: async () => `Batch Jobs view:\n${indent(await page.locator('.sidebar').innerText())}\nserver log (last lines):\n${tail(server.logs.slice(logsBefore), 40)}` });
    await assertNoErrorNotifications();
  });

  // ---- helpers ---------------------------------------------------------------------------------------------

  /** Polls `probe` until it returns something truthy; fails at once if the extension host or page is gone. */
  function waitUntil(what, probe, { timeout = 15_000, interval = 250, describe } = {}) {
    return waitFor(what, async () => (await probe()) || undefined, {
      timeoutMs: timeout,
      intervalMs: interval,
      describe,
      abortIf: () => {
        if (hostExit && !reloading) throw new Error(`${hostExit} while waiting for ${what}\n${tail(server?.logs ?? [])}`);
      },
    });
  }

  function explorerRow(name) {
    return page.locator('.explorer-folders-view .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${name.replace(/\./g, '\\.')}$`) }) });
  }

  /**
   * Focuses the active editor by clicking its last text line: the top holds our estimate CodeLens, and a
   * click there would open the estimate settings instead.
   */
  async function focusEditor() {
    const lines = activeEditor().locator('.view-lines');
    const box = await lines.boundingBox();
    await lines.click({ position: { x: 5, y: Math.max(5, (box?.height ?? 10) - 5) } });
  }

  function activeEditor() {
    return page.locator('.editor-group-container.active .monaco-editor').first();
  }

  /** The rows of the Batch Jobs tree (the view must be showing). */
  async function jobsRows() {
    return page.locator('.sidebar .monaco-list-row').evaluateAll((rows) =>
      rows.map((row) => ({ label: row.getAttribute('aria-label') ?? '', level: Number(row.getAttribute('aria-level')), expanded: row.getAttribute('aria-expanded') })),
    );
  }

  /** Clicks the Azure OpenAI Batch activity bar item unless its view already shows. */
  async function openJobsView() {
    const title = page.locator('.sidebar .composite.title');
    const shown = async () => /azure openai batch/i.test(await title.innerText().catch(() => ''));
    if (await shown()) return;
    // The activity bar item toggles the side bar; the view's focus command only ever shows it.
    for (let attempt = 0; attempt < 3 && !(await shown()); attempt++) {
      if (attempt === 0) {
        const item = page.locator('.activitybar .action-item .action-label[aria-label^="Azure OpenAI Batch"]');
        await waitUntil('the Azure OpenAI Batch item in the activity bar', () => item.isVisible(), { timeout: 10_000 });
        await item.click();
      } else {
        await runCommand('Azure OpenAI Batch: Show Batch Jobs');
      }
      const deadline = Date.now() + 4_000;
      while (Date.now() < deadline && !(await shown())) await page.waitForTimeout(200);
    }
    await waitUntil('the Azure OpenAI Batch side bar', shown, { timeout: 10_000 });
  }


  /** Go to Line/Column (Ctrl+G) in the active editor. */
  async function goTo(line, column) {
    await focusEditor();
    await page.keyboard.press('Control+G');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 5_000 });
    await input.fill(`:${line}:${column}`);
    await page.waitForTimeout(200);
    await page.keyboard.press('Enter');
    await waitUntil(`the cursor at Ln ${line}, Col ${column}`, async () => {
      const text = await page.locator('[id="status.editor.selection"]').innerText();
      return text.startsWith(`Ln ${line}, Col ${column}`);
    }, { timeout: 5_000 });
  }

  /** Runs a command from the Command Palette (F1) by its exact title. */
  async function runCommand(title) {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 5_000 });
    await input.fill(`>${title}`);
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
    await row.waitFor({ timeout: 5_000 });
    await page.keyboard.press('Enter');
    await waitUntil(`the Command Palette to close after "${title}"`, async () => !(await input.isVisible()), { timeout: 5_000 });
  }

  /** Closes Welcome/walkthrough editors should the workbench open one despite the settings. */
  async function closeWelcomeEditors() {
    const tabs = page.locator('.tabs-container .tab').filter({ hasText: /Welcome|Walkthrough|Get Started|Release Notes/ });
    for (let i = await tabs.count(); i > 0; i--) {
      await tabs.first().hover();
      await tabs.first().locator('.codicon-close').click().catch(() => undefined);
    }
  }

  /** Drags the side bar's sash so the Batch Jobs descriptions fit. */
  async function widenSideBar(width) {
    const sash = page.locator('.monaco-sash.vertical.primary-sidebar-sash').first();
    const box = await sash.boundingBox().catch(() => null);
    if (!box) return; // cosmetic only
    const y = box.y + box.height / 2;
    await page.mouse.move(box.x + box.width / 2, y);
    await page.mouse.down();
    await page.mouse.move(width, y, { steps: 8 });
    await page.mouse.up();
  }

  /** The notification center's entries ({ severity, text }); opens and closes the center to read them. */
  async function notifications() {
    const center = page.locator('.notifications-center');
    const wasOpen = await center.isVisible();
    if (!wasOpen) await page.locator('[id="status.notifications"]').click();
    await center.waitFor({ state: 'visible', timeout: 5_000 });
    const items = await center.locator('.notification-list-item').evaluateAll((els) =>
      els.map((el) => {
        const icon = el.querySelector('.notification-list-item-icon');
        const severity = ['error', 'warning', 'info'].find((s) => icon?.classList.contains(`codicon-${s}`)) ?? 'unknown';
        return { severity, text: (el.textContent ?? '').replace(/\s+/g, ' ').trim() };
      }),
    );
    if (!wasOpen) {
      await page.locator('[id="status.notifications"]').click();
      await center.waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => undefined);
    }
    return items;
  }

  function formatNotifications(list) {
    return list.length ? list.map((n) => `[${n.severity}] ${n.text}`).join('\n') : '(none)';
  }

  function assertNoErrors(list) {
    const errors = list.filter((n) => n.severity === 'error');
    assert.equal(errors.length, 0, `error notifications:\n${formatNotifications(errors)}`);
  }

  async function assertNoErrorNotifications() {
    assertNoErrors(await notifications());
  }

  async function screenshot(name) {
    await page.screenshot({ path: path.join(screenshotsDir, name) });
  }

  /** What is on screen, for failure messages: open prompts, menus, dialogs, notifications. */
  async function describeScreen() {
    const lines = [];
    const visibleText = async (selector) => {
      const locator = page.locator(selector).first();
      return (await locator.isVisible().catch(() => false)) ? (await locator.innerText()).trim() : undefined;
    };
    const quickInput = await visibleText('.quick-input-widget');
    if (quickInput) lines.push(`quick input open:\n${indent(quickInput)}`);
    const dialog = await visibleText('.monaco-dialog-box');
    if (dialog) lines.push(`dialog open:\n${indent(dialog)}`);
    const menu = await visibleText('.context-view');
    if (menu) lines.push(`menu/widget open:\n${indent(menu)}`);
    const tabs = (await page.locator('.tabs-container .tab').allInnerTexts().catch(() => [])).map((t) => t.replace(/\s+/g, ' ').trim());
    lines.push(`editor tabs: ${JSON.stringify(tabs)}`);
    const sideBarTitle = await visibleText('.sidebar .composite.title');
    lines.push(`side bar: ${sideBarTitle ?? '(hidden)'}`);
    const status = await page.locator('[id="status.problems"]').getAttribute('aria-label').catch(() => undefined);
    lines.push(`status bar problems: ${status ?? '?'}`);
    if (!dialog && !quickInput) {
      await page.keyboard.press('Escape').catch(() => undefined);
      lines.push(`notifications:\n${indent(formatNotifications(await notifications().catch(() => [])))}`);
    }
    if (hostExit) lines.push(hostExit);
    return lines.join('\n');
  }

  /** Copies the server log, browser console and the window's log files (exthost, output channels) to test-results/ui-logs/. */
  function saveLogs() {
    const dir = path.join(resultsDir, 'ui-logs');
    try {
      fs.rmSync(dir, { recursive: true, force: true });
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'server.log'), `${(server?.logs ?? []).join('\n')}\n`);
      fs.writeFileSync(path.join(dir, 'browser-console.log'), `${browserLog.join('\n')}\n`);
      const logs = server && path.join(server.userDataDir, 'logs');
      if (logs && fs.existsSync(logs)) fs.cpSync(logs, path.join(dir, 'user-data-logs'), { recursive: true });
      console.error(`[ui] logs: ${path.relative(process.cwd(), dir)} (the extension's output channel: user-data-logs/*/exthost*/azure-openai-batch.azure-openai-batch/)`);
    } catch (error) {
      console.error(`[ui] could not save logs: ${error.message}`);
    }
  }
});

function indent(text) {
  return String(text)
    .split('\n')
    .map((line) => `    | ${line}`)
    .join('\n');
}

function tail(lines, count = 30) {
  return indent(lines.slice(-count).join('\n'));
}
