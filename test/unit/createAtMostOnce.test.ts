import * as assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BatchClient, type LookupOptions } from '../../src/core/batch/client';
import { BatchServiceError, SubmissionMayExistError } from '../../src/core/batch/errors';
import { GroupRunner, newGroup } from '../../src/core/batch/groupRunner';
import { splitFile } from '../../src/core/batch/split';
import type { RunningEmulator } from '../../src/emulator/index';
import { emulatorClient, useEmulator } from './emulatorFixture';
import { scratch } from './emulatorHelpers';
import { requests } from './helpers';

// The two double-creates of one submission id, reproduced with the emulator's faults: (a) the service finishes
// the create after the client's timeout (or after a 504), (b) the answer is lost and hundreds of newer jobs
// appear before the lookup. Each must end with exactly one job, adopted; a job never found must stop with
// SubmissionMayExistError and no second create.

const quickRetry = { retries: 3, baseDelayMs: 20, maxDelayMs: 100 };
const quickLookup: Partial<LookupOptions> = { windowMs: 4000, firstDelayMs: 100, maxDelayMs: 400 };

function clientFor(emulator: RunningEmulator, options: { timeoutMs?: number; lookup?: Partial<LookupOptions>; apiVersion?: string } = {}): BatchClient {
  return emulatorClient(emulator, { apiVersion: options.apiVersion, timeoutMs: options.timeoutMs, retry: quickRetry, client: { lookup: options.lookup ?? quickLookup } });
}

const withSubmission = (emulator: RunningEmulator, id: string) => emulator.batches().filter((b) => (b.metadata as Record<string, string> | null)?.submission_id === id);

