import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { Connection } from '../../src/features/connections/connectionStore';
import { answering, deadPort, extensionApi } from './helpers';

describe('the connection check', function () {
  this.timeout(60_000);

  it('says why a check failed and saves the connection only when the user says "Save Anyway"', async () => {
    const api = await extensionApi();
    const endpoint = `http://127.0.0.1:${await deadPort()}`;
    const input = { name: 'Down for now', endpoint, apiVersion: '2025-04-01-preview', auth: 'apiKey', apiKey: 'check-key-0123456789' };

    const refused = await answering([undefined], async (asked) => {
      const result = await vscode.commands.executeCommand<Connection | undefined>('azureOpenAIBatch.addConnection', input);
      assert.equal(asked.length, 1, 'one question');
      assert.match(asked[0]!, /The connection check of "Down for now" failed: .*(reach|refused)/i);
      assert.doesNotMatch(asked[0]!, /check-key-0123456789/, 'the key is never shown');
      return result;
    });
    assert.equal(refused, undefined, 'dismissed: nothing saved');
    assert.ok(!api.connections.all().some((c) => c.name === 'Down for now'));

    const saved = await answering(['Save Anyway'], async () => vscode.commands.executeCommand<Connection | undefined>('azureOpenAIBatch.addConnection', input));
    assert.ok(saved, 'saved anyway');
    assert.equal(api.connections.get(saved.id)?.endpoint, endpoint);
    assert.equal((await api.connections.readKey(saved))?.key, 'check-key-0123456789');
    await vscode.commands.executeCommand('azureOpenAIBatch.removeConnection', saved.id, true);
  });
});
