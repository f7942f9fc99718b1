import * as assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import type { RunningEmulator } from '../../src/emulator/index';
import { executeRow } from '../../src/emulator/executor';
import { azure, GA, jsonl, parseJsonl, scratch, startFast, terminal, waitFor } from './emulatorHelpers';
import { request } from './helpers';

describe('emulator: failures per attempt (Retry Failed can succeed)', function () {
  this.timeout(30_000);
  const tmp = scratch();
  after(() => tmp.cleanup());
  let n = 0;

  /** Runs the lines as one batch; the custom_ids that failed, with their status codes. */
  async function attempt(emulator: RunningEmulator, lines: readonly string[]): Promise<Map<string, number>> {
    const client = azure(emulator, GA);
    const file = await client.files.create({ file: createReadStream(tmp.write(`attempt-${n++}.jsonl`, jsonl(lines))), purpose: 'batch' });
    const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/chat/completions' as never, completion_window: '24h' });
    const done = await waitFor((id) => client.batches.retrieve(id), batch.id, terminal, 20_000);
    assert.equal(done.status, 'completed');
    const rows = parseJsonl(await (await client.files.content(done.error_file_id!)).text());
    assert.equal(rows.length, done.request_counts.failed);
    return new Map(rows.map((row) => [row.custom_id as string, row.response.status_code as number]));
  }

  it('draws the failure rate afresh on each attempt, while marked rows fail every time', async () => {
    const emulator = await startFast({ failureRate: 0.5, requestDelayMs: 0, validatingDelayMs: 10, finalizingDelayMs: 10 });
    try {
      const marked = ['m-1', 'm-2', 'm-3'].map((id, i) => request({ custom_id: id }, { messages: [{ role: 'user', content: `bad row ${i} [[fail:400]]` }] }));
      const plain = Array.from({ length: 60 }, (_, i) => request({ custom_id: `r-${i}` }, { messages: [{ role: 'user', content: `row ${i}` }] }));
      const byId = new Map([...marked, ...plain].map((line) => [JSON.parse(line).custom_id as string, line]));

      let failed = await attempt(emulator, [...marked, ...plain]);
      const firstTransient = [...failed.keys()].filter((id) => id.startsWith('r-')).length;
      assert.ok(firstTransient > 10 && firstTransient < 50, `${firstTransient} of 60 failed at a rate of 0.5`);
      let transient = firstTransient;
      for (let round = 2; round <= 4; round++) {
        // "Retry Failed": a new batch with the rows that failed.
        const retried = await attempt(emulator, [...failed.keys()].map((id) => byId.get(id)!));
        for (const id of ['m-1', 'm-2', 'm-3']) {
          assert.equal(retried.get(id), 400, `${id} carries the marker: it fails on attempt ${round} too`);
        }
        const left = [...retried.keys()].filter((id) => id.startsWith('r-'));
        assert.ok(left.length < transient, `attempt ${round}: some transient failures succeeded (${left.length} of ${transient} failed again)`);
        for (const id of left) {
          assert.equal(retried.get(id), 500, 'transient failures are server errors');
          assert.ok(failed.has(id), 'only retried rows are run');
        }
        transient = left.length;
        failed = retried;
      }
      assert.ok(transient < firstTransient / 2, `after 4 attempts ${transient} of ${firstTransient} still fail`);
    } finally {
      await emulator.close();
    }
  });

  it('decides per attempt: the same row succeeds on some attempts and fails on others', () => {
    const settings = { seed: 1, failureRate: 0.5, failureMarker: '[[fail]]', modelOf: (d: string) => d };
    const row = request({ custom_id: 'same' });
    const outcomes = Array.from({ length: 40 }, (_, attempt) => executeRow(row, settings, `attempt-${attempt}`).ok);
    assert.ok(outcomes.includes(true) && outcomes.includes(false), 'both outcomes across attempts');
    assert.deepEqual(
      Array.from({ length: 40 }, (_, attempt) => executeRow(row, settings, `attempt-${attempt}`).ok),
      outcomes,
      'an attempt is reproducible from the seed',
    );
    const markedRow = request({ custom_id: 'bad' }, { messages: [{ role: 'user', content: 'x [[fail]]' }] });
    assert.ok(Array.from({ length: 40 }, (_, attempt) => executeRow(markedRow, { ...settings, failureRate: 0 }, `attempt-${attempt}`).ok).every((ok) => !ok));
    const failedLine = JSON.parse(outcomes.indexOf(false) >= 0 ? executeRow(row, settings, `attempt-${outcomes.indexOf(false)}`).line : '{}');
    assert.match(failedLine.response.body.error.message, /transient/);
  });
  it('fails a [[fail-once]] row on its first attempt only, with the status it names', async () => {
    const emulator = await startFast({ requestDelayMs: 0, validatingDelayMs: 10, finalizingDelayMs: 10 });
    try {
      const lines = [
        request({ custom_id: 'o-1' }, { messages: [{ role: 'user', content: 'flaky [[fail-once:429]]' }] }),
        request({ custom_id: 'o-2' }, { messages: [{ role: 'user', content: 'flaky [[fail-once]]' }] }),
        request({ custom_id: 'p-1' }, { messages: [{ role: 'user', content: 'broken [[fail:400]]' }] }),
        request({ custom_id: 'ok' }, { messages: [{ role: 'user', content: 'fine' }] }),
      ];
      const first = await attempt(emulator, lines);
      assert.deepEqual([...first.entries()].sort(), [['o-1', 429], ['o-2', 500], ['p-1', 400]]);
      const second = await attempt(emulator, lines.slice(0, 3));
      assert.deepEqual([...second.entries()], [['p-1', 400]], 'the fail-once rows succeed when retried; the marked row fails again');
    } finally {
      await emulator.close();
    }
  });
});
