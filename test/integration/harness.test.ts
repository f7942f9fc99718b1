// Proves the integration harness: the tests run in a real VS Code extension host, in the temp workspace,
// with the extension under development loaded and activated by its `onLanguage:jsonl` event.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';

const EXTENSION_ID = 'azure-openai-batch.azure-openai-batch';

function workspaceDir(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'a workspace folder is open');
  return folder.uri.fsPath;
}

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      assert.fail(`timed out after ${timeoutMs} ms waiting until ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('integration harness', () => {
  it('runs inside a real VS Code extension host', () => {
    assert.strictEqual(typeof vscode.version, 'string');
    assert.match(vscode.version, /^\d+\.\d+\.\d+/);
  });

  it('opens the temp copy of the fixture workspace, trusted', () => {
    const dir = workspaceDir();
    if (process.env.AOAI_BATCH_TEST_WORKSPACE) {
      assert.strictEqual(path.resolve(dir), path.resolve(process.env.AOAI_BATCH_TEST_WORKSPACE));
    }
    assert.ok(fs.existsSync(path.join(dir, 'README.md')), 'fixture README.md is in the workspace');
    assert.strictEqual(vscode.workspace.isTrusted, true, 'the workspace is trusted (no Restricted Mode)');
  });

  it('loads the extension under development', () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is installed`);
    assert.strictEqual(extension.packageJSON.name, 'azure-openai-batch');
  });

  it('activates the extension when a .jsonl document is opened', async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension);
    const file = path.join(workspaceDir(), `harness-${Date.now()}.jsonl`);
    fs.writeFileSync(file, '{"custom_id":"request-1","method":"POST","url":"/chat/completions","body":{}}\n');
    try {
      const document = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
      await vscode.window.showTextDocument(document);
      assert.strictEqual(document.languageId, 'jsonl');
      await waitFor(() => extension.isActive, 20_000, `${EXTENSION_ID} is active`);
      const commands = await vscode.commands.getCommands(true);
      assert.ok(
        commands.some((command) => command.startsWith('azureOpenAIBatch.')),
        'the extension registered its azureOpenAIBatch.* commands',
      );
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      fs.rmSync(file, { force: true });
    }
  });
});
