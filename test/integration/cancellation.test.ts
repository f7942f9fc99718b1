import * as assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Connection } from '../../src/features/connections/connectionStore';
import type { JobRecord } from '../../src/features/jobs/jobStore';
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { extensionApi, waitFor, workspaceRoot } from './helpers';

const chat = (id: string) => JSON.stringify({ custom_id: id, method: 'POST', url: '/chat/completions', body: { model: 'gpt-4o-batch', messages: [{ role: 'user', content: id }], max_tokens: 20 } });

interface Observed<T> {
  readonly result: T | undefined;
  /** Error notifications shown, with their buttons. */
  readonly errors: { message: string; items: string[] }[];
  /** Progress notifications opened. */
  readonly progress: { title?: string; cancellable?: boolean }[];
  readonly elapsedMs: number;
}

/**
 * Runs a command while recording the error notifications it shows; its progress notifications are
 * cancelled `cancelAfterMs` after they open, as a click on their Cancel button does (undefined: never).
 */
async function observe<T>(cancelAfterMs: number | undefined, command: () => Thenable<T | undefined>): Promise<Observed<T>> {
  const window = vscode.window as unknown as Record<'withProgress' | 'showErrorMessage', unknown>;
  const originals = { withProgress: window.withProgress, showErrorMessage: window.showErrorMessage };
  const errors: Observed<T>['errors'] = [];
  const progress: Observed<T>['progress'] = [];
  window.showErrorMessage = (message: string, ...items: unknown[]) => {
    errors.push({ message, items: items.map((item) => (typeof item === 'string' ? item : String((item as { title?: unknown }).title))) });
    return Promise.resolve(undefined);
  };
  window.withProgress = <R>(options: vscode.ProgressOptions, task: (p: vscode.Progress<unknown>, token: vscode.CancellationToken) => Thenable<R>) => {
    progress.push({ title: options.title, cancellable: options.cancellable });
    const source = new vscode.CancellationTokenSource();
    const timer = cancelAfterMs === undefined ? undefined : setTimeout(() => source.cancel(), cancelAfterMs);
    return Promise.resolve(task({ report: () => undefined }, source.token)).finally(() => {
      clearTimeout(timer);
      source.dispose();
    });
  };
  const started = Date.now();
  try {
    const result = await command();
    return { result, errors, progress, elapsedMs: Date.now() - started };
  } finally {
    window.withProgress = originals.withProgress;
    window.showErrorMessage = originals.showErrorMessage;
  }
}

