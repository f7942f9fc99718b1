import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { BatchClient, type Batch } from '../../src/core/batch/client';
import { GROUP_ID_KEY, GroupRunner, newGroup, type GroupState, type PartState, type PartStatus } from '../../src/core/batch/groupRunner';
import { groupElapsedMs } from '../../src/core/batch/groupTiming';
import { fileIdsOf, isListedJob, withoutDeletedFiles, type ListingMarks } from '../../src/core/batch/jobVisibility';
import { splitFile } from '../../src/core/batch/split';
import type { RunningEmulator } from '../../src/emulator/index';
import { scratch, startFast } from './emulatorHelpers';
import { request } from './helpers';

const noMarks: ListingMarks = { hidden: new Set(), groupIds: new Set(), partBatchIds: new Set() };

function batch(id: string, fields: Partial<Batch> = {}): Batch {
  return { id, object: 'batch', endpoint: '/chat/completions', input_file_id: `file-in-${id}`, completion_window: '24h', status: 'completed', created_at: 1_700_000_000, ...fields } as Batch;
}

function part(index: number, status: PartStatus, times: { createdAt?: number; finishedAt?: number } = {}): PartState {
  return { index, path: `p${index}.jsonl`, requests: 1, tokens: 1, status, submissionId: `s${index}`, attempts: 0, ...times };
}

const id = fc.stringMatching(/^[a-z0-9_]{1,12}$/);

describe('the jobs list: which jobs show at the top level', () => {
  it('hides a job the user removed, by its id, whatever the service lists', () => {
    fc.assert(
      fc.property(fc.uniqueArray(id, { minLength: 1, maxLength: 20 }), fc.array(fc.nat(), { maxLength: 10 }), (ids, picks) => {
        const hidden = new Set(picks.map((i) => ids[i % ids.length]!));
        const marks = { ...noMarks, hidden };
        for (const batchId of ids) {
          assert.equal(isListedJob(batchId, batch(batchId), marks), !hidden.has(batchId));
          assert.equal(isListedJob(batchId, undefined, marks), !hidden.has(batchId), 'a job known only from the store too');
        }
      }),
    );
  });

  it('never lists a part of a known group as a job of its own: by its batch id or by the group in its metadata', () => {
    fc.assert(
      fc.property(id, id, fc.boolean(), (groupId, batchId, byMetadata) => {
        const listed = byMetadata ? batch(batchId, { metadata: { [GROUP_ID_KEY]: groupId } }) : batch(batchId);
        const marks = byMetadata ? { ...noMarks, groupIds: new Set([groupId]) } : { ...noMarks, partBatchIds: new Set([batchId]) };
        assert.equal(isListedJob(batchId, listed, marks), false);
        // A part's batch brought in by the listing before the group saved its id is still a part.
        assert.equal(isListedJob(batchId, batch(batchId, { metadata: { [GROUP_ID_KEY]: groupId } }), { ...noMarks, groupIds: new Set([groupId]) }), false);
      }),
    );
  });

  it('keeps the parts of a removed group out of the list, and lists parts of groups unknown here', () => {
    const listed = batch('batch_p1', { metadata: { [GROUP_ID_KEY]: 'group_a' } });
    assert.equal(isListedJob(listed.id, listed, { ...noMarks, hidden: new Set(['group_a']) }), false);
    assert.equal(isListedJob(listed.id, listed, noMarks), true, 'a group submitted elsewhere: its parts are the only trace here');
    assert.equal(isListedJob('batch_x', batch('batch_x', { metadata: { source_file: 'a.jsonl' } }), { ...noMarks, groupIds: new Set(['group_a']) }), true);
  });
});

describe('the jobs list: files deleted on the service', () => {
  const files = fc.record({ input: fc.boolean(), output: fc.boolean(), errors: fc.boolean() });

  it('clears exactly the deleted file ids and names their roles, leaving everything else as the service said', () => {
    fc.assert(
      fc.property(files, files, (has, gone) => {
        const original = batch('batch_1', {
          input_file_id: has.input ? 'file-in' : '',
          output_file_id: has.output ? 'file-out' : undefined,
          error_file_id: has.errors ? 'file-err' : undefined,
          request_counts: { total: 3, completed: 2, failed: 1 },
        });
        const deleted = new Set([gone.input && 'file-in', gone.output && 'file-out', gone.errors && 'file-err'].filter((x): x is string => typeof x === 'string'));
        const shown = withoutDeletedFiles(original, deleted);
        const left = fileIdsOf(shown.batch).map((f) => f.id);
        assert.deepEqual(left, fileIdsOf(original).map((f) => f.id).filter((fid) => !deleted.has(fid)));
        assert.deepEqual(shown.deleted, fileIdsOf(original).filter((f) => deleted.has(f.id)).map((f) => f.role));
        assert.equal(shown.batch.status, original.status);
        assert.deepEqual(shown.batch.request_counts, original.request_counts);
        if (shown.deleted.length === 0) {
          assert.equal(shown.batch, original, 'nothing deleted: the same object');
        }
      }),
    );
  });
});

