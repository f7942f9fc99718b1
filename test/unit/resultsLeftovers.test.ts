import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchClient } from '../../src/core/batch/client';
import { isResultFileName } from '../../src/core/jsonl/resultShape';
import { joinResults } from '../../src/core/results/join';
import { isRetryFileName, resultStem, safeFileStem } from '../../src/core/results/names';
import { failureCode } from '../../src/core/results/outputLine';
import { summaryMarkdown } from '../../src/core/results/summaryMarkdown';
import { buildResultsModel, exportCsv, pageOf, queryResults, summarizeResults } from '../../src/core/results/viewModel';
import { stubService } from './stubService';

// Leftovers of the results viewer and downloads: one wording of failure codes, raw output files in the viewer,
// distinct result names for distinct sources, bearer tokens scrubbed from downloaded files.

const input = (id: string) => JSON.stringify({ custom_id: id, method: 'POST', url: '/chat/completions', body: { model: 'gpt-4o-batch', messages: [{ role: 'user', content: `Say ${id}` }] } });
const chat = (text: string) => ({ model: 'gpt-4o-2024-08-06', choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: text } }], usage: { prompt_tokens: 10, completion_tokens: 4, total_tokens: 14 } });
/** A line of an Azure output or error file, as the service writes it (and the portal downloads it). */
const rawLine = (id: string, status: number | null, body: unknown, error: unknown = null) =>
  JSON.stringify({ id: `batch_req_${id}`, custom_id: id, response: status === null ? null : { status_code: status, request_id: `req-${id}`, body }, error });

