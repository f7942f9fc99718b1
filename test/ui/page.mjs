// The one harness of the UI tests (test/ui/*.test.mjs): a workbench session for a mocha `describe` and the page
// helpers every test drives it with, bound to that session's page.
//
//   const ui = uiSession({ name: 'create', prepare: (workspace) => fs.writeFileSync(...), explorerShows: 'a.csv' });
//   it('...', async function () {
//     await ui.runCommand('Azure OpenAI Batch: New Batch File from Data');
//     await ui.pickItem('Endpoint', 'Chat completions');
//   });
//
// uiSession() registers the suite's hooks: before() makes a temp workspace, starts the VS Code server
// (test/runner/workbench.mjs), opens the workbench in headless Chromium, keeps the browser console and waits for
// the extension host; afterEach() of a failed test saves test-results/ui-failure-NAME-TEST.png, prints what is on
// screen and the last log lines, and copies every log to test-results/ui-logs/NAME/; after() (and Ctrl+C) closes
// the browser, stops the server and removes the temp dir. UI_TEST_VERBOSE=1 echoes the server log and browser
// console while running; UI_TEST_LOGS=1 keeps test-results/ui-logs/NAME/ after a passing run too.
//
// Every wait fails at once, with the server's last lines, when the extension host exits or the page crashes
// (except between beginReload() and hostRestarted()).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { tailLines } from '../runner/logs.mjs';
import { openWorkbench, quickOpen, repoRoot, requireUiHost, startServer } from '../runner/workbench.mjs';

// The one polling helper of every suite, compiled by `npm run compile-tests` (which `npm test` runs first); loaded
// on first use, after before() has said what to run when it is missing.
const require = createRequire(import.meta.url);
const waitFor = (...args) => require('../../out/test/shared/waitFor.js').waitFor(...args);

/** The README's pictures. */
export const screenshotsDir = path.join(repoRoot, 'media', 'screenshots');
/** Failure screenshots, logs and pictures that are not the README's. */
export const resultsDir = path.join(repoRoot, 'test-results');
export const verbose = /^(1|true)$/i.test(process.env.UI_TEST_VERBOSE ?? '');

/**
 * Settings of every UI test's profile, over the harness defaults (test/runner/workbench.mjs): legible screenshots,
 * no port-forwarding prompts (the emulator's port would otherwise be auto-forwarded), one tab per opened file.
 */
export const uiSettings = {
  'editor.minimap.enabled': false,
  'remote.autoForwardPorts': false,
  'workbench.editor.enablePreview': false,
};

/** Escapes `text` for use inside a RegExp. */
export function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Indents `text` with a margin, for failure messages. */
export function indent(text) {
  return String(text)
    .split('\n')
    .map((line) => `    | ${line}`)
    .join('\n');
}

/**
 * Registers the hooks of a UI test suite (call it inside `describe`) and returns its helpers.
 *
 * @param {object} options
 * @param {string} options.name              short name: temp dir, failure screenshots, test-results/ui-logs/NAME/
 * @param {string[]} [options.builtFiles]    files the suite needs built (default: dist/extension.js)
 * @param {boolean} [options.fixtures]       start the workspace as a copy of test/fixtures/workspace
 * @param {(workspace: string, tmp: string) => unknown} [options.prepare] writes the suite's files
 * @param {Record<string, unknown>} [options.settings] user settings (over uiSettings and the harness defaults)
 * @param {boolean} [options.extension]      load this extension (default true); false: only the built-in ones
 * @param {(args: { workspace: string, tmp: string, echo: boolean }) => Promise<any>} [options.start] starts the
 *                                           server instead of startServer() (e.g. with sign-in)
 * @param {() => unknown} [options.stop]     stops what `start` started besides the server
 * @param {string} [options.explorerShows]   a file name the Explorer must list before the tests start
 * @param {(ui: UiSession) => unknown} [options.ready] more set-up once the workbench is up
 * @param {{ timeout?: number, interval?: number }} [options.waits] defaults of waitUntil (15 s, every 250 ms)
 * @param {RegExp} [options.consoleFilter]   browser console lines to print on failure (default: all)
 * @param {{ width: number, height: number }} [options.viewport] the window size (default 1400x900)
 */
