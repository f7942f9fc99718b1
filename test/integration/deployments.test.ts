import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DeploymentInfo } from '../../src/core/azure/deployments';
import type { JobRecord } from '../../src/features/jobs/jobStore';
import { codeOf, diagnosticsOf, emulatorConnection, extensionApi, quickFixesAt, recordingWindow, waitFor, workspaceRoot } from './helpers';

const resource: DeploymentInfo[] = [
  { name: 'gpt-4o-batch', model: 'gpt-4o', version: '2024-08-06', sku: 'GlobalBatch', capacity: 500, batch: true },
  { name: 'gpt-4o-mini-batch', model: 'gpt-4o-mini', version: '2024-07-18', sku: 'DataZoneBatch', capacity: 200, batch: true },
  { name: 'gpt-4o-live', model: 'gpt-4o', version: '2024-08-06', sku: 'Standard', capacity: 10, batch: false },
];

const row = (id: string, model: string) => JSON.stringify({ custom_id: id, method: 'POST', url: '/chat/completions', body: { model, messages: [{ role: 'user', content: 'hi' }] } });

async function writeFile(name: string, ...lines: string[]): Promise<vscode.Uri> {
  const file = path.join(workspaceRoot(), name);
  await fs.writeFile(file, lines.join('\n') + '\n');
  return vscode.Uri.file(file);
}

async function open(uri: vscode.Uri): Promise<vscode.TextDocument> {
  const document = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(document);
  return document;
}

/** Our diagnostics' `line:code`, once they match `expected` (a cache change revalidates on its own). */
async function settles(uri: vscode.Uri, expected: string[]): Promise<void> {
  let last: string[] = [];
  await waitFor(`diagnostics ${expected.join(', ')} (last: ${last.join(', ')})`, async () => {
    last = (await diagnosticsOf(uri)).map((d) => `${d.range.start.line}:${codeOf(d)}`);
    return JSON.stringify(last) === JSON.stringify(expected);
  }, 10_000);
}

/** The completion items our provider gives at a position, in the order it means (its sortText). */
async function modelCompletions(uri: vscode.Uri, position: vscode.Position): Promise<vscode.CompletionItem[]> {
  const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', uri, position);
  return list.items.filter((item) => /^\d{4}$/.test(item.sortText ?? '')).sort((a, b) => a.sortText!.localeCompare(b.sortText!));
}

