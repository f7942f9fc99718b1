// UI test of the extension in the REAL VS Code workbench (the VS Code server build from code-server, opened in
// headless Chromium by test/runner/workbench.mjs), driven as a user would, and the source of the README
// screenshots in media/screenshots/ (overwritten on every run).
//
//   npm run build && npm run compile-tests && npx mocha --no-config --timeout 300000 test/ui/*.test.mjs
//
// Needs the server (bash scripts/install-test-host.sh) and Chromium (/usr/bin/chromium or CHROMIUM_PATH).
// The extension under development is loaded through extensionDevelopmentPath WITHOUT extensionTestsPath, so the
// workbench stays up. The session and page helpers of every UI test are in page.mjs (failure screenshots and
// logs: test-results/ui-failure-*.png, test-results/ui-logs/; UI_TEST_VERBOSE, UI_TEST_LOGS). Add --no-config to
// run only this file: mocha otherwise also picks up the unit test specs of the repository's .mocharc.json.
//
// Harness facts this test relies on (VS Code 1.139 web workbench):
// - With --enable-smoke-test-driver the workbench never shows notification toasts: notifications only land in
//   the notification center, so the test opens the center to read them.
// - A context menu ignores a click that comes right after it opened; the test hovers the item first.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tailLines } from '../runner/logs.mjs';
import { repoRoot } from '../runner/workbench.mjs';
import { indent, uiSession } from './page.mjs';

/** The quick fix the placeholder model on line 1 of broken.jsonl must offer. */
const deploymentFix = 'Set the deployment to "gpt-4o-batch" on every row';
/** Diagnostic codes broken.jsonl must produce (shown as `Azure OpenAI Batch(code)` in the Problems view). */
const brokenCodes = ['placeholder_model', 'duplicate_custom_id', 'blank_line', 'invalid_method', 'url_mismatch', 'model_mismatch', 'invalid_json_line'];

/** Settings for the test profile, over uiSettings (page.mjs). */
const settings = {
  'editor.wordWrap': 'on', // every squiggle of broken.jsonl on screen
  'azureOpenAIBatch.jobs.notifyOnCompletion': true,
};

describe('Azure OpenAI Batch in the VS Code workbench (UI)', function () {
  const ui = uiSession({
    name: 'workbench',
    settings,
    fixtures: true,
    prepare(workspace) {
      for (const name of fs.readdirSync(path.join(repoRoot, 'examples')).filter((n) => n.endsWith('.jsonl'))) {
        fs.copyFileSync(path.join(repoRoot, 'examples', name), path.join(workspace, name));
      }
    },
    // The Explorer is the default view; wait for it to list the workspace.
    explorerShows: 'clean.jsonl',
    async ready() {
      await ui.closeWelcomeEditors();
      await ui.widenSideBar(460);
    },
  });
  const { waitUntil, activeEditor, focusEditor, goTo, runCommand, openJobsView, widenSideBar, notifications, assertNoErrorNotifications, screenshot } = ui;
  const jobsRows = ui.treeRows;
  const state = { emulator: false };
  /** Notes printed at the end (what the UI showed), for humans reading the run. */
  const observed = [];

  after(function () {
    if (observed.length) console.log(`\n[ui] observed:\n${observed.map((line) => `  - ${line}`).join('\n')}`);
  });

  it('shows diagnostics for a broken batch file in the editor and the Problems view', async function () {
    this.timeout(90_000);
    const { page, workspace } = ui;
    await ui.quickOpen('broken.jsonl');
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
    const { page, workspace } = ui;
    await ui.quickOpen('broken.jsonl');
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
    const { page, workspace } = ui;
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
    const { page, workspace } = ui;
    const submit = await ui.explorerMenuItem('clean.jsonl', 'Submit as Batch Job'); // hovered: highlighted in the picture
    await screenshot('explorer-submit.png');
    await ui.clickMenuItem(submit);

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
    }, { timeout: 15_000, interval: 1_000, describe: async () => `notifications:\n${indent(ui.formatNotifications(await notifications()))}` });
    await assertNoErrorNotifications(notes);

    // The submitted file in the editor, the job expanded (its files show) and hovered (its tooltip).
    await ui.quickOpen('clean.jsonl');
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
    const { page, workspace } = ui;
    await page.mouse.move(900, 470); // drop any tooltip
    await ui.quickOpen('clean.jsonl');
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
    const { page, workspace } = ui;
    ui.beginReload();
    // Mark this page so that the wait below knows the reload has really happened (on a slow machine the
    // command takes a while, and the old workbench still answers every selector meanwhile).
    await page.evaluate(() => {
      window.__aoaiBatchBeforeReload = true;
    });
    const logsBefore = ui.server.logs.length;
    await runCommand('Developer: Reload Window');
    await waitUntil('the window to reload', () => page.evaluate(() => window.__aoaiBatchBeforeReload !== true).catch(() => false), { timeout: 60_000 });
    await page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
    // The workbench comes back with a new extension host (the old one exits, on purpose): its views are
    // registered once that host is up. The jobs come from global state and the embedded emulator restarts on
    // its saved data.
    await ui.hostRestarted(logsBefore, 120_000);
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
    }, { timeout: 90_000, describe: async () => `Batch Jobs view:\n${indent(await page.locator('.sidebar').innerText())}\nserver log (last lines):\n${tailLines(ui.server.logs.slice(logsBefore), 40)}` });
    await assertNoErrorNotifications();
  });
});
