import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BatchClient, FileExistsError, type Batch } from '../../src/core/batch/client';
import { BatchServiceError, OperationCancelledError } from '../../src/core/batch/errors';
import { isTerminal, jobState } from '../../src/core/batch/status';
import type { RunningEmulator } from '../../src/emulator/index';
import { emulatorClient, useEmulator } from './emulatorFixture';
import { scratch } from './emulatorHelpers';
import { requests } from './helpers';

const quickRetry = { retries: 4, baseDelayMs: 20, maxDelayMs: 100 };

function clientFor(emulator: RunningEmulator, apiVersion = '2025-04-01-preview', timeoutMs?: number): BatchClient {
  return emulatorClient(emulator, { apiVersion, timeoutMs, retry: quickRetry });
}

async function finish(client: BatchClient, id: string): Promise<Batch> {
  for (;;) {
    const batch = await client.getBatch(id);
    if (isTerminal(batch.status)) {
      return batch;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('BatchClient against the emulator', function () {
  this.timeout(30_000);
  let emulator: RunningEmulator;
  let files: ReturnType<typeof scratch>;
  let input: string;

  const fixture = useEmulator({}, { each: true, onStart: (started) => (emulator = started) });
  beforeEach(async () => {
    files = scratch();
    input = files.write('input.jsonl', requests(5).join('\n') + '\n');
  });
  afterEach(async () => {
    files.cleanup();
  });

  async function uploaded(client: BatchClient): Promise<string> {
    const file = await client.uploadFile(input);
    await client.waitForFileProcessed(file.id, { pollMs: 20 });
    return file.id;
  }

  for (const apiVersion of ['2024-10-21', '2025-04-01-preview', 'v1']) {
    it(`runs the whole loop on api-version ${apiVersion}`, async () => {
      const client = clientFor(emulator, apiVersion);
      const progress: number[] = [];
      const file = await client.uploadFile(input, { onProgress: (sent) => progress.push(sent) });
      assert.equal(progress[progress.length - 1], readFileSync(input).length, 'progress reaches every byte');
      await client.waitForFileProcessed(file.id, { pollMs: 20 });
      const created = await client.createBatch({ inputFileId: file.id, endpoint: '/chat/completions', metadata: { source_file: 'input.jsonl' } });
      assert.equal(created.adopted, false);
      assert.equal(created.batch.metadata?.submission_id, created.submissionId);
      if (apiVersion === '2024-10-21') {
        assert.equal(created.maxEnqueuedTokens, undefined);
      } else {
        assert.ok((created.maxEnqueuedTokens ?? 0) > 0, 'the 201 headers report the quota');
      }
      const done = await finish(client, created.batch.id);
      assert.equal(jobState(done.status, done.request_counts).phase, 'succeeded');
      const destination = join(files.dir, 'input.output.jsonl');
      const bytes = await client.downloadFile(done.output_file_id!, destination);
      assert.ok(bytes > 0);
      assert.equal(readFileSync(destination, 'utf8').trim().split('\n').length, 5);
      const listed = await client.listAllBatches();
      assert.ok(listed.some((b) => b.id === done.id));
    });
  }

  it('pages through every job', async () => {
    const client = clientFor(emulator);
    const fileId = await uploaded(client);
    for (let i = 0; i < 5; i++) {
      await client.createBatch({ inputFileId: fileId, endpoint: '/chat/completions' });
    }
    const first = await client.listBatches({ limit: 2 });
    assert.equal(first.data.length, 2);
    assert.equal(first.hasMore, true);
    assert.equal((await client.listAllBatches()).length, 5);
  });

  it('creates a job at most once when the answer to the create is lost', async () => {
    const client = clientFor(emulator);
    const fileId = await uploaded(client);
    emulator.faults.add({ kind: 'dropResponse', operation: 'create' });
    const created = await client.createBatch({ inputFileId: fileId, endpoint: '/chat/completions' });
    assert.equal(created.adopted, true, 'the job was found by its submission id');
    assert.equal(emulator.batches().length, 1, 'exactly one job exists');
    assert.equal(emulator.stats.create, 1);
  });

  it('retries a create answered with 500 and still creates one job', async () => {
    const client = clientFor(emulator);
    const fileId = await uploaded(client);
    emulator.faults.add({ kind: 'status', status: 500, operation: 'create', times: 2 });
    const created = await client.createBatch({ inputFileId: fileId, endpoint: '/chat/completions' });
    assert.ok(created.batch.id);
    assert.equal(emulator.batches().length, 1);
  });

  it('waits as long as Retry-After asks on 429', async () => {
    const client = clientFor(emulator);
    emulator.faults.add({ kind: 'status', status: 429, retryAfterSeconds: 1, operation: 'listBatches' });
    const started = Date.now();
    await client.listBatches();
    assert.ok(Date.now() - started >= 950, `waited ${Date.now() - started} ms`);
    assert.equal(emulator.stats.listBatches, 2);
  });

  it('does not retry a request the service refused, and keeps its message and code', async () => {
    const client = clientFor(emulator);
    await assert.rejects(client.createBatch({ inputFileId: 'file-00000000000000000000000000000000', endpoint: '/chat/completions' }), (error: unknown) => {
      assert.ok(error instanceof BatchServiceError);
      assert.ok(error.status !== undefined && error.status >= 400 && error.status < 500);
      assert.equal(error.retryable, false);
      assert.ok(error.message.length > 10);
      return true;
    });
    assert.equal(emulator.stats.create, 1);
  });

  it('survives uploads and downloads cut off midway', async () => {
    const client = clientFor(emulator);
    emulator.faults.add({ kind: 'dropUpload', operation: 'upload', afterBytes: 100 });
    const fileId = await uploaded(client);
    assert.equal(emulator.stats.upload, 2);
    const created = await client.createBatch({ inputFileId: fileId, endpoint: '/chat/completions' });
    const done = await finish(client, created.batch.id);
    emulator.faults.add({ kind: 'dropDownload', operation: 'content', afterBytes: 50 });
    const destination = join(files.dir, 'out.jsonl');
    await client.downloadFile(done.output_file_id!, destination);
    assert.equal(readFileSync(destination, 'utf8').trim().split('\n').length, 5);
    assert.deepEqual(readdirSync(files.dir).filter((name) => name.includes('partial')), [], 'no partial file is left');
  });

  it('times out a slow answer and tries again', async () => {
    const client = clientFor(emulator, '2025-04-01-preview', 300);
    emulator.faults.add({ kind: 'delay', delayMs: 1000, operation: 'listBatches' });
    await client.listBatches();
    assert.equal(emulator.stats.listBatches, 2);
  });

  it('never replaces an existing file unless asked', async () => {
    const client = clientFor(emulator);
    const fileId = await uploaded(client);
    const destination = files.write('existing.jsonl', 'keep me\n');
    await assert.rejects(client.downloadFile(fileId, destination), FileExistsError);
    assert.equal(readFileSync(destination, 'utf8'), 'keep me\n');
    await client.downloadFile(fileId, destination, { overwrite: true });
    assert.equal(readFileSync(destination, 'utf8'), readFileSync(input, 'utf8'));
  });

  it('cancels a running job and stops on an aborted signal', async () => {
    await fixture.restart({ requestDelayMs: 300 });
    const client = clientFor(emulator);
    const fileId = await uploaded(client);
    const created = await client.createBatch({ inputFileId: fileId, endpoint: '/chat/completions' });
    const cancelling = await client.cancelBatch(created.batch.id);
    assert.ok(['cancelling', 'cancelled'].includes(cancelling.status));
    assert.equal((await finish(client, created.batch.id)).status, 'cancelled');
    const abort = new AbortController();
    abort.abort();
    await assert.rejects(client.listBatches({ signal: abort.signal }), OperationCancelledError);
  });

  it('deletes files, treating an already deleted file as done', async () => {
    const client = clientFor(emulator);
    const fileId = await uploaded(client);
    await client.deleteFile(fileId);
    await client.deleteFile(fileId);
    assert.ok(!existsSync(join(emulator.dataDir, fileId)));
  });
});
