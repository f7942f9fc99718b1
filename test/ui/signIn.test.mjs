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
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { openWorkbench, quickOpen, repoRoot, requireUiHost } from '../runner/workbench.mjs';
import { startSignInServer } from './signInServer.mjs';

const require = createRequire(import.meta.url);
const { waitFor } = require('../../out/test/shared/waitFor.js');
const { startEmulator } = require('../../out/src/emulator/index.js');

const screenshotsDir = path.join(repoRoot, 'media', 'screenshots');
const resultsDir = path.join(repoRoot, 'test-results');
const verbose = /^(1|true)$/i.test(process.env.UI_TEST_VERBOSE ?? '');
const apiKey = 'ui-sign-in-key';

describe('Sign in with Microsoft in the VS Code workbench (UI)', function () {
  let server, workbench, page, emulator, tmp;
  const browserLog = [];
  const keepConsole = (line) => {
    browserLog.push(line);
    if (verbose) process.stderr.write(`${line}\n`);
  };

  before(async function () {
    this.timeout(180_000);
    requireUiHost(['dist/extension.js']);
    emulator = await startEmulator({ port: 0, apiKey });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aoai-batch-ui-signin-'));
    const workspace = path.join(tmp, 'workspace');
    fs.cpSync(path.join(repoRoot, 'test', 'fixtures', 'workspace'), workspace, { recursive: true });
    fs.mkdirSync(screenshotsDir, { recursive: true });
    server = await startSignInServer({ workspace, emulator, apiKey, echo: verbose });
    workbench = await openWorkbench(server, { viewport: { width: 1400, height: 900 }, onConsole: keepConsole });
    page = workbench.page;
    page.setDefaultTimeout(15_000);
    await server.waitForLog(/Launched Extension Host Process/, 90_000);
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'clean.jsonl' }).first().waitFor({ timeout: 60_000 });
  });

  afterEach(async function () {
    if (this.currentTest?.state !== 'failed' || !page) return;
    fs.mkdirSync(resultsDir, { recursive: true });
    const shot = path.join(resultsDir, 'ui-failure-sign-in.png');
    await page.screenshot({ path: shot, timeout: 10_000 }).catch(() => undefined);
    console.error(`\n[ui] failed; screenshot ${path.relative(process.cwd(), shot)}\n[ui] server log:\n${(server?.logs ?? []).slice(-25).join('\n')}\n[ui] browser console:\n${browserLog.slice(-15).join('\n')}`);
  });

  after(async function () {
    this.timeout(60_000);
    await workbench?.close().catch(() => undefined);
    await server?.stop().catch(() => undefined);
    await emulator?.close().catch(() => undefined);
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  const until = (what, check, options = {}) => waitFor(what, check, { timeoutMs: options.timeout ?? 20_000, intervalMs: 200, describe: options.describe });
  const screenshot = (name) => page.screenshot({ path: path.join(screenshotsDir, name) });
  const pick = () => page.locator('.quick-input-widget');
  const pickRows = async () => (await pick().locator('.monaco-list-row').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
  const sidebarText = async () => page.locator('.sidebar').innerText().catch(() => '');

  /** Waits for the step's pick to list `label`, focuses that row and accepts it. */
  async function choose(step, label) {
    await until(`step ${step} to list "${label}"`, async () => (await pick().isVisible()) && (await pick().locator('.quick-input-title').innerText()).includes(`(${step}/3)`) && (await pickRows()).some((t) => t.startsWith(label)), {
      describe: async () => `pick: ${JSON.stringify(await pickRows())}`,
    });
    const row = pick().locator('.monaco-list-row').filter({ hasText: label }).first();
    await row.hover();
    return row;
  }

  it('sign-in -> subscription -> resource -> deployments -> validate -> submit', async function () {
    this.timeout(240_000);
    // The Batch Jobs view's welcome offers the sign-in.
    await page.locator('.activitybar .action-item .action-label[aria-label^="Azure OpenAI Batch"]').click();
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
    const sash = await page.locator('.monaco-sash.vertical.primary-sidebar-sash').first().boundingBox().catch(() => null);
    if (sash) {
      await page.mouse.move(sash.x + sash.width / 2, sash.y + sash.height / 2);
      await page.mouse.down();
      await page.mouse.move(600, sash.y + sash.height / 2, { steps: 8 });
      await page.mouse.up();
    }
    await page.mouse.move(1000, 600);
    await screenshot('signin-deployments.png');

    // Validate: clean.jsonl names a deployment the resource has; the status bar counts no problems.
    await quickOpen(page, 'clean.jsonl');
    const problems = async () => (await page.locator('[id="status.problems"]').getAttribute('aria-label')) ?? '';
    await until('the validation of clean.jsonl (5 requests, no problems)', async () => /5 requests/.test(await page.locator('.statusbar').innerText()) && /No Problems|Errors: 0\b/i.test(await problems()), {
      describe: async () => `status bar: ${await page.locator('.statusbar').innerText()} / problems: ${await problems()}`,
    });

    // Submit to the new connection (the only one, so the default), with the file's deployment.
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.fill('>Azure OpenAI Batch: Submit as Batch Job');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Submit as Batch Job' }).first().waitFor();
    await page.keyboard.press('Enter');
    const keep = 'Submit with the deployment "gpt-4o-batch"';
    await until(`the quick pick offering ${keep}`, async () => (await pick().isVisible()) && (await pickRows()).some((t) => t.includes(keep)), { describe: async () => `pick: ${JSON.stringify(await pickRows())}` });
    await page.keyboard.press('Enter');

    if (!/azure openai batch/i.test(await page.locator('.sidebar .composite.title').innerText().catch(() => ''))) {
      await page.locator('.activitybar .action-item .action-label[aria-label^="Azure OpenAI Batch"]').click();
    }
    await until('the clean.jsonl job to complete under the signed-in connection', async () => {
      return /clean\.jsonl\s*completed/.test(await sidebarText());
    }, { timeout: 90_000, describe: async () => `Batch Jobs view:\n${await sidebarText()}` });
    await page.mouse.move(1000, 600);
    await screenshot('signin-submitted.png');
    assert.ok(emulator.batches().length >= 1, 'the emulator received the job');
  });
});