describe('results leftovers', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'aoai-leftovers-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, lines: readonly string[]) => {
    const path = join(dir, name);
    writeFileSync(path, lines.join('\n') + '\n');
    return path;
  };

  // Output and error lines with every way a failure is worded: an error code, a status only, a code that
  // repeats the status, an error without a response.
  const outputs = [rawLine('ok', 200, chat('fine')), rawLine('limited', 429, { error: { code: 'too_many_requests', message: 'Slow down.' } }), rawLine('broken', 500, { error: { message: 'Oops.' } })];
  const errors = [rawLine('echo', 400, { error: { code: '400', message: 'Bad.' } }), rawLine('lost', null, null, { code: 'server_error', message: 'Lost.' }), rawLine('late', null, null, { code: 'batch_expired', message: 'Expired.' })];

  describe('failure codes: one wording from core', () => {
    it('failureCode: the error code, else HTTP and the status, else unknown', () => {
      const table: [number | undefined, string | undefined, string][] = [
        [429, 'too_many_requests', 'too_many_requests'],
        [500, undefined, 'HTTP 500'],
        [400, '400', 'HTTP 400'],
        [undefined, 'server_error', 'server_error'],
        [undefined, undefined, 'unknown'],
        [500, '', 'HTTP 500'],
      ];
      for (const [status, code, expected] of table) {
        assert.equal(failureCode(status, code), expected, `${String(status)} ${String(code)}`);
      }
    });

    it('NAME.summary.md and the viewer (code column, code filter, header) word every failure alike', async () => {
      const inputPath = write('job.jsonl', ['ok', 'limited', 'broken', 'echo', 'lost', 'late'].map(input));
      const resultsPath = join(dir, 'job.results.jsonl');
      const summary = await joinResults(inputPath, [{ output: write('job.output.jsonl', outputs), errors: write('job.errors.jsonl', errors) }], resultsPath, { overwrite: true });
      const expected = ['HTTP 400', 'HTTP 500', 'server_error', 'too_many_requests'];
      assert.deepEqual(summary.failuresByCode.map((failure) => failure.key).sort(), expected);
      // Markdown escapes `_`: the table is read as it renders.
      const markdown = summaryMarkdown('job.jsonl', summary).replaceAll('\\_', '_');
      for (const code of expected) {
        assert.match(markdown, new RegExp(`\\| ${code} \\| 1 \\|`), `the summary's table names ${code}`);
      }
      const model = await buildResultsModel(resultsPath, { inputPath });
      assert.deepEqual(summarizeResults(model).failuresByCode.map((failure) => failure.code).sort(), expected, 'the header and the code filter');
      const rows = pageOf(model, queryResults(model, { statuses: ['failed'] }), 0, 10);
      assert.deepEqual(rows.map((row) => row.code).sort(), expected, 'the code column');
      assert.equal(queryResults(model, { codes: ['HTTP 500'] }).rows.length, 1, 'the filter by a status-only code');
    });
  });

  describe('a raw Azure output file opened in the viewer', () => {
    it('shows rows with a response as succeeded or failed by it, rows never run as missing', async () => {
      const path = write('portal_output.jsonl', [...outputs, ...errors]);
      const model = await buildResultsModel(path);
      const rows = pageOf(model, queryResults(model), 0, 10);
      assert.deepEqual(
        rows.map((row) => [row.customId, row.status, row.code]),
        [
          ['ok', 'succeeded', '200'],
          ['limited', 'failed', 'too_many_requests'],
          ['broken', 'failed', 'HTTP 500'],
          ['echo', 'failed', 'HTTP 400'],
          ['lost', 'failed', 'server_error'],
          ['late', 'missing', ''],
        ],
      );
      assert.equal(rows[0]!.answer, 'fine');
      assert.deepEqual([rows[0]!.inputTokens, rows[0]!.outputTokens], [10, 4]);
      assert.equal(rows[1]!.error, 'Slow down.');
      const counts = queryResults(model).counts;
      assert.deepEqual(counts, { succeeded: 1, failed: 4, missing: 1, total: 6 });
      assert.equal(model.report.malformedCount, 0);

      // The detail pane gets the status the response says; the CSV export the answer and the error.
      const detail = await model.detail(0);
      assert.equal(detail.result?.status, 'succeeded');
      assert.equal(detail.result?.status_code, 200);
      assert.equal((await model.detail(5)).result?.status, 'missing');
      const csv = join(dir, 'view.csv');
      await exportCsv(model, queryResults(model), csv);
      const lines = readFileSync(csv, 'utf8').replace(/^\ufeff/, '').trim().split('\r\n');
      assert.match(lines[1]!, /^ok,succeeded,200,,,fine,10,4,/);
      assert.match(lines[2]!, /^limited,failed,too_many_requests,Slow down\.,/);
    });

    it('keeps reading joined lines as they say, whatever their response holds', async () => {
      // A joined line's response is the body: one with a `status_code` field is still the body.
      const joined = JSON.stringify({ custom_id: 'j', status: 'failed', status_code: 500, response: { status_code: 200, body: {} }, error: { code: 'server_error', message: 'x' } });
      const model = await buildResultsModel(write('j.results.jsonl', [joined]));
      const [row] = pageOf(model, queryResults(model), 0, 1);
      assert.deepEqual([row!.status, row!.code], ['failed', 'server_error']);
    });
  });

  describe('result names of sources that sanitise alike', () => {
    it('distinct sources give distinct stems, stable across runs; safe names stay as they are', () => {
      const names = ['a#b.jsonl', 'a%b.jsonl', 'a_b.jsonl', 'a?b.jsonl', 'a b.jsonl'];
      const stems = names.map((name) => resultStem(name, 'batch_1'));
      assert.equal(new Set(stems).size, names.length, stems.join(', '));
      assert.deepEqual(
        names.map((name) => resultStem(name, 'batch_1')),
        stems,
        'the same name, the same stem',
      );
      assert.equal(resultStem('a_b.jsonl', 'batch_1'), 'a_b');
      assert.equal(resultStem('a b.jsonl', 'batch_1'), 'a b');
      assert.match(resultStem('a#b.jsonl', 'batch_1'), /^a_b-[0-9a-f]{6}$/);
      // Fixed: a hash that changed between versions would lose the way to results downloaded before.
      assert.equal(resultStem('a#b.jsonl', 'batch_1'), 'a_b-8187fc');
      for (const stem of stems) {
        assert.equal(safeFileStem(stem), stem, 'a stem is its own stem');
      }
    });

    it('long names that differ only past the length limit stay distinct and within 120 bytes', () => {
      const long = 'x'.repeat(200);
      const a = safeFileStem(`${long}a`);
      const b = safeFileStem(`${long}b`);
      assert.notEqual(a, b);
      assert.ok(Buffer.byteLength(a) <= 120 && Buffer.byteLength(b) <= 120);
      assert.match(a, /^x+-[0-9a-f]{6}$/);
    });
  });

  describe('retry files', () => {
    it('a retry file in a job results folder is input, not results', () => {
      assert.equal(isRetryFileName('jobs.retry-1.jsonl'), true);
      assert.equal(isRetryFileName('jobs.retry-x.jsonl'), false);
      assert.equal(isResultFileName('/w/jobs.results/jobs.retry-2.jsonl'), false);
      assert.equal(isResultFileName('/w/jobs.results/jobs.output.jsonl'), true);
      assert.equal(isResultFileName('/w/jobs.results/jobs.retry-2.output.jsonl'), true, "a retry's output is results");
    });
  });

  describe('bearer tokens in downloaded files', function () {
    this.timeout(30_000);

    it('a Microsoft Entra token echoed into the output file is scrubbed like an API key', async () => {
      const token = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.entra-token-7c1d2e3f';
      const echoed = rawLine('t1', 401, { error: { code: 'bad_token', message: `invalid token ${token}` } });
      const server = await stubService({ batchId: 'batch_token', outputLines: [echoed] });
      try {
        const client = new BatchClient({ endpoint: server.url, apiVersion: '2024-10-21', credential: { kind: 'token', getToken: async () => token } }, { retries: 0, baseDelayMs: 1, maxDelayMs: 1 });
        const out = join(dir, 'out');
        mkdirSync(out);
        await client.downloadFile('file-out', join(out, 'token.output.jsonl'));
        const text = readFileSync(join(out, 'token.output.jsonl'), 'utf8');
        assert.ok(!text.includes(token), 'the token is not on disk');
        assert.match(text, /invalid token \*\*\*/);
        assert.deepEqual(readdirSync(out), ['token.output.jsonl']);
      } finally {
        await server.close();
      }
    });
  });
});
