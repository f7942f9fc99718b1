import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Connection } from '../../src/features/connections/connectionStore';
import type { JobRecord } from '../../src/features/jobs/jobStore';
import type { DownloadOutcome } from '../../src/features/results/resultsService';
import { RESULTS_VIEW_TYPE } from '../../src/constants';
import { BatchClient } from '../../src/core/batch/client';
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { extensionApi, groupRecord, recordingWindow, waitFor, workspaceRoot } from './helpers';

const chat = (id: string, content: string) => JSON.stringify({ custom_id: id, method: 'POST', url: '/chat/completions', body: { model: 'gpt-4o-batch', messages: [{ role: 'user', content }], max_tokens: 10 } });

describe('the end of a job: the results folder, Open Results, the notifications', function () {
  this.timeout(120_000);
  let emulator: RunningEmulator;
  let connection: Connection;

  before(async () => {
    emulator = await startEmulator({ port: 0, apiKey: 'end-key', requestDelayMs: 5, validatingDelayMs: 50, finalizingDelayMs: 50, log: () => undefined });
    connection = (await vscode.commands.executeCommand<Connection>('azureOpenAIBatch.addConnection', { name: 'End', endpoint: emulator.url, apiVersion: '2025-04-01-preview', auth: 'apiKey', apiKey: 'end-key', skipCheck: true }))!;
  });
  after(async () => {
    await vscode.commands.executeCommand('azureOpenAIBatch.removeConnection', connection.id, true);
    await emulator?.close();
  });

  async function submit(name: string, rows: string[], deployment = 'gpt-4o-batch'): Promise<JobRecord> {
    const file = path.join(workspaceRoot(), `${name}.jsonl`);
    await fs.writeFile(file, rows.join('\n') + '\n');
    const [record] = (await vscode.commands.executeCommand<JobRecord[]>('azureOpenAIBatch.submit', vscode.Uri.file(file), undefined, { connectionId: connection.id, deployment }))!;
    assert.ok(record?.batchId, `${name} was submitted`);
    return record;
  }

  async function finished(record: JobRecord): Promise<JobRecord> {
    const api = await extensionApi();
    return waitFor(`${record.sourceName} to finish`, () => {
      const now = api.jobs.store.find(connection.id, record.batchId);
      return now?.snapshot && ['completed', 'failed'].includes(now.snapshot.status) ? now : undefined;
    }, 60_000);
  }

  /** The file the active tab shows, and how: in the results viewer (a custom editor) or as text. */
  const activePath = () => {
    const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
    return input instanceof vscode.TabInputCustom || input instanceof vscode.TabInputText ? input.uri.fsPath : undefined;
  };
  const inViewer = () => {
    const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
    return input instanceof vscode.TabInputCustom && input.viewType === RESULTS_VIEW_TYPE;
  };

  it('Open Results downloads first when needed, then opens NAME.results.jsonl in the results viewer', async () => {
    const record = await finished(await submit('opened', [chat('o-1', 'one'), chat('o-2', 'two')]));
    const expected = path.join(workspaceRoot(), 'opened.results', 'opened.results.jsonl');
    const first = await recordingWindow('showInformationMessage', async () => vscode.commands.executeCommand<string>('azureOpenAIBatch.openResults', { connectionId: connection.id, batchId: record.batchId }));
    assert.equal(first.value, 'viewer');
    assert.equal(activePath(), expected);
    assert.ok(inViewer(), 'shown in the results viewer');
    assert.deepEqual(first.calls.filter((args) => String(args[0]).startsWith('Downloaded')), [], 'opening is its own answer: no download notification');

    // Downloaded already: opened as it is, nothing downloaded again.
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const before = (await fs.stat(expected)).mtimeMs;
    assert.equal(await vscode.commands.executeCommand<string>('azureOpenAIBatch.openResults', { connectionId: connection.id, batchId: record.batchId }), 'viewer');
    assert.equal(activePath(), expected);
    assert.equal((await fs.stat(expected)).mtimeMs, before, 'not written again');

    // From the palette: the active results file (here in the viewer); from the Explorer: the file it is run on.
    assert.equal(await vscode.commands.executeCommand<string>('azureOpenAIBatch.openResults'), 'viewer');
    assert.equal(activePath(), expected);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    assert.equal(await vscode.commands.executeCommand<string>('azureOpenAIBatch.openResults', vscode.Uri.file(expected)), 'viewer');
    assert.equal(activePath(), expected);
    assert.ok(inViewer());
  });

  it('the download notification says where the files went, and its Open Results opens them', async () => {
    const record = await finished(await submit('noticed', [chat('n-1', 'one')]));
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const { value, calls } = await recordingWindow(
      'showInformationMessage',
      async () => {
        const outcome = (await vscode.commands.executeCommand<DownloadOutcome>('azureOpenAIBatch.downloadResults', { connectionId: connection.id, batchId: record.batchId }))!;
        await waitFor('the results to open', () => activePath() === outcome.results);
        return outcome;
      },
      (message) => (String(message).startsWith('Downloaded the results of') ? 'Open Results' : undefined),
    );
    assert.deepEqual(calls.filter((args) => String(args[0]).startsWith('Downloaded')), [['Downloaded the results of noticed.jsonl into noticed.results.', 'Open Results', 'Reveal in Explorer']]);
    assert.equal(value.results, path.join(workspaceRoot(), 'noticed.results', 'noticed.results.jsonl'));
    // Only the job's folder was added to the workspace: no loose files next to the source.
    const loose = (await fs.readdir(workspaceRoot())).filter((name) => name.startsWith('noticed.'));
    assert.deepEqual(loose.sort(), ['noticed.jsonl', 'noticed.results']);
    assert.deepEqual((await fs.readdir(path.join(workspaceRoot(), 'noticed.results'))).sort(), ['noticed.errors.jsonl', 'noticed.output.jsonl', 'noticed.results.jsonl', 'noticed.summary.md']);
  });

  it('puts the job folder under the results.folder setting when it is set', async () => {
    const record = await finished(await submit('configured', [chat('c-1', 'one')]));
    const config = vscode.workspace.getConfiguration('azureOpenAIBatch');
    await config.update('results.folder', 'batch-results', vscode.ConfigurationTarget.Workspace);
    try {
      const outcome = (await vscode.commands.executeCommand<DownloadOutcome>('azureOpenAIBatch.downloadResults', { connectionId: connection.id, batchId: record.batchId }))!;
      assert.equal(outcome.output, path.join(workspaceRoot(), 'batch-results', 'configured.results', 'configured.output.jsonl'));
      assert.equal(outcome.summaryFile, path.join(workspaceRoot(), 'batch-results', 'configured.results', 'configured.summary.md'));
    } finally {
      await config.update('results.folder', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('a job that completed with no success is notified as a failure, with Open Results and Retry Failed', async () => {
    const isOurs = (args: unknown[]) => String(args[0]).startsWith('Batch job all-failed.jsonl');
    const seen: unknown[][] = [];
    await recordingWindow(
      'showErrorMessage',
      async () => {
        await finished(await submit('all-failed', [chat('f-1', 'boom [[fail:500]]'), chat('f-2', 'boom [[fail:500]]')]));
        await waitFor('the failure notification', () => seen.some(isOurs));
      },
      (...args) => void seen.push(args),
    );
    const shown = seen.find(isOurs)!;
    assert.deepEqual(shown, ['Batch job all-failed.jsonl: Failed: 0 of 2 succeeded.', 'Open Results', 'Retry Failed']);
  });

  it('a job cancelled part-way is notified with Open Results and Resubmit Remaining (not Retry Failed)', async () => {
    const isOurs = (args: unknown[]) => String(args[0]).startsWith('Batch job cut-short.jsonl');
    const seen: unknown[][] = [];
    const client = new BatchClient({ endpoint: emulator.url, apiVersion: '2025-04-01-preview', credential: { kind: 'apiKey', apiKey: 'end-key' } });
    await recordingWindow(
      'showWarningMessage',
      async () => {
        const rows = Array.from({ length: 2000 }, (_, i) => chat(`c-${i}`, `row ${i}`));
        const record = await submit('cut-short', rows);
        // Cancelled on the service once it runs (as from the portal): the rows done so far are kept.
        await waitFor('the job to run', async () => {
          const batch = await client.getBatch(record.batchId);
          return batch.status === 'in_progress' && (batch.request_counts?.completed ?? 0) > 0 ? batch : undefined;
        }, 30_000);
        await client.cancelBatch(record.batchId);
        await waitFor('the cancellation notification', () => seen.some(isOurs), 60_000);
      },
      (...args) => void seen.push(args),
    );
    const shown = seen.find(isOurs)!;
    assert.match(String(shown[0]), /^Batch job cut-short\.jsonl: Cancelled/);
    assert.deepEqual(shown.slice(1), ['Open Results', 'Resubmit Remaining']);
  });

  it('a job that failed validation names its first errors, and Show Errors puts them on the source lines', async () => {
    const file = path.join(workspaceRoot(), 'refused.jsonl');
    const { calls } = await recordingWindow(
      'showErrorMessage',
      async () => {
        // A deployment the service does not have: it fails the job in validation, naming the line.
        const record = await submit('refused', [chat('r-1', 'one'), chat('r-2', 'two')], 'no-such-deployment');
        const done = await finished(record);
        assert.equal(done.snapshot?.status, 'failed');
        await waitFor('the errors on the source lines', () => vscode.languages.getDiagnostics(vscode.Uri.file(file)).find((d) => d.message.startsWith('The service refused this job')), 30_000);
        await waitFor('the source to be shown', () => activePath() === file);
      },
      (message) => (String(message).startsWith('Batch job refused.jsonl failed validation') ? 'Show Errors' : undefined),
    );
    const shown = calls.find((args) => String(args[0]).startsWith('Batch job refused.jsonl'))!;
    assert.match(String(shown[0]), /^Batch job refused\.jsonl failed validation: line 1: model_not_found \(The provided model deployment 'no-such-deployment' was not found\..*\)\.$/);
    assert.deepEqual(shown.slice(1), ['Show Errors']);
    const diagnostic = vscode.languages.getDiagnostics(vscode.Uri.file(file)).find((d) => d.message.startsWith('The service refused this job'))!;
    assert.equal(diagnostic.range.start.line, 0, 'on the line the service named');
    assert.equal(diagnostic.code, 'model_not_found');
    assert.equal(activePath(), file, 'the source is shown');
  });

  it('Cancel Job Group asks like Cancel Job: it names the file, with "Cancel Job Group" and "Keep Running"', async () => {
    const api = await extensionApi();
    // Finished, so the group scheduler leaves it alone; the question is asked all the same.
    await api.groups.save(groupRecord(connection.id, 'worded', [{ index: 1, path: 'worded.part-1.jsonl', requests: 1, tokens: 10, status: 'done', submissionId: 'worded-1', attempts: 1, batchId: 'worded-b1', batchStatus: 'completed' }], true));
    try {
      const { calls } = await recordingWindow('showWarningMessage', async () => vscode.commands.executeCommand('azureOpenAIBatch.cancelGroup', 'worded'));
      const asked = calls.map(([question, options, ...buttons]) => [question, (options as { modal?: boolean }).modal, ...buttons.map((button) => (button as vscode.MessageItem).title)]);
      assert.deepEqual(asked, [['Cancel every part of the job group of worded? Requests that already finished are kept (and billed).', true, 'Cancel Job Group', 'Keep Running']]);
    } finally {
      await api.groups.remove('worded');
    }
  });
});
