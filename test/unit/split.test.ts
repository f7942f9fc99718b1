import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BatchClient } from '../../src/core/batch/client';
import { GroupRunner, newGroup } from '../../src/core/batch/groupRunner';
import { roughTokenEstimate, splitFile } from '../../src/core/batch/split';
import { downloadGroupResults } from '../../src/core/recipes/groupResults';
import type { RunningEmulator } from '../../src/emulator/index';
import { scratch, startFast } from './emulatorHelpers';
import { request } from './helpers';

const row = (i: number) => request({ custom_id: `row-${i}` }, { messages: [{ role: 'user', content: `Summarise item number ${i} of the catalogue in one sentence.` }], max_tokens: 50 });

describe('splitting a batch file', () => {
  let files: ReturnType<typeof scratch>;
  beforeEach(() => (files = scratch()));
  afterEach(() => files.cleanup());

  it('splits on line boundaries into parts that fit, each request exactly once, in order', async () => {
    const lines = Array.from({ length: 25 }, (_, i) => row(i));
    const input = files.write('big.jsonl', lines.join('\n') + '\n\n');
    const parts = await splitFile(input, files.dir, { maxRequests: 10, maxBytes: 1e9 });
    assert.deepEqual(parts.map((p) => p.requests), [10, 10, 5]);
    assert.deepEqual(parts.map((p) => p.path.slice(files.dir.length + 1)), ['big.part-001.jsonl', 'big.part-002.jsonl', 'big.part-003.jsonl']);
    const rejoined = parts.flatMap((p) => readFileSync(p.path, 'utf8').trimEnd().split('\n'));
    assert.deepEqual(rejoined, lines);
    assert.deepEqual(parts.map((p) => p.firstLine), [0, 10, 20]);
  });

  it('records the deployment each part names (body.model), which the group keeps on its parts', async () => {
    const line = (i: number, model: unknown) => JSON.stringify({ custom_id: `m-${i}`, method: 'POST', url: '/chat/completions', body: { model, messages: [{ role: 'user', content: 'hi' }] } });
    const input = files.write('models.jsonl', [line(0, 'gpt-4o-batch'), line(1, 'gpt-4o-batch'), line(2, 'other-batch'), line(3, 42), '{not json'].join('\n') + '\n');
    const parts = await splitFile(input, files.dir, { maxRequests: 1, maxBytes: 1e9 });
    assert.deepEqual(parts.map((p) => p.deployment), ['gpt-4o-batch', 'gpt-4o-batch', 'other-batch', undefined, undefined], 'from the request of each part; none when it names none or is not JSON');
    const two = await splitFile(input, files.dir, { maxRequests: 2, maxBytes: 1e9 });
    assert.deepEqual(two.map((p) => p.deployment), ['gpt-4o-batch', 'other-batch', undefined], 'from the first request of each part');
    const group = newGroup({ name: 'models.jsonl', sourcePath: input, endpoint: '/chat/completions', maxParallel: 2 }, two);
    assert.deepEqual(group.parts.map((p) => p.deployment), ['gpt-4o-batch', 'other-batch', undefined]);
  });

  it('splits by bytes and by estimated tokens, giving an oversized request a part of its own', async () => {
    const lines = Array.from({ length: 6 }, (_, i) => row(i));
    const input = files.write('t.jsonl', lines.join('\n'));
    const perRow = roughTokenEstimate(lines[0]!);
    const byTokens = await splitFile(input, files.dir, { maxRequests: 100, maxBytes: 1e9, maxTokens: perRow * 2 + 1 });
    assert.deepEqual(byTokens.map((p) => p.requests), [2, 2, 2]);
    const bytes = Buffer.byteLength(lines[0]!) + 1;
    const byBytes = await splitFile(input, files.dir, { maxRequests: 100, maxBytes: bytes * 3 });
    assert.deepEqual(byBytes.map((p) => p.requests), [3, 3]);
    const tiny = await splitFile(input, files.dir, { maxRequests: 100, maxBytes: 10 });
    assert.equal(tiny.length, 6);
  });
});

