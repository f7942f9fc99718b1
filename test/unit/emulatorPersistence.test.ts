import * as assert from 'node:assert/strict';
import { createReadStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { azure, GA, jsonl, parseJsonl, PREVIEW, scratch, sleep, startFast, terminal, waitFor, waitSnapshot } from './emulatorHelpers';
import { requests } from './helpers';

describe('emulator: state across restarts', function () {
  const tmp = scratch();
  after(() => tmp.cleanup());

  it('keeps files and finished jobs in the data dir', async () => {
    const dataDir = join(tmp.dir, 'keep');
    const first = await startFast({ dataDir, apiKey: 'k' });
    let batchId: string;
    let fileId: string;
    try {
      const client = azure(first, GA);
      fileId = (await client.files.create({ file: createReadStream(tmp.write('keep.jsonl', jsonl(requests(3)))), purpose: 'batch' })).id;
      const batch = await client.batches.create({ input_file_id: fileId, endpoint: '/chat/completions' as never, completion_window: '24h', metadata: { k: 'v' } });
      batchId = batch.id;
      await waitFor((id) => client.batches.retrieve(id), batchId, terminal);
    } finally {
      await first.close();
    }
    assert.ok(existsSync(join(dataDir, 'state.json')));
    assert.deepEqual(readdirSync(dataDir).filter((n) => n.endsWith('.tmp')), [], 'the state is written atomically (temp + rename)');

    const second = await startFast({ dataDir, apiKey: 'k' });
    try {
      const client = azure(second, PREVIEW);
      const batch = await client.batches.retrieve(batchId);
      assert.equal(batch.status, 'completed');
      assert.deepEqual(batch.metadata, { k: 'v' });
      assert.equal((await client.files.retrieve(fileId)).filename, 'keep.jsonl');
      const rows = parseJsonl(await (await client.files.content(batch.output_file_id!)).text());
      assert.equal(rows.length, 3);
      assert.ok((await client.batches.list()).data.some((b) => b.id === batchId));
    } finally {
      await second.close();
    }
  });

  it('resumes a job that was in progress, running each row exactly once', async () => {
    const dataDir = join(tmp.dir, 'resume');
    const first = await startFast({ dataDir, requestDelayMs: 60 });
    let batchId: string;
    let doneBefore: number;
    try {
      const client = azure(first, GA);
      const file = await client.files.create({ file: createReadStream(tmp.write('resume.jsonl', jsonl(requests(12)))), purpose: 'batch' });
      batchId = (await client.batches.create({ input_file_id: file.id, endpoint: '/chat/completions' as never, completion_window: '24h' })).id;
      const running = await waitFor(async (id) => {
        const b = await client.batches.retrieve(id);
        return b.request_counts!.completed >= 4 ? b : { ...b, status: 'waiting' };
      }, batchId, ['in_progress']);
      doneBefore = running.request_counts.completed;
    } finally {
      await first.close();
    }
    const saved = JSON.parse(readFileSync(join(dataDir, 'state.json'), 'utf8'));
    assert.equal(saved.batches[0].status, 'in_progress');
    assert.ok(saved.batches[0].request_counts.completed >= doneBefore);

    // Another seed on restart must not change which rows are left to run.
    const second = await startFast({ dataDir, requestDelayMs: 5, seed: 99 });
    try {
      const done = await waitSnapshot(second, batchId, terminal);
      assert.equal(done.status, 'completed');
      assert.deepEqual(done.request_counts, { total: 12, completed: 12, failed: 0 });
      const rows = parseJsonl(await (await azure(second, GA).files.content(done.output_file_id)).text());
      assert.equal(rows.length, 12);
      assert.equal(new Set(rows.map((r) => r.custom_id)).size, 12, 'no row twice, none missing');
    } finally {
      await second.close();
    }
  });

  it('resumes jobs that were validating or cancelling', async () => {
    const dataDir = join(tmp.dir, 'phases');
    const first = await startFast({ dataDir, validatingDelayMs: 60_000, cancellingDelayMs: 60_000 });
    let validating: string;
    let cancelling: string;
    try {
      const client = azure(first, GA);
      const file = await client.files.create({ file: createReadStream(tmp.write('phases.jsonl', jsonl(requests(2)))), purpose: 'batch' });
      validating = (await client.batches.create({ input_file_id: file.id, endpoint: '/chat/completions' as never, completion_window: '24h' })).id;
      cancelling = (await client.batches.create({ input_file_id: file.id, endpoint: '/chat/completions' as never, completion_window: '24h' })).id;
      assert.equal((await client.batches.cancel(cancelling)).status, 'cancelling');
      await sleep(100);
    } finally {
      await first.close();
    }
    const second = await startFast({ dataDir });
    try {
      assert.equal((await waitSnapshot(second, validating, terminal)).status, 'completed');
      assert.equal((await waitSnapshot(second, cancelling, terminal)).status, 'cancelled');
    } finally {
      await second.close();
    }
  });

  it('keeps nothing without a data dir', async () => {
    const emulator = await startFast();
    const dir = emulator.dataDir;
    assert.ok(existsSync(dir));
    await emulator.close();
    assert.equal(existsSync(dir), false);
  });
});
