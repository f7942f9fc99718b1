import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { JoinedLine } from '../../src/core/results/join';
import type { JobRecord } from '../../src/features/jobs/jobStore';
import type { DownloadOutcome } from '../../src/features/results/resultsService';
import { emulatorConnection, extensionApi, jobItem, waitFor, waitForDescription, workspaceRoot } from './helpers';

const chat = (id: string, content: string) =>
  JSON.stringify({ custom_id: id, method: 'POST', url: '/chat/completions', body: { model: 'gpt-4o-batch', messages: [{ role: 'user', content }], max_tokens: 20 } });

const readJoined = async (file: string) => (await fs.readFile(file, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as JoinedLine);

const hoverText = async (uri: vscode.Uri, line: number) => {
  const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, new vscode.Position(line, 2));
  const markdown = hovers.flatMap((hover) => hover.contents.map((part) => (typeof part === 'string' ? part : 'value' in part ? part.value : ''))).join('\n');
  // As read, without markdown's escapes.
  return markdown.replace(/\\([^\sa-zA-Z0-9])/g, '$1');
};

const outcomeLenses = async (uri: vscode.Uri) => {
  const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 10);
  return lenses.filter((lens) => lens.command && (lens.command.title.startsWith('Results:') || lens.command.command === 'azureOpenAIBatch.openResults'));
};

