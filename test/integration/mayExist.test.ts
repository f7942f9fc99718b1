import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Connection } from '../../src/features/connections/connectionStore';
import type { JobsNode } from '../../src/features/jobs/jobsTree';
import type { JobRecord } from '../../src/features/jobs/jobStore';
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { extensionApi, waitFor, workspaceRoot } from './helpers';

// A create without a clear answer whose job is not found is shown as "may exist", is not polled, and offers
// "Look Again" (adopts the job when found) and "Submit Anew" (a new job, new submission id). Faults make the
// lookup fail fast (403 on list), so the test does not wait out the lookup window.

const chat = (id: string) =>
  JSON.stringify({ custom_id: id, method: 'POST', url: '/chat/completions', body: { model: 'gpt-4o-batch', messages: [{ role: 'user', content: `Say ${id}` }], max_tokens: 20 } });

/** The tree node of a submission whose job is not known. */
async function submissionNode(connection: Connection, submissionId: string): Promise<JobsNode | undefined> {
  const api = await extensionApi();
  const root = api.tree.getChildren().find((node) => node.kind === 'connection' && node.connection.id === connection.id);
  return root ? api.tree.getChildren(root).find((node) => node.kind === 'job' && node.view.submissionId === submissionId) : undefined;
}

describe('a submission that may exist', function () {
  this.timeout(120_000);
  let emulator: RunningEmulator;
  let connection: Connection;
  const apiKey = 'may-exist-key-0c1d2e';

  before(async () => {
    emulator = await startEmulator({ port: 0, apiKey, requestDelayMs: 20, validatingDelayMs: 100, finalizingDelayMs: 100 });
    connection = (await vscode.commands.executeCommand<Connection>('azureOpenAIBatch.addConnection', { name: 'May exist', endpoint: emulator.url, apiVersion: '2025-04-01-preview', auth: 'apiKey', apiKey }))!;
    assert.ok(connection?.id);
  });
  after(async () => {
    if (connection) {
      await vscode.commands.executeCommand('azureOpenAIBatch.removeConnection', connection.id, true);
    }
    await emulator?.close();
  });

  /** Submits a file whose create gets a 504 and whose lookups are refused, so the job may exist. */
  async function submitUnclear(name: string, createFault: Record<string, unknown>): Promise<JobRecord> {
    const file = path.join(workspaceRoot(), name);
    await fs.writeFile(file, [1, 2].map((i) => chat(`${name}-${i}`)).join('\n') + '\n');
    const uri = vscode.Uri.file(file);
    emulator.faults.add({ kind: 'status', status: 504, operation: 'create', times: 1, ...createFault });
    emulator.faults.add({ kind: 'status', status: 403, operation: 'listBatches', times: 1000 });
    try {
      const [record] = (await vscode.commands.executeCommand<JobRecord[]>('azureOpenAIBatch.submit', uri, [uri], { connectionId: connection.id, deployment: 'gpt-4o-batch' }))!;
      assert.ok(record, 'the submission is returned');
      return record;
    } finally {
      emulator.faults.clear();
    }
  }

  it('records it as "may exist", shows it with its own icon, description and menu, and does not poll it', async () => {
    const api = await extensionApi();
    emulator.resetStats();
    const record = await submitUnclear('unclear.jsonl', {});
    assert.equal(record.mayExist, true);
    assert.equal(record.batchId, '');
    assert.equal(emulator.stats.create, 1, 'never created twice');
    assert.equal(emulator.batches().length, 0);
    assert.equal(api.jobs.store.findSubmission(connection.id, record.submissionId)?.mayExist, true);
    assert.equal(api.jobs.store.active(connection.id).length, 0, 'nothing keeps the poller running');
    const node = await waitFor('the may-exist job in the tree', () => submissionNode(connection, record.submissionId));
    const item = api.tree.getTreeItem(node);
    assert.equal(item.label, 'unclear.jsonl');
    assert.match(String(item.description), /may exist/);
    assert.match(String(item.contextValue), /^job:mayExist/);
    assert.equal((item.iconPath as vscode.ThemeIcon).id, 'question');
    assert.match((item.tooltip as vscode.MarkdownString).value, /Look Again/);
    assert.equal(await vscode.commands.executeCommand('azureOpenAIBatch.copyBatchId', node), record.submissionId, 'copies the submission id to look for');
  });

  it('"Look Again" finds nothing when the create never took effect; "Submit Anew" creates one new job with the uploaded file', async () => {
    const api = await extensionApi();
    const [pending] = api.jobs.store.forConnection(connection.id).filter((job) => job.mayExist);
    assert.ok(pending);
    const looked = await vscode.commands.executeCommand<JobRecord>('azureOpenAIBatch.lookAgain', { connectionId: connection.id, submissionId: pending.submissionId });
    assert.equal(looked?.batchId, '');
    assert.equal(looked?.mayExist, true);
    emulator.resetStats();
    const anew = await vscode.commands.executeCommand<JobRecord>('azureOpenAIBatch.submitAnew', { connectionId: connection.id, submissionId: pending.submissionId }, true);
    assert.ok(anew?.batchId.startsWith('batch_'), JSON.stringify(anew));
    assert.notEqual(anew.submissionId, pending.submissionId, 'a new submission id');
    assert.equal(emulator.stats.upload, 0, 'the uploaded file was reused');
    assert.equal(emulator.stats.create, 1);
    assert.equal(api.jobs.store.findSubmission(connection.id, pending.submissionId), undefined, 'the old submission is gone');
    assert.equal(emulator.batches().filter((b) => (b.metadata as Record<string, string>).submission_id === anew.submissionId).length, 1);
  });

  it('"Look Again" adopts the job when the create completed late', async () => {
    const api = await extensionApi();
    const record = await submitUnclear('late.jsonl', { executeAfterMs: 1500 });
    assert.equal(record.mayExist, true);
    const created = await waitFor('the late create', () => emulator.batches().find((b) => (b.metadata as Record<string, string>).submission_id === record.submissionId) as { id: string } | undefined);
    const adopted = await vscode.commands.executeCommand<JobRecord>('azureOpenAIBatch.lookAgain', { connectionId: connection.id, submissionId: record.submissionId });
    assert.equal(adopted?.batchId, created.id);
    assert.equal(adopted?.mayExist, undefined);
    assert.equal(api.jobs.store.find(connection.id, created.id)?.submissionId, record.submissionId);
    await waitFor('the adopted job to complete', () => api.jobs.store.find(connection.id, created.id)?.snapshot?.status === 'completed', 60_000);
    assert.equal(emulator.batches().filter((b) => (b.metadata as Record<string, string>).submission_id === record.submissionId).length, 1, 'one job');
  });

  it('a create left unanswered by a window that is gone (reload, crash) turns into "may exist" and stops polling', async () => {
    const api = await extensionApi();
    const submissionId = 'stale-0000-submission';
    const eleven = 11 * 60_000;
    await api.jobs.store.upsert({ connectionId: connection.id, batchId: '', submissionId, sourceName: 'stale.jsonl', createdAt: Math.floor((Date.now() - eleven) / 1000), attemptedAt: Date.now() - eleven, retryNumber: 0 });
    await api.jobs.store.upsert({ connectionId: connection.id, batchId: '', submissionId: 'fresh-0000-submission', sourceName: 'fresh.jsonl', createdAt: Math.floor(Date.now() / 1000), attemptedAt: Date.now(), retryNumber: 0 });
    try {
      assert.deepEqual(api.jobs.store.active(connection.id).map((job) => job.submissionId), ['fresh-0000-submission'], 'only the recent one is still awaited');
      const node = await waitFor('the stale submission in the tree', () => submissionNode(connection, submissionId));
      assert.match(String(api.tree.getTreeItem(node).contextValue), /^job:mayExist/);
      await vscode.commands.executeCommand('azureOpenAIBatch.removeJob', node);
      assert.equal(api.jobs.store.findSubmission(connection.id, submissionId), undefined, '"Remove from List" removes a submission without a job');
    } finally {
      await api.jobs.store.removeSubmission(connection.id, submissionId);
      await api.jobs.store.removeSubmission(connection.id, 'fresh-0000-submission');
    }
  });

  it('a clear refusal of the create leaves no pending record behind', async () => {
    const api = await extensionApi();
    const file = path.join(workspaceRoot(), 'refused.jsonl');
    await fs.writeFile(file, chat('refused-1') + '\n');
    const uri = vscode.Uri.file(file);
    emulator.faults.add({ kind: 'status', status: 400, operation: 'create', times: 1 });
    const before = api.jobs.store.forConnection(connection.id).length;
    const result = await vscode.commands.executeCommand<JobRecord[] | undefined>('azureOpenAIBatch.submit', uri, [uri], { connectionId: connection.id, deployment: 'gpt-4o-batch' });
    assert.ok(!result || result.length === 0);
    assert.equal(api.jobs.store.forConnection(connection.id).length, before);
    assert.equal(api.jobs.store.active(connection.id).filter((job) => job.batchId === '').length, 0);
  });
});
