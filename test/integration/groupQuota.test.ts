import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { PartState } from '../../src/core/batch/groupRunner';
import type { GroupRecord } from '../../src/features/groups/groupStore';
import { answering, emulatorConnection, extensionApi, workspaceRoot } from './helpers';

// The parts of a job group that the service holds count towards their deployment's enqueued-token use, as jobs do:
// in the submit flow's quota warning and in the connection's tooltip. Queued parts and parts on another
// deployment do not count for this one.

describe('quota: the running parts of a job group count towards their deployment', function () {
  this.timeout(90_000);
  let service: Awaited<ReturnType<typeof emulatorConnection>>;
  const config = () => vscode.workspace.getConfiguration('azureOpenAIBatch');
  before(async () => {
    service = await emulatorConnection('Group quota', 'group-quota-key', { requestDelayMs: 5, validatingDelayMs: 20, finalizingDelayMs: 20 });
  });
  after(async () => {
    await config().update('quota.enqueuedTokens', undefined, vscode.ConfigurationTarget.Global);
    await service?.close();
  });

  it('counts a part being created or running on the deployment, not a queued one nor one on another deployment', async () => {
    const api = await extensionApi();
    const { connection } = service;
    await config().update('quota.enqueuedTokens', { 'gpt-4o-batch': 1000, 'other-batch': 1000 }, vscode.ConfigurationTarget.Global);
    const source = path.join(workspaceRoot(), 'group-quota-source.jsonl');
    const part = (index: number, fields: Partial<PartState>): PartState => ({ index, path: `${source}.part-${index}`, requests: 1, tokens: 0, status: 'queued', submissionId: `sub-${index}`, attempts: 0, ...fields });
    const group: GroupRecord = {
      connectionId: connection.id,
      sourceUri: vscode.Uri.file(source).toString(),
      finished: false,
      state: {
        id: 'group_quota-parts-test',
        name: 'group-quota-source.jsonl',
        sourcePath: source,
        endpoint: '/chat/completions',
        createdAt: Math.floor(Date.now() / 1000),
        maxParallel: 4,
        parts: [
          part(1, { tokens: 600, deployment: 'gpt-4o-batch', status: 'running', batchId: 'batch_part_1', batchStatus: 'in_progress' }),
          part(2, { tokens: 300, deployment: 'gpt-4o-batch', status: 'submitting' }),
          part(3, { tokens: 5000, deployment: 'gpt-4o-batch', status: 'queued' }),
          part(4, { tokens: 5000, deployment: 'gpt-4o-batch', status: 'done', batchId: 'batch_part_4', batchStatus: 'completed' }),
          part(5, { tokens: 700, deployment: 'other-batch', status: 'running', batchId: 'batch_part_5', batchStatus: 'in_progress' }),
        ],
      },
    };
    await api.groups.save(group);
    try {
      const lines = [1, 2, 3].map((i) => JSON.stringify({ custom_id: `g-${i}`, method: 'POST', url: '/chat/completions', body: { model: 'gpt-4o-batch', messages: [{ role: 'user', content: `Say ${i}` }], max_tokens: 5 } }));
      const file = path.join(workspaceRoot(), 'group-quota.jsonl');
      await fs.writeFile(file, lines.join('\n') + '\n');
      const uri = vscode.Uri.file(file);
      // About 130 tokens against the 100 left of 1,000 once the running and submitting parts (600 + 300) count.
      const asked = await answering([undefined], async (questions) => {
        await vscode.commands.executeCommand('azureOpenAIBatch.submit', uri, [uri], { connectionId: connection.id, deployment: 'gpt-4o-batch' });
        return questions;
      });
      assert.equal(asked.length, 1, `one quota warning: ${asked.join(' | ')}`);
      assert.match(asked[0]!, /^This file needs about 1\d\d tokens; deployment gpt-4o-batch has 100 of 1K left\.$/);

      const node = api.tree.getChildren().find((n) => n.kind === 'connection' && n.connection.id === connection.id);
      assert.ok(node, 'the connection is in the tree');
      const tooltip = (api.tree.getTreeItem(node).tooltip as vscode.MarkdownString).value.replace(/\\/g, '');
      assert.match(tooltip, /gpt-4o-batch: 900 of 1K enqueued tokens \(90%\)/);
      assert.match(tooltip, /other-batch: 700 of 1K enqueued tokens \(70%\)/);
    } finally {
      await api.groups.remove(group.state.id);
    }
  });
});