describe('partial results, Resubmit Remaining and inline outcomes', function () {
  this.timeout(120_000);
  let setup: Awaited<ReturnType<typeof emulatorConnection>>;
  // Rows run in input order, 200 ms each; a job expires 4 s after it was created, after about 19 rows.
  before(async () => {
    setup = await emulatorConnection('Partial results', 'partial-key-41c7', { requestDelayMs: 200, validatingDelayMs: 50, finalizingDelayMs: 50, cancellingDelayMs: 50, expireAfterMs: 4_000, shuffleOutput: false });
  });
  after(async () => {
    await setup?.close();
  });

  const submit = async (name: string, rows: string[]) => {
    const file = path.join(workspaceRoot(), `${name}.jsonl`);
    await fs.writeFile(file, rows.join('\n') + '\n');
    const [record] = (await vscode.commands.executeCommand<JobRecord[]>('azureOpenAIBatch.submit', vscode.Uri.file(file), undefined, { connectionId: setup.connection.id, deployment: 'gpt-4o-batch' }))!;
    return { file, record: record! };
  };
  const job = (batchId: string) => ({ connectionId: setup.connection.id, batchId });

  it('downloads an expired job: the finished rows and the rest as missing; Resubmit Remaining completes it; the source shows the outcomes', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => chat(`x-${i + 1}`, i === 1 ? 'flaky [[fail-once:500]]' : `question ${i + 1}`));
    const { file, record } = await submit('expiring', rows);
    const item = await waitForDescription(setup.connection, record.batchId, /^expired/);
    assert.match(String(item.contextValue), /^job:done:results:failures:remaining/, 'an expired job offers its results and Resubmit Remaining');

    const outcome = (await vscode.commands.executeCommand<DownloadOutcome>('azureOpenAIBatch.downloadResults', job(record.batchId), { overwrite: true }))!;
    const joined = await readJoined(outcome.results!);
    assert.deepEqual(joined.map((l) => l.custom_id), rows.map((_, i) => `x-${i + 1}`), 'every request, in input order');
    const statuses = joined.map((l) => l.status);
    const ran = statuses.findIndex((s) => s === 'missing');
    assert.ok(ran > 1 && ran < 30, `some rows ran before the job expired (${ran})`);
    assert.deepEqual(statuses, rows.map((_, i) => (i === 1 ? 'failed' : i < ran ? 'succeeded' : 'missing')));
    assert.equal(joined[ran]!.error?.code, 'batch_expired', 'a row not run keeps the reason');
    assert.deepEqual([outcome.summary?.succeeded, outcome.summary?.failed, outcome.summary?.missing], [ran - 1, 1, 30 - ran]);

    // Inline: a CodeLens with the totals and Open Results, a hover per line with its outcome.
    const uri = vscode.Uri.file(file);
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const lenses = await waitFor('the outcome CodeLens', async () => ((await outcomeLenses(uri)).length === 2 ? outcomeLenses(uri) : undefined));
    assert.deepEqual(lenses.map((lens) => lens.range.start.line), [0, 0]);
    assert.equal(lenses[0]!.command!.title, `Results: ${ran - 1} succeeded · 1 failed · ${30 - ran} missing`);
    assert.equal(lenses[1]!.command!.command, 'azureOpenAIBatch.openResults');
    assert.equal(lenses[1]!.command!.title, 'Open Results');
    assert.equal((lenses[1]!.command!.arguments?.[0] as vscode.Uri).fsPath, outcome.results);
    const first = await hoverText(uri, 0);
    assert.match(first, /Result: succeeded \(200\)/);
    assert.ok(first.includes((joined[0]!.response as { choices: { message: { content: string } }[] }).choices[0]!.message.content.slice(0, 20)), 'the start of the answer');
    assert.match(await hoverText(uri, 1), /Result: failed \(500\)/);
    const missing = await hoverText(uri, ran);
    assert.match(missing, /Result: missing \(not run\)/);
    assert.match(missing, /batch_expired/);

    // Resubmit Remaining: one follow-up with exactly the failed and missing rows, nested under its parent.
    const before = setup.emulator.batches().length;
    const retry = (await vscode.commands.executeCommand<JobRecord>('azureOpenAIBatch.resubmitRemaining', job(record.batchId), { overwrite: true }))!;
    assert.equal(setup.emulator.batches().length, before + 1, 'one follow-up job');
    assert.equal(retry.parentBatchId, record.batchId);
    const sent = (await fs.readFile(path.join(workspaceRoot(), 'expiring.results', 'expiring.retry-1.jsonl'), 'utf8')).trim().split('\n').map((l) => (JSON.parse(l) as { custom_id: string }).custom_id);
    assert.deepEqual(sent, joined.filter((l) => l.status !== 'succeeded').map((l) => l.custom_id));
    // On a loaded machine the follow-up can expire too: then the remaining rows are resubmitted again.
    let last = retry;
    for (let round = 0; !/^completed/.test(String((await waitForDescription(setup.connection, last.batchId, /^(completed|expired)/)).description)); round++) {
      assert.ok(round < 5, 'the follow-ups finish the job');
      last = (await vscode.commands.executeCommand<JobRecord>('azureOpenAIBatch.resubmitRemaining', job(last.batchId), { overwrite: true }))!;
      assert.equal(last.parentBatchId, record.batchId, 'a follow-up of a follow-up belongs to the first job');
    }
    const api = await extensionApi();
    const connectionNode = api.tree.getChildren().find((node) => node.kind === 'connection' && node.connection.id === setup.connection.id)!;
    const parentNode = api.tree.getChildren(connectionNode).find((node) => node.kind === 'job' && node.view.batchId === record.batchId)!;
    assert.ok(api.tree.getChildren(parentNode).some((node) => node.kind === 'job' && node.view.batchId === retry.batchId), 'the follow-up is shown under its parent');
    assert.ok((await jobItem(setup.connection, retry.batchId))?.contextValue?.startsWith('job:done'));

    // Open Results of the finished follow-up (its notification's action) merges it first: not the parent's results as they were.
    await vscode.commands.executeCommand('azureOpenAIBatch.openResults', job(last.batchId), { overwrite: true });
    assert.deepEqual((await readJoined(outcome.results!)).map((l) => l.status), rows.map(() => 'succeeded'), 'the opened results include the follow-up');

    // Downloading the follow-up merges every attempt, in input order, the latest success winning.
    const merged = (await vscode.commands.executeCommand<DownloadOutcome>('azureOpenAIBatch.downloadResults', job(last.batchId), { overwrite: true }))!;
    assert.equal(merged.results, outcome.results, 'the follow-up merges into the results of its parent');
    const complete = await readJoined(merged.results!);
    assert.deepEqual(complete.map((l) => [l.custom_id, l.status]), rows.map((_, i) => [`x-${i + 1}`, 'succeeded']));
    assert.equal(merged.summary?.succeeded, 30);
    await waitFor('the CodeLens to show the merged totals', async () => (await outcomeLenses(uri))[0]?.command?.title === 'Results: 30 succeeded · 0 failed · 0 missing');

    // Removing the results removes the outcomes.
    await fs.rm(merged.results!);
    await waitFor('the outcome CodeLens to go', async () => (await outcomeLenses(uri)).length === 0);
    assert.doesNotMatch(await hoverText(uri, 0), /Result:/);
  });

  it('downloads a job cancelled mid-run: the finished rows and the rest as missing', async () => {
    const rows = Array.from({ length: 12 }, (_, i) => chat(`c-${i + 1}`, `question ${i + 1}`));
    const { record } = await submit('cancelled-midway', rows);
    await waitFor('a few rows to run', () => (((setup.emulator.batches().find((b) => b.id === record.batchId)?.request_counts as { completed?: number } | undefined)?.completed ?? 0) >= 3 ? true : undefined), 10_000);
    await vscode.commands.executeCommand('azureOpenAIBatch.cancelJob', job(record.batchId), true);
    const item = await waitForDescription(setup.connection, record.batchId, /^cancelled/);
    assert.match(String(item.contextValue), /:results.*:remaining/, 'a cancelled job with output offers its results and Resubmit Remaining');
    const outcome = (await vscode.commands.executeCommand<DownloadOutcome>('azureOpenAIBatch.downloadResults', job(record.batchId), { overwrite: true }))!;
    const statuses = (await readJoined(outcome.results!)).map((l) => l.status);
    const ran = statuses.indexOf('missing');
    assert.ok(ran >= 3 && ran < 12, `the rows that ran before the cancel are kept (${ran})`);
    assert.deepEqual(statuses, rows.map((_, i) => (i < ran ? 'succeeded' : 'missing')));
    assert.equal(outcome.summary?.missing, 12 - ran);
  });
});
