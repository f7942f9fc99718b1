// `npm run test:integration`: runs out/test/integration/index.js (mocha over **/*.test.js) inside a real VS Code
// extension host. Expects `npm run build && npm run compile-tests` (npm's `pretest`) to have run.
//
// Host (VSCODE_TEST_RUNNER=server|electron):
//   server   the VS Code server build from the npm package code-server (scripts/install-test-host.sh), opened
//            in headless Chromium; default when that install exists
//   electron VS Code desktop via @vscode/test-electron, which downloads it (needs the VS Code download site,
//            and a display on Linux, e.g. xvfb-run); VSCODE_TEST_VERSION picks the version (default stable)
// Other environment:
//   VSCODE_TEST_TIMEOUT_MS  whole-run timeout, default 20 minutes
//   VSCODE_TEST_VERBOSE=1   echo the server log and browser console while running
//   AOAI_BATCH_TEST_GREP    only run tests whose title matches (see test/integration/index.ts)
// Exit code: the extension host's (0 = all tests passed); 1 when the host cannot start or the run times out.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readJson, tailFile, tailLines } from './logs.mjs';
import { defaultCacheDir, defaultSettings, findServerInstall, openWorkbench, repoRoot, startServer } from './workbench.mjs';

const started = Date.now();
const timeoutMs = Number(process.env.VSCODE_TEST_TIMEOUT_MS || 20 * 60 * 1000);
if (!(timeoutMs > 0)) {
  console.error(`[integration] VSCODE_TEST_TIMEOUT_MS must be a positive number of milliseconds`);
  process.exit(1);
}
const verbose = /^(1|true)$/i.test(process.env.VSCODE_TEST_VERBOSE ?? '');
/** How long the extension host may take to appear once the workbench is open. */
const hostStartTimeoutMs = 3 * 60 * 1000;

const extensionPath = repoRoot;
const testsIndex = path.join(repoRoot, 'out', 'test', 'integration', 'index.js');
const fixtures = path.join(repoRoot, 'test', 'fixtures', 'workspace');

class RunError extends Error {}

/** Things to undo on exit, last first. */
const cleanups = [];
let cleaningUp;
function cleanup() {
  cleaningUp ??= (async () => {
    for (const fn of cleanups.reverse()) {
      await Promise.resolve().then(fn).catch((error) => console.error(`[integration] cleanup: ${error.message}`));
    }
  })();
  return cleaningUp;
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    console.error(`\n[integration] ${signal}: stopping`);
    cleanup().finally(() => process.exit(1));
  });
}

main().then(
  async (code) => {
    await cleanup();
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(`[integration] extension host exit code ${code} (${seconds} s)`);
    process.exit(code);
  },
  async (error) => {
    await cleanup();
    console.error(`\n[integration] FAILED: ${error instanceof RunError ? error.message : (error?.stack ?? error)}`);
    process.exit(1);
  },
);

