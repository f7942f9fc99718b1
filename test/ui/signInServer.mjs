// The workbench server of the UI tests that sign in: the test 'microsoft' provider (test/fixtures/test-sign-in) with
// tokens from the emulator's issuer, and the emulator as Azure Resource Manager.
import * as path from 'node:path';
import { repoRoot, startServer } from '../runner/workbench.mjs';

/** Starts the server on `workspace` for an emulator opened with `apiKey`. */
export function startSignInServer({ workspace, emulator, apiKey, echo }) {
  const url = emulator.url.replace(/\/+$/, '');
  return startServer({
    workspace,
    extensionPath: repoRoot,
    installExtensions: [path.join(repoRoot, 'test', 'fixtures', 'test-sign-in')],
    echo,
    env: { AOAI_BATCH_TEST_TOKEN_URL: url, AOAI_BATCH_TEST_TOKEN_KEY: apiKey },
    settings: {
      'editor.minimap.enabled': false,
      'remote.autoForwardPorts': false,
      'workbench.editor.enablePreview': false,
      'azureOpenAIBatch.azure.managementEndpoint': url,
    },
  });
}
