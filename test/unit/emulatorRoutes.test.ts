import * as assert from 'node:assert/strict';
import { HttpError } from '../../src/emulator/errors';
import { listPage, pageLimit } from '../../src/emulator/routes/paging';
import { cancelOutcome, moveTo, newBatchRecord } from '../../src/emulator/transitions';

const items = ['a', 'b', 'c', 'd', 'e'].map((id) => ({ id }));
const page = (query: string) => listPage(items, new URLSearchParams(query), { fallback: 2, max: 3 }, (item) => item.id);

describe('emulator routes: paging and status transitions', () => {
  it('pages after a cursor with first_id, last_id and has_more', () => {
    assert.deepEqual(page(''), { object: 'list', data: ['a', 'b'], first_id: 'a', last_id: 'b', has_more: true });
    assert.deepEqual(page('after=b&limit=3'), { object: 'list', data: ['c', 'd', 'e'], first_id: 'c', last_id: 'e', has_more: false });
    assert.deepEqual(page('after=e'), { object: 'list', data: [], first_id: null, last_id: null, has_more: false });
    assert.deepEqual(page('after=unknown'), { object: 'list', data: [], first_id: null, last_id: null, has_more: false });
  });

  it('refuses a limit outside 1..max with a 400 naming the parameter', () => {
    for (const raw of ['0', '4', '1.5', 'x']) {
      assert.throws(() => pageLimit(raw, 2, 3), (error: unknown) => error instanceof HttpError && error.status === 400 && error.body.error.param === 'limit');
    }
    assert.equal(pageLimit(null, 2, 3), 2);
    assert.equal(pageLimit('3', 2, 3), 3);
  });

  it('stamps the time field of each status a batch moves to', () => {
    const batch = newBatchRecord({ id: 'batch_1', endpoint: '/chat/completions', inputFileId: 'file-1', metadata: null, seq: 1, outputExpiresAfter: undefined, nowMs: 1_700_000_000_000 });
    assert.equal(batch.status, 'validating');
    assert.equal(batch.expires_at, batch.created_at + 24 * 3600);
    for (const status of ['in_progress', 'finalizing', 'completed'] as const) {
      moveTo(batch, status);
      assert.equal(batch.status, status);
      assert.equal(typeof batch[`${status}_at`], 'number');
    }
    assert.equal(batch.failed_at, null);
  });

  it('accepts a cancel while validating or running, repeats it once cancelling, refuses it later', () => {
    assert.equal(cancelOutcome('validating'), 'move');
    assert.equal(cancelOutcome('in_progress'), 'move');
    assert.equal(cancelOutcome('cancelling'), 'same');
    assert.equal(cancelOutcome('cancelled'), 'same');
    for (const status of ['finalizing', 'completed', 'failed', 'expired'] as const) {
      assert.equal(cancelOutcome(status), 'refuse');
    }
  });
});
