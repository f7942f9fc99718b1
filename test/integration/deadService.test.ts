import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Connection } from '../../src/features/connections/connectionStore';
import type { JobRecord } from '../../src/features/jobs/jobStore';
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { extensionApi, waitFor, workspaceRoot } from './helpers';

const chat = (id: string) => JSON.stringify({ custom_id: id, method: 'POST', url: '/chat/completions', body: { model: 'gpt-4o-batch', messages: [{ role: 'user', content: id }], max_tokens: 20 } });

describe('a service that goes away while a job runs', function () {
  this.timeout(120_000);
  const apiKey = 'dead-service-key-31c7';
  let emulator: RunningEmulator | undefined;
  let connection: Connection | undefined;

  after(async () => {
    await emulator?.close();
    if (connection) {
      await vscode.commands.executeCommand('azureOpenAIBatch.removeConnection', connection.id, true);
    }
  });

  /** The texts of the message rows the tree shows under the connection. */
  async function messages(): Promise<string[]> {
    const api = await extensionApi();
    const node = api.tree.getChildren().find((n) => n.kind === 'connection' && n.connection.id === connection!.id);
    return node ? api.tree.getChildren(node).flatMap((n) => (n.kind === 'message' ? [n.text] : [])) : [];
  }

  it('says so on the connection in the tree without a Refresh, and clears it once the service answers again', async () => {
    emulator = await startEmulator({ port: 0, apiKey, requestDelayMs: 3000, validatingDelayMs: 50 });
    const port = emulator.port;
    connection = (await vscode.commands.executeCommand<Connection>('azureOpenAIBatch.addConnection', { name: 'Going away', endpoint: emulator.url, apiVersion: '2025-04-01-preview', auth: 'apiKey', apiKey }))!;
    const file = path.join(workspaceRoot(), 'going-away.jsonl');
    await fs.writeFile(file, [1, 2, 3, 4, 5, 6, 7, 8].map((i) => chat(`g-${i}`)).join('\n') + '\n');
    const [record] = (await vscode.commands.executeCommand<JobRecord[]>('azureOpenAIBatch.submit', vscode.Uri.file(file), undefined, { connectionId: connection.id, deployment: 'gpt-4o-batch' }))!;
    assert.ok(record?.batchId);
    const api = await extensionApi();
    // Polled once while the service is up (the submission's own listing is done), then the service goes away.
    await waitFor('the job to be seen in progress', () => api.jobs.store.find(connection!.id, record!.batchId)?.snapshot?.status === 'in_progress', 30_000);
    assert.deepEqual(await messages(), []);

    await emulator.close();
    await waitFor('the tree to report the unreachable service', async () => (await messages()).some((text) => text.includes('Could not reach the service')), 60_000);

    emulator = await startEmulator({ port, apiKey, requestDelayMs: 20 });
    await waitFor('the report to go away once the service answers', async () => (await messages()).every((text) => !text.includes('Could not reach')), 60_000);
  });
});