describe("a job group's duration", () => {
  const now = 1_800_000_000_000;

  it('is fixed once every part is done: first part created to last part finished, whatever the time now', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ created: fc.integer({ min: 1_700_000_000, max: 1_700_100_000 }), took: fc.integer({ min: 0, max: 200_000 }) }), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 0, max: 10 ** 9 }),
        (spans, later) => {
          const parts = spans.map((s, i) => part(i + 1, 'done', { createdAt: s.created, finishedAt: s.created + s.took }));
          const state = { createdAt: 1_699_999_000, parts };
          const expected = (Math.max(...parts.map((p) => p.finishedAt!)) - Math.min(...parts.map((p) => p.createdAt!))) * 1000;
          assert.equal(groupElapsedMs(state, now, undefined), expected);
          assert.equal(groupElapsedMs(state, now + later, undefined), expected, 'does not grow');
        },
      ),
    );
  });

  it('runs until now while any part is queued or running, from the group itself until a part went out', () => {
    const created = Math.floor(now / 1000) - 90;
    assert.equal(groupElapsedMs({ createdAt: created, parts: [part(1, 'queued'), part(2, 'queued')] }, now), 90_000);
    const running = { createdAt: created, parts: [part(1, 'done', { createdAt: created + 10, finishedAt: created + 40 }), part(2, 'running', { createdAt: created + 40 })] };
    assert.equal(groupElapsedMs(running, now), 80_000);
    assert.equal(groupElapsedMs(running, now + 5_000), 85_000);
  });

  it('falls back to the time the group was seen finished, and shows none rather than a growing one', () => {
    const cancelledEarly = { createdAt: 1_700_000_000, parts: [part(1, 'done'), part(2, 'done')] };
    assert.equal(groupElapsedMs(cancelledEarly, now, 1_700_000_030), 30_000);
    assert.equal(groupElapsedMs(cancelledEarly, now), undefined);
  });
});

describe('a job group records when its parts ran, by the service', function () {
  this.timeout(30_000);
  let emulator: RunningEmulator | undefined;
  const files = scratch();
  after(async () => {
    await emulator?.close();
    files.cleanup();
  });

  it("keeps each part's created and finished times, so the finished group's duration comes from the service", async () => {
    emulator = await startFast();
    const input = files.write('input.jsonl', Array.from({ length: 6 }, (_, i) => request({ custom_id: `r-${i}` })).join('\n') + '\n');
    const parts = await splitFile(input, files.dir, { maxRequests: 2, maxBytes: 1e9 });
    const group: GroupState = newGroup({ name: 'input.jsonl', sourcePath: input, endpoint: '/chat/completions', maxParallel: 3 }, parts);
    const client = new BatchClient({ endpoint: emulator.url, apiVersion: '2025-04-01-preview', credential: { kind: 'apiKey', apiKey: emulator.apiKey } }, { retries: 1, baseDelayMs: 10, maxDelayMs: 20 });
    const runner = new GroupRunner(client, group);
    while (!runner.done) {
      await runner.step();
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    const batches = new Map(emulator.batches().map((b) => [b.id, b]));
    for (const p of group.parts) {
      const served = batches.get(p.batchId!)!;
      assert.equal((served.metadata as Record<string, string> | undefined)?.[GROUP_ID_KEY], group.id, 'the part names its group');
      assert.equal(p.createdAt, served.created_at);
      assert.equal(p.finishedAt, served.completed_at);
    }
    const expected = (Math.max(...group.parts.map((p) => p.finishedAt!)) - Math.min(...group.parts.map((p) => p.createdAt!))) * 1000;
    assert.equal(groupElapsedMs(group, Date.now() + 3_600_000), expected);
  });
});
