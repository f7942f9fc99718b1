import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { FileObject } from '../../src/core/batch/client';
import type { CleanUpResult } from '../../src/features/files/cleanUpFiles';
import type { GroupRecord } from '../../src/features/groups/groupStore';
import type { JobRecord } from '../../src/features/jobs/jobStore';
import { answering, createOneRequestJob, emulatorConnection, extensionApi, recordingWindow, waitFor, workspaceRoot } from './helpers';

const day = 86_400;

async function connectionItem(connectionId: string): Promise<vscode.TreeItem> {
  const api = await extensionApi();
  const node = api.tree.getChildren().find((n) => n.kind === 'connection' && n.connection.id === connectionId);
  assert.ok(node, 'the connection is in the tree');
  return api.tree.getTreeItem(node);
}

describe('quota and file hygiene: Clean Up Files..., the file count, the submit quota warning', function () {
  this.timeout(120_000);

  describe('Clean Up Files...', () => {
    // Requests take a minute each: a created job stays in progress until it is cancelled.
    let service: Awaited<ReturnType<typeof emulatorConnection>>;
    before(async () => {
      service = await emulatorConnection('Cleanup', 'cleanup-key', { requestDelayMs: 60_000, validatingDelayMs: 20, finalizingDelayMs: 20, cancellingDelayMs: 20 });
    });
    after(async () => service?.close());

    it('offers the files of no active job with size and age, deletes the ones chosen and reports them; the count follows', async () => {
      const api = await extensionApi();
      const { client, connection } = service;
      const finished = await createOneRequestJob(client, 'cleanup-finished');
      await client.cancelBatch(finished.id);
      await waitFor('the first job to be cancelled', async () => (await client.getBatch(finished.id)).status === 'cancelled');
      const running = await createOneRequestJob(client, 'cleanup-running');
      const orphanPath = path.join(workspaceRoot(), 'cleanup-orphan.jsonl');
      await fs.writeFile(orphanPath, '{"custom_id":"o"}\n');
      const orphan = await client.uploadFile(orphanPath);
      // Submitted from the editor: it stays in progress, and its deployment's quota use shows on the connection.
      const submittedPath = path.join(workspaceRoot(), 'cleanup-submitted.jsonl');
      await fs.writeFile(submittedPath, JSON.stringify({ custom_id: 's-1', method: 'POST', url: '/chat/completions', body: { model: 'gpt-4o-batch', messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 } }) + '\n');
      const submittedUri = vscode.Uri.file(submittedPath);
      const [submitted] = (await vscode.commands.executeCommand<JobRecord[]>('azureOpenAIBatch.submit', submittedUri, [submittedUri], { connectionId: connection.id, deployment: 'gpt-4o-batch' }))!;
      assert.ok(submitted?.inputFileId);

      // The connection shows its input files against the cap (the helper's client sets no expiry: 500).
      await api.fileUsage.refresh(connection);
      const before = await connectionItem(connection.id);
      assert.match(String(before.description), /· 4 of 500 input files$/);
      // Markdown: the lines come escaped.
      const tooltip = (before.tooltip as vscode.MarkdownString).value.replace(/\\/g, '');
      assert.match(tooltip, /4 of 500 input files \(3 without an expiry; 10,000 once every upload expires\)/);
      assert.match(tooltip, /gpt-4o-batch: \d+ of 1B enqueued tokens \(0%\)/);

      const offeredItems: { label: string; description?: string; detail?: string; picked?: boolean }[] = [];
      let result: CleanUpResult | undefined;
      const shown = await recordingWindow('showInformationMessage', async () =>
        answering(['Delete'], async (asked) => {
          const picked = await recordingWindow(
            'showQuickPick',
            async () => vscode.commands.executeCommand<CleanUpResult>('azureOpenAIBatch.cleanUpFiles', { kind: 'connection', connection }),
            (items: unknown) => {
              offeredItems.push(...(items as typeof offeredItems));
              return items; // every file offered
            },
          );
          result = picked.value;
          assert.equal(picked.calls.length, 1, 'one quick pick');
          assert.equal((picked.calls[0]![1] as { canPickMany?: boolean }).canPickMany, true);
          assert.equal(asked.length, 1, 'one confirmation');
          assert.match(asked[0]!, /^Delete 2 files \(\d+ bytes\) from Cleanup\?$/);
        }),
      );
      assert.ok(result);
      assert.deepEqual([...result.offered].sort(), [finished.input_file_id, orphan.id].sort(), 'the running job keeps its input');
      assert.ok(!result.offered.includes(running.input_file_id));
      assert.ok(!result.offered.includes(submitted.inputFileId), 'nor the job submitted from the editor');
      assert.deepEqual([...result.deleted].sort(), [...result.offered].sort());
      assert.deepEqual(result.failed, []);
      assert.equal(offeredItems.length, 2);
      for (const item of offeredItems) {
        assert.match(item.description ?? '', /^\d+ bytes · \d+s old$/, 'size and age');
        assert.equal(item.picked, true);
      }
      assert.ok(offeredItems.some((item) => /input of batch_/.test(item.detail ?? '')), 'the finished job is named');
      assert.ok(offeredItems.some((item) => /no job/.test(item.detail ?? '')), 'the orphan upload belongs to no job');
      assert.deepEqual(shown.calls.map((args) => String(args[0])), [`Deleted 2 files (${result.bytes} bytes) from Cleanup.`]);

      const remaining = await client.listFiles();
      assert.deepEqual(remaining.filter((f) => f.purpose === 'batch').map((f) => f.id).sort(), [running.input_file_id, submitted.inputFileId].sort());
      await waitFor('the count to follow', async () => /· 2 of 500 input files$/.test(String((await connectionItem(connection.id)).description)));
      await client.cancelBatch(running.id);
      await client.cancelBatch(submitted.batchId);
    });

    it('names the files it could not delete and deletes the others', async () => {
      const { client, connection, emulator } = service;
      const uploads: FileObject[] = [];
      for (const name of ['cleanup-a.jsonl', 'cleanup-b.jsonl']) {
        const file = path.join(workspaceRoot(), name);
        await fs.writeFile(file, '{"custom_id":"x"}\n');
        uploads.push(await client.uploadFile(file));
      }
      // The first delete is refused (not retried: a 403), the second goes through.
      emulator.faults.add({ kind: 'status', status: 403, operation: 'deleteFile', times: 1 });
      const errors = await recordingWindow('showErrorMessage', async () =>
        vscode.commands.executeCommand<CleanUpResult>('azureOpenAIBatch.cleanUpFiles', connection.id, { fileIds: uploads.map((u) => u.id), confirmed: true }),
      );
      const result = errors.value!;
      // Whichever delete reaches the service first is refused (the two files are equally old: no fixed order).
      assert.equal(result.failed.length, 1);
      const refused = uploads.find((u) => u.id === result.failed[0]!.id)!;
      const other = uploads.find((u) => u !== refused)!;
      assert.ok(refused, 'the refused file is one of the two');
      assert.deepEqual(result.deleted, [other.id]);
      assert.deepEqual(result.failed.map((f) => [f.id, f.name]), [[refused.id, refused.filename]]);
      assert.equal(errors.calls.length, 1);
      assert.match(String(errors.calls[0]![0]), new RegExp(`^Could not delete 1 of the files: ${refused.filename.replace('.', '\\.')} \\(${refused.id}\\): `));
      assert.ok((await client.listFiles()).some((f) => f.id === refused.id), 'the refused file is still there');
      await client.deleteFile(refused.id);
    });

    it('says so when every file belongs to an active job, and deletes nothing', async () => {
      const { client, connection, emulator } = service;
      const running = await createOneRequestJob(client, 'cleanup-only-running');
      // The earlier tests' cancelled jobs write their files as they end: wait for that, or a file written after the
      // deletions below would be offered (a quick pick no one answers) instead of the message this test expects.
      await waitFor('the earlier jobs to end', () => emulator.batches().every((b) => b.id === running.id || ['completed', 'failed', 'cancelled', 'expired'].includes(String(b.status))), 60_000);
      for (const file of await client.listFiles()) {
        // Every other input goes, also those of the editor's jobs: once their jobs are cancelled they are no longer kept.
        if (file.id !== running.input_file_id && file.purpose === 'batch') {
          await client.deleteFile(file.id);
        }
      }
      // Cancelled jobs' output files are not active either: delete them so only the running job's input is left.
      for (const file of (await client.listFiles()).filter((f) => f.purpose !== 'batch')) {
        await client.deleteFile(file.id);
      }
      const shown = await recordingWindow('showInformationMessage', async () => vscode.commands.executeCommand<CleanUpResult>('azureOpenAIBatch.cleanUpFiles', connection.id));
      assert.deepEqual(shown.value?.deleted, []);
      assert.deepEqual(shown.calls.map((args) => String(args[0])), ['Cleanup has no files to clean up: every file belongs to an active job.']);
      await client.cancelBatch(running.id);
    });
  });

  describe('submit: expiry and the enqueued-token quota', () => {
    let service: Awaited<ReturnType<typeof emulatorConnection>>;
    const config = () => vscode.workspace.getConfiguration('azureOpenAIBatch');
    before(async () => {
      service = await emulatorConnection('Quota', 'quota-key', { requestDelayMs: 5, validatingDelayMs: 20, finalizingDelayMs: 20 });
    });
    after(async () => {
      await config().update('quota.enqueuedTokens', undefined, vscode.ConfigurationTarget.Global);
      await config().update('files.expireAfterDays', undefined, vscode.ConfigurationTarget.Global);
      await service?.close();
    });

    async function writeFile(name: string): Promise<vscode.Uri> {
      const lines = [1, 2, 3].map((i) => JSON.stringify({ custom_id: `q-${i}`, method: 'POST', url: '/chat/completions', body: { model: 'gpt-4o-batch', messages: [{ role: 'user', content: `Say ${i}` }], max_tokens: 5 } }));
      const file = path.join(workspaceRoot(), name);
      await fs.writeFile(file, lines.join('\n') + '\n');
      return vscode.Uri.file(file);
    }

    it('warns before a file exceeds the deployment quota: Cancel stops, Submit Anyway submits, Split and Queue sends parts that fit', async () => {
      const api = await extensionApi();
      const { connection } = service;
      // About 43 tokens a line (a quarter of its bytes plus max_tokens), 130 for the file: over a quota of 100.
      await config().update('quota.enqueuedTokens', { 'gpt-4o-batch': 100 }, vscode.ConfigurationTarget.Global);
      const uri = await writeFile('over-quota.jsonl');
      const submit = async () => vscode.commands.executeCommand<(JobRecord | GroupRecord)[]>('azureOpenAIBatch.submit', uri, [uri], { connectionId: connection.id, deployment: 'gpt-4o-batch' });

      const cancelled = await answering([undefined], async (asked) => ({ value: await submit(), asked }));
      assert.deepEqual(cancelled.value, []);
      assert.equal(cancelled.asked.length, 1);
      assert.match(cancelled.asked[0]!, /^This file needs about 1\d\d tokens; deployment gpt-4o-batch has 100 of 100 left\.$/);

      const anyway = await answering(['Submit Anyway'], () => submit());
      const job = anyway?.[0] as JobRecord;
      assert.ok(job && 'batchId' in job && job.batchId, 'a job was created');
      assert.equal(job.deployment, 'gpt-4o-batch');
      assert.ok(job.tokens! > 100, `the job keeps its estimate (${job.tokens})`);
      assert.equal(job.enqueued?.max, 1_000_000_000, "the create's header is kept (the emulator's default quota)");

      const split = await answering(['Split and Queue'], () => submit());
      const group = split?.[0] as GroupRecord;
      assert.ok(group && 'state' in group, 'a job group was created');
      assert.equal(group.state.tokenLimit, 100);
      assert.ok(group.state.parts.length >= 2 && group.state.parts.every((part) => part.tokens <= 100), 'every part fits the quota');
      await waitFor('the group to finish', () => api.groups.get(group.state.id)?.finished, 90_000);
    });

    it('asks nothing when the file fits, and its upload expires after the configured days', async () => {
      const api = await extensionApi();
      const { connection, client } = service;
      await config().update('quota.enqueuedTokens', { 'gpt-4o-batch': 1_000_000 }, vscode.ConfigurationTarget.Global);
      await config().update('files.expireAfterDays', 20, vscode.ConfigurationTarget.Global);
      const uri = await writeFile('fits-quota.jsonl');
      const result = await answering([], async (asked) => {
        const records = await vscode.commands.executeCommand<JobRecord[]>('azureOpenAIBatch.submit', uri, [uri], { connectionId: connection.id, deployment: 'gpt-4o-batch' });
        assert.deepEqual(asked, []);
        return records;
      });
      const job = result?.[0];
      assert.ok(job?.inputFileId);
      const file = await client.getFile(job.inputFileId);
      assert.equal(file.expires_at, file.created_at + 20 * day);
      // Every upload of this connection came from the extension, with an expiry: the cap is 10,000.
      await api.fileUsage.refresh(connection);
      assert.match(String((await connectionItem(connection.id)).description), /· \d+ of 10,000 input files$/);
    });
  });
});