describe('at-most-once job creation under unclear answers', function () {
  this.timeout(60_000);
  let emulator: RunningEmulator;
  let files: ReturnType<typeof scratch>;
  let fileId: string;

  useEmulator({ maxEnqueuedTokens: 1e12 }, { each: true, onStart: (started) => (emulator = started) });
  beforeEach(async () => {
    files = scratch();
    const client = clientFor(emulator);
    const file = await client.uploadFile(files.write('input.jsonl', requests(2).join('\n') + '\n'));
    await client.waitForFileProcessed(file.id, { pollMs: 20 });
    fileId = file.id;
    emulator.resetStats();
  });
  afterEach(async () => {
    files.cleanup();
  });

  it('(a) adopts a job the service creates after the client timed out, and never sends the create again', async () => {
    emulator.faults.add({ kind: 'executeLate', operation: 'create', delayMs: 900 });
    const client = clientFor(emulator, { timeoutMs: 300 });
    const unclear: string[] = [];
    const created = await client.createBatch({ inputFileId: fileId, endpoint: '/chat/completions', submissionId: 'late-1', onUnclearAnswer: (e) => unclear.push(e.code ?? '') });
    assert.equal(created.adopted, true);
    assert.deepEqual(unclear, ['timeout']);
    assert.equal(emulator.stats.create, 1, 'one create request, never a second');
    assert.equal(withSubmission(emulator, 'late-1').length, 1, 'exactly one job');
    assert.equal(created.batch.id, withSubmission(emulator, 'late-1')[0]!.id);
    assert.ok(emulator.stats.listBatches >= 2, 'the first lookups found nothing yet: it looked again');
  });

  it('(a) looks for the whole window after the timeout, however long the timeout took', async () => {
    // The window (1.5 s) is shorter than the timeout (2 s): counted from the attempt, it would be over
    // before the first lookup, leaving a single lookup that finds nothing (the double-create of the issue).
    // Counted from the timeout it ends 1 s after the job appears: room for a loaded machine.
    emulator.faults.add({ kind: 'executeLate', operation: 'create', delayMs: 2500 });
    const client = clientFor(emulator, { timeoutMs: 2000, lookup: { windowMs: 1500, firstDelayMs: 100, maxDelayMs: 100 } });
    const created = await client.createBatch({ inputFileId: fileId, endpoint: '/chat/completions', submissionId: 'late-2' });
    assert.equal(created.adopted, true);
    assert.equal(emulator.stats.create, 1);
    assert.equal(withSubmission(emulator, 'late-2').length, 1);
  });

  it('(a) adopts a job whose create was answered 504 and completed later by the backend', async () => {
    emulator.faults.add({ kind: 'status', status: 504, operation: 'create', executeAfterMs: 700 });
    const client = clientFor(emulator);
    const created = await client.createBatch({ inputFileId: fileId, endpoint: '/chat/completions', submissionId: 'gw-1' });
    assert.equal(created.adopted, true);
    assert.equal(emulator.stats.create, 1);
    assert.equal(withSubmission(emulator, 'gw-1').length, 1);
  });

  it('(a) treats a 502 HTML page from a gateway as unclear, but the service\'s own 500 as a clear failure', async () => {
    const gateway = createServer((req, res) => {
      req.resume();
      res.writeHead(502, { 'content-type': 'text/html' }).end('<html><body>Bad Gateway</body></html>');
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    try {
      const client = new BatchClient({ endpoint: `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`, apiVersion: '2024-10-21', credential: { kind: 'apiKey', apiKey: 'k' } }, quickRetry, { lookup: { windowMs: 0 } });
      await assert.rejects(client.createBatch({ inputFileId: fileId, endpoint: '/chat/completions' }), SubmissionMayExistError);
    } finally {
      await new Promise((resolve) => gateway.close(resolve));
    }
    emulator.faults.add({ kind: 'status', status: 500, operation: 'create', times: 1 });
    const created = await clientFor(emulator).createBatch({ inputFileId: fileId, endpoint: '/chat/completions', submissionId: 's500' });
    assert.equal(created.adopted, false);
    assert.equal(emulator.stats.create, 2, 'the 500 was retried');
    assert.equal(withSubmission(emulator, 's500').length, 1);
  });

  it('(b) adopts a job buried under 350 newer jobs when the answer was lost', async () => {
    emulator.faults.add({ kind: 'dropResponse', operation: 'create', newerJobs: 350 });
    const client = clientFor(emulator);
    const created = await client.createBatch({ inputFileId: fileId, endpoint: '/chat/completions', submissionId: 'buried-1' });
    assert.equal(created.adopted, true);
    assert.equal(emulator.batches().length, 351);
    assert.equal(withSubmission(emulator, 'buried-1').length, 1, 'exactly one job with the submission id');
    assert.equal(created.batch.id, withSubmission(emulator, 'buried-1')[0]!.id);
    assert.equal(emulator.stats.create, 1);
    assert.ok(emulator.stats.listBatches >= 4, `read past the third page (${emulator.stats.listBatches} list calls)`);
  });

  it('(c) never found: SubmissionMayExistError after a bounded window, with no second create', async () => {
    emulator.faults.add({ kind: 'status', status: 504, operation: 'create', times: 1 });
    const client = clientFor(emulator, { lookup: { windowMs: 1500, firstDelayMs: 100, maxDelayMs: 300 } });
    const started = Date.now();
    const error = await client.createBatch({ inputFileId: fileId, endpoint: '/chat/completions', submissionId: 'lost-1' }).then(
      () => assert.fail('resolved'),
      (e: unknown) => e,
    );
    const elapsed = Date.now() - started;
    assert.ok(error instanceof SubmissionMayExistError, String(error));
    assert.equal(error.submissionId, 'lost-1');
    assert.ok(error.attemptedAt >= started && error.attemptedAt <= started + 100);
    assert.equal(error.unclearAnswer.status, 504);
    assert.match(error.message, /may exist/);
    assert.ok(error.ambiguous, 'callers keep it as unclear');
    assert.equal(emulator.stats.create, 1, 'no second create');
    assert.equal(emulator.batches().length, 0);
    assert.ok(elapsed >= 1400 && elapsed < 4000, `looked for ${elapsed} ms`);
    assert.ok(emulator.stats.listBatches >= 4, 'looked repeatedly with backoff');
  });

  it('(c) stops looking at once when the lookup is refused, still without a second create', async () => {
    emulator.faults.add({ kind: 'dropResponse', operation: 'create' });
    emulator.faults.add({ kind: 'status', status: 403, operation: 'listBatches', times: 10 });
    const client = clientFor(emulator, { lookup: { windowMs: 30_000 } });
    const started = Date.now();
    await assert.rejects(client.createBatch({ inputFileId: fileId, endpoint: '/chat/completions', submissionId: 'refused-1' }), (error: unknown) => {
      assert.ok(error instanceof SubmissionMayExistError);
      assert.equal(error.lookupError?.status, 403);
      return true;
    });
    assert.ok(Date.now() - started < 5000);
    assert.equal(emulator.stats.create, 1);
    assert.equal(withSubmission(emulator, 'refused-1').length, 1, 'the job exists: it was right not to create another');
  });

  it('(d) a connection refused before sending is not unclear: retried normally, and fails clearly', async () => {
    const port = emulator.port;
    await emulator.close();
    let retries = 0;
    const counting = new BatchClient(
      { endpoint: `http://127.0.0.1:${port}`, apiVersion: '2024-10-21', credential: { kind: 'apiKey', apiKey: 'k' } },
      { retries: 2, baseDelayMs: 10, maxDelayMs: 20, onRetry: () => void retries++ },
      { lookup: { windowMs: 30_000 } },
    );
    const started = Date.now();
    await assert.rejects(counting.createBatch({ inputFileId: fileId, endpoint: '/chat/completions' }), (error: unknown) => {
      assert.ok(error instanceof BatchServiceError);
      assert.ok(!(error instanceof SubmissionMayExistError), 'nothing may exist');
      assert.equal(error.notSent, true);
      assert.equal(error.ambiguous, false);
      assert.match(error.message, /ECONNREFUSED/);
      return true;
    });
    assert.equal(retries, 2, 'retried like any request that never left');
    assert.ok(Date.now() - started < 5000, 'no lookup window');
  });

  it('(d) a group part whose create was refused before sending goes back to the queue, never left "submitting"', async () => {
    const input = files.write('group.jsonl', requests(2).join('\n') + '\n');
    const parts = await splitFile(input, files.dir, { maxRequests: 1, maxBytes: 1e9 });
    const group = newGroup({ name: 'group.jsonl', sourcePath: input, endpoint: '/chat/completions', maxParallel: 1 }, parts);
    const client = clientFor(emulator);
    const runner = new GroupRunner(client, group, {});
    // The upload worked; then the service went away before the create.
    const part = group.parts[0]!;
    part.inputFileId = fileId;
    await emulator.close();
    await assert.rejects(runner.step(), (error: unknown) => error instanceof BatchServiceError && error.notSent);
    assert.equal(part.status, 'queued');
    assert.equal(part.mayExist, undefined);
  });

  it('keeps a group part whose job may exist, never creates it again, and adopts it when it shows up', async () => {
    const input = files.write('group.jsonl', requests(2).join('\n') + '\n');
    const parts = await splitFile(input, files.dir, { maxRequests: 2, maxBytes: 1e9 });
    const group = newGroup({ name: 'group.jsonl', sourcePath: input, endpoint: '/chat/completions', maxParallel: 1 }, parts);
    // A 504 whose backend completes only after the client's lookup window.
    emulator.faults.add({ kind: 'status', status: 504, operation: 'create', executeAfterMs: 1200 });
    const client = clientFor(emulator, { lookup: { windowMs: 300, firstDelayMs: 100, maxDelayMs: 100 } });
    const runner = new GroupRunner(client, group, {});
    await assert.rejects(runner.step(), SubmissionMayExistError);
    const part = group.parts[0]!;
    assert.equal(part.status, 'submitting');
    assert.equal(part.mayExist, true);
    await runner.step();
    assert.equal(part.status, 'submitting', 'not found yet, and not created again');
    assert.equal(emulator.stats.create, 1);
    while (emulator.batches().length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await runner.step();
    assert.ok(['running', 'done'].includes(group.parts[0]!.status), group.parts[0]!.status);
    assert.equal(part.mayExist, undefined);
    assert.equal(part.batchId, emulator.batches()[0]!.id);
    assert.equal(emulator.stats.create, 1, 'one create in all');
  });

  it('reads jobs back to the attempt (less the clock margin), not a fixed number of pages', async () => {
    const client = clientFor(emulator, { lookup: { clockSkewMs: 60_000 } });
    for (let i = 0; i < 3; i++) {
      await client.createBatch({ inputFileId: fileId, endpoint: '/chat/completions', submissionId: `page-${i}` });
    }
    emulator.faults.add({ kind: 'dropResponse', operation: 'create', newerJobs: 250 });
    await client.createBatch({ inputFileId: fileId, endpoint: '/chat/completions', submissionId: 'newest' });
    emulator.resetStats();
    // The oldest job, behind three pages of 100.
    assert.equal((await client.findBySubmissionId('page-0', { since: Date.now() - 10_000 }))?.metadata?.submission_id, 'page-0');
    assert.equal(emulator.stats.listBatches, 3);
    emulator.resetStats();
    // Jobs from before the attempt are not read: one page (all of its jobs are older) ends the search.
    assert.equal(await client.findBySubmissionId('page-0', { since: Date.now() + 120_000 }), undefined);
    assert.equal(emulator.stats.listBatches, 1);
  });
});