describe('the quota-aware submission queue', function () {
  this.timeout(60_000);
  let emulator: RunningEmulator;
  let files: ReturnType<typeof scratch>;
  afterEach(async () => {
    await emulator?.close();
    files.cleanup();
  });

  async function runGroup(options: { apiVersion: string; failFast?: boolean; maxParallel: number }): Promise<{ runner: GroupRunner; results: string[]; waves: number }> {
    files = scratch();
    // One part's worth of tokens fits the quota, two do not: the parts must go in waves.
    emulator = await startFast({ maxEnqueuedTokens: 1500, failFast: options.failFast });
    const input = files.write('input.jsonl', Array.from({ length: 30 }, (_, i) => row(i)).join('\n') + '\n');
    const parts = await splitFile(input, files.dir, { maxRequests: 10, maxBytes: 1e9 });
    const group = newGroup({ name: 'input.jsonl', sourcePath: input, endpoint: '/chat/completions', maxParallel: options.maxParallel }, parts);
    const client = new BatchClient({ endpoint: emulator.url, apiVersion: options.apiVersion, credential: { kind: 'apiKey', apiKey: emulator.apiKey } }, { retries: 2, baseDelayMs: 10, maxDelayMs: 50 });
    const saved: string[] = [];
    const runner = new GroupRunner(client, group, { backoffMs: 50, persist: async (g) => void saved.push(JSON.stringify(g)) });
    let maxRunning = 0;
    let waves = 0;
    let lastRunning = new Set<string>();
    while (!runner.done) {
      await runner.step();
      const running = new Set(group.parts.filter((p) => p.status === 'running').map((p) => p.batchId!));
      if ([...running].some((id) => !lastRunning.has(id))) {
        waves++;
      }
      lastRunning = running;
      maxRunning = Math.max(maxRunning, running.size);
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    assert.ok(saved.length > 0, 'the queue persisted its state');
    const merged = await downloadGroupResults(client, group, join(files.dir, 'out'));
    assert.equal(merged.summary.total, 30);
    assert.equal(merged.summary.succeeded, 30, 'every request exactly once, all succeeded');
    const ids = readFileSync(merged.results, 'utf8').trimEnd().split('\n').map((l) => (JSON.parse(l) as { custom_id: string }).custom_id);
    assert.deepEqual(ids, Array.from({ length: 30 }, (_, i) => `row-${i}`), 'one merged file in input order');
    return { runner, results: ids, waves };
  }

  it('submits parts in waves as the reported quota allows', async () => {
    const { runner, waves } = await runGroup({ apiVersion: '2025-04-01-preview', maxParallel: 3 });
    assert.ok(waves >= 3, `${waves} waves`);
    assert.equal(runner.group.tokenLimit, 1500, 'the limit came from the deployment-maximum-enqueued-tokens header');
  });

  it('requeues parts whose job failed with token_limit_exceeded, with backoff', async () => {
    const { runner } = await runGroup({ apiVersion: '2024-10-21', maxParallel: 3 });
    const refused = emulator.batches().filter((b) => b.status === 'failed');
    assert.ok(refused.length >= 1, 'without the header the first wave overran the quota');
    assert.ok(refused.every((b) => JSON.stringify(b.errors).includes('token_limit_exceeded')));
    assert.ok(runner.group.parts.some((p) => p.attempts > 0));
    assert.equal(emulator.batches().filter((b) => b.status === 'completed').length, 3);
  });

  it('backs off on a 400 from fail-fast regions and still finishes', async () => {
    const { runner } = await runGroup({ apiVersion: '2024-10-21', failFast: true, maxParallel: 3 });
    assert.ok(runner.group.parts.some((p) => p.attempts > 0), 'at least one create was refused');
    assert.equal(emulator.batches().filter((b) => b.status === 'completed').length, 3);
  });

  it('resumes after a crash between create and its answer without submitting twice', async () => {
    files = scratch();
    emulator = await startFast();
    const input = files.write('input.jsonl', Array.from({ length: 4 }, (_, i) => row(i)).join('\n') + '\n');
    const parts = await splitFile(input, files.dir, { maxRequests: 2, maxBytes: 1e9 });
    const group = newGroup({ name: 'input.jsonl', sourcePath: input, endpoint: '/chat/completions', maxParallel: 1 }, parts);
    const client = new BatchClient({ endpoint: emulator.url, apiVersion: '2024-10-21', credential: { kind: 'apiKey', apiKey: emulator.apiKey } }, { retries: 0, baseDelayMs: 10, maxDelayMs: 10 }, { lookup: { windowMs: 0 } });
    let snapshot = '';
    // The create reaches the service but its answer is lost, and the process "dies" before its lookup is answered.
    emulator.faults.add({ kind: 'dropResponse', operation: 'create' });
    emulator.faults.add({ kind: 'dropResponse', operation: 'listBatches' });
    await assert.rejects(new GroupRunner(client, group, { persist: async (g) => void (snapshot = JSON.stringify(g)) }).step());
    const restored = JSON.parse(snapshot) as typeof group;
    assert.equal(restored.parts[0]!.status, 'submitting');
    const resumed = new GroupRunner(client, restored, {});
    while (!resumed.done) {
      await resumed.step();
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    assert.equal(emulator.batches().length, 2, 'one job per part, none twice');
  });
});
