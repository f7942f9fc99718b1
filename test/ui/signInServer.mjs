// The workbench of the UI tests that sign in: the test 'microsoft' provider (test/fixtures/test-sign-in) with
// tokens from the emulator's issuer, and the emulator as Azure Resource Manager and the data plane.
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { repoRoot, startServer } from '../runner/workbench.mjs';
import { uiSession, uiSettings } from './page.mjs';

const require = createRequire(import.meta.url);

/** Starts the server on `workspace` for an emulator opened with `apiKey`. */
export function startSignInServer({ workspace, emulator, apiKey, echo }) {
  const url = emulator.url.replace(/\/+$/, '');
  return startServer({
    workspace,
    extensionPath: repoRoot,
    installExtensions: [path.join(repoRoot, 'test', 'fixtures', 'test-sign-in')],
    echo,
    env: { AOAI_BATCH_TEST_TOKEN_URL: url, AOAI_BATCH_TEST_TOKEN_KEY: apiKey },
    settings: { ...uiSettings, 'azureOpenAIBatch.azure.managementEndpoint': url },
  });
}

/**
 * A UI session (see page.mjs) on a copy of test/fixtures/workspace whose workbench signs in against a local emulator
 * opened with `apiKey` (`ui.emulator`, closed after the suite). Other options go to uiSession().
 */
export function signInSession({ apiKey, ...options }) {
  let emulator;
  const ui = uiSession({
    fixtures: true,
    explorerShows: 'clean.jsonl',
    waits: { timeout: 20_000, interval: 200 },
    ...options,
    builtFiles: ['dist/extension.js', 'out/src/emulator/index.js'],
    async start({ workspace, echo }) {
      const { startEmulator } = require('../../out/src/emulator/index.js');
      emulator = await startEmulator({ port: 0, apiKey });
      return startSignInServer({ workspace, emulator, apiKey, echo });
    },
    stop: () => emulator?.close(),
  });
  return Object.defineProperty(ui, 'emulator', { get: () => emulator });
}