async function main() {
  for (const [file, hint] of [
    [path.join(extensionPath, 'dist', 'extension.js'), 'npm run build'],
    [testsIndex, 'npm run compile-tests'],
  ]) {
    if (!fs.existsSync(file)) {
      throw new RunError(`${path.relative(repoRoot, file)} is missing: run \`${hint}\` first (or \`npm test\`)`);
    }
  }

  const requested = (process.env.VSCODE_TEST_RUNNER ?? '').trim().toLowerCase();
  if (requested && requested !== 'server' && requested !== 'electron') {
    throw new RunError(`VSCODE_TEST_RUNNER must be "server" or "electron", not "${requested}"`);
  }
  const install = findServerInstall();
  const runner = requested || (install ? 'server' : 'electron');
  if (!requested && !install) {
    console.log(`[integration] no VS Code server in ${defaultCacheDir}: using @vscode/test-electron`);
  }

  // A fresh copy of the fixture workspace: tests may create and modify files in it.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aoai-batch-integration-'));
  cleanups.push(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const workspace = path.join(tmp, 'workspace');
  if (fs.existsSync(fixtures)) {
    fs.cpSync(fixtures, workspace, { recursive: true });
  } else {
    fs.mkdirSync(workspace);
  }
  const logFile = path.join(tmp, 'mocha.log'); // created by index.ts when run() starts
  const env = { AOAI_BATCH_TEST_LOG: logFile, AOAI_BATCH_TEST_WORKSPACE: workspace };

  const run = runner === 'server' ? runInServer(install, workspace, env) : runInElectron(tmp, workspace, env);
  run.catch(() => undefined); // after a timeout it may still reject, during cleanup
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(
      () => reject(new RunError(`timed out after ${timeoutMs} ms (VSCODE_TEST_TIMEOUT_MS)`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([run, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** VS Code server + headless Chromium. Resolves with the extension host's exit code. */
async function runInServer(install, workspace, env) {
  if (!install) {
    throw new RunError(
      'VSCODE_TEST_RUNNER=server but the VS Code server is not installed: run `bash scripts/install-test-host.sh`',
    );
  }
  console.log(
    `[integration] VS Code ${install.version} (server build from code-server ${install.codeServerVersion ?? '?'}, ` +
      `commit ${install.commit?.slice(0, 10) ?? '?'}), headless Chromium`,
  );

  const browserLog = [];
  const server = await startServer({ workspace, extensionPath, testsPath: testsIndex, env, echo: verbose }).catch(
    (error) => {
      throw new RunError(error.message);
    },
  );
  cleanups.push(() => server.stop());
  console.log(`[integration] server listening on port ${server.port}, workspace ${workspace}`);

  // Reporter output arrives through the log file: the extension host's stdout only reaches the server log.
  const tailer = tailFile(env.AOAI_BATCH_TEST_LOG, (text) => process.stdout.write(text));
  cleanups.push(() => tailer.stop());

  const onConsole = (line) => {
    browserLog.push(line);
    if (verbose) process.stderr.write(`${line}\n`);
  };
  const serverGone = server.exit.then(({ code, signal }) => {
    throw new RunError(`the VS Code server exited early (code ${code}, signal ${signal})\n${tailLines(server.logs)}`);
  });
  serverGone.catch(() => undefined); // raced below; may reject during cleanup
  const opening = openWorkbench(server, { onConsole });
  cleanups.push(() => opening.then((workbench) => workbench.close()).catch(() => undefined));
  const workbench = await Promise.race([opening, serverGone]).catch((error) => {
    if (error instanceof RunError) throw error;
    throw new RunError(`the workbench did not open: ${error.message}\n${tailLines(server.logs)}`);
  });

  // The result comes from the workbench (window.codeAutomationExit): the extension host process is stopped
  // by the workbench and logs "exited with code: 0" whether run() resolved or rejected.
  const result = workbench.automationExit;
  const pageGone = new Promise((_, reject) => {
    workbench.page.on('crash', () => reject(new RunError('the workbench page crashed')));
  });
  const never = () => new Promise(() => {});
  // These two wait on the server log; if the server dies first, serverGone reports it.
  const hostNeverStarted = server.waitForLog(/Launched Extension Host Process/, hostStartTimeoutMs).then(
    never,
    (error) => {
      if (server.exited()) return never();
      throw new RunError(
        `the extension host did not start: ${error.message}\n${tailLines(server.logs)}\n` +
          `browser console:\n${tailLines(browserLog)}`,
      );
    },
  );
  const hostExitedWithoutResult = server
    .waitForLog(/Extension Host Process exited with code: (\S+?), signal: (\S+?)\./, 2 ** 31 - 1)
    .then(async (match) => {
      await new Promise((resolve) => setTimeout(resolve, 30_000));
      throw new RunError(
        `the extension host exited (code ${match[1]}, signal ${match[2]}) but the workbench reported no ` +
          `test result\n${tailLines(server.logs)}`,
      );
    }, never);
  const pending = [pageGone, serverGone, hostNeverStarted, hostExitedWithoutResult];
  pending.forEach((promise) => promise.catch(() => undefined)); // the losers may reject during cleanup

  const { code, logs } = await Promise.race([result, ...pending]);
  tailer.flush();
  const exitCode = checkOutcome(typeof code === 'number' ? code : 1, env.AOAI_BATCH_TEST_LOG);
  if (exitCode !== 0) {
    saveLogs(logs, server.logs, browserLog);
  }
  return exitCode;
}

/**
 * A 0 exit code only counts with the result file index.ts writes when run() ends: a killed extension host
 * also makes the workbench report 0.
 */
function checkOutcome(code, logFile) {
  if (code !== 0) return code;
  const outcome = readJson(`${logFile}.result.json`);
  if (!fs.existsSync(logFile)) {
    console.error(`[integration] VS Code ended (code 0) without running ${testsIndex}`);
    return 1;
  }
  if (!outcome) {
    console.error('[integration] VS Code ended (code 0) before the test run finished');
    return 1;
  }
  return outcome.failures > 0 || !(outcome.passes > 0) ? 1 : 0;
}

/** Keeps the window's log files, the server log and the browser console of a failed run in test-results/. */
function saveLogs(windowLogs, serverLog, browserLog) {
  const dir = path.join(repoRoot, 'test-results', 'integration-logs');
  try {
    fs.rmSync(dir, { recursive: true, force: true });
    for (const { relativePath, contents } of windowLogs ?? []) {
      const file = path.join(dir, 'window', path.normalize(relativePath).replace(/^(\.\.(\/|\\|$))+/, ''));
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, contents);
    }
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'server.log'), `${serverLog.join('\n')}\n`);
    fs.writeFileSync(path.join(dir, 'browser-console.log'), `${browserLog.join('\n')}\n`);
    console.error(`[integration] logs of the failed run: ${path.relative(process.cwd(), dir) || dir}`);
  } catch (error) {
    console.error(`[integration] could not save logs: ${error.message}`);
  }
}

/** VS Code desktop through @vscode/test-electron (downloads VS Code). Resolves with the exit code. */
async function runInElectron(tmp, workspace, env) {
  const { downloadAndUnzipVSCode, runTests } = await import('@vscode/test-electron');
  let vscodeExecutablePath;
  try {
    vscodeExecutablePath = await downloadAndUnzipVSCode(process.env.VSCODE_TEST_VERSION || 'stable');
  } catch (error) {
    throw new RunError(
      `@vscode/test-electron could not download VS Code (${error?.message ?? error}). Where only npm is ` +
        'reachable, install the server host instead: `bash scripts/install-test-host.sh`',
    );
  }
  const version = readVersion(vscodeExecutablePath);
  console.log(`[integration] VS Code ${version ?? '(unknown version)'} desktop (${vscodeExecutablePath})`);

  const userDataDir = path.join(tmp, 'user-data');
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.writeFileSync(path.join(userDataDir, 'User', 'settings.json'), JSON.stringify(defaultSettings, null, 2));
  // Here the extension host's stdout is the runner's, so mocha's output appears without tailing the log file.
  try {
    const code = await runTests({
      vscodeExecutablePath,
      extensionDevelopmentPath: extensionPath,
      extensionTestsPath: testsIndex,
      extensionTestsEnv: env,
      launchArgs: [
        workspace,
        '--disable-extensions',
        '--disable-workspace-trust',
        '--skip-welcome',
        '--skip-release-notes',
        '--disable-telemetry',
        '--user-data-dir',
        userDataDir,
        '--extensions-dir',
        path.join(tmp, 'extensions'),
      ],
    });
    return checkOutcome(code, env.AOAI_BATCH_TEST_LOG);
  } catch (error) {
    // runTests rejects with "Test run failed with code N" when run() rejects, or when VS Code cannot start.
    console.error(`[integration] ${error?.message ?? error}`);
    const match = /code (\d+)/.exec(String(error?.message));
    return match && Number(match[1]) !== 0 ? Number(match[1]) : 1;
  }
}

/** Version from the product files next to a downloaded VS Code executable (Linux/Windows/macOS layouts). */
function readVersion(executable) {
  const dir = path.dirname(executable);
  for (const candidate of [
    path.join(dir, 'resources', 'app', 'package.json'),
    path.join(dir, '..', 'Resources', 'app', 'package.json'),
  ]) {
    try {
      return JSON.parse(fs.readFileSync(candidate, 'utf8')).version;
    } catch {
      // try the next layout
    }
  }
  return undefined;
}
