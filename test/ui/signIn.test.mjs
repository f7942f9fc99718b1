// UI test of "Sign in with Microsoft" in the REAL workbench: sign-in (the workbench's own consent dialog) ->
// subscription -> resource -> deployments in the Batch Jobs view -> validate a file -> submit it, against the
// emulator standing in for Azure Resource Manager and the data plane. Screenshots for the README's "Connect with
// Microsoft sign-in" go to media/screenshots/signin-*.png.
//
//   npm run build && npm run compile-tests && npx mocha --no-config --timeout 300000 test/ui/signIn.test.mjs
//
// The 'microsoft' provider is test/fixtures/test-sign-in (installed into the server's extensions dir): the built-in one
// cannot reach Microsoft here. Its tokens come from the emulator's issuer; everything else is the real extension.
import assert from 'node:assert/strict';
import { signInSession } from './signInServer.mjs';

const apiKey = 'ui-sign-in-key';

describe('Sign in with Microsoft in the VS Code workbench (UI)', function () {
  const ui = signInSession({ name: 'signin', apiKey });
  const { waitUntil: until, screenshot, rowTexts: pickRows, sidebarText, quickInput: pick } = ui;

  /** Waits for step `step` of the sign-in to list `label`; hovers that row and returns it. */
  const choose = (step, label) => ui.pickRow(label, { title: `(${step}/3)` });

  it('sign-in -> subscription -> resource -> deployments -> validate -> submit', async function () {
    this.timeout(240_000);
    const { page, emulator } = ui;
    // The Batch Jobs view's welcome offers the sign-in.
    await ui.openJobsView();
    const welcome = page.locator('.sidebar .welcome-view-content');
    await until('the welcome view of Batch Jobs', () => welcome.isVisible());
    await welcome.locator('.monaco-button', { hasText: 'Sign in with Microsoft' }).click();

    // The workbench asks before an extension signs in: the user allows it.
    const consent = page.locator('.monaco-dialog-box', { hasText: /wants to sign in using Microsoft/ });
    await consent.waitFor({ timeout: 20_000 });
    await screenshot('signin-consent.png');
    await consent.locator('.monaco-button', { hasText: /^Allow$/ }).click();

    const subscription = await choose(1, 'Emulator Subscription');
    await screenshot('signin-subscription.png');
    await subscription.click();
    const resource = await choose(2, 'emulator');
    const rows = await pickRows();
    assert.ok(!rows.some((t) => t.startsWith('emulator-language')), `a TextAnalytics account is not offered: ${JSON.stringify(rows)}`);
    await screenshot('signin-resource.png');
    await resource.click();
    const entra = await choose(3, 'Microsoft Entra ID');
    await screenshot('signin-authentication.png');
    await entra.click();
    await until('the quick pick to close', async () => !(await pick().isVisible()));

    // The new connection shows its batch deployments.
    await until('the batch deployments in the Batch Jobs view', async () => {
      const text = await sidebarText();
      return /Deployments\s*3 batch/.test(text) && /gpt-4o-batch\s*gpt-4o 2024-08-06 · GlobalBatch · capacity 250/.test(text) && /Not batch, so not listed: gpt-4o-live \(Standard\)/.test(text);
    }, { timeout: 30_000, describe: async () => `Batch Jobs view:\n${await sidebarText()}` });
    // A side bar wide enough for the deployments' model, sku and capacity.
    await ui.widenSideBar(600);
    await page.mouse.move(1000, 600);
    await screenshot('signin-deployments.png');

    // Validate: clean.jsonl names a deployment the resource has; the status bar counts no problems.
    await ui.quickOpen('clean.jsonl');
    const problems = ui.problemsLabel;
    await until('the validation of clean.jsonl (5 requests, no problems)', async () => /5 requests/.test(await page.locator('.statusbar').innerText()) && /No Problems|Errors: 0\b/i.test(await problems()), {
      describe: async () => `status bar: ${await page.locator('.statusbar').innerText()} / problems: ${await problems()}`,
    });

    // Submit to the new connection (the only one, so the default), with the file's deployment.
    await ui.runCommand('Azure OpenAI Batch: Submit as Batch Job');
    const keep = 'Submit with the deployment "gpt-4o-batch"';
    await until(`the quick pick offering ${keep}`, async () => (await pick().isVisible()) && (await pickRows()).some((t) => t.includes(keep)), { describe: async () => `pick: ${JSON.stringify(await pickRows())}` });
    await page.keyboard.press('Enter');

    await ui.openJobsView();
    await until('the clean.jsonl job to complete under the signed-in connection', async () => {
      return /clean\.jsonl\s*completed/.test(await sidebarText());
    }, { timeout: 90_000, describe: async () => `Batch Jobs view:\n${await sidebarText()}` });
    await page.mouse.move(1000, 600);
    await screenshot('signin-submitted.png');
    assert.ok(emulator.batches().length >= 1, 'the emulator received the job');
  });
});
