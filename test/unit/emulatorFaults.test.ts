import * as assert from 'node:assert/strict';
import { createReadStream, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { APIConnectionError, InternalServerError, RateLimitError } from 'openai';
import type { RunningEmulator } from '../../src/emulator/index';
import { FaultController } from '../../src/emulator/faults';
import { azure, call, GA, jsonl, PREVIEW, scratch, startFast, terminal, waitSnapshot } from './emulatorHelpers';
import { useEmulator } from './emulatorFixture';
import { requests } from './helpers';

describe('emulator: fault injection', function () {
  let emulator: RunningEmulator;
  const tmp = scratch();
  let input: string;
  let fileId: string;
  useEmulator({}, { onStart: (started) => (emulator = started) });
  before(async () => {
    input = tmp.write('input.jsonl', jsonl(requests(3)));
    fileId = (await azure(emulator).files.create({ file: createReadStream(input), purpose: 'batch' })).id;
  });
  afterEach(() => {
    emulator.faults.clear();
    emulator.resetStats();
  });
  after(async () => {
    tmp.cleanup();
  });
  const createBody = () => ({ input_file_id: fileId, endpoint: '/chat/completions' as never, completion_window: '24h' as const });

  it('429 with Retry-After, which the SDK honours and retries', async () => {
    emulator.faults.add({ kind: 'status', status: 429, operation: 'listBatches', retryAfterSeconds: 0.05 });
    const raw = await call(emulator, 'GET', `/openai/batches?api-version=${GA}`);
    assert.equal(raw.status, 429);
    assert.equal(raw.headers.get('retry-after'), '1');
    assert.equal(raw.headers.get('retry-after-ms'), '50');
    assert.equal(raw.json.error.code, '429');
    assert.equal((await call(emulator, 'GET', `/openai/batches?api-version=${GA}`)).status, 200, 'a scripted rule hits once by default');

    emulator.resetStats();
    emulator.faults.add({ kind: 'status', status: 429, operation: 'listBatches', retryAfterSeconds: 0.05 });
    const started = Date.now();
    await azure(emulator, GA, { maxRetries: 2 }).batches.list();
    assert.ok(Date.now() - started >= 40);
    assert.equal(emulator.stats.listBatches, 2, 'one 429, one retry');
    emulator.faults.add({ kind: 'status', status: 429, operation: 'listBatches', retryAfterSeconds: 0.05 });
    await assert.rejects(azure(emulator, GA).batches.list(), RateLimitError);
  });

  it('a scripted sequence: the next 2 POST /batches get 500, the third goes through', async () => {
    const id = emulator.faults.add({ kind: 'status', status: 500, method: 'POST', operation: 'create', times: 2 });
    const client = azure(emulator, GA);
    const before = emulator.batches().length;
    await assert.rejects(client.batches.create(createBody()), InternalServerError);
    await assert.rejects(client.batches.create(createBody()), InternalServerError);
    assert.equal(emulator.batches().length, before, 'a refused create creates nothing');
    assert.equal((await client.batches.create(createBody())).status, 'validating');
    assert.equal(emulator.stats.create, 3);
    const info = emulator.faults.list().find((f) => f.id === id)!;
    assert.equal(info.fired, 2);
    assert.equal(info.remaining, 0);
  });

  it('503 and skip: let the first requests through, then fail', async () => {
    emulator.faults.add({ kind: 'status', status: 503, operation: 'get', skip: 2, times: 1 });
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      statuses.push((await call(emulator, 'GET', `/openai/files/${fileId}?api-version=${GA}`)).status);
    }
    assert.deepEqual(statuses, [200, 200, 503, 200]);
  });

  it('faults by rate are drawn from the seed: the same seed fails the same requests', async () => {
    const pattern = async () => {
      const seeded = await startFast({ seed: 42, faults: [{ kind: 'status', status: 500, operation: 'listBatches', rate: 0.5 }] });
      try {
        const statuses: number[] = [];
        for (let i = 0; i < 24; i++) {
          statuses.push((await call(seeded, 'GET', '/openai/v1/batches')).status);
        }
        return statuses;
      } finally {
        await seeded.close();
      }
    };
    const first = await pattern();
    assert.ok(first.includes(500) && first.includes(200), first.join(','));
    assert.deepEqual(await pattern(), first);
  });

  it('slow responses: a delay before answering', async () => {
    emulator.faults.add({ kind: 'delay', delayMs: 250, operation: 'getFile' });
    const started = Date.now();
    assert.equal((await call(emulator, 'GET', `/openai/files/${fileId}?api-version=${GA}`)).status, 200);
    assert.ok(Date.now() - started >= 240, `${Date.now() - started} ms`);
  });

  it('drops the connection mid-upload: the client fails and nothing is created', async () => {
    const big = tmp.write('big.jsonl', jsonl(requests(3000)));
    emulator.faults.add({ kind: 'dropUpload', operation: 'upload', afterBytes: 64 * 1024 });
    const before = emulator.files().length;
    await assert.rejects(azure(emulator, GA).files.create({ file: createReadStream(big), purpose: 'batch' }), APIConnectionError);
    assert.equal(emulator.files().length, before);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(readdirSync(join(emulator.dataDir, 'work')).filter((n) => n.startsWith('upload-')), [], 'the partial upload is removed');
    // The next upload works.
    assert.equal((await azure(emulator, GA).files.create({ file: createReadStream(big), purpose: 'batch' })).status, 'pending');
  });

  it('drops the connection mid-download after N bytes', async () => {
    emulator.faults.add({ kind: 'dropDownload', operation: 'content', afterBytes: 100 });
    const response = await fetch(`${emulator.url}/openai/files/${fileId}/content?api-version=${GA}`, { headers: { 'api-key': emulator.apiKey } });
    assert.equal(response.status, 200);
    const reader = response.body!.getReader();
    let received = 0;
    const error = await (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) {
            return undefined;
          }
          received += value.length;
        }
      } catch (e) {
        return e;
      }
    })();
    assert.ok(error !== undefined, 'the body ends early with an error');
    assert.equal(received, 100);
    emulator.faults.add({ kind: 'dropDownload', operation: 'content', afterBytes: 10 });
    await assert.rejects(async () => (await azure(emulator, GA).files.content(fileId)).text());
    // JSON answers can be cut too.
    emulator.faults.add({ kind: 'dropDownload', operation: 'getBatch', afterBytes: 0 });
    const batch = await azure(emulator, GA).batches.create(createBody());
    // Headers arrived, then the body broke off: the SDK surfaces fetch's own error.
    await assert.rejects(azure(emulator, GA).batches.retrieve(batch.id), /terminated/);
  });

  it('executes a create and then drops its response: the job exists although the client saw an error', async () => {
    emulator.faults.add({ kind: 'dropResponse', operation: 'create' });
    const before = emulator.batches().length;
    await assert.rejects(azure(emulator, PREVIEW).batches.create({ ...createBody(), metadata: { attempt: 'once' } }), APIConnectionError);
    const after = emulator.batches();
    assert.equal(after.length, before + 1, 'the emulator created the job before dropping the connection');
    const created = after[after.length - 1]!;
    assert.deepEqual(created.metadata, { attempt: 'once' });
    assert.equal((await waitSnapshot(emulator, created.id as string, terminal)).status, 'completed');
    // A client that blindly retries creates a duplicate: what at-most-once logic must prevent.
    emulator.faults.add({ kind: 'dropResponse', operation: 'create' });
    const count = emulator.batches().length;
    await azure(emulator, PREVIEW, { maxRetries: 1 }).batches.create(createBody());
    assert.equal(emulator.batches().length, count + 2);
    assert.equal(emulator.stats.create, 3);
  });

  it('executeLate: a create the service finishes after the client gave up', async () => {
    emulator.faults.add({ kind: 'executeLate', operation: 'create', delayMs: 400 });
    const before = emulator.batches().length;
    await assert.rejects(
      fetch(`${emulator.url}/openai/batches?api-version=${GA}`, {
        method: 'POST',
        headers: { 'api-key': emulator.apiKey, 'content-type': 'application/json' },
        body: JSON.stringify({ ...createBody(), metadata: { attempt: 'late' } }),
        signal: AbortSignal.timeout(100),
      }),
    );
    assert.equal(emulator.batches().length, before, 'not created when the client gave up');
    await new Promise((resolve) => setTimeout(resolve, 500));
    const after = emulator.batches();
    assert.equal(after.length, before + 1, 'created later all the same');
    assert.deepEqual(after[after.length - 1]!.metadata, { attempt: 'late' });
    // With a client that waits long enough, the late answer arrives.
    emulator.faults.add({ kind: 'executeLate', operation: 'getFile', delayMs: 50 });
    assert.equal((await call(emulator, 'GET', `/openai/files/${fileId}?api-version=${GA}`)).status, 200);
  });

  it('a status with executeAfterMs: a 504 whose backend completes the create later', async () => {
    emulator.faults.add({ kind: 'status', status: 504, operation: 'create', executeAfterMs: 300 });
    const before = emulator.batches().length;
    const started = Date.now();
    const answered = await call(emulator, 'POST', `/openai/batches?api-version=${GA}`, { body: { ...createBody(), metadata: { attempt: 'gateway' } } });
    assert.equal(answered.status, 504);
    assert.ok(Date.now() - started < 250, 'answered at once');
    assert.equal(emulator.batches().length, before);
    await new Promise((resolve) => setTimeout(resolve, 450));
    assert.equal(emulator.batches().length, before + 1);
    assert.deepEqual(emulator.batches()[before]!.metadata, { attempt: 'gateway' });
    assert.equal(emulator.stats.create, 1);
  });

  it('newerJobs: buries a created job under newer ones before the answer is lost', async () => {
    emulator.faults.add({ kind: 'dropResponse', operation: 'create', newerJobs: 5 });
    const before = emulator.batches().length;
    await assert.rejects(azure(emulator, GA).batches.create({ ...createBody(), metadata: { attempt: 'buried' } }), APIConnectionError);
    const created = emulator.batches().slice(before);
    assert.equal(created.length, 6);
    assert.deepEqual(created[0]!.metadata, { attempt: 'buried' }, 'the original is the oldest');
    assert.ok(created.slice(1).every((b) => (b.metadata as Record<string, string>).newer_job === 'true'));
    const listed = await azure(emulator, GA).batches.list({ limit: 6 });
    assert.equal(listed.data[listed.data.length - 1]!.metadata?.attempt, 'buried', 'listed last, newest first');
    assert.equal(emulator.stats.create, 1, 'one request');
  });

  it('matches on method and operation groups', async () => {
    emulator.faults.add({ kind: 'status', status: 500, method: 'POST', operation: 'batches', rate: 1 });
    assert.equal((await call(emulator, 'GET', `/openai/batches?api-version=${GA}`)).status, 200);
    assert.equal((await call(emulator, 'POST', `/openai/batches?api-version=${GA}`, { body: createBody() })).status, 500);
    assert.equal((await call(emulator, 'POST', `/openai/batches/batch_x/cancel?api-version=${GA}`)).status, 500);
    assert.equal((await call(emulator, 'GET', `/openai/files?api-version=${GA}`)).status, 200);
  });

  it('is configurable over HTTP at /_emulator/faults (with the key)', async () => {
    assert.equal((await call(emulator, 'GET', '/_emulator/faults', { headers: { 'api-key': 'wrong' } })).status, 401);
    const added = await call(emulator, 'POST', '/_emulator/faults', { body: [{ kind: 'status', status: 503, operation: 'listFiles', times: 1 }, { kind: 'delay', delayMs: 10 }] });
    assert.equal(added.status, 201);
    assert.equal(added.json.ids.length, 2);
    const listed = await call(emulator, 'GET', '/_emulator/faults');
    assert.equal(listed.json.data.length, 2);
    assert.equal((await call(emulator, 'GET', `/openai/files?api-version=${GA}`)).status, 503);
    assert.equal((await call(emulator, 'DELETE', `/_emulator/faults/${added.json.ids[1]}`)).status, 200);
    assert.equal((await call(emulator, 'GET', '/_emulator/faults')).json.data.length, 1);
    const single = await call(emulator, 'POST', '/_emulator/faults', { body: { kind: 'dropResponse', operation: 'cancel' } });
    assert.equal(single.status, 201);
    assert.equal((await call(emulator, 'POST', '/_emulator/faults', { body: { kind: 'explode' } })).status, 400);
    assert.equal((await call(emulator, 'POST', '/_emulator/faults', { body: { kind: 'status', operation: 'nothing' } })).status, 400);
    const partly = await call(emulator, 'POST', '/_emulator/faults', { body: { rules: [{ kind: 'delay' }, { kind: 'status', status: 42 }] } });
    assert.equal(partly.status, 400);
    assert.equal((await call(emulator, 'GET', '/_emulator/faults')).json.data.length, 2, 'a list with an invalid rule adds nothing');
    assert.equal((await call(emulator, 'DELETE', '/_emulator/faults')).status, 200);
    assert.equal((await call(emulator, 'GET', '/_emulator/faults')).json.data.length, 0);
    assert.equal(emulator.stats.listFiles, 1, 'admin calls are not counted');
  });

  it('validates rules', () => {
    const faults = new FaultController(1);
    assert.throws(() => faults.add({ kind: 'status', status: 200 }));
    assert.throws(() => faults.add({ kind: 'status', rate: 2 }));
    assert.throws(() => faults.add({ kind: 'delay', times: -1 }));
    assert.throws(() => faults.add({ kind: 'nope' as never }));
    assert.match(faults.add({ kind: 'delay', operation: ['upload', 'list'] }), /^fault-/);
    assert.throws(() => faults.add({ kind: 'status', status: 504, executeAfterMs: -1 }));
    assert.throws(() => faults.add({ kind: 'dropResponse', newerJobs: 1.5 }));
    assert.throws(() => faults.add({ kind: 'dropResponse', newerJobs: 20_000 }));
    assert.match(faults.add({ kind: 'executeLate', operation: 'create', delayMs: 10, newerJobs: 3 }), /^fault-/);
    const decision = faults.decide('create', 'POST');
    assert.equal(decision.executeLateMs, 10);
    assert.equal(decision.newerJobs, 3);
  });
});
