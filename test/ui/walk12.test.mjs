// A walk through issue 12 as a new user in the REAL workbench (code-server + headless Chromium), against the emulator
// as Azure Resource Manager and the data plane: first view, sign-in -> resource -> deployments, a wrong model
// (unknown_deployment, not_batch_deployment), Add Connection with a dead endpoint, the status bar item, a reload.
// Screenshots go to test-results/walk12/ (not the README's media). Look at them.
//
//   npm run build && npm run compile-tests && npx mocha --no-config --timeout 300000 test/ui/walk12.test.mjs
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resultsDir } from './page.mjs';
import { signInSession } from './signInServer.mjs';

const shotsDir = path.join(resultsDir, 'walk12');
const apiKey = 'ui-walk12-key';
const line = (id, model) => JSON.stringify({ custom_id: id, method: 'POST', url: '/chat/completions', body: { model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 } });

describe('Issue 12 walk in the VS Code workbench (UI)', function () {
  const ui = signInSession({
    name: 'walk12',
    apiKey,
    prepare(workspace) {
      fs.writeFileSync(path.join(workspace, 'typo.jsonl'), [line('t-1', 'gpt-4o-bacth'), line('t-2', 'gpt-4o-live')].join('\n') + '\n');
      fs.rmSync(shotsDir, { recursive: true, force: true });
      fs.mkdirSync(shotsDir, { recursive: true });
    },
  });
  const { waitUntil: until, rowTexts: pickRows, sidebarText, quickInput: pick, openJobsView: openBatchView, runCommand: command } = ui;
  let n = 0;
  const shot = async (name) => {
    n += 1;
    await ui.screenshot(`${String(n).padStart(2, '0')}-${name}.png`, shotsDir);
  };
  const chooseRow = (label) => ui.pickRow(label);

  it('walks first view -> Add Connection -> sign-in -> deployments -> wrong models -> dead endpoint -> status bar', async function () {
    this.timeout(280_000);
    const { page, emulator } = ui;
    await openBatchView();
    await until('the welcome view of Batch Jobs', () => page.locator('.sidebar .welcome-view-content').isVisible());
    await shot('first-view');

    // Add Connection: the service question offers the sign-in first.
    await command('Azure OpenAI Batch: Add Connection');
    await chooseRow('Sign in with Microsoft');
    await shot('add-connection-service');
    assert.ok((await pickRows())[0].startsWith('Sign in with Microsoft'), 'Sign in with Microsoft is the first choice');
    await page.keyboard.press('Enter');
    const consent = page.locator('.monaco-dialog-box', { hasText: /wants to sign in using Microsoft/ });
    await consent.waitFor({ timeout: 20_000 });
    await consent.locator('.monaco-button', { hasText: /^Allow$/ }).click();
    await (await chooseRow('Emulator Subscription')).click();
    await chooseRow('emulator');
    await shot('signin-resource');
    await (await chooseRow('emulator')).click();
    await chooseRow('Microsoft Entra ID');
    await shot('signin-auth');
    await (await chooseRow('Microsoft Entra ID')).click();
    await until('the deployments in the Batch Jobs view', async () => /Deployments\s*3 batch/.test(await sidebarText()), { timeout: 30_000, describe: async () => await sidebarText() });
    await page.mouse.move(1000, 600);
    await shot('deployments');

    // A model with a typo and a Standard deployment.
    await ui.quickOpen('typo.jsonl');
    const problems = ui.problemsLabel;
    await until('two errors in typo.jsonl', async () => Number(/Errors: (\d+)/.exec(await problems())?.[1] ?? 0) >= 2, { timeout: 30_000, describe: problems });
    await page.keyboard.press('Control+Shift+M');
    await page.locator('.markers-panel .monaco-list-row').first().waitFor();
    await shot('wrong-models-problems');
    const markers = (await page.locator('.markers-panel').innerText()).replace(/\s+/g, ' ');
    assert.match(markers, /gpt-4o-batch/, 'the closest name is offered');
    // The quick fix on the typo.
    await page.locator('.view-lines .view-line', { hasText: 'gpt-4o-bacth' }).first().click();
    await page.keyboard.press('Control+.');
    await page.locator('.action-widget').waitFor({ timeout: 10_000 }).catch(() => undefined);
    await shot('quick-fix');
    await page.keyboard.press('Escape');

    // Completion inside "model".
    await page.keyboard.press('Control+End');
    await page.keyboard.type('{"custom_id":"t-3","method":"POST","url":"/chat/completions","body":{"model":"');
    await page.keyboard.press('Control+Space');
    await page.locator('.suggest-widget .monaco-list-row').first().waitFor({ timeout: 10_000 }).catch(() => undefined);
    await shot('model-completion');
    const suggestions = await page.locator('.suggest-widget .monaco-list-row').allInnerTexts().catch(() => []);
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+Z');
    assert.ok(suggestions.some((s) => s.includes('gpt-4o-batch')), `completion offers the deployments: ${JSON.stringify(suggestions)}`);

    // Status bar connection item.
    await shot('status-bar');

    // Add Connection with a dead endpoint: back to the step with the cause.
    const inputStep = (step, text) => ui.answer(new RegExp(`\\(${step}/5\\)`), text);
    await command('Azure OpenAI Batch: Add Connection');
    await (await chooseRow('Azure OpenAI')).click();
    await inputStep(1, 'http://127.0.0.1:9');
    await (await chooseRow('2025-04-01-preview')).click();
    await (await chooseRow('API key')).click();
    await inputStep(4, 'wrong-key');
    await shot('add-connection-name');
    await inputStep(5, 'Dead one');
    const warning = page.locator('.notifications-toasts .notification-toast, .monaco-dialog-box').filter({ hasText: /failed/ }).first();
    await warning.waitFor({ timeout: 30_000 });
    await shot('add-connection-dead-endpoint');
    assert.match(await warning.innerText(), /reserved one that VS Code never connects to/, 'the blocked port is named, not "bad port"');
    await warning.locator('.monaco-button', { hasText: /Save Anyway/ }).first().click();
    await page.locator('.notifications-toasts .notification-toast', { hasText: /Use it for this workspace/ }).first().waitFor({ timeout: 10_000 }).catch(() => undefined);
    await shot('saved-anyway');
    await openBatchView();
    await until('the dead connection in the tree', async () => /Dead one/.test(await sidebarText()));
    await page.locator('.sidebar .monaco-list-row', { hasText: 'Dead one' }).first().click();
    await page.waitForTimeout(3000);
    await page.mouse.move(1000, 600);
    await shot('dead-connection-tree');

    // Status bar item: click it.
    await page.locator('.statusbar-item', { hasText: 'emulator' }).first().click();
    await page.waitForTimeout(1000);
    await shot('status-bar-click');
    await page.keyboard.press('Escape');

    // Clean Up Files...
    await command('Azure OpenAI Batch: Clean Up Files');
    await page.waitForTimeout(3000);
    await shot('clean-up-files');
    await page.keyboard.press('Escape');

    // Reload the window: connection, deployments, validation offline.
    await emulator.close();
    const logsBefore = ui.server.logs.length;
    ui.beginReload();
    await page.reload();
    await page.locator('.explorer-folders-view .monaco-list-row, .sidebar', {}).first().waitFor({ timeout: 60_000 });
    await page.waitForTimeout(8000);
    await ui.hostRestarted(logsBefore);
    await openBatchView();
    await page.waitForTimeout(4000);
    await shot('after-reload-emulator-down');
    // Signed out after the reload (the test provider keeps no sessions): showing the view does not open a sign-in.
    await until('the view to load its connections again', async () => /Dead one/.test(await sidebarText()) && /Sign in with Microsoft/.test(await sidebarText()), { timeout: 90_000, describe: sidebarText });
    await page.waitForTimeout(3000);
    await shot('after-reload-loaded');
    assert.equal(await page.locator('.monaco-dialog-box', { hasText: /wants to sign in/ }).isVisible(), false, 'no sign-in dialog opens by itself');
    assert.match(await sidebarText(), /Sign in with Microsoft/, 'the tree offers the sign-in instead');
    await page.keyboard.press('Control+Shift+M');
    await until('the offline validator to still know the deployments', async () => /unknown_deployment/.test(await page.locator('.markers-panel').innerText().catch(() => '')), {
      timeout: 30_000,
      describe: async () => await page.locator('.markers-panel').innerText().catch(() => ''),
    });
    await shot('after-reload-validation-offline');
  });
});
