import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { joinResults, writeRetryFile, type JoinedLine } from '../../src/core/results/join';
import { answerPreview, buildOutcomeIndex, customIdOfLine, previewChars, resultsFileCandidates, shorten } from '../../src/core/results/outcomeIndex';
import { request } from './helpers';

const ok = (id: string, content = `answer ${id}`) =>
  JSON.stringify({ id: `batch_req_${id}`, custom_id: id, response: { status_code: 200, request_id: 'r', body: { choices: [{ message: { role: 'assistant', content } }], usage: { prompt_tokens: 10, completion_tokens: 5 } } }, error: null });
const failed = (id: string, status = 500, code = 'server_error') =>
  JSON.stringify({ id: `batch_req_${id}`, custom_id: id, response: { status_code: status, request_id: 'r', body: { error: { code, message: 'Boom' } } }, error: null });
/** What Azure's (and the emulator's) error file says of a row an expired batch never ran. */
const expired = (id: string) => JSON.stringify({ id: `batch_req_${id}`, custom_id: id, response: null, error: { code: 'batch_expired', message: 'This request could not be executed before the completion window expired.' } });

describe('partial results of jobs that ended early', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'aoai-partial-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, lines: string[]) => {
    const path = join(dir, name);
    writeFileSync(path, lines.length ? lines.join('\n') + '\n' : '');
    return path;
  };
  const readJoined = (path: string) => readFileSync(path, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as JoinedLine);
  const input = () => write('in.jsonl', ['a', 'b', 'c', 'd', 'e'].map((id) => request({ custom_id: id })));

  it('joins an expired job: finished rows kept, rows never run (batch_expired) missing with their reason', async () => {
    const summary = await joinResults(input(), [{ output: write('o.jsonl', [ok('b'), ok('a')]), errors: write('e.jsonl', [failed('c'), expired('d'), expired('e')]) }], join(dir, 'r.jsonl'));
    const joined = readJoined(join(dir, 'r.jsonl'));
    assert.deepEqual(joined.map((l) => [l.custom_id, l.status]), [['a', 'succeeded'], ['b', 'succeeded'], ['c', 'failed'], ['d', 'missing'], ['e', 'missing']]);
    assert.deepEqual(joined[3]!.error, { code: 'batch_expired', message: 'This request could not be executed before the completion window expired.' });
    assert.deepEqual([summary.succeeded, summary.failed, summary.missing], [2, 1, 2]);
    assert.deepEqual(summary.failuresByCode, [{ key: '500 server_error', count: 1 }], 'rows not run are not failures');
    assert.deepEqual(summary.unfinishedIds, ['c', 'd', 'e']);
  });

  it('joins a cancelled job: the rows without any line are missing', async () => {
    const summary = await joinResults(input(), [{ output: write('o.jsonl', [ok('a')]), errors: write('e.jsonl', []) }], join(dir, 'r.jsonl'));
    assert.deepEqual(readJoined(join(dir, 'r.jsonl')).map((l) => l.status), ['succeeded', 'missing', 'missing', 'missing', 'missing']);
    assert.deepEqual(summary.unfinishedIds, ['b', 'c', 'd', 'e']);
  });

  it('resubmits exactly the failed and missing rows, and the follow-up completes the merged results in input order', async () => {
    const source = input();
    const first = { output: write('o1.jsonl', [ok('a')]), errors: write('e1.jsonl', [failed('b'), expired('c'), expired('d'), expired('e')]) };
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

describe('outcome index of a results file', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'aoai-outcomes-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('maps custom_id to status, code and a short answer preview, with totals', async () => {
    const long = Array.from({ length: 10 }, (_, i) => `line ${i} ${'x'.repeat(100)}`).join('\n');
    const rows: JoinedLine[] = [
      { custom_id: 'a', status: 'succeeded', status_code: 200, response: { choices: [{ message: { content: 'Paris.' } }] }, error: null },
      { custom_id: 'b', status: 'failed', status_code: 429, response: { error: { code: 'too_many_requests' } }, error: { code: 'too_many_requests', message: 'Rate limit' } },
      { custom_id: 'c', status: 'missing', status_code: null, response: null, error: { code: 'batch_expired', message: 'not run' } },
      { custom_id: 'd', status: 'missing', status_code: null, response: null, error: null },
      { custom_id: 'e', status: 'succeeded', status_code: 200, response: { choices: [{ message: { content: long } }] }, error: null },
    ];
    const path = join(dir, 'x.results.jsonl');
    writeFileSync(path, [...rows.map((r) => JSON.stringify(r)), 'not json', '{"custom_id":"z"}'].join('\n') + '\n');
    const index = await buildOutcomeIndex(path);
    assert.deepEqual(index.totals, { succeeded: 2, failed: 1, missing: 2 });
    assert.equal(index.byId.size, 5, 'lines that are not joined results are skipped');
    assert.deepEqual(index.byId.get('a'), { status: 'succeeded', statusCode: 200, code: undefined, message: undefined, preview: 'Paris.' });
    assert.deepEqual(index.byId.get('b'), { status: 'failed', statusCode: 429, code: 'too_many_requests', message: 'Rate limit', preview: undefined });
    assert.equal(index.byId.get('c')?.code, 'batch_expired');
    const preview = index.byId.get('e')!.preview!;
    assert.ok(preview.length <= previewChars + 1 && preview.endsWith('…'), `kept short: ${preview.length}`);
  });

  it('previews chat, Responses and embedding answers', () => {
    assert.equal(answerPreview({ choices: [{ message: { content: 'hi' } }] }), 'hi');
    assert.equal(answerPreview({ output: [{ type: 'reasoning' }, { type: 'message', content: [{ type: 'output_text', text: 'from responses' }] }] }), 'from responses');
    assert.equal(answerPreview({ data: [{ embedding: [0.1, 0.2, 0.3] }] }), 'embedding: 3 dimensions');
    assert.equal(answerPreview({ choices: [{ message: { content: null, tool_calls: [{ function: { name: 'lookup' } }] } }] }), 'tool calls: lookup');
    assert.equal(answerPreview(null), undefined);
    assert.equal(shorten('1\n2\n3\n4\n5', 100, 4), '1\n2\n3\n4…');
  });

  it('reads a line custom_id without parsing the request', () => {
    assert.equal(customIdOfLine(request({ custom_id: 'task-"7"' })), 'task-"7"');
    assert.equal(customIdOfLine('{"custom_id": "a\\u0041", "body": {'), 'aA', 'an unfinished line still names its id');
    assert.equal(customIdOfLine('{"method":"POST"}'), undefined);
  });

  it('looks for results in one folder per job first, then the loose file, configured folder before the source folder', () => {
    assert.deepEqual(resultsFileCandidates('data.jsonl', ['/out', '/src'], (...p) => p.join('/')), [
      '/out/data.results/data.results.jsonl',
      '/src/data.results/data.results.jsonl',
      '/out/data.results.jsonl',
      '/src/data.results.jsonl',
    ]);
    assert.equal(resultsFileCandidates('data.jsonl', ['/src', '/src'], (...p) => p.join('/')).length, 2, 'one folder named twice is looked at once');
  });
});
