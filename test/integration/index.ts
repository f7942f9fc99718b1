// The module the extension host loads as `extensionTestsPath` and whose run() it awaits (VS Code server via
// test/runner/runIntegration.mjs, or @vscode/test-electron). Runs every out/test/integration/**/*.test.js with
// mocha inside the extension host, so tests can `import * as vscode from 'vscode'`.
//
// Environment (set by the runner):
//   AOAI_BATCH_TEST_LOG        file that receives the reporter output (the runner streams it to its stdout);
//                              the extension host's own stdout is not shown when it runs in the VS Code server.
//                              When the run ends, `<that file>.result.json` gets { passes, failures, pending }:
//                              the runner's proof that run() finished (a killed extension host reports code 0)
//   AOAI_BATCH_TEST_WORKSPACE  the opened folder (a temp copy of test/fixtures/workspace)
//   AOAI_BATCH_TEST_GREP       optional: only run tests whose full title matches this regular expression
import * as fs from 'fs';
import * as path from 'path';
import * as util from 'util';
import * as vscode from 'vscode';
import Mocha from 'mocha';

/** A failed run (failing tests), reported without a stack trace. */
class RunFailure extends Error {}

export async function run(): Promise<void> {
  const logFile = process.env.AOAI_BATCH_TEST_LOG;
  const write = (text: string): void => {
    process.stdout.write(text);
    if (logFile) {
      fs.appendFileSync(logFile, text);
    }
  };

  const files = findTestFiles(__dirname);
  write(
    `Integration tests: ${files.length} file(s) in VS Code ${vscode.version}, ` +
      `extension host Node ${process.version}\n`,
  );
  if (files.length === 0) {
    throw new Error(`no *.test.js files found under ${__dirname}`);
  }

  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60_000, reporter: 'spec' });
  if (process.env.AOAI_BATCH_TEST_GREP) {
    mocha.grep(new RegExp(process.env.AOAI_BATCH_TEST_GREP));
  }
  for (const file of files) {
    mocha.addFile(file);
  }

  // The reporters print through Base.consoleLog (console.log, which the extension host redirects):
  // send it to stdout and the log file instead while the run lasts.
  const Base = Mocha.reporters.Base;
  const originalConsoleLog = Base.consoleLog;
  Base.consoleLog = (...data: unknown[]) => write(`${util.format(...data)}\n`);
  try {
    const stats = await new Promise<Mocha.Stats>((resolve, reject) => {
      try {
        const runner = mocha.run(() => resolve(runner.stats ?? ({} as Mocha.Stats)));
      } catch (error) {
        reject(error); // e.g. a test file that throws while loading
      }
    });
    const failures = stats.failures ?? 0;
    if (logFile) {
      const result = { passes: stats.passes ?? 0, failures, pending: stats.pending ?? 0 };
      fs.writeFileSync(`${logFile}.result.json`, JSON.stringify(result));
    }
    if (failures > 0) {
      throw new RunFailure(`${failures} integration test(s) failed`);
    }
    if ((stats.passes ?? 0) === 0) {
      throw new RunFailure('no integration test passed (all skipped or filtered out by AOAI_BATCH_TEST_GREP?)');
    }
  } catch (error) {
    const detail = error instanceof RunFailure ? error.message : error instanceof Error ? error.stack : String(error);
    write(`\nIntegration test run failed: ${detail}\n`);
    throw error;
  } finally {
    Base.consoleLog = originalConsoleLog;
  }
}

/** Every `*.test.js` below `dir`, sorted (fs only: no glob dependency). */
function findTestFiles(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }) as string[])
    .filter((file) => file.endsWith('.test.js'))
    .map((file) => path.join(dir, file))
    .sort();
}
