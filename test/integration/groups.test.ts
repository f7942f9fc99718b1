import * as assert from 'node:assert/strict';
import { createWriteStream, promises as fs } from 'node:fs';
import { once } from 'node:events';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Connection } from '../../src/features/connections/connectionStore';
import type { GroupDownload } from '../../src/features/groups/groupResults';
import type { GroupRecord } from '../../src/features/groups/groupStore';
import type { JobsNode } from '../../src/features/jobs/jobsTree';
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { extensionApi, waitFor, workspaceRoot } from './helpers';

const rows = 250_000;

async function writeBigFile(file: string): Promise<void> {
  const out = createWriteStream(file);
  for (let i = 0; i < rows; i++) {
    const line = `{"custom_id":"r-${i}","method":"POST","url":"/chat/completions","body":{"model":"gpt-4o-batch","messages":[{"role":"user","content":"Label item ${i}"}],"max_tokens":5}}\n`;
    if (!out.write(line)) {
      await once(out, 'drain');
    }
  }
  out.end();
  await once(out, 'close');
}

describe('job groups: a file over the limits, split and queued by quota', function () {
  this.timeout(400_000);
  let emulator: RunningEmulator;
  let connection: Connection;

  before(async () => {
    // The quota holds one part's tokens at a time, so three parts must go in three waves.
    emulator = await startEmulator({ port: 0, apiKey: 'group-key', requestDelayMs: 0, validatingDelayMs: 50, finalizingDelayMs: 50, maxEnqueuedTokens: 3_000_000 });
    connection = (await vscode.commands.executeCommand<Connection>('azureOpenAIBatch.addConnection', { name: 'Quota-limited', endpoint: emulator.url, apiVersion: '2025-04-01-preview', auth: 'apiKey', apiKey: 'group-key', skipCheck: true }))!;
  });
  after(async () => {
    await emulator?.close();
  });

  it('submits a 250,000-row file through the Explorer command in waves and merges one result file', async () => {
    const api = await extensionApi();
    const file = path.join(workspaceRoot(), 'huge.jsonl');
    await writeBigFile(file);
    const uri = vscode.Uri.file(file);
    const [group] = (await vscode.commands.executeCommand<GroupRecord[]>('azureOpenAIBatch.submit', uri, [uri], { connectionId: connection.id, deployment: 'gpt-4o-batch', split: true }))!;
    assert.ok(group && 'state' in group, 'the file became a job group');
    assert.deepEqual(group.state.parts.map((p) => p.requests), [100_000, 100_000, 50_000]);

    // Watch the queue: parts must not all run at once.
    const started = new Set<number>();
    let waves = 0;
    let maxRunning = 0;
    const finished = await waitFor(
      'the group to finish',
      () => {
        const current = api.groups.get(group.state.id)!;
        const running = current.state.parts.filter((p) => p.status === 'running' || p.status === 'submitting');
        maxRunning = Math.max(maxRunning, running.length);
        for (const part of running) {
          if (!started.has(part.index)) {
            started.add(part.index);
            waves++;
          }
        }
        return current.finished ? current : undefined;
      },
      360_000,
    );
    assert.ok(waves >= 3, `${waves} waves`);
    assert.equal(maxRunning, 1, 'the quota never held two parts at once');
    assert.ok(finished.state.parts.every((p) => p.batchStatus === 'completed'));

    const connectionNode = api.tree.getChildren().find((n) => n.kind === 'connection' && n.connection.id === connection.id)!;
    const groupNode = api.tree.getChildren(connectionNode).find((n): n is Extract<JobsNode, { kind: 'group' }> => n.kind === 'group' && n.group.state.id === group.state.id)!;
    assert.ok(groupNode, 'the group has one node in the tree');
    assert.match(String(api.tree.getTreeItem(groupNode).description), /^completed · 250,000\/250,000 · 3 parts: 3 done/);
    assert.equal(api.tree.getChildren(groupNode).length, 3);
    await vscode.commands.executeCommand('azureOpenAIBatch.refreshConnection', connection.id);
    const partIds = new Set(finished.state.parts.map((p) => p.batchId));
    const topJobs = api.tree.getChildren(connectionNode).filter((n) => n.kind === 'job' && partIds.has(n.view.batchId));
    assert.deepEqual(topJobs, [], 'the parts are shown under the group only, also once the listing brings them in');

    const merged = (await vscode.commands.executeCommand<GroupDownload>('azureOpenAIBatch.downloadGroupResults', group.state.id))!;
    assert.equal(merged.results, path.join(workspaceRoot(), 'huge.results', 'huge.results.jsonl'), 'the group has one results folder');
    assert.equal(merged.summary.total, rows);
    assert.equal(merged.summary.succeeded, rows);
    const text = await fs.readFile(merged.results, 'utf8');
    const lines = text.trimEnd().split('\n');
    assert.equal(lines.length, rows, 'one line per request');
    for (const i of [0, 99_999, 100_000, 199_999, 200_000, rows - 1]) {
      assert.equal((JSON.parse(lines[i]!) as { custom_id: string }).custom_id, `r-${i}`, `line ${i} in input order`);
    }
    assert.equal(new Set(lines.map((l) => l.slice(0, l.indexOf('","status')))).size, rows, 'every request exactly once');
  });
});