describe('deployments of the workspace connection', function () {
  let setup: Awaited<ReturnType<typeof emulatorConnection>>;
  let previousDefault: string | undefined;

  before(async () => {
    const api = await extensionApi();
    previousDefault = api.connections.defaultConnection()?.id;
    setup = await emulatorConnection('Deployments resource', 'deployments-key', {});
    await vscode.commands.executeCommand('azureOpenAIBatch.setDefaultConnection', setup.connection.id);
    await api.deployments.set(setup.connection.id, resource);
    await vscode.workspace.getConfiguration('azureOpenAIBatch').update('deployments', ['from-setting'], vscode.ConfigurationTarget.Workspace);
  });

  after(async () => {
    const api = await extensionApi();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.workspace.getConfiguration('azureOpenAIBatch').update('deployments', undefined, vscode.ConfigurationTarget.Workspace);
    await api.deployments.delete(setup.connection.id);
    await setup.close();
    if (previousDefault && api.connections.get(previousDefault)) {
      await api.connections.setDefault(previousDefault);
    }
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('flags unknown and non-batch deployments from the cached list, and follows the list and the connection', async () => {
    const api = await extensionApi();
    const uri = await writeFile('deployments-check.jsonl', row('a', 'gpt4o-batch'), row('b', 'gpt4o-batch'));
    const document = await open(uri);
    await settles(uri, ['0:unknown_deployment', '1:unknown_deployment']);
    const unknown = (await diagnosticsOf(uri))[0]!;
    assert.equal(unknown.message, '"gpt4o-batch" is not a deployment on this resource. Closest: "gpt-4o-batch".');
    assert.equal(unknown.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(document.getText(unknown.range), '"gpt4o-batch"');
    assert.match((unknown.code as { target: vscode.Uri }).target.toString(), /README\.md#unknown-deployment$/);

    // A new list (as a refresh after sign-in writes it) revalidates the open document without an edit.
    await api.deployments.set(setup.connection.id, [...resource, { ...resource[0]!, name: 'gpt4o-batch' }]);
    await settles(uri, []);
    await api.deployments.set(setup.connection.id, [...resource, { ...resource[0]!, name: 'gpt4o-batch', sku: 'Standard', batch: false }]);
    await settles(uri, ['0:not_batch_deployment', '1:not_batch_deployment']);
    assert.match((await diagnosticsOf(uri))[0]!.message, /Azure rejects batch jobs on a Standard deployment; use "gpt-4o-batch" \(GlobalBatch\)\.$/);

    // Another workspace connection without a list: names are not checked; back again: checked again.
    const other = await emulatorConnection('No list yet', 'other-key', {});
    try {
      await vscode.commands.executeCommand('azureOpenAIBatch.setDefaultConnection', other.connection.id);
      await settles(uri, []);
      await vscode.commands.executeCommand('azureOpenAIBatch.setDefaultConnection', setup.connection.id);
      await settles(uri, ['0:not_batch_deployment', '1:not_batch_deployment']);
    } finally {
      await other.close();
      await api.deployments.set(setup.connection.id, resource);
    }
  });

  it('offers "Change to" the closest batch deployment and the batch deployments first', async () => {
    const uri = await writeFile('deployments-fix.jsonl', row('a', 'gpt4o-batch'), row('b', 'gpt4o-batch'));
    const document = await open(uri);
    await settles(uri, ['0:unknown_deployment', '1:unknown_deployment']);
    const diagnostic = (await diagnosticsOf(uri))[1]!;
    const actions = await quickFixesAt(uri, diagnostic);
    const titles = actions.map((a) => a.title);
    assert.equal(titles[0], 'Change "gpt4o-batch" to "gpt-4o-batch"');
    assert.ok(actions[0]!.isPreferred);
    const sets = titles.filter((t) => t.startsWith('Set the deployment to'));
    // The resource's batch deployments; never a name it lacks (the file's own, the setting's 'from-setting').
    assert.deepEqual(sets, ['Set the deployment to "gpt-4o-batch" on every row', 'Set the deployment to "gpt-4o-mini-batch" on every row']);
    assert.ok(await vscode.workspace.applyEdit(actions[0]!.edit!));
    await settles(uri, []);
    assert.ok(document.getText().split('\n').slice(0, 2).every((line) => line.includes('"model":"gpt-4o-batch"')));
  });

  it('completes "model" with the batch deployments first, then the file\'s names, then the setting\'s', async () => {
    const api = await extensionApi();
    const uri = await writeFile('deployments-complete.jsonl', row('a', 'gpt-4o-batch'), row('b', 'gp'));
    const document = await open(uri);
    await settles(uri, ['1:unknown_deployment', '1:model_mismatch'].sort());
    const line = document.lineAt(1).text;
    const inside = new vscode.Position(1, line.indexOf('"gp"') + 3);
    const items = await modelCompletions(uri, inside);
    assert.deepEqual(items.map((i) => i.label), ['gpt-4o-batch', 'gpt-4o-mini-batch']);
    assert.equal(items[0]!.detail, 'gpt-4o 2024-08-06 · GlobalBatch');
    assert.equal(items[1]!.detail, 'gpt-4o-mini 2024-07-18 · DataZoneBatch');
    const range = items[0]!.range as { replacing: vscode.Range };
    assert.equal(document.getText(range.replacing), 'gp', 'the whole value is replaced');
    // Outside the model value: nothing of ours.
    assert.deepEqual(await modelCompletions(uri, new vscode.Position(1, 2)), []);

    // Without a list for the connection: the file's names, then the setting's.
    await api.deployments.delete(setup.connection.id);
    try {
      await settles(uri, ['1:model_mismatch']);
      const plain = await modelCompletions(uri, inside);
      assert.deepEqual(plain.map((i) => [i.label, i.detail]), [['gpt-4o-batch', 'used in this file'], ['gp', 'used in this file'], ['from-setting', 'from settings']]);
    } finally {
      await api.deployments.set(setup.connection.id, resource);
    }
  });

  it('submit offers the batch deployments of the connection when the file\'s deployment is not one', async () => {
    const uri = await writeFile('deployments-submit.jsonl', row('s-1', 'gpt-4o-live'));
    const picks: { title?: string; placeHolder?: string; items: vscode.QuickPickItem[] }[] = [];
    const { value } = await recordingWindow(
      'showQuickPick',
      async () => vscode.commands.executeCommand<JobRecord[]>('azureOpenAIBatch.submit', uri, undefined, { connectionId: setup.connection.id }),
      (items, options) => {
        const list = items as vscode.QuickPickItem[];
        const o = options as vscode.QuickPickOptions;
        picks.push({ title: o.title, placeHolder: o.placeHolder, items: list });
        return picks.length === 1 ? list.find((i) => i.label === 'Use another deployment...') : list.find((i) => i.label === 'gpt-4o-mini-batch');
      },
    );
    assert.equal(picks.length, 2);
    assert.deepEqual(picks[0]!.items.map((i) => i.label), ['Use another deployment...'], 'a Standard deployment is not offered as it is');
    assert.match(picks[0]!.placeHolder ?? '', /"gpt-4o-live" is a Standard deployment/);
    assert.equal(picks[1]!.title, 'Submit to Deployments resource: batch deployment');
    assert.deepEqual(picks[1]!.items.map((i) => [i.label, i.description]), [
      ['gpt-4o-batch', 'gpt-4o 2024-08-06 · GlobalBatch'],
      ['gpt-4o-mini-batch', 'gpt-4o-mini 2024-07-18 · DataZoneBatch'],
      ['Type a deployment name...', undefined],
    ]);
    const [record] = value ?? [];
    assert.ok(record?.batchId, 'the job was created');
    // The emulator has no "gpt-4o-live": the job completes only if the copy went out with the picked deployment.
    const status = await waitFor('the job to end', () => {
      const batch = setup.emulator.batches().find((b) => b.id === record.batchId);
      return batch && ['completed', 'failed'].includes(String(batch.status)) && String(batch.status);
    });
    assert.equal(status, 'completed');
  });
});
