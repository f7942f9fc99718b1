// UI test of "New Batch File from Data" in the REAL VS Code workbench (see workbench.test.mjs for the harness):
// a user runs the command from the Command Palette, picks a CSV in the file dialog, answers every step, accepts
// the preview, and submits the written file to the local emulator. Source of media/screenshots/create-*.png.
//
//   npm run build && npx mocha --no-config --timeout 300000 test/ui/createFromData.test.mjs
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resultsDir, uiSession } from './page.mjs';

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
};

describe('New Batch File from Data in the VS Code workbench (UI)', function () {
  const ui = uiSession({
    name: 'create',
    settings,
    prepare(workspace) {
      fs.writeFileSync(path.join(workspace, 'reviews.csv'), reviewsCsv);
      fs.writeFileSync(path.join(workspace, 'missing.csv'), 'id,product,review\nm1,Kettle,Fine\nm2,Toaster\n');
      fs.writeFileSync(path.join(workspace, 'reasoning.jsonl'), `${JSON.stringify(reasoningLine)}\n`);
    },
    explorerShows: 'reviews.csv',
  });
  const { waitUntil, quickTitle, rowTexts, pickItem, answer, runCommand, treeRows, openJobsView, activeEditor, screenshot, goTo } = ui;

  it('creates a batch file from a CSV through the command, then submits it to the emulator', async function () {
    this.timeout(240_000);
    const { page, workspace } = ui;
    // An emulator connection first: the deployment step then lists its batch deployments, and the file is submitted to it.
    await runCommand('Azure OpenAI Batch: Try the Local Emulator');
    await openJobsView();
    await waitUntil('the "Local Emulator" connection in the Batch Jobs tree', async () => (await treeRows()).some((r) => r.level === 1 && r.label.startsWith('Local Emulator')), { timeout: 30_000 });

    await runCommand('Azure OpenAI Batch: New Batch File from Data');
    // The data file: the workbench's own file dialog (a quick input holding a path).
    const input = page.locator('.quick-input-widget input');
    await ui.chooseInFileDialog(/New Batch File from Data/, path.join(workspace, 'reviews.csv'));

    await pickItem('Endpoint', 'Chat completions');
    await chooseDeployment('gpt-4o-batch');
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
    await ui.clickMenuItem(await ui.explorerMenuItem('reviews.jsonl', 'Submit as Batch Job'));
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
    const { page } = ui;
    await runCommand('View: Close All Editors').catch(() => undefined);
    await ui.quickOpen('reasoning.jsonl');
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
    const { page, workspace } = ui;
    await page.keyboard.press('Escape');
    await ui.clickMenuItem(await ui.explorerMenuItem('missing.csv', 'New Batch File from Data'));
    await pickItem('Endpoint', 'Chat completions');
    await chooseDeployment('gpt-4o-batch');
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

  // ---- helpers of this suite ----------------------------------------------------------------------------

  /** The deployment step: a pick of the connection's batch deployments, or an input box without a connection. */
  async function chooseDeployment(deployment) {
    await waitUntil('the deployment step', async () => /Deployment \(body\.model\)/.test(await quickTitle()), { timeout: 10_000 });
    if ((await rowTexts()).some((t) => t.includes(deployment))) {
      await pickItem('Deployment (body.model)', deployment);
    } else {
      await answer('Deployment (body.model)', deployment);
    }
  }

  /** Focuses the editor with the cursor at the end of the file. */
  async function focusEnd() {
    await ui.focusEditor();
    await ui.page.keyboard.press('Control+End');
  }

  /** Moves the mouse over line `line`, column `column` (1-based) of the active editor, as wrapped on screen. */
  async function hoverAt(line, column) {
    await goTo(line, column);
    const cursor = activeEditor().locator('.cursor').first();
    const box = await cursor.boundingBox();
    assert.ok(box, 'no cursor on screen');
    await ui.page.mouse.move(box.x + 4, box.y + box.height / 2, { steps: 4 });
  }
});