export function uiSession(options) {
  const name = options.name;
  const waitDefaults = { timeout: 15_000, interval: 250, ...options.waits };
  const browserLog = [];
  let server;
  let workbench;
  let page;
  let tmp;
  let workspace;
  /** Set when the extension host process exits or the page crashes: every wait fails at once. */
  let hostExit;
  /** Set while the window reloads on purpose: its extension host exits and a new one starts. */
  let reloading = false;

  const cleanup = async () => {
    await workbench?.close().catch(() => undefined);
    await server?.stop().catch(() => undefined);
    await Promise.resolve(options.stop?.()).catch(() => undefined);
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
    requireUiHost(['out/test/shared/waitFor.js', ...(options.builtFiles ?? (options.extension === false ? [] : ['dist/extension.js']))]);
    for (const old of fs.existsSync(resultsDir) ? fs.readdirSync(resultsDir) : []) {
      if (old.startsWith(`ui-failure-${name}-`) && old.endsWith('.png')) fs.rmSync(path.join(resultsDir, old), { force: true });
    }
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), `aoai-batch-ui-${name}-`));
    workspace = path.join(tmp, 'workspace');
    if (options.fixtures) {
      fs.cpSync(path.join(repoRoot, 'test', 'fixtures', 'workspace'), workspace, { recursive: true });
    } else {
      fs.mkdirSync(workspace, { recursive: true });
    }
    await options.prepare?.(workspace, tmp);
    fs.mkdirSync(screenshotsDir, { recursive: true });

    server = options.start
      ? await options.start({ workspace, tmp, echo: verbose })
      : await startServer({ workspace, extensionPath: options.extension === false ? undefined : repoRoot, settings: { ...uiSettings, ...options.settings }, echo: verbose });
    server.events.on('line', (line) => {
      const exited = /Extension Host Process exited with code: (\S+?), signal: (\S+?)\./.exec(line);
      if (exited) hostExit = `the extension host exited (code ${exited[1]}, signal ${exited[2]})`;
    });
    workbench = await openWorkbench(server, {
      viewport: options.viewport ?? { width: 1400, height: 900 },
      onConsole: (line) => {
        browserLog.push(line);
        if (verbose) process.stderr.write(`${line}\n`);
      },
    });
    page = workbench.page;
    page.setDefaultTimeout(15_000);
    page.on('crash', () => (hostExit = 'the workbench page crashed'));
    if (options.extension !== false) await server.waitForLog(/Launched Extension Host Process/, 90_000);
    if (options.explorerShows) await ui.explorerRow(options.explorerShows).waitFor({ timeout: 60_000 });
    await options.ready?.(ui);
  });

  afterEach(async function () {
    if (this.currentTest?.state !== 'failed' || !page) return;
    const slug = this.currentTest.title.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase().slice(0, 60);
    fs.mkdirSync(resultsDir, { recursive: true });
    const shot = path.join(resultsDir, `ui-failure-${name}-${slug}.png`);
    await page.screenshot({ path: shot, timeout: 10_000 }).catch((error) => console.error(`[ui] no failure screenshot: ${error.message}`));
    const screen = await describeScreen().catch((error) => `(could not read the screen: ${error.message})`);
    console.error(`\n[ui] "${this.currentTest.title}" failed; screenshot ${path.relative(process.cwd(), shot)}\n${screen}`);
    // CI keeps only what is printed: the server's last lines say whether the extension host came up.
    const consoleLines = options.consoleFilter ? browserLog.filter((line) => options.consoleFilter.test(line)) : browserLog;
    console.error(`[ui] VS Code server log (last lines):\n${tailLines(server?.logs ?? [], 25)}\n[ui] browser console (last lines):\n${tailLines(consoleLines, 15)}`);
    saveLogs();
  });

  after(async function () {
    this.timeout(60_000);
    if (/^(1|true)$/i.test(process.env.UI_TEST_LOGS ?? '') && server) saveLogs();
    for (const signal of ['SIGINT', 'SIGTERM']) process.off(signal, onSignal);
    await cleanup();
  });

  /** Copies the server log, browser console and the window's log files (exthost, output channels) to test-results/ui-logs/NAME/. */
  function saveLogs() {
    const dir = path.join(resultsDir, 'ui-logs', name);
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
    const status = await page.locator('[id="status.problems"]').getAttribute('aria-label', { timeout: 2_000 }).catch(() => undefined);
    lines.push(`status bar problems: ${status ?? '?'}`);
    if (!dialog && !quickInput) {
      await page.keyboard.press('Escape').catch(() => undefined);
      lines.push(`notifications:\n${indent(formatNotifications(await ui.notifications().catch(() => [])))}`);
    }
    if (hostExit) lines.push(hostExit);
    return lines.join('\n');
  }

  function formatNotifications(list) {
    return list.length ? list.map((n) => `[${n.severity}] ${n.text}`).join('\n') : '(none)';
  }

  /** Whether the quick input's title is `title`: a RegExp matches, a string starts it. */
  const titleIs = (text, title) => (title instanceof RegExp ? title.test(text) : text.startsWith(title));

  const ui = {
    /** @type {import('playwright-core').Page} */
    get page() {
      return page;
    },
    /** The started server (see startServer in test/runner/workbench.mjs). */
    get server() {
      return server;
    },
    get workbench() {
      return workbench;
    },
    /** The folder the workbench opened. */
    get workspace() {
      return workspace;
    },
    /** Browser console messages, page errors and the workbench log, so far. */
    browserLog,

    /** The extension host is about to exit on purpose (a window reload): waits do not fail on its exit. */
    beginReload() {
      reloading = true;
    },
    /** Waits for the new extension host (logged after line `fromIndex`); waits fail on its exit again. */
    async hostRestarted(fromIndex, timeoutMs = 120_000) {
      await server.waitForLog(/Launched Extension Host Process/, timeoutMs, fromIndex);
      hostExit = undefined;
      reloading = false;
    },

    /** Polls `probe` until it returns something truthy; fails at once if the extension host or page is gone. */
    waitUntil(what, probe, { timeout = waitDefaults.timeout, interval = waitDefaults.interval, describe } = {}) {
      return waitFor(what, async () => (await probe()) || undefined, {
        timeoutMs: timeout,
        intervalMs: interval,
        describe,
        abortIf: () => {
          if (hostExit && !reloading) throw new Error(`${hostExit} while waiting for ${what}\n${tailLines(server?.logs ?? [], 30)}`);
        },
      });
    },

    /** Saves a screenshot: README pictures to media/screenshots/, others (`dir`) elsewhere. */
    async screenshot(file, dir = screenshotsDir) {
      fs.mkdirSync(dir, { recursive: true });
      await page.screenshot({ path: path.join(dir, file) });
    },

    /** Opens a workspace file with Quick Open (Ctrl+P) and waits for its tab. */
    quickOpen(file) {
      return quickOpen(page, file);
    },

    /**
     * Runs a command from the Command Palette (F1) by its title; `id` picks the row by command id where other
     * commands match the same words. Right after start the commands are not all in the palette yet
     * ("Activating Extensions...", built-in extensions registering): the palette is reopened until the row shows.
     */
    async runCommand(title, { id, timeout = 60_000 } = {}) {
      const input = page.locator('.quick-input-widget input');
      const row = id ? page.locator(`.quick-input-list [data-quick-input-id="${id}"]`) : page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
      await ui.waitUntil(`"${title}" in the Command Palette`, async () => {
        if (!(await input.isVisible())) await page.keyboard.press('F1');
        await input.waitFor({ state: 'visible', timeout: 5_000 });
        await input.fill(`>${title}`);
        const listed = await row.waitFor({ timeout: 3_000 }).then(() => true, () => false);
        if (!listed) await page.keyboard.press('Escape');
        return listed;
      }, { timeout, interval: 500 });
      if (id) await row.click();
      else await page.keyboard.press('Enter');
      await ui.waitUntil(`the Command Palette to close after "${title}"`, async () => !(await input.isVisible()) || !(await input.inputValue().catch(() => '')).startsWith('>'), { timeout: 5_000 });
    },

    // ---- quick inputs (quick picks, input boxes, the workbench's file dialogs) ----

    /** The quick input widget. */
    quickInput() {
      return page.locator('.quick-input-widget');
    },
    /** The title of the open quick input, '' when none is open. */
    async quickTitle() {
      const widget = page.locator('.quick-input-widget');
      if (!(await widget.isVisible())) return '';
      return (await widget.locator('.quick-input-title').innerText().catch(() => '')).trim();
    },
    /** The texts of the quick input's rows, whitespace collapsed. */
    async rowTexts() {
      return (await page.locator('.quick-input-list .monaco-list-row').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
    },
    /** Waits for the step titled `title` (a RegExp, or a string it starts with). */
    waitForStep(title, timeout = 10_000) {
      return ui.waitUntil(`the "${title}" step`, async () => titleIs(await ui.quickTitle(), title), { timeout, describe: async () => `title: ${await ui.quickTitle()}` });
    },
    /** Waits for the step titled `title` to give way to the next one (or to close). */
    waitForStepToClose(title) {
      return ui.waitUntil(`the "${title}" step to close`, async () => !titleIs(await ui.quickTitle(), title), { timeout: 5_000 });
    },
    /** Picks the quick pick item whose label is `label` once the step titled `title` shows. */
    async pickItem(title, label) {
      await ui.waitForStep(title);
      const item = page.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(label)}$`) }) }).first();
      await item.waitFor({ timeout: 10_000 });
      await item.click();
      await ui.waitForStepToClose(title);
    },
    /**
     * Waits for the quick pick (titled `title` when given: a string the title contains) to list a row whose label
     * starts with `label`, hovers that row (the one labelled exactly `label` if there is one) and returns it.
     */
    async pickRow(label, { title } = {}) {
      const widget = page.locator('.quick-input-widget');
      await ui.waitUntil(`the pick${title ? ` "${title}"` : ''} to list "${label}"`, async () => (await widget.isVisible()) && (!title || (await ui.quickTitle()).includes(title)) && (await ui.rowTexts()).some((t) => t.startsWith(label)), {
        timeout: 20_000,
        describe: async () => `title: ${await ui.quickTitle()}\npick: ${JSON.stringify(await ui.rowTexts())}`,
      });
      // Rows are recycled, so their DOM order is not the shown order: find the row by its label.
      const rows = widget.locator('.monaco-list-row');
      const exact = rows.filter({ has: page.locator('.label-name', { hasText: new RegExp(`^\\s*${escapeRegExp(label)}\\s*$`) }) });
      const row = (await exact.count()) > 0 ? exact.first() : rows.filter({ has: page.locator('.label-name', { hasText: new RegExp(`^\\s*${escapeRegExp(label)}`) }) }).first();
      await row.hover();
      return row;
    },
    /** Types `value` into the input box titled `title` (a RegExp, or a string it starts with) and accepts it. */
    async answer(title, value) {
      await ui.waitForStep(title);
      await page.locator('.quick-input-widget input').fill(value);
      await page.keyboard.press('Enter');
      await ui.waitForStepToClose(title);
    },
    /**
     * Accepts `file` in the workbench's own file dialog titled `title`. The dialog lists its folder after it shows and
     * then writes that folder into its input, over anything typed before; so type once the folder is in the input, and
     * type again if the dialog is still open after Enter (a listing that finished late overwrote the path).
     */
    async chooseInFileDialog(title, file) {
      const input = page.locator('.quick-input-widget input');
      for (let attempt = 1; ; attempt++) {
        await ui.waitUntil('the file dialog', async () => titleIs(await ui.quickTitle(), title), { timeout: 10_000 });
        await ui.waitUntil('the file dialog to show its folder', async () => (await input.inputValue().catch(() => '')).length > 0, { timeout: 10_000 });
        await input.fill(file);
        await ui.waitUntil('the typed path to stay in the file dialog', async () => (await input.inputValue().catch(() => '')) === file, { timeout: 5_000 }).catch(() => undefined);
        await page.waitForTimeout(300);
        await page.keyboard.press('Enter');
        const closed = await ui.waitUntil('the file dialog to accept the path', async () => !titleIs(await ui.quickTitle(), title), { timeout: 5_000 }).then(() => true, () => false);
        if (closed) return;
        if (attempt === 3) throw new Error(`the file dialog did not accept ${file} after ${attempt} tries; its input holds "${await input.inputValue().catch(() => '')}"`);
      }
    },

    // ---- Explorer, side bar, Batch Jobs view ----

    /** The Explorer's row of the file or folder named exactly `file`. */
    explorerRow(file) {
      return page.locator('.explorer-folders-view .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(file)}$`) }) });
    },
    /**
     * Opens the Explorer context menu of `file` and hovers its item `label`, which it returns: a context menu ignores
     * a click that comes right after it opened, so hover first, then clickMenuItem().
     */
    async explorerMenuItem(file, label) {
      await page.keyboard.press('Control+Shift+E');
      const row = ui.explorerRow(file);
      await row.waitFor();
      await row.click({ button: 'right' });
      const item = page.locator('.context-view .action-label', { hasText: new RegExp(`^${escapeRegExp(label)}$`) });
      await ui.waitUntil(`"${label}" in the Explorer context menu of ${file}`, () => item.isVisible(), {
        timeout: 10_000,
        describe: async () => `context menu:\n${indent((await page.locator('.context-view .action-label').allInnerTexts()).filter(Boolean).join('\n'))}`,
      });
      await item.hover();
      await page.waitForTimeout(300);
      return item;
    },
    /** Clicks a context menu item; presses Enter when the click came too early for the menu. */
    async clickMenuItem(item) {
      await item.click();
      if (await item.isVisible()) await page.keyboard.press('Enter');
    },
    /** The rows of the side bar's tree (the Batch Jobs tree when it shows). */
    async treeRows() {
      return page.locator('.sidebar .monaco-list-row').evaluateAll((rows) =>
        rows.map((row) => ({ label: row.getAttribute('aria-label') ?? '', level: Number(row.getAttribute('aria-level')), expanded: row.getAttribute('aria-expanded') })),
      );
    },
    /** The side bar's text. */
    async sidebarText() {
      return page.locator('.sidebar').innerText().catch(() => '');
    },
    /** Clicks the Azure OpenAI Batch activity bar item unless its view already shows. */
    async openJobsView() {
      const title = page.locator('.sidebar .composite.title');
      const shown = async () => /azure openai batch/i.test(await title.innerText().catch(() => ''));
      if (await shown()) return;
      // The activity bar item toggles the side bar; the view's focus command only ever shows it.
      for (let attempt = 0; attempt < 3 && !(await shown()); attempt++) {
        if (attempt === 0) {
          const item = page.locator('.activitybar .action-item .action-label[aria-label^="Azure OpenAI Batch"]');
          await ui.waitUntil('the Azure OpenAI Batch item in the activity bar', () => item.isVisible(), { timeout: 10_000 });
          await item.click();
        } else {
          await ui.runCommand('Azure OpenAI Batch: Show Batch Jobs');
        }
        const deadline = Date.now() + 4_000;
        while (Date.now() < deadline && !(await shown())) await page.waitForTimeout(200);
      }
      await ui.waitUntil('the Azure OpenAI Batch side bar', shown, { timeout: 10_000 });
    },
    /** Drags the side bar's sash to `width` pixels from the left (cosmetic: a missing sash is ignored). */
    async widenSideBar(width) {
      const sash = page.locator('.monaco-sash.vertical.primary-sidebar-sash').first();
      const box = await sash.boundingBox().catch(() => null);
      if (!box) return;
      const y = box.y + box.height / 2;
      await page.mouse.move(box.x + box.width / 2, y);
      await page.mouse.down();
      await page.mouse.move(width, y, { steps: 8 });
      await page.mouse.up();
    },
    /** Closes Welcome/walkthrough editors should the workbench open one despite the settings. */
    async closeWelcomeEditors() {
      const tabs = page.locator('.tabs-container .tab').filter({ hasText: /Welcome|Walkthrough|Get Started|Release Notes/ });
      for (let i = await tabs.count(); i > 0; i--) {
        await tabs.first().hover();
        await tabs.first().locator('.codicon-close').click().catch(() => undefined);
      }
    },

    // ---- editors ----

    /** The editor of the active group. */
    activeEditor() {
      return page.locator('.editor-group-container.active .monaco-editor').first();
    },
    /**
     * Focuses the active editor by clicking its last text line (the top holds our estimate CodeLens, and a click
     * there would open the estimate settings instead).
     */
    async focusEditor() {
      const lines = ui.activeEditor().locator('.view-lines');
      const box = await lines.boundingBox();
      await lines.click({ position: { x: 5, y: Math.max(5, (box?.height ?? 10) - 5) } });
    },
    /** Go to Line/Column (Ctrl+G) in the active editor; waits for the cursor there. */
    async goTo(line, column) {
      await ui.focusEditor();
      await page.keyboard.press('Control+G');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: 5_000 });
      await input.fill(`:${line}:${column}`);
      await page.waitForTimeout(200);
      await page.keyboard.press('Enter');
      await ui.waitUntil(`the cursor at Ln ${line}, Col ${column}`, async () => {
        const text = await page.locator('[id="status.editor.selection"]').innerText();
        return text.startsWith(`Ln ${line}, Col ${column}`);
      }, { timeout: 5_000 });
    },
    /** The label of the status bar problems item, like "Errors: 2, Warnings: 0". */
    async problemsLabel() {
      return (await page.locator('[id="status.problems"]').getAttribute('aria-label')) ?? '';
    },

    // ---- notifications ----

    /** The notification center's entries ({ severity, text }); opens and closes the center to read them. */
    async notifications() {
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
    },
    formatNotifications,
    /** Fails when `list` (default: the notification center now) holds an error. */
    async assertNoErrorNotifications(list) {
      const errors = (list ?? (await ui.notifications())).filter((n) => n.severity === 'error');
      assert.equal(errors.length, 0, `error notifications:\n${formatNotifications(errors)}`);
    },
  };
  return ui;
}

/** @typedef {ReturnType<typeof uiSession>} UiSession */
