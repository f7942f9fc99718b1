// Proves the integration harness: the tests run in a real VS Code extension host, in the temp workspace,
// with the extension under development loaded and activated by its `onLanguage:jsonl` event.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { EXTENSION_ID } from '../../src/constants';
import { waitFor } from '../shared/waitFor';


function workspaceDir(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'a workspace folder is open');
  return folder.uri.fsPath;
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
      await waitFor(`${EXTENSION_ID} to be active`, () => extension.isActive, { timeoutMs: 20_000 });
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