describe('cancelling is silent, other errors are shown once', function () {
  this.timeout(120_000);
  const apiKey = 'cancel-key-5b21';
  /** How long the emulator holds a request the test cancels: far longer than the cancel takes. */
  const heldMs = 4_000;
  let emulator: RunningEmulator;
  let connection: Connection;

  before(async () => {
    emulator = await startEmulator({ port: 0, apiKey, requestDelayMs: 5, validatingDelayMs: 30, finalizingDelayMs: 30, log: () => undefined });
    connection = (await vscode.commands.executeCommand<Connection>('azureOpenAIBatch.addConnection', { name: 'Cancelling', endpoint: emulator.url, apiVersion: '2025-04-01-preview', auth: 'apiKey', apiKey, skipCheck: true }))!;
  });
  after(async () => {
    await vscode.commands.executeCommand('azureOpenAIBatch.removeConnection', connection.id, true);
    await emulator?.close();
  });

  async function finishedJob(name: string): Promise<JobRecord> {
    const api = await extensionApi();
    const file = path.join(workspaceRoot(), `${name}.jsonl`);
    await fs.writeFile(file, [chat(`${name}-1`), chat(`${name}-2`)].join('\n') + '\n');
    const [record] = (await vscode.commands.executeCommand<JobRecord[]>('azureOpenAIBatch.submit', vscode.Uri.file(file), undefined, { connectionId: connection.id, deployment: 'gpt-4o-batch' }))!;
    assert.ok(record?.batchId, `${name} was submitted`);
    await waitFor(`${name} to finish`, () => api.jobs.store.find(connection.id, record.batchId)?.snapshot?.status === 'completed', 60_000);
    return record;
  }

  it('cancelling a download shows no error, stops at once and writes nothing', async () => {
    const record = await finishedJob('cancel-download');
    emulator.faults.add({ kind: 'delay', delayMs: heldMs, operation: 'content', times: 1 });
    const seen = await observe(300, () => vscode.commands.executeCommand('azureOpenAIBatch.downloadResults', { connectionId: connection.id, batchId: record.batchId }, { overwrite: true }));
    assert.deepEqual(seen.errors, [], 'no error notification');
    assert.equal(seen.result, undefined);
    assert.deepEqual(seen.progress, [{ title: 'Downloading results of cancel-download.jsonl', cancellable: true }]);
    assert.ok(seen.elapsedMs < heldMs - 1_000, `the cancel aborted the request (took ${seen.elapsedMs} ms)`);
    assert.ok(!existsSync(path.join(workspaceRoot(), 'cancel-download.results', 'cancel-download.output.jsonl')), 'no output file');
    assert.ok(!existsSync(path.join(workspaceRoot(), 'cancel-download.results', 'cancel-download.results.jsonl')), 'no results file');
  });

  it('cancelling a submission during the upload shows no error and creates no job', async () => {
    const api = await extensionApi();
    const file = path.join(workspaceRoot(), 'cancel-upload.jsonl');
    await fs.writeFile(file, chat('cancel-upload-1') + '\n');
    const before = emulator.batches().length;
    emulator.faults.add({ kind: 'delay', delayMs: heldMs, operation: 'upload', times: 1 });
    const seen = await observe(300, () => vscode.commands.executeCommand('azureOpenAIBatch.submit', vscode.Uri.file(file), undefined, { connectionId: connection.id, deployment: 'gpt-4o-batch' }));
    assert.deepEqual(seen.errors, [], 'no error notification');
    assert.equal(seen.result, undefined);
    assert.deepEqual(seen.progress, [{ title: 'Submitting cancel-upload.jsonl', cancellable: true }]);
    assert.ok(seen.elapsedMs < heldMs - 1_000, `the cancel aborted the upload (took ${seen.elapsedMs} ms)`);
    // Past the held request: still no job, and no pending submission left in the list.
    await new Promise((resolve) => setTimeout(resolve, heldMs - seen.elapsedMs + 500));
    assert.equal(emulator.batches().length, before, 'no job was created');
    assert.equal(api.jobs.store.forConnection(connection.id).filter((job) => job.sourceName === 'cancel-upload.jsonl').length, 0);
  });

  it('a failed download is shown once, in one sentence, with "Show Log"', async () => {
    const record = await finishedJob('fail-download');
    emulator.faults.add({ kind: 'status', status: 400, operation: 'content', times: 1 });
    const seen = await observe(undefined, () => vscode.commands.executeCommand('azureOpenAIBatch.downloadResults', { connectionId: connection.id, batchId: record.batchId }, { overwrite: true }));
    assert.equal(seen.result, undefined);
    assert.equal(seen.errors.length, 1, JSON.stringify(seen.errors));
    const [shown] = seen.errors;
    assert.match(shown!.message, /^Azure OpenAI Batch: \S/);
    assert.doesNotMatch(shown!.message, /\n|\bat .*:\d+:\d+/, 'no stack text');
    assert.doesNotMatch(shown!.message, new RegExp(apiKey), 'no key');
    assert.ok(!/[.!?]\s+[A-Z]/.test(shown!.message.replace(/^Azure OpenAI Batch: /, '')), `one sentence: ${shown!.message}`);
    assert.deepEqual(shown!.items, ['Show Log']);
  });
});
