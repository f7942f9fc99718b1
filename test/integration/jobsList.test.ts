import * as assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { BatchClient, type Batch } from '../../src/core/batch/client';
import type { Connection } from '../../src/features/connections/connectionStore';
import type { GroupRecord } from '../../src/features/groups/groupStore';
import type { JobsNode, JobsTreeProvider } from '../../src/features/jobs/jobsTree';
import type { JobRecord } from '../../src/features/jobs/jobStore';
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { extensionApi, waitFor, workspaceRoot } from './helpers';

const chat = (id: string, content: string) =>
  JSON.stringify({ custom_id: id, method: 'POST', url: '/chat/completions', body: { model: 'gpt-4o-batch', messages: [{ role: 'user', content }], max_tokens: 20 } });

type JobNode = Extract<JobsNode, { kind: 'job' }>;
type GroupNode = Extract<JobsNode, { kind: 'group' }>;

/** The nodes right under a connection, as the view shows them. */
function topLevel(tree: JobsTreeProvider, connection: Connection): JobsNode[] {
  const node = tree.getChildren().find((n) => n.kind === 'connection' && n.connection.id === connection.id);
  assert.ok(node, 'the connection is in the tree');
  return tree.getChildren(node);
}

function topJobIds(tree: JobsTreeProvider, connection: Connection): string[] {
  return topLevel(tree, connection)
    .filter((n): n is JobNode => n.kind === 'job')
    .map((n) => n.view.batchId);
}

function jobNode(tree: JobsTreeProvider, connection: Connection, batchId: string): JobNode | undefined {
  return topLevel(tree, connection).find((n): n is JobNode => n.kind === 'job' && n.view.batchId === batchId);
}

/** Every error message the extension shows while `action` runs. */
async function errorsShownDuring(action: () => Thenable<unknown>): Promise<string[]> {
  const shown: string[] = [];
  const original = vscode.window.showErrorMessage;
  (vscode.window as { showErrorMessage: unknown }).showErrorMessage = (message: string) => {
    shown.push(message);
    return Promise.resolve(undefined);
  };
  try {
    await action();
  } finally {
    (vscode.window as { showErrorMessage: unknown }).showErrorMessage = original;
  }
  return shown;
}

/** The emulator's jobs, in the service's shape. */
const servedBatches = (emulator: RunningEmulator) => emulator.batches() as unknown as Batch[];

