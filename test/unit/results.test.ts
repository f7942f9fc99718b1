import * as assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { joinResults, writeRetryFile, type JoinedLine } from '../../src/core/results/join';
import { summarizeResultFiles } from '../../src/core/results/summary';
import { request } from './helpers';

const ok = (id: string, content = `answer ${id}`) =>
  JSON.stringify({ id: `batch_req_${id}`, custom_id: id, response: { status_code: 200, request_id: 'r', body: { choices: [{ message: { role: 'assistant', content } }], usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 } } }, error: null });
const failed = (id: string, status = 429, code = 'too_many_requests') =>
  JSON.stringify({ id: `batch_req_${id}`, custom_id: id, response: { status_code: status, request_id: 'r', body: { error: { code, message: 'Rate limit' } } }, error: null });
/** What Azure's (and the emulator's) error file says of a row an expired batch never ran. */
const expired = (id: string) => JSON.stringify({ id: `batch_req_${id}`, custom_id: id, response: null, error: { code: 'batch_expired', message: 'This request could not be executed before the completion window expired.' } });

describe('joining results to inputs', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'aoai-join-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, lines: string[]) => {
    const path = join(dir, name);
    writeFileSync(path, lines.length ? lines.join('\n') + '\n' : '');
    return path;
  };
  const readJoined = (path: string) => readFileSync(path, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as JoinedLine);

  it('writes one line per input request in input order, with succeeded, failed and missing', async () => {
    const input = write('in.jsonl', ['a', 'b', 'c', 'd'].map((id) => request({ custom_id: id })));
    const output = write('out.jsonl', [ok('c'), ok('a')]);
    const errors = write('err.jsonl', [failed('b', 500, 'server_error')]);
    const summary = await joinResults(input, [{ output, errors }], join(dir, 'in.results.jsonl'));
    const joined = readJoined(join(dir, 'in.results.jsonl'));
    assert.deepEqual(joined.map((l) => [l.custom_id, l.status, l.status_code]), [['a', 'succeeded', 200], ['b', 'failed', 500], ['c', 'succeeded', 200], ['d', 'missing', null]]);
    assert.deepEqual(Object.keys(joined[0]!), ['custom_id', 'status', 'status_code', 'response', 'error']);
    assert.equal((joined[0]!.response as { choices: { message: { content: string } }[] }).choices[0]!.message.content, 'answer a');
    assert.deepEqual(joined[1]!.error, { code: 'server_error', message: 'Rate limit' });
    assert.equal(summary.succeeded, 2);
    assert.equal(summary.failed, 1);
    assert.equal(summary.missing, 1);
    assert.deepEqual(summary.failuresByCode, [{ key: 'server_error', count: 1 }]);
    assert.equal(summary.promptTokens, 20);
    assert.equal(summary.completionTokens, 10);
    assert.deepEqual(summary.unfinishedIds, ['b', 'd']);
  });

  it('lets the latest success win across attempts', async () => {
    const input = write('in.jsonl', ['a', 'b', 'c'].map((id) => request({ custom_id: id })));
    const first = { output: write('o1.jsonl', [ok('a', 'first')]), errors: write('e1.jsonl', [failed('b'), failed('c')]) };
    const retry = { output: write('o2.jsonl', [ok('b', 'second')]), errors: write('e2.jsonl', [failed('c', 500, 'server_error'), failed('a')]) };
    const summary = await joinResults(input, [first, retry], join(dir, 'r.jsonl'));
    const joined = readJoined(join(dir, 'r.jsonl'));
    assert.deepEqual(joined.map((l) => l.status), ['succeeded', 'succeeded', 'failed']);
    assert.equal((joined[1]!.response as { choices: { message: { content: string } }[] }).choices[0]!.message.content, 'second');
    assert.equal(joined[2]!.status_code, 500, 'the latest failure is reported');
    assert.equal(summary.succeeded, 2);
  });

  it('reports malformed lines and unknown ids instead of merging them', async () => {
    const input = write('in.jsonl', [request({ custom_id: 'a' })]);
    const output = write('out.jsonl', [ok('a'), '{"custom_id": "trunc', ok('stranger'), '[1]']);
    const summary = await joinResults(input, [{ output }], join(dir, 'r.jsonl'));
    assert.equal(summary.succeeded, 1);
    assert.deepEqual(summary.malformed.map((m) => m.line), [2, 4]);
    assert.deepEqual(summary.unknownIds.map((u) => [u.line, u.customId]), [[3, 'stranger']]);
    assert.equal(readJoined(join(dir, 'r.jsonl')).length, 1);
  });

  it('leaves no partial file behind and never half-writes the destination', async () => {
    const input = write('in.jsonl', [request({ custom_id: 'a' })]);
    await assert.rejects(joinResults(input, [{ output: join(dir, 'missing.jsonl') }], join(dir, 'r.jsonl')));
    assert.deepEqual(readdirSync(dir).sort(), ['in.jsonl']);
  });

  it('writes a retry file with exactly the failed and missing requests', async () => {
    const lines = ['a', 'b', 'c', 'd'].map((id) => request({ custom_id: id }));
    const input = write('in.jsonl', lines);
    const count = await writeRetryFile(input, new Set(['b', 'd']), join(dir, 'in.retry-1.jsonl'));
    assert.equal(count, 2);
    assert.equal(readFileSync(join(dir, 'in.retry-1.jsonl'), 'utf8'), `${lines[1]}\n${lines[3]}\n`);
  });

  it('summarises result files by outcome, code and tokens', async () => {
    const output = write('out.jsonl', [ok('a'), ok('b')]);
    const errors = write('err.jsonl', [failed('c'), failed('d'), failed('e', 500, 'server_error'), 'garbage']);
    const summary = await summarizeResultFiles([output, errors]);
    assert.equal(summary.succeeded, 2);
    assert.equal(summary.failed, 3);
    assert.deepEqual(summary.failuresByCode, [{ key: 'too_many_requests', count: 2 }, { key: 'server_error', count: 1 }]);
    assert.equal(summary.promptTokens, 20);
    assert.equal(summary.malformed.length, 1);
  });

  it('joins 100,000 results in input order', async function () {
    this.timeout(60_000);
    const n = 100_000;
    const ids = Array.from({ length: n }, (_, i) => `task-${i}`);
    const input = write('big.jsonl', ids.map((id) => request({ custom_id: id })));
    const shuffled = [...ids].reverse();
    const output = write('big.out.jsonl', shuffled.filter((_, i) => i % 10 !== 0).map((id) => ok(id)));
    const errors = write('big.err.jsonl', shuffled.filter((_, i) => i % 10 === 0).map((id) => failed(id)));
    const summary = await joinResults(input, [{ output, errors }], join(dir, 'big.results.jsonl'));
    assert.equal(summary.total, n);
    assert.equal(summary.succeeded + summary.failed, n);
    const joined = readFileSync(join(dir, 'big.results.jsonl'), 'utf8').trimEnd().split('\n');
    assert.equal(joined.length, n);
    assert.equal((JSON.parse(joined[12_345]!) as JoinedLine).custom_id, 'task-12345');
  });

  describe('partial results of jobs that ended early', () => {
    const fiveInputs = () => write('in.jsonl', ['a', 'b', 'c', 'd', 'e'].map((id) => request({ custom_id: id })));

    it('joins an expired job: finished rows kept, rows never run (batch_expired) missing with their reason', async () => {
      const summary = await joinResults(fiveInputs(), [{ output: write('o.jsonl', [ok('b'), ok('a')]), errors: write('e.jsonl', [failed('c', 500, 'server_error'), expired('d'), expired('e')]) }], join(dir, 'r.jsonl'));
      const joined = readJoined(join(dir, 'r.jsonl'));
      assert.deepEqual(joined.map((l) => [l.custom_id, l.status]), [['a', 'succeeded'], ['b', 'succeeded'], ['c', 'failed'], ['d', 'missing'], ['e', 'missing']]);
      assert.deepEqual(joined[3]!.error, { code: 'batch_expired', message: 'This request could not be executed before the completion window expired.' });
      assert.deepEqual([summary.succeeded, summary.failed, summary.missing], [2, 1, 2]);
      assert.deepEqual(summary.failuresByCode, [{ key: 'server_error', count: 1 }], 'rows not run are not failures');
      assert.deepEqual(summary.unfinishedIds, ['c', 'd', 'e']);
    });

    it('joins a cancelled job: the rows without any line are missing', async () => {
      const summary = await joinResults(fiveInputs(), [{ output: write('o.jsonl', [ok('a')]), errors: write('e.jsonl', []) }], join(dir, 'r.jsonl'));
      assert.deepEqual(readJoined(join(dir, 'r.jsonl')).map((l) => l.status), ['succeeded', 'missing', 'missing', 'missing', 'missing']);
      assert.deepEqual(summary.unfinishedIds, ['b', 'c', 'd', 'e']);
    });

    it('resubmits exactly the failed and missing rows, and the follow-up completes the merged results in input order', async () => {
      const source = fiveInputs();
      const first = { output: write('o1.jsonl', [ok('a')]), errors: write('e1.jsonl', [failed('b', 500, 'server_error'), expired('c'), expired('d'), expired('e')]) };
      const { unfinishedIds } = await joinResults(source, [first], undefined);
      const retry = join(dir, 'in.retry-1.jsonl');
      assert.equal(await writeRetryFile(source, new Set(unfinishedIds), retry), 4);
      assert.deepEqual(readFileSync(retry, 'utf8').trimEnd().split('\n').map((l) => (JSON.parse(l) as { custom_id: string }).custom_id), ['b', 'c', 'd', 'e']);
      // The follow-up answers all but one; a row not run in the follow-up never hides an earlier real failure.
      const second = { output: write('o2.jsonl', [ok('e', 'late'), ok('c'), ok('d')]), errors: write('e2.jsonl', [expired('b')]) };
      const summary = await joinResults(source, [first, second], join(dir, 'r.jsonl'));
      const joined = readJoined(join(dir, 'r.jsonl'));
      assert.deepEqual(joined.map((l) => [l.custom_id, l.status]), [['a', 'succeeded'], ['b', 'failed'], ['c', 'succeeded'], ['d', 'succeeded'], ['e', 'succeeded']]);
      assert.equal(joined[1]!.status_code, 500, 'the earlier failure is kept over a later row that did not run');
      assert.deepEqual(summary.unfinishedIds, ['b']);
    });

    it('lets an answer of a later attempt replace a row that did not run', async () => {
      const source = write('in.jsonl', [request({ custom_id: 'a' })]);
      const summary = await joinResults(source, [{ errors: write('e1.jsonl', [expired('a')]) }, { errors: write('e2.jsonl', [failed('a', 429, 'too_many_requests')]) }], undefined);
      assert.deepEqual([summary.failed, summary.missing], [1, 0]);
    });
  });
});
