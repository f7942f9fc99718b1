import * as assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Connection } from '../../src/features/connections/connectionStore';
import type { JobRecord } from '../../src/features/jobs/jobStore';
import type { DownloadOutcome } from '../../src/features/results/resultsService';
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { escapeMarkdown, markdownCode } from '../../src/core/markdown';
import { answering, extensionApi, recordingInformation, recordingWindow, waitFor, waitForDescription, workspaceRoot } from './helpers';

const chat = (id: string, content: string) =>
  JSON.stringify({ custom_id: id, method: 'POST', url: '/chat/completions', body: { model: 'gpt-4o-batch', messages: [{ role: 'user', content }], max_tokens: 20 } });

describe('connections, submit, jobs tree, results', function () {
  this.timeout(120_000);
  let emulator: RunningEmulator;
  let connection: Connection;
  const apiKey = 'integration-secret-key-7f3a9c';

  before(async () => {
    emulator = await startEmulator({ port: 0, apiKey, requestDelayMs: 20, validatingDelayMs: 100, finalizingDelayMs: 100 });
  });
  after(async () => {
    await emulator?.close();
  });

  it('adds a connection after checking it, keeping the key only in SecretStorage', async () => {
    const api = await extensionApi();
    await assert.rejects(
      Promise.resolve(vscode.commands.executeCommand('azureOpenAIBatch.addConnection', { name: 'Wrong key', endpoint: emulator.url, apiVersion: '2025-04-01-preview', auth: 'apiKey', apiKey: 'nope' })).then((result) => {
        if (result === undefined) {
          throw new Error('refused');
        }
      }),
    );
    assert.ok(!api.connections.all().some((c) => c.name === 'Wrong key'), 'a connection that fails its check is not saved');
    connection = (await vscode.commands.executeCommand<Connection>('azureOpenAIBatch.addConnection', {
      name: 'Test resource',
      endpoint: emulator.url,
      apiVersion: '2025-04-01-preview',
      auth: 'apiKey',
      apiKey,
    }))!;
    assert.ok(connection?.id);
    assert.equal(api.connections.get(connection.id)?.endpoint, emulator.url);
    assert.ok(!JSON.stringify(api.connections.all()).includes(apiKey), 'the key is not in the connection list (global state)');
    assert.equal((await api.connections.readKey(connection))?.key, apiKey, 'the key is in SecretStorage');
    await vscode.commands.executeCommand('azureOpenAIBatch.setDefaultConnection', connection.id);
    assert.equal(api.connections.defaultConnection()?.id, connection.id);
  });

  it('submits a file through the Explorer command and follows it to completed in the tree', async () => {
    const api = await extensionApi();
    const file = path.join(workspaceRoot(), 'five.jsonl');
    await fs.writeFile(file, [1, 2, 3, 4, 5].map((i) => chat(`row-${i}`, `Say ${i}`)).join('\n') + '\n');
    const uri = vscode.Uri.file(file);
    const [record] = (await vscode.commands.executeCommand<JobRecord[]>('azureOpenAIBatch.submit', uri, [uri], { connectionId: connection.id, deployment: 'gpt-4o-batch' }))!;
    assert.ok(record?.batchId.startsWith('batch_'));
    assert.equal(record.sourceName, 'five.jsonl');
    assert.equal(emulator.batches().length, 1);
    const item = await waitForDescription(connection, record.batchId, /^completed · 5\/5/);
    assert.match(String(item.contextValue), /^job:done:results.*:source:local/);
    assert.equal(item.label, 'five.jsonl');
    const tooltip = (item.tooltip as vscode.MarkdownString).value;
    assert.ok(tooltip.includes(record.batchId.replace(/[_-]/g, (c) => `\\${c}`)), tooltip);
    assert.equal(api.jobs.store.active().length, 0);
  });

  it('refuses a file with errors and shows nothing new', async () => {
    const before = emulator.batches().length;
    const file = path.join(workspaceRoot(), 'bad-submit.jsonl');
    await fs.writeFile(file, chat('a', 'x') + '\n' + chat('a', 'y') + '\n');
    const result = await vscode.commands.executeCommand<JobRecord[]>('azureOpenAIBatch.submit', vscode.Uri.file(file), undefined, { connectionId: connection.id, deployment: 'gpt-4o-batch' });
    assert.deepEqual(result, []);
    assert.equal(emulator.batches().length, before);
    assert.ok(vscode.languages.getDiagnostics(vscode.Uri.file(file)).some((d) => d.code && (d.code as { value: string }).value === 'duplicate_custom_id'));
  });

  it('says "an error" for an empty file, not "1 errors"', async () => {
    const file = path.join(workspaceRoot(), 'empty-submit.jsonl');
    await fs.writeFile(file, '');
    const { value: result, calls } = await recordingWindow('showErrorMessage', async () => vscode.commands.executeCommand<JobRecord[]>('azureOpenAIBatch.submit', vscode.Uri.file(file), undefined, { connectionId: connection.id, deployment: 'gpt-4o-batch' }));
    assert.deepEqual(result, []);
    const shown = calls.map((args) => args[0]);
    assert.deepEqual(shown, ['empty-submit.jsonl has an error; fix it before submitting (see the Problems view).']);
  });

  it('lists the jobs of a connection again once Edit Connection fixes its key', async () => {
    const api = await extensionApi();
    const wrong = (await vscode.commands.executeCommand<Connection>('azureOpenAIBatch.addConnection', { name: 'Edited', endpoint: emulator.url, apiVersion: '2025-04-01-preview', auth: 'apiKey', apiKey: 'not-the-key', skipCheck: true }))!;
    const messages = () => {
      const node = api.tree.getChildren().find((n) => n.kind === 'connection' && n.connection.id === wrong.id);
      return node ? api.tree.getChildren(node).filter((n) => n.kind === 'message').map((n) => (n.kind === 'message' ? n.text : '')) : [];
    };
    try {
      await Promise.resolve(vscode.commands.executeCommand('azureOpenAIBatch.refreshConnection', wrong.id)).catch(() => undefined);
      await waitFor('the wrong key to be reported in the tree', () => messages().some((text) => !text.startsWith('No batch jobs') && !text.startsWith('Loading')));
      await vscode.commands.executeCommand('azureOpenAIBatch.editConnection', wrong.id, { name: 'Edited', endpoint: emulator.url, apiVersion: '2025-04-01-preview', auth: 'apiKey', apiKey });
      // No Refresh by the user: the edit itself lists the jobs again.
      const after = messages();
      assert.ok(after.every((text) => text.startsWith('No batch jobs') || text === ''), `the tree still shows ${JSON.stringify(after)}`);
    } finally {
      await vscode.commands.executeCommand('azureOpenAIBatch.removeConnection', wrong.id, true);
    }
  });

  it('names the connection in the deployment question before uploading', async () => {
    const before = emulator.batches().length;
    const file = path.join(workspaceRoot(), 'asked.jsonl');
    await fs.writeFile(file, chat('q-1', 'hello') + '\n');
    // The user presses Escape at the question.
    const { value: result, calls } = await recordingWindow('showQuickPick', async () => vscode.commands.executeCommand<JobRecord[]>('azureOpenAIBatch.submit', vscode.Uri.file(file), undefined, { connectionId: connection.id }));
    assert.deepEqual(result, []);
    const titles = calls.map((args) => (args[1] as vscode.QuickPickOptions | undefined)?.title);
    assert.deepEqual(titles, ['Submit to Test resource: deployment']);
    assert.equal(emulator.batches().length, before, 'nothing is submitted after Escape');
  });

  it('sends nothing when the file changes on disk while the deployment question is open', async () => {
    const batches = emulator.batches().length;
    const files = emulator.files().length;
    const file = path.join(workspaceRoot(), 'changing.jsonl');
    await fs.writeFile(file, chat('c-1', 'hello') + '\n');
    // While the user looks at the question, a script appends a line that was never validated.
    const { calls: errors } = await recordingWindow('showErrorMessage', () =>
      recordingWindow(
        'showQuickPick',
        async () => vscode.commands.executeCommand('azureOpenAIBatch.submit', vscode.Uri.file(file), undefined, { connectionId: connection.id }),
        async (items: unknown) => {
          await fs.appendFile(file, '{"custom_id": broken\n');
          return (items as vscode.QuickPickItem[])[0];
        },
      ),
    );
    assert.ok(errors.some((args) => /changing\.jsonl changed on disk after it was checked/.test(String(args[0]))), JSON.stringify(errors));
    assert.equal(emulator.batches().length, batches, 'no job');
    assert.equal(emulator.files().length, files, 'no upload');
  });

  it('overrides the deployment in an uploaded copy, never in the file', async () => {
    const file = path.join(workspaceRoot(), 'override.jsonl');
    const text = chat('o-1', 'hello') + '\n';
    await fs.writeFile(file, text);
    const [record] = (await vscode.commands.executeCommand<JobRecord[]>('azureOpenAIBatch.submit', vscode.Uri.file(file), undefined, { connectionId: connection.id, deployment: 'gpt-4.1-batch' }))!;
    await waitForDescription(connection, record!.batchId, /^completed/);
    assert.equal(await fs.readFile(file, 'utf8'), text, 'the source file is unchanged');
    const uploaded = emulator.files().find((f) => f.id === emulator.batches().find((b) => b.id === record!.batchId)?.input_file_id);
    assert.ok(uploaded, 'the uploaded input is known');
  });

  it('downloads results, joins them to the inputs and retries the failed rows', async () => {
    const file = path.join(workspaceRoot(), 'mixed.jsonl');
    const rows = [chat('m-1', 'fine'), chat('m-2', 'this one breaks [[fail:500]]'), chat('m-3', 'fine too'), chat('m-4', 'rate limited [[fail:429]]')];
    await fs.writeFile(file, rows.join('\n') + '\n');
    // Open, as files usually are when submitted: the job keeps the editor's estimate of it for the summary.
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(file));
    const [record] = (await vscode.commands.executeCommand<JobRecord[]>('azureOpenAIBatch.submit', vscode.Uri.file(file), undefined, { connectionId: connection.id, deployment: 'gpt-4o-batch' }))!;
    const item = await waitForDescription(connection, record!.batchId, /^completed · 4\/4 · 2 failed/);
    assert.match(String(item.contextValue), /:failures/);

    const { value: downloaded, calls } = await recordingWindow('showInformationMessage', async () => vscode.commands.executeCommand<DownloadOutcome>('azureOpenAIBatch.downloadResults', { connectionId: connection.id, batchId: record!.batchId }));
    const outcome = downloaded!;
    // The user is told where the files went (the download used to finish silently), with the two ways on.
    assert.deepEqual(calls, [['Downloaded the results of mixed.jsonl into mixed.results.', 'Open Results', 'Reveal in Explorer']]);
    // One folder per job: the workspace does not fill with loose files.
    const folder = path.join(workspaceRoot(), 'mixed.results');
    assert.equal(outcome.output, path.join(folder, 'mixed.output.jsonl'));
    assert.equal(outcome.errors, path.join(folder, 'mixed.errors.jsonl'));
    assert.equal(outcome.results, path.join(folder, 'mixed.results.jsonl'));
    assert.equal(outcome.summaryFile, path.join(folder, 'mixed.summary.md'));
    const summaryText = await fs.readFile(outcome.summaryFile!, 'utf8');
    assert.ok(summaryText.includes(`\n- Batch id: ${markdownCode(record!.batchId)}\n`), summaryText);
    assert.ok(summaryText.includes(`\n- Connection: ${escapeMarkdown(connection.name)}\n`), summaryText);
    assert.ok(summaryText.includes('\n- Deployment: `gpt-4o-batch`\n'), summaryText);
    assert.match(summaryText, /^- Cost: \$[0-9.]+ \(at the batch prices of gpt\\-4o\)$/m, 'the actual cost, from the usage reported');
    assert.match(summaryText, /^- Estimated before submission: up to \$[0-9.]+ \([0-9,]+ input tokens/m, 'the estimate kept at submission');
    assert.match(summaryText, /^\| total \| [0-9]+[smhd]/m, 'timing per phase');
    const joined = (await fs.readFile(outcome.results!, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { custom_id: string; status: string; status_code: number });
    assert.deepEqual(joined.map((l) => [l.custom_id, l.status, l.status_code]), [['m-1', 'succeeded', 200], ['m-2', 'failed', 500], ['m-3', 'succeeded', 200], ['m-4', 'failed', 429]]);
    assert.equal(outcome.summary?.succeeded, 2);
    assert.ok(existsSync(outcome.summaryFile!));

    // Cancel confirmed after the job ended (the question stayed open meanwhile): a note, not the service's refusal.
    const cancelled = await recordingInformation(async () => vscode.commands.executeCommand('azureOpenAIBatch.cancelJob', { connectionId: connection.id, batchId: record!.batchId }, true));
    assert.equal(cancelled.shown.length, 1);
    assert.match(cancelled.shown[0]!, /^mixed\.jsonl was not cancelled: it had already ended \(Completed.*\)\.$/);

    // Downloading again never replaces files silently: scripted, it asks for overwrite explicitly.
    const again = (await vscode.commands.executeCommand<DownloadOutcome>('azureOpenAIBatch.downloadResults', { connectionId: connection.id, batchId: record!.batchId }, { overwrite: true }))!;
    assert.equal(again.summary?.failed, 2);

    // The user fixes the failing rows in the source, then retries exactly those.
    await fs.writeFile(file, rows.map((r) => r.replace(' [[fail:500]]', '').replace(' [[fail:429]]', '')).join('\n') + '\n');
    const retry = (await vscode.commands.executeCommand<JobRecord>('azureOpenAIBatch.retryFailed', { connectionId: connection.id, batchId: record!.batchId }, { overwrite: true }))!;
    assert.equal(retry.parentBatchId, record!.batchId);
    assert.equal(retry.sourceName, 'mixed.retry-1.jsonl');
    // The retry file goes into the job's results folder, not beside the source.
    assert.equal(vscode.Uri.parse(retry.sourceUri!).fsPath, path.join(workspaceRoot(), 'mixed.results', 'mixed.retry-1.jsonl'));
    const retryText = await fs.readFile(path.join(workspaceRoot(), 'mixed.results', 'mixed.retry-1.jsonl'), 'utf8');
    assert.deepEqual(retryText.trim().split('\n').map((l) => (JSON.parse(l) as { custom_id: string }).custom_id), ['m-2', 'm-4']);
    await waitForDescription(connection, retry.batchId, /^completed · 2\/2/);
    const merged = (await vscode.commands.executeCommand<DownloadOutcome>('azureOpenAIBatch.downloadResults', { connectionId: connection.id, batchId: retry.batchId }, { overwrite: true }))!;
    assert.equal(merged.results, path.join(workspaceRoot(), 'mixed.results', 'mixed.results.jsonl'), 'the retry merges into the original results');
    assert.equal(merged.output, path.join(workspaceRoot(), 'mixed.results', 'mixed.retry-1.output.jsonl'), "a retry's files go into the folder of the job it retries");
    const final = (await fs.readFile(merged.results!, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { status: string });
    assert.deepEqual(final.map((l) => l.status), ['succeeded', 'succeeded', 'succeeded', 'succeeded']);
    assert.equal(merged.summary?.succeeded, 4);
  });

  it('cancels a running job', async () => {
    const api = await extensionApi();
    await emulator.close();
    emulator = await startEmulator({ port: emulator.port, apiKey, requestDelayMs: 2000, validatingDelayMs: 50 });
    const file = path.join(workspaceRoot(), 'slow.jsonl');
    await fs.writeFile(file, [1, 2, 3, 4, 5, 6].map((i) => chat(`s-${i}`, 'slow')).join('\n') + '\n');
    const [record] = (await vscode.commands.executeCommand<JobRecord[]>('azureOpenAIBatch.submit', vscode.Uri.file(file), undefined, { connectionId: connection.id, deployment: 'gpt-4o-batch' }))!;
    await waitForDescription(connection, record!.batchId, /^in progress/);
    // Asked without confirmation, the dialog names the file (as the tree does); dismissing it keeps the job.
    const asked = await answering([undefined], async (questions) => {
      await vscode.commands.executeCommand('azureOpenAIBatch.cancelJob', { connectionId: connection.id, batchId: record!.batchId });
      return questions;
    });
    assert.deepEqual(asked, [`Cancel the batch job of slow.jsonl (${record!.batchId})? Requests that already finished are kept (and billed).`]);
    assert.notEqual(api.jobs.store.find(connection.id, record!.batchId)?.snapshot?.status, 'cancelling');
    await vscode.commands.executeCommand('azureOpenAIBatch.cancelJob', { connectionId: connection.id, batchId: record!.batchId }, true);
    await waitForDescription(connection, record!.batchId, /^cancelled/);
    assert.equal(api.jobs.store.find(connection.id, record!.batchId)?.snapshot?.status, 'cancelled');
  });

  it('lists jobs created elsewhere and removes a job from the list', async () => {
    const api = await extensionApi();
    await vscode.commands.executeCommand('azureOpenAIBatch.refreshConnection', connection.id);
    const listed = api.jobs.jobsFor(connection.id);
    assert.ok(listed.length >= 4);
    const first = listed[0]!;
    assert.equal(await vscode.commands.executeCommand('azureOpenAIBatch.copyBatchId', { connectionId: connection.id, batchId: first.batchId }), first.batchId);
    assert.equal(await vscode.env.clipboard.readText(), first.batchId);
    await vscode.commands.executeCommand('azureOpenAIBatch.removeJob', { connectionId: connection.id, batchId: first.batchId });
    assert.equal(api.jobs.store.find(connection.id, first.batchId), undefined);
    await vscode.commands.executeCommand('azureOpenAIBatch.refreshConnection', connection.id);
    assert.ok(api.jobs.listing(connection.id)?.jobs.some((b) => b.id === first.batchId), 'the service still lists it');
    assert.ok(!api.jobs.jobsFor(connection.id).some((view) => view.batchId === first.batchId), 'the list does not');
  });

  it('starts the embedded emulator from "Try the Local Emulator"', async () => {
    const api = await extensionApi();
    const local = (await vscode.commands.executeCommand<Connection>('azureOpenAIBatch.tryEmulator'))!;
    assert.equal(local.emulator, true);
    assert.match(local.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(api.connections.defaultConnection()?.id, local.id);
    // Its deployments are known at once, without signing in: real names for the create flow, completion and checks.
    const known = api.deployments.get(local.id)?.deployments ?? [];
    assert.deepEqual(known.filter((d) => d.batch).map((d) => d.name), ['gpt-4o-batch', 'gpt-4o-mini-batch', 'gpt-4.1-batch']);
    assert.deepEqual(known.filter((d) => !d.batch).map((d) => `${d.name} ${d.sku}`), ['gpt-4o-live Standard']);
    const file = path.join(workspaceRoot(), 'local.jsonl');
    await fs.writeFile(file, chat('l-1', 'hello') + '\n');
    const [record] = (await vscode.commands.executeCommand<JobRecord[]>('azureOpenAIBatch.submit', vscode.Uri.file(file), undefined, { deployment: 'gpt-4o-batch' }))!;
    assert.equal(record!.connectionId, local.id, 'the default connection is used');
    await waitForDescription(local, record!.batchId, /^completed/);
    // Only its random key, kept in secret storage, opens it: no bearer token, no default key.
    const stored = (await api.connections.readKey(local))!.key;
    assert.ok(stored.length >= 32 && stored !== 'emulator-key', 'a random key');
    const endpoint = api.connections.get(local.id)!.endpoint;
    const status = async (headers: Record<string, string>) => (await fetch(`${endpoint}/openai/v1/batches`, { headers })).status;
    assert.equal(await status({ 'api-key': stored }), 200);
    assert.equal(await status({}), 401);
    assert.equal(await status({ 'api-key': 'emulator-key' }), 401);
    assert.equal(await status({ authorization: 'Bearer anything' }), 401);

    // A browser-hosted workbench keeps secrets in memory only: after a reload the emulator's key is gone. The
    // embedded emulator's key is the extension's own, so the connection goes on working with a fresh one.
    await api.connections.forgetKey(local.id);
    api.emulator.dispose();
    await vscode.commands.executeCommand('azureOpenAIBatch.refreshConnection', local.id);
    const again = path.join(workspaceRoot(), 'local-again.jsonl');
    await fs.writeFile(again, chat('l-2', 'hello again') + '\n');
    const [second] = (await vscode.commands.executeCommand<JobRecord[]>('azureOpenAIBatch.submit', vscode.Uri.file(again), undefined, { deployment: 'gpt-4o-batch' }))!;
    assert.ok(second, 'submitted after the key was lost');
    await waitForDescription(local, second!.batchId, /^completed/);
    const fresh = (await api.connections.readKey(local))!.key;
    assert.ok(fresh.length >= 32 && fresh !== stored, 'a fresh random key was stored');
    assert.ok(api.jobs.jobsFor(local.id).some((view) => view.batchId === record!.batchId), 'the earlier job survives in the emulator\'s data');
  });

  it('removes a connection and its secret', async () => {
    const api = await extensionApi();
    await vscode.commands.executeCommand('azureOpenAIBatch.removeConnection', connection.id, true);
    assert.equal(api.connections.get(connection.id), undefined);
    assert.equal(await api.connections.readKey(connection), undefined);
  });
});