describe('the jobs tree tells the truth', function () {
  this.timeout(180_000);
  const apiKey = 'jobs-list-key-93c1';
  let emulator: RunningEmulator;
  let connection: Connection;

  before(async () => {
    emulator = await startEmulator({ port: 0, apiKey, requestDelayMs: 10, validatingDelayMs: 50, finalizingDelayMs: 50 });
    connection = (await vscode.commands.executeCommand<Connection>('azureOpenAIBatch.addConnection', { name: 'Jobs list', endpoint: emulator.url, apiVersion: '2025-04-01-preview', auth: 'apiKey', apiKey, skipCheck: true }))!;
  });
  after(async () => {
    await vscode.workspace.getConfiguration('azureOpenAIBatch').update('split.maxEnqueuedTokens', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('azureOpenAIBatch.removeConnection', connection.id, true);
    await emulator?.close();
  });

  async function submitAndFinish(name: string, rows: string[]): Promise<JobRecord> {
    const api = await extensionApi();
    const file = path.join(workspaceRoot(), name);
    await fs.writeFile(file, rows.join('\n') + '\n');
    const [record] = (await vscode.commands.executeCommand<JobRecord[]>('azureOpenAIBatch.submit', vscode.Uri.file(file), undefined, { connectionId: connection.id, deployment: 'gpt-4o-batch' }))!;
    assert.ok(record?.batchId, `${name} was submitted`);
    await waitFor(`${name} to finish`, () => api.jobs.store.find(connection.id, record.batchId)?.snapshot?.status === 'completed', 60_000);
    return record;
  }

  it('shows the parts of a split file only under their group: while it runs, once the listing brings their batches in, and after a reload', async () => {
    const api = await extensionApi();
    // Two rows' worth of estimated tokens per part: six rows go out as three parts.
    await vscode.workspace.getConfiguration('azureOpenAIBatch').update('split.maxEnqueuedTokens', 130, vscode.ConfigurationTarget.Global);
    const file = path.join(workspaceRoot(), 'split-six.jsonl');
    await fs.writeFile(file, [1, 2, 3, 4, 5, 6].map((i) => chat(`g-${i}`, `Say ${i}`)).join('\n') + '\n');
    const uri = vscode.Uri.file(file);
    const [group] = (await vscode.commands.executeCommand<GroupRecord[]>('azureOpenAIBatch.submit', uri, [uri], { connectionId: connection.id, split: true }))!;
    assert.ok(group && 'state' in group, 'the file became a job group');
    assert.equal(group.state.parts.length, 3);

    // While the parts run, list the connection again and again: a part's batch may arrive in the listing
    // before the group has saved its id.
    const finished = await waitFor(
      'the group to finish',
      async () => {
        await api.jobs.refresh(connection);
        const listed = new Set(api.jobs.listing(connection.id)?.jobs.map((b) => b.id));
        const parts = servedBatches(emulator).filter((b) => (b.metadata as Record<string, string> | undefined)?.group_id === group.state.id);
        const shownAsJobs = topJobIds(api.tree, connection).filter((id) => parts.some((p) => p.id === id));
        assert.deepEqual(shownAsJobs, [], `parts listed by the service (${parts.filter((p) => listed.has(p.id)).length}) are not top-level jobs`);
        const current = api.groups.get(group.state.id)!;
        return current.finished ? current : undefined;
      },
      120_000,
    );
    const partIds = finished.state.parts.map((p) => p.batchId!);
    const listed = api.jobs.listing(connection.id)!.jobs.map((b) => b.id);
    assert.ok(partIds.every((id) => listed.includes(id)), 'the service listing holds every part');

    const groupNodes = topLevel(api.tree, connection).filter((n): n is GroupNode => n.kind === 'group' && n.group.state.id === group.state.id);
    assert.equal(groupNodes.length, 1, 'one group node');
    assert.deepEqual(api.tree.getChildren(groupNodes[0]).map((n) => (n.kind === 'part' ? n.part.batchId : n.kind)), partIds, 'its parts beneath it');
    assert.deepEqual(topJobIds(api.tree, connection).filter((id) => partIds.includes(id)), [], 'no part at the top level');

    // A finished group's duration stays what it was.
    const description = () => String(api.tree.getTreeItem(topLevel(api.tree, connection).find((n) => n.kind === 'group' && n.group.state.id === group.state.id)!).description);
    const first = description();
    assert.match(first, /^completed · 6\/6 · 3 parts: 3 done, 0 running, 0 queued · \d+s$/);
    const times = finished.state.parts.map((p) => [p.createdAt, p.finishedAt]);
    assert.ok(times.every(([created, done]) => created !== undefined && done !== undefined && done >= created), 'each part has its service times');
    await new Promise((resolve) => setTimeout(resolve, 2100));
    assert.equal(description(), first, 'the duration does not keep growing');

    // A reload: a new model and tree over the same saved state, with a fresh listing.
    assert.ok(api.reopenJobs, 'the test host exposes a reload of the jobs view');
    const reopened = api.reopenJobs();
    try {
      await reopened.jobs.refresh(connection);
      assert.ok(partIds.every((id) => reopened.jobs.listing(connection.id)!.jobs.some((b) => b.id === id)));
      assert.deepEqual(topJobIds(reopened.tree, connection).filter((id) => partIds.includes(id)), []);
      assert.equal(topLevel(reopened.tree, connection).filter((n) => n.kind === 'group' && n.group.state.id === group.state.id).length, 1);
      assert.equal(String(reopened.tree.getTreeItem(topLevel(reopened.tree, connection).find((n) => n.kind === 'group')!).description), first);
    } finally {
      reopened.dispose();
    }

    // Removing the group from the list does not bring its parts back as jobs.
    await vscode.commands.executeCommand('azureOpenAIBatch.removeGroup', group.state.id);
    await api.jobs.refresh(connection);
    assert.equal(topLevel(api.tree, connection).filter((n) => n.kind === 'group').length, 0);
    assert.deepEqual(topJobIds(api.tree, connection).filter((id) => partIds.includes(id)), []);
    await vscode.workspace.getConfiguration('azureOpenAIBatch').update('split.maxEnqueuedTokens', undefined, vscode.ConfigurationTarget.Global);
  });

  it('"Remove from List" removes a job for good: after the next listing, polls and a reload; jobs created elsewhere too', async () => {
    const api = await extensionApi();
    const mine = await submitAndFinish('remove-me.jsonl', [chat('r-1', 'hello')]);
    // A job created by a script: the extension only knows it from the service's listing.
    const client = new BatchClient({ endpoint: emulator.url, apiVersion: '2025-04-01-preview', credential: { kind: 'apiKey', apiKey } });
    const input = path.join(workspaceRoot(), 'elsewhere.jsonl');
    await fs.writeFile(input, chat('e-1', 'from a script') + '\n');
    const uploaded = await client.uploadFile(input);
    await client.waitForFileProcessed(uploaded.id, { pollMs: 50 });
    const { batch: elsewhere } = await client.createBatch({ inputFileId: uploaded.id, endpoint: '/chat/completions' });
    await vscode.commands.executeCommand('azureOpenAIBatch.refreshConnection', connection.id);
    for (const id of [mine.batchId, elsewhere.id]) {
      assert.ok(jobNode(api.tree, connection, id), `${id} is listed before`);
    }

    for (const id of [mine.batchId, elsewhere.id]) {
      await vscode.commands.executeCommand('azureOpenAIBatch.removeJob', jobNode(api.tree, connection, id));
      assert.equal(jobNode(api.tree, connection, id), undefined, `${id} left the list`);
    }
    assert.equal(api.jobs.store.find(connection.id, mine.batchId), undefined, 'its record is gone');

    // The service still lists both; the list does not bring them back.
    await vscode.commands.executeCommand('azureOpenAIBatch.refreshConnection', connection.id);
    await api.jobs.refreshActive(connection);
    const listed = api.jobs.listing(connection.id)!.jobs.map((b) => b.id);
    assert.ok(listed.includes(mine.batchId) && listed.includes(elsewhere.id), 'the service still lists them');
    assert.deepEqual(topJobIds(api.tree, connection).filter((id) => id === mine.batchId || id === elsewhere.id), []);

    const reopened = api.reopenJobs!();
    try {
      await reopened.jobs.refresh(connection);
      assert.ok(reopened.jobs.listing(connection.id)!.jobs.some((b) => b.id === elsewhere.id));
      assert.deepEqual(topJobIds(reopened.tree, connection).filter((id) => id === mine.batchId || id === elsewhere.id), [], 'still gone after a reload');
    } finally {
      reopened.dispose();
    }
  });

  it('"Delete Files on the Service…" drops the files from the job, stops offering its results and says why a download cannot work', async () => {
    const api = await extensionApi();
    const record = await submitAndFinish('delete-files.jsonl', [chat('d-1', 'fine'), chat('d-2', 'breaks [[fail:500]]')]);
    await vscode.commands.executeCommand('azureOpenAIBatch.refreshConnection', connection.id);
    const before = jobNode(api.tree, connection, record.batchId)!;
    assert.deepEqual(api.tree.getChildren(before).filter((n) => n.kind === 'file').map((n) => (n.kind === 'file' ? n.role : '')), ['input', 'output', 'errors']);
    assert.match(String(api.tree.getTreeItem(before).contextValue), /:results/);
    const served = servedBatches(emulator).find((b) => b.id === record.batchId)!;
    const fileIds = [served.input_file_id, served.output_file_id, served.error_file_id] as string[];

    const deleted = await vscode.commands.executeCommand<number>('azureOpenAIBatch.deleteRemoteFiles', { connectionId: connection.id, batchId: record.batchId }, true);
    assert.equal(deleted, 3);
    assert.ok(fileIds.every((id) => !emulator.files().some((f) => f.id === id)), 'the files are gone from the service');

    // The service still names the files in the job; after a new listing the tree does not.
    await vscode.commands.executeCommand('azureOpenAIBatch.refreshConnection', connection.id);
    assert.equal(api.jobs.listing(connection.id)!.jobs.find((b) => b.id === record.batchId)?.output_file_id, served.output_file_id);
    const after = jobNode(api.tree, connection, record.batchId)!;
    assert.ok(after, 'the job itself stays listed');
    assert.deepEqual(api.tree.getChildren(after).filter((n) => n.kind === 'file'), [], 'no file nodes');
    const item = api.tree.getTreeItem(after);
    assert.doesNotMatch(String(item.contextValue), /:results/, 'Download Results is not offered');
    assert.match((item.tooltip as vscode.MarkdownString).value, /Deleted on the service: input file, output file, error file/);

    // Asked anyway (from a notification or a script): a clear message, no 404, nothing written.
    const shown = await errorsShownDuring(() => vscode.commands.executeCommand('azureOpenAIBatch.downloadResults', { connectionId: connection.id, batchId: record.batchId }, { overwrite: true }));
    assert.equal(shown.length, 1, shown.join('\n'));
    assert.match(shown[0]!, /were deleted from the service/);
    assert.doesNotMatch(shown[0]!, /404/);
    assert.ok(!existsSync(path.join(workspaceRoot(), 'delete-files.results', 'delete-files.output.jsonl')), 'nothing was downloaded');
    assert.equal(await vscode.commands.executeCommand<number>('azureOpenAIBatch.deleteRemoteFiles', { connectionId: connection.id, batchId: record.batchId }, true), 0, 'nothing left to delete');

    const reopened = api.reopenJobs!();
    try {
      await reopened.jobs.refresh(connection);
      const node = topLevel(reopened.tree, connection).find((n): n is JobNode => n.kind === 'job' && n.view.batchId === record.batchId)!;
      assert.deepEqual(reopened.tree.getChildren(node).filter((n) => n.kind === 'file'), [], 'still without files after a reload');
    } finally {
      reopened.dispose();
    }
  });
});
