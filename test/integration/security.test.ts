import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Connection } from '../../src/features/connections/connectionStore';
import type { JobRecord } from '../../src/features/jobs/jobStore';
import type { DownloadOutcome } from '../../src/features/results/resultsService';
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { extensionApi, waitFor, workspaceRoot } from './helpers';

const secret = 'sk-test-5f1d3c9a7b2e4d6f8a0c1e3b5d7f9a2c';

/** Every file below `dir` (skipping huge ones) that contains `needle`. */
async function filesContaining(dir: string, needle: string): Promise<string[]> {
  const found: string[] = [];
  const bytes = Buffer.from(needle);
  const walk = async (current: string): Promise<void> => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(current, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) {
        await walk(full);
      } else if (entry.isFile()) {
        const stat = await fs.stat(full).catch(() => undefined);
        if (stat && stat.size < 64 * 1024 * 1024) {
          const content = await fs.readFile(full).catch(() => Buffer.alloc(0));
          if (content.includes(bytes)) {
            found.push(full);
          }
        }
      }
    }
  };
  await walk(dir);
  return found;
}

describe('secrets and trust', function () {
  this.timeout(120_000);
  let home: RunningEmulator;
  let elsewhere: RunningEmulator;
  let connection: Connection;

  before(async () => {
    home = await startEmulator({ port: 0, apiKey: secret, requestDelayMs: 5, validatingDelayMs: 30, finalizingDelayMs: 30, log: () => undefined });
    // A second host that would accept the same key: it must never receive it unasked.
    elsewhere = await startEmulator({ port: 0, apiKey: secret });
  });
  after(async () => {
    await home?.close();
    await elsewhere?.close();
  });

  it('uses the key for the whole loop without writing it anywhere', async () => {
    const api = await extensionApi();
    // A refused key is reported without echoing it.
    const wrong = await vscode.commands.executeCommand('azureOpenAIBatch.addConnection', { name: 'Wrong', endpoint: home.url, apiVersion: '2024-10-21', auth: 'apiKey', apiKey: `${secret}-wrong` });
    assert.equal(wrong, undefined);
    connection = (await vscode.commands.executeCommand<Connection>('azureOpenAIBatch.addConnection', { name: 'Secret holder', endpoint: home.url, apiVersion: '2024-10-21', auth: 'apiKey', apiKey: secret }))!;
    const file = path.join(workspaceRoot(), 'secret-run.jsonl');
    await fs.writeFile(file, ['a', 'b', 'c'].map((id) => JSON.stringify({ custom_id: id, method: 'POST', url: '/chat/completions', body: { model: 'gpt-4o-batch', messages: [{ role: 'user', content: id === 'b' ? 'x [[fail:500]]' : 'hi' }] } })).join('\n') + '\n');
    const [record] = (await vscode.commands.executeCommand<JobRecord[]>('azureOpenAIBatch.submit', vscode.Uri.file(file), undefined, { connectionId: connection.id, deployment: 'gpt-4o-batch' }))!;
    await waitFor('the job to finish', () => api.jobs.store.find(connection.id, record!.batchId)?.snapshot?.status === 'completed' || undefined, 60_000);
    const outcome = (await vscode.commands.executeCommand<DownloadOutcome>('azureOpenAIBatch.downloadResults', { connectionId: connection.id, batchId: record!.batchId }, { overwrite: true }))!;
    assert.ok(outcome.results);

    // Give VS Code a moment to flush its state database and logs, then search everything written.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    // The folder holding VS Code's user and server data (settings, state database, logs) of this run.
    let dataRoot = api.storage.fsPath;
    while (!/^(server|user)-data$/.test(path.basename(dataRoot)) && path.dirname(dataRoot) !== dataRoot) {
      dataRoot = path.dirname(dataRoot);
    }
    dataRoot = path.dirname(dataRoot);
    assert.ok(dataRoot.length > 10 && dataRoot !== path.dirname(dataRoot), `found VS Code's data folder (${dataRoot})`);
    const places = [workspaceRoot(), dataRoot, api.storage.fsPath];
    const leaks = (await Promise.all(places.map((dir) => filesContaining(dir, secret)))).flat();
    assert.deepEqual([...new Set(leaks)], [], `the key was written to: ${leaks.join(', ')}`);
    assert.ok(!JSON.stringify(api.connections.all()).includes(secret));
    assert.ok(!JSON.stringify(api.jobs.store.all()).includes(secret));
  });

  it('never sends a stored key to a new endpoint without the user confirming', async () => {
    const api = await extensionApi();
    await vscode.commands.executeCommand('azureOpenAIBatch.editConnection', connection.id, { name: connection.name, endpoint: elsewhere.url, apiVersion: '2024-10-21', auth: 'apiKey', skipCheck: true });
    assert.equal(api.connections.get(connection.id)?.endpoint, elsewhere.url);
    elsewhere.resetStats();
    // Background work (polling, the view's first load) never prompts.
    await api.jobs.refresh(api.connections.get(connection.id)!);
    const listing = api.jobs.listing(connection.id);
    assert.equal(listing?.error?.needsCredential, true, 'background work stops and asks for confirmation');
    assert.match(listing!.error!.message, /confirm/);
    assert.ok(!listing!.error!.message.includes(secret));
    const requests = Object.values(elsewhere.stats).reduce((a, b) => a + b, 0);
    assert.equal(requests, 0, 'the new host received nothing');
  });
});
