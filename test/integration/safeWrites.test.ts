import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { BatchClient } from '../../src/core/batch/client';
import type { Connection } from '../../src/features/connections/connectionStore';
import type { JobRecord } from '../../src/features/jobs/jobStore';
import type { DownloadOutcome } from '../../src/features/results/resultsService';
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { stubService } from '../unit/stubService';
import { answering, extensionApi, waitFor, workspaceRoot } from './helpers';

const requestLine = (id: string) => JSON.stringify({ custom_id: id, method: 'POST', url: '/chat/completions', body: { model: 'gpt-4o-batch', messages: [{ role: 'user', content: id }] } });

async function exists(file: string): Promise<boolean> {
  return fs.lstat(file).then(
    () => true,
    () => false,
  );
}

describe('results are written only where they must be', function () {
  this.timeout(120_000);
  let emulator: RunningEmulator;
  let connection: Connection;
  let outside: string;

  before(async () => {
    emulator = await startEmulator({ port: 0, apiKey: 'writes-key', requestDelayMs: 5, validatingDelayMs: 30, finalizingDelayMs: 30, log: () => undefined });
    connection = (await vscode.commands.executeCommand<Connection>('azureOpenAIBatch.addConnection', { name: 'Writes', endpoint: emulator.url, apiVersion: '2025-04-01-preview', auth: 'apiKey', apiKey: 'writes-key', skipCheck: true }))!;
    outside = await fs.mkdtemp(path.join(os.tmpdir(), 'aoai-outside-'));
  });
  after(async () => {
    await emulator?.close();
    await fs.rm(outside, { recursive: true, force: true });
  });

  async function submitted(name: string): Promise<JobRecord> {
    const api = await extensionApi();
    const file = path.join(workspaceRoot(), `${name}.jsonl`);
    await fs.writeFile(file, ['a', 'b'].map(requestLine).join('\n') + '\n');
    const [record] = (await vscode.commands.executeCommand<JobRecord[]>('azureOpenAIBatch.submit', vscode.Uri.file(file), undefined, { connectionId: connection.id, deployment: 'gpt-4o-batch' }))!;
    await waitFor('the job to finish', () => api.jobs.store.find(connection.id, record!.batchId)?.snapshot?.status === 'completed' || undefined, 60_000);
    return record!;
  }

  it('refuses to write NAME.summary.md through a symbolic link, with a clear error, leaving its target untouched', async () => {
    const api = await extensionApi();
    const record = await submitted('linked');
    const target = path.join(outside, 'precious.md');
    await fs.writeFile(target, 'precious');
    const link = path.join(workspaceRoot(), 'linked.results', 'linked.summary.md');
    await fs.mkdir(path.dirname(link), { recursive: true });
    await fs.symlink(target, link);

    await assert.rejects(api.results.download(connection, record.batchId, { overwrite: true }), /linked\.summary\.md is a symbolic link, and results are never written through one/);
    assert.equal(await fs.readFile(target, 'utf8'), 'precious', 'the file the link points to is untouched');
    assert.ok((await fs.lstat(link)).isSymbolicLink());
    assert.equal(await exists(path.join(workspaceRoot(), 'linked.results', 'linked.output.jsonl')), false, 'refused before anything was written');
    // Through the command (the error is shown, not thrown), the same.
    const outcome = await vscode.commands.executeCommand<DownloadOutcome>('azureOpenAIBatch.downloadResults', { connectionId: connection.id, batchId: record.batchId }, { overwrite: true });
    assert.equal(outcome, undefined);
    assert.equal(await fs.readFile(target, 'utf8'), 'precious');

    await fs.rm(link);
    const written = await api.results.download(connection, record.batchId);
    assert.ok(written.summaryFile && (await fs.lstat(written.summaryFile)).isFile(), 'with the link gone the summary is written');
  });

  it('refuses a job results folder that is a symbolic link to elsewhere, writing nothing through it', async () => {
    const api = await extensionApi();
    const record = await submitted('folderlink');
    const elsewhere = await fs.mkdtemp(path.join(outside, 'folder-'));
    const link = path.join(workspaceRoot(), 'folderlink.results');
    await fs.symlink(elsewhere, link);
    try {
      await assert.rejects(api.results.download(connection, record.batchId, { overwrite: true }), /folderlink\.results is a symbolic link, and results are never written through one/);
      assert.deepEqual(await fs.readdir(elsewhere), [], 'nothing was written where the link points');
    } finally {
      await fs.rm(link);
    }
  });

  it('asks once before replacing any file it writes; Cancel leaves every file as it was', async () => {
    const api = await extensionApi();
    const record = await submitted('asked');
    const results = path.join(workspaceRoot(), 'asked.results', 'asked.results.jsonl');
    const summary = path.join(workspaceRoot(), 'asked.results', 'asked.summary.md');
    await fs.mkdir(path.dirname(results), { recursive: true });
    await fs.writeFile(results, 'earlier results');
    await fs.writeFile(summary, 'earlier summary');

    const declined = await answering([undefined], async (asked) => {
      const outcome = await api.results.download(connection, record.batchId);
      assert.equal(asked.length, 1, 'one question for every file');
      assert.match(asked[0]!, /asked\.results\.jsonl, asked\.summary\.md already exist in .*\. Replace them\?/);
      return outcome;
    });
    assert.equal(declined.declined, true);
    assert.equal(await fs.readFile(results, 'utf8'), 'earlier results');
    assert.equal(await fs.readFile(summary, 'utf8'), 'earlier summary');
    assert.equal(await exists(path.join(workspaceRoot(), 'asked.results', 'asked.output.jsonl')), false, 'nothing downloaded after Cancel');

    const replaced = await answering(['Replace'], () => api.results.download(connection, record.batchId));
    assert.equal(replaced.summary?.succeeded, 2);
    assert.equal((await fs.readFile(results, 'utf8')).trim().split('\n').length, 2);
    assert.match(await fs.readFile(summary, 'utf8'), /^# Results of asked\\\.jsonl/);
  });

  it('keeps a job whose metadata names ../../X, or whose id is ../../X, inside the results folder', async () => {
    const api = await extensionApi();
    const client = new BatchClient({ endpoint: emulator.url, apiVersion: '2025-04-01-preview', credential: { kind: 'apiKey', apiKey: 'writes-key' } });
    const input = path.join(outside, 'elsewhere.jsonl');
    await fs.writeFile(input, requestLine('e1') + '\n');
    const uploaded = await client.uploadFile(input);
    await client.waitForFileProcessed(uploaded.id, { pollMs: 50 });
    const { batch } = await client.createBatch({ inputFileId: uploaded.id, endpoint: '/chat/completions', metadata: { source_file: '../../X' } });
    await waitFor('the job to finish', async () => (await client.getBatch(batch.id)).status === 'completed' || undefined, 60_000);
    const root = workspaceRoot();
    const outcome = await api.results.download(connection, batch.id);
    assert.equal(outcome.output, path.join(root, 'X.results', 'X.output.jsonl'));
    for (const escaped of [path.join(root, '..', '..', 'X.output.jsonl'), path.join(root, '..', 'X.output.jsonl'), path.join(root, '..', '..', 'X.results'), path.join(root, '..', 'X.results')]) {
      assert.equal(await exists(escaped), false, escaped);
    }

    await fs.rm(path.join(root, 'X.results'), { recursive: true });
    const stub = await stubService({ metadata: { source_file: '' } });
    try {
      const hostile = (await vscode.commands.executeCommand<Connection>('azureOpenAIBatch.addConnection', { name: 'Hostile ids', endpoint: stub.url, apiVersion: '2025-04-01-preview', auth: 'apiKey', apiKey: 'k', skipCheck: true }))!;
      // The service answers with the id ../../X and no source_file: the name comes from the id, made safe.
      const fromStub = await api.results.download(hostile, 'batch_1');
      assert.equal(fromStub.output, path.join(root, 'X.results', 'X.output.jsonl'));
      assert.ok((await fs.lstat(fromStub.output!)).isFile());
      assert.equal(await exists(path.join(root, '..', '..', 'X.output.jsonl')), false);
      assert.equal(await exists(path.join(root, '..', '..', 'X.results')), false);
    } finally {
      await stub.close();
    }
  });
});
