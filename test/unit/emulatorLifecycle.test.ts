import * as assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import type { RunningEmulator } from '../../src/emulator/index';
import { markerStatus } from '../../src/emulator/executor';
import { azure, call, GA, jsonl, parseJsonl, PREVIEW, scratch, sleep, startFast, terminal, waitFor, waitSnapshot } from './emulatorHelpers';
import { request, requests } from './helpers';

describe('emulator: batch lifecycle', function () {
  const tmp = scratch();
  after(() => tmp.cleanup());

  const submit = async (emulator: RunningEmulator, name: string, lines: string[], apiVersion = GA) => {
    const client = azure(emulator, apiVersion);
    const file = await client.files.create({ file: createReadStream(tmp.write(name, jsonl(lines))), purpose: 'batch' });
    const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/chat/completions' as never, completion_window: '24h' });
    return { client, file, batch };
  };

  it('goes validating → in_progress → finalizing → completed, counting requests as they finish', async () => {
    const emulator = await startFast({ requestDelayMs: 80, validatingDelayMs: 250, finalizingDelayMs: 250 });
    try {
      const { client, batch } = await submit(emulator, 'phases.jsonl', requests(5));
      const seen: string[] = [];
      const progress: number[] = [];
      let current = batch;
      while (!terminal.includes(current.status)) {
        if (seen[seen.length - 1] !== current.status) {
          seen.push(current.status);
        }
        if (current.status === 'in_progress') {
          assert.equal(current.request_counts!.total, 5, 'total is known once in progress');
          progress.push(current.request_counts!.completed);
          assert.equal(typeof current.in_progress_at, 'number');
          assert.equal(current.finalizing_at, null);
        }
        if (current.status === 'finalizing') {
          assert.equal(typeof current.finalizing_at, 'number');
          assert.equal(current.output_file_id, null, 'files appear at completion');
        }
        await sleep(20);
        current = await client.batches.retrieve(batch.id);
      }
      seen.push(current.status);
      assert.deepEqual(seen, ['validating', 'in_progress', 'finalizing', 'completed']);
      assert.ok(progress.some((n) => n > 0 && n < 5), `counts advance while in progress: ${progress.join(',')}`);
      assert.deepEqual([...progress], [...progress].sort((a, b) => a - b));
    } finally {
      await emulator.close();
    }
  });

  it('completes a 5-row batch within a couple of seconds with the defaults', async () => {
    const emulator = await startFast({ requestDelayMs: undefined, validatingDelayMs: undefined, finalizingDelayMs: undefined });
    try {
      const started = Date.now();
      const { client, batch } = await submit(emulator, 'defaults.jsonl', requests(5));
      const done = await waitFor((id) => client.batches.retrieve(id), batch.id, terminal);
      assert.equal(done.status, 'completed');
      assert.ok(Date.now() - started < 4000, `${Date.now() - started} ms`);
    } finally {
      await emulator.close();
    }
  });

  it('cancels a running batch: cancelling, then cancelled, keeping the finished rows', async () => {
    const emulator = await startFast({ requestDelayMs: 80, cancellingDelayMs: 150 });
    try {
      const { client, batch } = await submit(emulator, 'cancel.jsonl', requests(20));
      await waitFor(async (id) => {
        const b = await client.batches.retrieve(id);
        return b.request_counts!.completed >= 3 ? b : { ...b, status: 'waiting' };
      }, batch.id, ['in_progress']);
      const cancelling = await client.batches.cancel(batch.id);
      assert.equal(cancelling.status, 'cancelling');
      assert.equal(typeof cancelling.cancelling_at, 'number');
      const again = await client.batches.cancel(batch.id);
      assert.equal(again.status, 'cancelling', 'cancel is idempotent while cancelling');
      const done = await waitFor((id) => client.batches.retrieve(id), batch.id, terminal);
      assert.equal(done.status, 'cancelled');
      assert.equal(typeof done.cancelled_at, 'number');
      assert.equal(done.completed_at, null);
      const finished = done.request_counts!.completed;
      assert.ok(finished >= 3 && finished < 20, `finished ${finished}`);
      const rows = parseJsonl(await (await client.files.content(done.output_file_id!)).text());
      assert.equal(rows.length, finished);
      assert.equal(new Set(rows.map((r) => r.custom_id)).size, finished);
      assert.equal((await client.files.retrieve(done.error_file_id!)).bytes, 0);
      // Nothing runs after the cancel.
      await sleep(200);
      assert.equal((await client.batches.retrieve(batch.id)).request_counts!.completed, finished);
      const cancelledAgain = await client.batches.cancel(batch.id);
      assert.equal(cancelledAgain.status, 'cancelled');
    } finally {
      await emulator.close();
    }
  });

  it('cancels a batch still validating: cancelled without files', async () => {
    const emulator = await startFast({ validatingDelayMs: 500 });
    try {
      const { client, batch } = await submit(emulator, 'cancel-validating.jsonl', requests(2));
      const cancelling = await client.batches.cancel(batch.id);
      assert.equal(cancelling.status, 'cancelling');
      const done = await waitFor((id) => client.batches.retrieve(id), batch.id, terminal);
      assert.equal(done.status, 'cancelled');
      assert.equal(done.in_progress_at, null);
      assert.equal(done.output_file_id, null);
      assert.equal(done.error_file_id, null);
    } finally {
      await emulator.close();
    }
  });

  it('fails rows carrying the failure marker, into the error file with the chosen status', async () => {
    const emulator = await startFast();
    try {
      const lines = [
        request({ custom_id: 'ok' }),
        request({ custom_id: 'plain' }, { messages: [{ role: 'user', content: 'please [[fail]]' }] }),
        request({ custom_id: 'throttled' }, { messages: [{ role: 'user', content: 'please [[fail:429]] now' }] }),
        request({ custom_id: 'bad' }, { messages: [{ role: 'user', content: '[[fail:400]]' }] }),
        request({ custom_id: 'down' }, { messages: [{ role: 'user', content: '[[fail:503]]' }] }),
      ];
      const { client, batch } = await submit(emulator, 'marker.jsonl', lines, PREVIEW);
      const done = await waitFor((id) => client.batches.retrieve(id), batch.id, terminal);
      assert.equal(done.status, 'completed', 'failed rows do not fail the batch');
      assert.deepEqual(done.request_counts, { total: 5, completed: 1, failed: 4 });
      const output = parseJsonl(await (await client.files.content(done.output_file_id!)).text());
      assert.deepEqual(output.map((r) => r.custom_id), ['ok']);
      const errors = new Map(parseJsonl(await (await client.files.content(done.error_file_id!)).text()).map((r) => [r.custom_id, r]));
      assert.deepEqual([...errors.keys()].sort(), ['bad', 'down', 'plain', 'throttled']);
      const expected: Record<string, number> = { plain: 500, throttled: 429, bad: 400, down: 503 };
      for (const [id, status] of Object.entries(expected)) {
        const row = errors.get(id);
        assert.match(row.id, /^batch_req_/);
        assert.equal(row.error, null);
        assert.equal(row.response.status_code, status);
        assert.match(row.response.request_id, /^[0-9a-f-]{36}$/);
        assert.equal(typeof row.response.body.error.code, 'string');
        assert.equal(typeof row.response.body.error.message, 'string');
      }
    } finally {
      await emulator.close();
    }
  });

  it('recognises a custom marker', () => {
    assert.equal(markerStatus('[[fail]]', 'x [[fail:418]] y'), 418);
    assert.equal(markerStatus('[[fail]]', 'x [[fail:999]] y'), 500);
    assert.equal(markerStatus('[[fail]]', 'nothing'), undefined);
    assert.equal(markerStatus('BOOM', 'it goes BOOM'), 500);
    assert.equal(markerStatus('{{x}}', 'a {{x}} b'), 500);
  });

  it('fails a seeded share of rows reproducibly with failureRate', async () => {
    const failedIds = async (seed: number) => {
      const emulator = await startFast({ failureRate: 0.3, seed, requestDelayMs: 0 });
      try {
        const { client, batch } = await submit(emulator, `rate-${seed}.jsonl`, requests(40));
        const done = await waitFor((id) => client.batches.retrieve(id), batch.id, terminal);
        const rows = parseJsonl(await (await client.files.content(done.error_file_id!)).text());
        assert.equal(rows.length, done.request_counts!.failed);
        assert.ok(rows.every((r) => r.response.status_code === 500));
        return rows.map((r) => r.custom_id).sort();
      } finally {
        await emulator.close();
      }
    };
    const first = await failedIds(7);
    assert.ok(first.length > 2 && first.length < 25, `${first.length} of 40 failed`);
    assert.deepEqual(await failedIds(7), first, 'the same seed fails the same rows');
    assert.notDeepEqual(await failedIds(8), first);
  });

  it('writes output rows out of input order (seeded), so clients must join by custom_id', async () => {
    const emulator = await startFast({ requestDelayMs: 0 });
    try {
      const { client, batch } = await submit(emulator, 'order.jsonl', requests(30));
      const done = await waitFor((id) => client.batches.retrieve(id), batch.id, terminal);
      const ids = parseJsonl(await (await client.files.content(done.output_file_id!)).text()).map((r) => r.custom_id);
      assert.equal(ids.length, 30);
      assert.notDeepEqual(ids, requests(30).map((_, i) => `task-${i + 1}`));
    } finally {
      await emulator.close();
    }
    const ordered = await startFast({ requestDelayMs: 0, shuffleOutput: false });
    try {
      const { client, batch } = await submit(ordered, 'order2.jsonl', requests(10));
      const done = await waitFor((id) => client.batches.retrieve(id), batch.id, terminal);
      const ids = parseJsonl(await (await client.files.content(done.output_file_id!)).text()).map((r) => r.custom_id);
      assert.deepEqual(ids, requests(10).map((_, i) => `task-${i + 1}`));
    } finally {
      await ordered.close();
    }
  });

  it('expires a batch that outlives expireAfterMs: unfinished rows reported with response null', async () => {
    const emulator = await startFast({ requestDelayMs: 100, expireAfterMs: 400 });
    try {
      const { client, batch } = await submit(emulator, 'expire.jsonl', requests(20));
      const done = await waitFor((id) => client.batches.retrieve(id), batch.id, terminal);
      assert.equal(done.status, 'expired');
      assert.equal(typeof done.expired_at, 'number');
      const ran = done.request_counts!.completed;
      assert.ok(ran < 20);
      const errors = parseJsonl(await (await client.files.content(done.error_file_id!)).text());
      assert.equal(errors.length, 20 - ran);
      for (const row of errors) {
        assert.equal(row.response, null);
        assert.equal(row.error.code, 'batch_expired');
        assert.equal(typeof row.error.message, 'string');
      }
    } finally {
      await emulator.close();
    }
  });

  it('sets output file expiry from output_expires_after', async () => {
    const emulator = await startFast();
    try {
      const client = azure(emulator, PREVIEW);
      const file = await client.files.create({ file: createReadStream(tmp.write('oea.jsonl', jsonl(requests(1)))), purpose: 'batch' });
      const created = await call(emulator, 'POST', `/openai/batches?api-version=${PREVIEW}`, {
        body: { input_file_id: file.id, endpoint: '/chat/completions', completion_window: '24h', output_expires_after: { anchor: 'created_at', seconds: 1209600 } },
      });
      assert.equal(created.status, 201);
      const done = await waitFor((id) => client.batches.retrieve(id), created.json.id, terminal);
      const output = await client.files.retrieve(done.output_file_id!);
      assert.equal(output.expires_at, output.created_at + 1209600);
    } finally {
      await emulator.close();
    }
  });

  it('keeps a deleted input file readable until its batch is done', async () => {
    const emulator = await startFast({ requestDelayMs: 30 });
    try {
      const { client, file, batch } = await submit(emulator, 'deleted.jsonl', requests(5));
      await client.files.delete(file.id);
      const done = await waitSnapshot(emulator, batch.id, terminal);
      assert.equal(done.status, 'completed');
      assert.equal(done.request_counts.completed, 5);
    } finally {
      await emulator.close();
    }
  });

  it('exposes batches() and files() snapshots', async () => {
    const emulator = await startFast();
    try {
      const { batch, file } = await submit(emulator, 'snap.jsonl', requests(1));
      assert.deepEqual(emulator.batches().map((b) => b.id), [batch.id]);
      assert.deepEqual(emulator.files().map((f) => f.id), [file.id]);
      const done = await waitSnapshot(emulator, batch.id, terminal);
      assert.equal(done.object, 'batch');
      assert.equal(emulator.files().length, 3, 'input, output and error files');
    } finally {
      await emulator.close();
    }
  });
});
