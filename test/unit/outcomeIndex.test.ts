import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JoinedLine } from '../../src/core/results/join';
import { answerPreview, buildOutcomeIndex, customIdOfLine, previewChars, resultsFileCandidates, shorten } from '../../src/core/results/outcomeIndex';
import { request } from './helpers';

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
    assert.equal(index.size, 5, 'lines that are not joined results are skipped');
    assert.deepEqual(index.lookup('a'), { status: 'succeeded', statusCode: 200, code: undefined, message: undefined, preview: 'Paris.' });
    assert.deepEqual(index.lookup('b'), { status: 'failed', statusCode: 429, code: 'too_many_requests', message: 'Rate limit', preview: undefined });
    assert.equal(index.lookup('c')?.code, 'batch_expired');
    const preview = index.lookup('e')!.preview!;
    assert.ok(preview.length <= previewChars + 1 && preview.endsWith('…'), `kept short: ${preview.length}`);
    // Lines are read back when asked for: a file that changed since gives no outcome rather than another row's.
    writeFileSync(path, rows.slice(1).map((r) => JSON.stringify(r)).join('\n') + '\n');
    assert.equal(index.lookup('a'), undefined);
  });

  it('previews chat, Responses and embedding answers', () => {
    assert.equal(answerPreview({ choices: [{ message: { content: 'hi' } }] }), 'hi');
    assert.equal(answerPreview({ output: [{ type: 'reasoning' }, { type: 'message', content: [{ type: 'output_text', text: 'from responses' }] }] }), 'from responses');
    assert.equal(answerPreview({ data: [{ embedding: [0.1, 0.2, 0.3] }] }), '[embedding: 3 dimensions]');
    assert.equal(answerPreview({ choices: [{ message: { content: null, tool_calls: [{ function: { name: 'lookup', arguments: '{}' } }] } }] }), 'lookup({})');
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
