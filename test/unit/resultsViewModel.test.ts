import * as assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileExistsError } from '../../src/core/atomicFile';
import { joinResults } from '../../src/core/results/join';
import { ModelResolver } from '../../src/core/tokens/models';
import { seeded } from './helpers';
import { buildResultsModel, csvCell, exportCsv, exportJsonl, gridChars, pageOf, queryResults, summarizeResults, type ColumnId, type ResultsModel } from '../../src/core/results/viewModel';

// Lines in the shapes of Microsoft's batch documentation and the Azure REST specification (chat completions with
// Azure's content filter results, Responses objects, embeddings). The reference folder's examples/ holds the REST
// operations only, so the request and output lines are written here after the documented shapes.
const chatInput = (id: string, body: Record<string, unknown> = {}) =>
  JSON.stringify({
    custom_id: id,
    method: 'POST',
    url: '/chat/completions',
    body: { model: 'gpt-4o-batch', messages: [{ role: 'system', content: 'You are an AI assistant that helps people find information.' }, { role: 'user', content: `When was Microsoft founded? (${id})` }], ...body },
  });
const chatBody = (content: string | null, extra: Record<string, unknown> = {}) => ({
  id: 'chatcmpl-AC8rRPZJ3YHOmyLp31DHAfBEtQ0Yg',
  object: 'chat.completion',
  created: 1727462188,
  model: 'gpt-4o-2024-08-06',
  choices: [
    {
      index: 0,
      finish_reason: 'stop',
      logprobs: null,
      message: { role: 'assistant', content, refusal: null, ...extra },
      content_filter_results: { hate: { filtered: false, severity: 'safe' }, self_harm: { filtered: false, severity: 'safe' }, sexual: { filtered: false, severity: 'safe' }, violence: { filtered: false, severity: 'safe' } },
    },
  ],
  usage: { prompt_tokens: 25, completion_tokens: 19, total_tokens: 44, completion_tokens_details: { reasoning_tokens: 3 } },
  prompt_filter_results: [{ prompt_index: 0, content_filter_results: { hate: { filtered: false, severity: 'safe' } } }],
  system_fingerprint: 'fp_5050236cbd',
});
const outputLine = (id: string, body: unknown, status = 200) => JSON.stringify({ id: `batch_req_${id}`, custom_id: id, response: { status_code: status, request_id: `req-${id}`, body }, error: null });
const failedLine = (id: string, status = 429, code = 'too_many_requests', message = 'Rate limit reached.') => outputLine(id, { error: { code, message } }, status);
const joined = (id: string, status: string, statusCode: number | null, response: unknown, error: unknown = null) => JSON.stringify({ custom_id: id, status, status_code: statusCode, response, error });

describe('results viewer model', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'aoai-viewer-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, lines: readonly string[], eol = '\n') => {
    const path = join(dir, name);
    writeFileSync(path, lines.length > 0 ? lines.join(eol) + eol : '');
    return path;
  };
  /** Joins outputs to an input with the real join, and builds the model of the joined file. */
  const joinAndBuild = async (input: readonly string[], output: readonly string[], errors: readonly string[] = [], resolver?: ModelResolver) => {
    const inputPath = write('job.jsonl', input);
    const resultsPath = join(dir, 'job.results.jsonl');
    await joinResults(inputPath, [{ output: write('out.jsonl', output), errors: write('err.jsonl', errors) }], resultsPath, { overwrite: true });
    return buildResultsModel(resultsPath, { inputPath, resolver });
  };
  const all = (model: ResultsModel) => pageOf(model, queryResults(model), 0, model.rowCount);

  describe('rows', () => {
    it('reads a chat completion: last user message, first choice, usage, reasoning tokens and batch cost', async () => {
      const model = await joinAndBuild([chatInput('task-0')], [outputLine('task-0', chatBody('Microsoft was founded on April 4, 1975.'))]);
      const [row] = all(model);
      assert.deepEqual(
        { ...row!, fields: undefined },
        {
          index: 0,
          customId: 'task-0',
          status: 'succeeded',
          code: '200',
          prompt: 'When was Microsoft founded? (task-0)',
          answer: 'Microsoft was founded on April 4, 1975.',
          error: undefined,
          inputTokens: 25,
          outputTokens: 19,
          reasoningTokens: 3,
          cost: (25 * 1.25 + 19 * 5) / 1_000_000,
          structured: undefined,
          structuredReason: undefined,
          fields: undefined,
          inputLine: 1,
        },
      );
    });

    it('shows text parts of content arrays and images as [image], and the last user message after assistant turns', async () => {
      const messages = [
        { role: 'user', content: 'first question' },
        { role: 'assistant', content: 'first answer' },
        { role: 'user', content: [{ type: 'text', text: 'What is in this picture?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA', detail: 'low' } }] },
      ];
      const model = await joinAndBuild([chatInput('a', { messages })], [outputLine('a', chatBody([{ type: 'text', text: 'A cat.' }] as unknown as string))]);
      const [row] = all(model);
      assert.equal(row!.prompt, 'What is in this picture?\n[image]');
      assert.equal(row!.answer, 'A cat.');
    });

    it('summarizes tool calls and refusals when a choice has no content', async () => {
      const toolCalls = [
        { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
        { id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '{}' } },
      ];
      const model = await joinAndBuild([chatInput('t'), chatInput('r')], [outputLine('t', chatBody(null, { tool_calls: toolCalls })), outputLine('r', chatBody(null, { refusal: 'I cannot help with that.' }))]);
      assert.deepEqual(all(model).map((row) => row.answer), ['get_weather({"city":"Paris"})\nget_time({})', '[refusal] I cannot help with that.']);
    });

    it('reads Responses requests and objects: input text and parts, output messages or output_text, output_tokens_details', async () => {
      const input = [
        JSON.stringify({ custom_id: 'r1', method: 'POST', url: '/v1/responses', body: { model: 'gpt-4.1-batch', input: 'Write a haiku about the sea.' } }),
        JSON.stringify({
          custom_id: 'r2',
          method: 'POST',
          url: '/v1/responses',
          body: { model: 'o4-mini-batch', input: [{ role: 'user', content: [{ type: 'input_text', text: 'Describe this.' }, { type: 'input_image', image_url: 'https://example.com/a.png', detail: 'auto' }] }] },
        }),
      ];
      const responses = (text: string, model: string, extra: Record<string, unknown> = {}) => ({
        id: 'resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b',
        object: 'response',
        created_at: 1741476542,
        status: 'completed',
        model,
        output: [
          { id: 'rs_1', type: 'reasoning', summary: [] },
          { id: 'msg_1', type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text, annotations: [] }] },
        ],
        usage: { input_tokens: 36, input_tokens_details: { cached_tokens: 0 }, output_tokens: 87, output_tokens_details: { reasoning_tokens: 64 }, total_tokens: 123 },
        ...extra,
      });
      const model = await joinAndBuild(input, [outputLine('r1', responses('Waves fold on the shore', 'gpt-4.1-2025-04-14')), outputLine('r2', responses('ignored', 'o4-mini-2025-04-16', { output_text: 'A red square.' }))]);
      const rows = all(model);
      assert.deepEqual(
        rows.map((row) => [row.prompt, row.answer, row.inputTokens, row.outputTokens, row.reasoningTokens]),
        [
          ['Write a haiku about the sea.', 'Waves fold on the shore', 36, 87, 64],
          ['Describe this.\n[image]', 'A red square.', 36, 87, 64],
        ],
      );
      assert.equal(rows[0]!.cost, (36 * 1 + 87 * 4) / 1_000_000);
      assert.equal(rows[1]!.cost, (36 * 0.55 + 87 * 2.2) / 1_000_000);
    });

    it('reads embeddings: input strings, dimensions as the answer (float lists and base64), prompt tokens only', async () => {
      const input = [
        JSON.stringify({ custom_id: 'e1', method: 'POST', url: '/embeddings', body: { model: 'emb-deployment', input: 'The food was delicious.' } }),
        JSON.stringify({ custom_id: 'e2', method: 'POST', url: '/embeddings', body: { model: 'emb-deployment', input: ['one', 'two'], encoding_format: 'base64' } }),
      ];
      const embeddings = (data: unknown[]) => ({ object: 'list', data, model: 'text-embedding-3-small', usage: { prompt_tokens: 8, total_tokens: 8 } });
      const base64 = Buffer.from(new Float32Array(6).buffer).toString('base64');
      const model = await joinAndBuild(input, [
        outputLine('e1', embeddings([{ object: 'embedding', index: 0, embedding: [0.1, -0.2, 0.3, 0.4] }])),
        outputLine('e2', embeddings([{ object: 'embedding', index: 0, embedding: base64 }, { object: 'embedding', index: 1, embedding: base64 }])),
      ]);
      const rows = all(model);
      assert.deepEqual(rows.map((row) => [row.prompt, row.answer, row.inputTokens, row.outputTokens]), [
        ['The food was delicious.', '[embedding: 4 dimensions]', 8, undefined],
        ['one\ntwo', '[2 embeddings: 6 dimensions]', 8, undefined],
      ]);
      assert.equal(rows[0]!.cost, (8 * 0.01) / 1_000_000);
    });

    it('prices by the answering model, else the deployment, else leaves the cost unknown; prices settings apply', async () => {
      const input = [chatInput('by-model', { model: 'my-deployment' }), chatInput('by-deployment', { model: 'gpt-4o-mini-eu' }), chatInput('unknown', { model: 'my-deployment' })];
      const body = (model: string | undefined) => ({ ...chatBody('ok'), model });
      const output = [outputLine('by-model', body('gpt-4o-2024-08-06')), outputLine('by-deployment', body(undefined)), outputLine('unknown', body('mystery-model'))];
      const model = await joinAndBuild(input, output);
      assert.deepEqual(all(model).map((row) => row.cost), [(25 * 1.25 + 19 * 5) / 1e6, (25 * 0.075 + 19 * 0.3) / 1e6, undefined]);
      assert.equal(summarizeResults(model).totals.unpricedRows, 1);
      const mapped = await joinAndBuild(input, output, [], new ModelResolver({ deploymentModels: { 'my-deployment': 'gpt-4.1' } }));
      assert.equal(pageOf(mapped, queryResults(mapped), 2, 1)[0]!.cost, (25 * 1 + 19 * 4) / 1e6, 'the deployment mapping prices the unknown model');
    });

    it('codes: the error code of a failure, else HTTP and its status (the wording of NAME.summary.md); the status of a success; nothing for a missing row', async () => {
      const model = await joinAndBuild([chatInput('ok'), chatInput('limited'), chatInput('bare'), chatInput('never')], [outputLine('ok', chatBody('fine'))], [failedLine('limited'), outputLine('bare', {}, 500)]);
      const rows = all(model);
      assert.deepEqual(rows.map((row) => [row.status, row.code, row.error, row.answer, row.cost]), [
        ['succeeded', '200', undefined, 'fine', (25 * 1.25 + 19 * 5) / 1e6],
        ['failed', 'too_many_requests', 'Rate limit reached.', '', undefined],
        ['failed', 'HTTP 500', undefined, '', undefined],
        ['missing', '', undefined, '', undefined],
      ]);
      assert.equal(rows[3]!.prompt, 'When was Microsoft founded? (never)', 'a missing row still shows its prompt');
    });

    it('builds without an input file: no prompts, no joins, nothing reported as unknown', async () => {
      const path = write('only.results.jsonl', [joined('a', 'succeeded', 200, chatBody('hello'))]);
      const model = await buildResultsModel(path);
      const [row] = all(model);
      assert.equal(row!.prompt, '');
      assert.equal(row!.answer, 'hello');
      assert.equal(row!.inputLine, undefined);
      assert.equal(model.report.notInInput, 0);
    });
  });

  describe('hostile files', () => {
    it('reports non-JSON, non-object and id-less lines, skips blank lines, and keeps the rows around them', async () => {
      const path = write('x.results.jsonl', [joined('a', 'succeeded', 200, chatBody('one')), '{"custom_id": "trunc', '', '[1,2]', '{"status":"succeeded"}', '   ', joined('b', 'failed', 400, null, { code: 'invalid_request', message: 'bad' })]);
      const model = await buildResultsModel(path);
      assert.deepEqual(model.customId, ['a', 'b']);
      assert.equal(model.report.malformedCount, 3);
      assert.deepEqual(model.report.malformed.map((m) => m.line), [2, 4, 5]);
      assert.match(model.report.malformed[0]!.reason, /^not JSON/);
      assert.deepEqual(model.report.malformed.slice(1).map((m) => m.reason), ['not a JSON object', 'no custom_id']);
    });

    it('tolerates lines with missing or wrongly typed fields', async () => {
      const path = write('x.results.jsonl', [
        JSON.stringify({ custom_id: 'bare' }),
        JSON.stringify({ custom_id: 'odd', status: 'succeeded', status_code: '200', response: { choices: 'no', usage: { prompt_tokens: 'many', completion_tokens: -1 } } }),
        JSON.stringify({ custom_id: 'num', status: 'failed', status_code: 400, error: { code: 42, message: { nested: true } } }),
      ]);
      const model = await buildResultsModel(path);
      const rows = all(model);
      assert.deepEqual(rows.map((row) => [row.customId, row.status, row.code, row.answer, row.inputTokens, row.outputTokens, row.error]), [
        ['bare', 'missing', '', '', undefined, undefined, undefined],
        ['odd', 'succeeded', '', '', undefined, undefined, undefined], // a negative count is no count
        ['num', 'failed', '42', '', undefined, undefined, undefined],
      ]);
    });

    it('cuts huge values for the grid (never inside a surrogate pair) and reads them whole in the detail', async () => {
      const huge = `${'🙂'.repeat(300_000)} end`;
      const path = write('x.results.jsonl', [joined('big', 'succeeded', 200, chatBody(huge))]);
      const model = await buildResultsModel(path);
      const [row] = all(model);
      assert.equal(row!.answer.length, gridChars - 1);
      assert.ok(row!.answer.endsWith('🙂…'), 'the cut keeps whole characters');
      const detail = await model.detail(0);
      assert.equal((detail.result!.response as ReturnType<typeof chatBody>).choices[0]!.message.content, huge);
      assert.equal(detail.changed, false);
    });

    it('reads files with a byte order mark and CRLF line ends, and unicode ids and text', async () => {
      const inputPath = join(dir, 'in.jsonl');
      writeFileSync(inputPath, '\ufeff' + [chatInput('ünï-😀', { messages: [{ role: 'user', content: 'Ελληνικά 中文 "quotes"\ttab' }] })].join('\r\n') + '\r\n');
      const resultsPath = join(dir, 'in.results.jsonl');
      writeFileSync(resultsPath, '\ufeff' + [joined('ünï-😀', 'succeeded', 200, chatBody('Ответ'))].join('\r\n') + '\r\n');
      const model = await buildResultsModel(resultsPath, { inputPath });
      const [row] = all(model);
      assert.deepEqual([row!.customId, row!.prompt, row!.answer, row!.inputLine], ['ünï-😀', 'Ελληνικά 中文 "quotes"\ttab', 'Ответ', 1]);
      const detail = await model.detail(0);
      assert.equal((detail.request as { custom_id: string }).custom_id, 'ünï-😀');
      assert.equal(detail.result!.custom_id, 'ünï-😀');
    });

    it('counts ids not in the input, duplicated ids in either file, and input requests without a row', async () => {
      const inputPath = write('in.jsonl', [chatInput('a'), chatInput('a', { messages: [{ role: 'user', content: 'second a' }] }), chatInput('b'), 'not json', '{"custom_id": 5}']);
      const resultsPath = write('in.results.jsonl', [joined('a', 'succeeded', 200, chatBody('1')), joined('a', 'succeeded', 200, chatBody('2')), joined('stranger', 'failed', 500, null, { code: 'server_error' })]);
      const model = await buildResultsModel(resultsPath, { inputPath });
      const rows = all(model);
      assert.deepEqual(rows.map((row) => [row.customId, row.answer, row.prompt, row.inputLine]), [
        ['a', '1', 'When was Microsoft founded? (a)', 1],
        ['a', '2', 'When was Microsoft founded? (a)', 1],
        ['stranger', '', '', undefined],
      ]);
      assert.deepEqual({ ...model.report, malformed: undefined }, { malformed: undefined, malformedCount: 0, notInInput: 1, inputWithoutRow: 1, duplicateIds: 1, unreadableInputLines: 2 });
    });

    it('says a row changed when its file was rewritten since the model was built', async () => {
      const path = write('x.results.jsonl', [joined('a', 'succeeded', 200, chatBody('one'))]);
      const model = await buildResultsModel(path);
      writeFileSync(path, joined('zz', 'succeeded', 200, chatBody('other')) + '\n');
      const detail = await model.detail(0);
      assert.equal(detail.changed, true);
      assert.equal(detail.result, undefined);
      await assert.rejects(model.detail(1), RangeError);
    });

    it('stops when aborted, before or while it reads', async () => {
      const path = write('x.results.jsonl', Array.from({ length: 20_000 }, (_, i) => joined(`id-${i}`, 'succeeded', 200, chatBody(`answer ${i} ${'x'.repeat(200)}`))));
      await assert.rejects(buildResultsModel(path, { signal: AbortSignal.abort() }), { name: 'AbortError' });
      // Aborted from a timer once timers have run twice during the build: a build that never yields could not be
      // aborted this way and would resolve (a separate abort timer raced the interval on a fresh-clone CI).
      const controller = new AbortController();
      let ticks = 0;
      const timer = setInterval(() => {
        if (++ticks === 2) controller.abort();
      }, 0);
      try {
        await assert.rejects(buildResultsModel(path, { signal: controller.signal }), { name: 'AbortError' });
      } finally {
        clearInterval(timer);
      }
      assert.ok(ticks >= 2, 'timers ran while the model was being built');
    });
  });

  describe('while it builds', () => {
    it('hands out the growing model: its first rows can be queried and paged before the end', async () => {
      const count = 12_000;
      const ids = Array.from({ length: count }, (_, i) => `id-${i}`);
      const inputPath = write('in.jsonl', ids.map((id) => chatInput(id)));
      const resultsPath = write('in.results.jsonl', ids.map((id) => joined(id, 'succeeded', 200, chatBody(`answer ${id}`))));
      const seen: { rows: number; complete: boolean; firstPrompt: string | undefined; bytesRead: number; totalBytes: number }[] = [];
      const model = await buildResultsModel(resultsPath, {
        inputPath,
        progressMs: 0,
        onProgress: (partial) => {
          // Sorted by a text column once (ranks are cached for a model of that size), then in input order.
          const sort = seen.length === 0 ? ({ column: 'custom_id', descending: true } as const) : undefined;
          const page = pageOf(partial, queryResults(partial, { search: 'ANSWER id-1', sort }), 0, 1);
          seen.push({ rows: partial.rowCount, complete: partial.complete, firstPrompt: page[0]?.prompt, bytesRead: partial.bytesRead, totalBytes: partial.totalBytes });
        },
      });
      assert.ok(seen.length >= 2, `progress was reported ${seen.length} times`);
      const early = seen.find((report) => report.rows > 0)!;
      assert.ok(early.rows < count && !early.complete, 'a partial model was handed out');
      assert.ok(early.bytesRead > 0 && early.bytesRead < early.totalBytes);
      assert.match(early.firstPrompt ?? '', /^When was Microsoft founded\? \(id-1/, 'early rows are joined with their input');
      assert.ok(seen.every((report, at) => at === 0 || report.rows >= seen[at - 1]!.rows));
      assert.equal(model.rowCount, count);
      assert.equal(model.complete, true);
      assert.equal(queryResults(model, { search: 'answer id-1' }).rows.length, 3111, 'id-1, id-1x, id-1xx, id-1xxx, id-10xxx and id-11xxx');
      assert.equal(queryResults(model, { sort: { column: 'custom_id', descending: true } }).rows[0], count - 1, 'keys ranked on the partial model are ranked again');
    });

    it('finds requests out of order, before and after the row, and reads the rest of the input for its counts', async () => {
      const inputPath = write('in.jsonl', ['a', 'b', 'c', 'd', 'e'].map((id) => chatInput(id)));
      const resultsPath = write('in.results.jsonl', ['c', 'a', 'e', 'zz', 'b'].map((id) => joined(id, 'succeeded', 200, chatBody(id))));
      const model = await buildResultsModel(resultsPath, { inputPath });
      assert.deepEqual(all(model).map((row) => [row.customId, row.inputLine]), [['c', 3], ['a', 1], ['e', 5], ['zz', undefined], ['b', 2]]);
      assert.deepEqual([model.report.notInInput, model.report.inputWithoutRow], [1, 1]);
    });
  });

  describe('search', () => {
    it('matches text whose lowercase is longer than itself, across the index chunks, and each row once', async () => {
      const rows = Array.from({ length: 3000 }, (_, i) => joined(`r${i}`, 'succeeded', 200, chatBody(`${i % 1000 === 7 ? 'İstanbul NEEDLE needle' : 'hay'} ${'x'.repeat(1000)}`)));
      const model = await buildResultsModel(write('x.results.jsonl', rows));
      assert.deepEqual([...queryResults(model, { search: 'needle' }).rows], [7, 1007, 2007]);
      assert.deepEqual([...queryResults(model, { search: 'i̇stanbul needle' }).rows], [7, 1007, 2007]);
      assert.deepEqual([...queryResults(model, { search: 'İSTANBUL' }).rows], [7, 1007, 2007]);
      assert.deepEqual([...queryResults(model, { search: 'x\u0000r' }).rows], [], 'nothing matches across rows');
      assert.deepEqual([...queryResults(model, { search: 'needle', statuses: ['failed'] }).rows], [], 'a cached search still filters');
    });

    it('narrows a growing search to the earlier hits and finds what a fresh search finds', async () => {
      const texts = Array.from({ length: 2000 }, (_, i) => `item ${i} ${i % 3 === 0 ? 'alpha' : 'beta'} ${'filler '.repeat(i % 50)}`);
      const model = await buildResultsModel(write('x.results.jsonl', texts.map((text, i) => joined(`t${i}`, 'succeeded', 200, chatBody(text)))));
      const typed = ['item 1', 'item 12', 'item 123', 'item 123 ', 'item 123 b', 'item 1234', 'item 12'];
      for (const needle of typed) {
        const expected = texts.flatMap((text, i) => (`t${i}\n\n${text}`.includes(needle) ? [i] : []));
        assert.deepEqual([...queryResults(model, { search: needle }).rows], expected, needle);
      }
    });
  });

  describe('structured outputs', () => {
    const schema = { type: 'object', properties: { name: { type: 'string' }, age: { type: 'number' }, tags: { type: 'array' } }, required: ['name', 'age'], additionalProperties: false };
    const chatStructured = (id: string) => chatInput(id, { response_format: { type: 'json_schema', json_schema: { name: 'Person', strict: true, schema } } });

    it('parses answers into top-level fields (schema order first), flags unparsable ones and missing required fields', async () => {
      const input = ['ok', 'extra', 'missing', 'broken', 'array', 'plain'].map((id) => (id === 'plain' ? chatInput(id) : chatStructured(id)));
      const output = [
        outputLine('ok', chatBody('{"age": 41, "name": "Ada", "tags": ["x", {"deep": 1}]}')),
        outputLine('extra', chatBody('{"name": "Bob", "age": 7, "nickname": "B"}')),
        outputLine('missing', chatBody('{"name": "Cy"}')),
        outputLine('broken', chatBody('{"name": "Di", "age": ')),
        outputLine('array', chatBody('[1, 2]')),
        outputLine('plain', chatBody('{"name": "not structured"}')),
      ];
      const model = await joinAndBuild(input, output);
      assert.deepEqual(model.fields.map((field) => field.name), ['name', 'age', 'tags', 'nickname']);
      const rows = all(model);
      assert.deepEqual(rows.map((row) => [row.structured, row.fields]), [
        ['ok', { name: 'Ada', age: 41, tags: '["x",{"deep":1}]' }],
        ['ok', { name: 'Bob', age: 7, nickname: 'B' }],
        ['missingFields', { name: 'Cy' }],
        ['invalid', {}],
        ['invalid', {}],
        [undefined, {}],
      ]);
      assert.equal(rows[2]!.structuredReason, 'missing required field age');
      assert.match(rows[3]!.structuredReason!, /^the answer is not JSON/);
      assert.equal(rows[4]!.structuredReason, 'the answer is not a JSON object');
      const problems = queryResults(model, { structured: 'problems' });
      assert.deepEqual([...problems.rows], [2, 3, 4]);
      assert.deepEqual([...queryResults(model, { structured: ['missingFields'] }).rows], [2]);
      assert.deepEqual(summarizeResults(model).structured, { ok: 2, invalid: 2, missingFields: 1 });
    });

    it('reads the Responses text.format schema and the output text', async () => {
      const input = [JSON.stringify({ custom_id: 'r', method: 'POST', url: '/v1/responses', body: { model: 'gpt-4.1-batch', input: 'Who?', text: { format: { type: 'json_schema', name: 'Person', strict: true, schema } } } })];
      const body = { object: 'response', model: 'gpt-4.1', output: [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: '{"name":"Eve","age":3}' }] }], usage: { input_tokens: 5, output_tokens: 9 } };
      const model = await joinAndBuild(input, [outputLine('r', body)]);
      assert.deepEqual(all(model).map((row) => [row.structured, row.fields]), [['ok', { name: 'Eve', age: 3 }]]);
    });

    it('does not judge failed or missing rows of a structured request', async () => {
      const model = await joinAndBuild([chatStructured('f'), chatStructured('m')], [], [failedLine('f')]);
      assert.deepEqual(all(model).map((row) => row.structured), [undefined, undefined]);
    });

    it('sorts a field column numbers first, then text, rows without the field last', async () => {
      const answers = ['{"name":"b","age":"unknown"}', '{"name":"a","age":10}', '{"name":"c"}', '{"name":"d","age":2}'];
      const model = await joinAndBuild(answers.map((_, i) => chatStructured(`p${i}`)), answers.map((answer, i) => outputLine(`p${i}`, chatBody(answer))));
      assert.deepEqual([...queryResults(model, { sort: { column: 'field:age' } }).rows], [3, 1, 0, 2]);
      assert.deepEqual([...queryResults(model, { sort: { column: 'field:age', descending: true } }).rows], [0, 1, 3, 2]);
      assert.deepEqual([...queryResults(model, { sort: { column: 'field:name', descending: true } }).rows], [3, 2, 0, 1]);
    });
  });

  describe('views', () => {
    /** 6 rows: ids row-1..row-6, statuses and tokens varied, answers with unicode. */
    const sample = async () => {
      const ids = ['row-1', 'row-10', 'row-2', 'row-3', 'row-4', 'row-5'];
      const input = ids.map((id) => chatInput(id));
      const body = (answer: string, completion: number) => ({ ...chatBody(answer), usage: { prompt_tokens: 10, completion_tokens: completion, total_tokens: 10 + completion } });
      const output = [outputLine('row-1', body('Une école à Paris', 5)), outputLine('row-2', body('Second answer', 50)), outputLine('row-4', body('Third ANSWER', 5))];
      const errors = [failedLine('row-10'), failedLine('row-3', 500, 'server_error', 'Internal error')];
      return joinAndBuild(input, output, errors);
    };

    it('filters by status and code, and counts the matches and the other statuses', async () => {
      const model = await sample();
      const failed = queryResults(model, { statuses: ['failed'] });
      assert.deepEqual([...failed.rows], [1, 3]);
      assert.deepEqual(failed.counts, { succeeded: 0, failed: 2, missing: 0, total: 2 });
      assert.deepEqual(failed.statusFacets, { succeeded: 3, failed: 2, missing: 1, total: 6 });
      assert.deepEqual([...queryResults(model, { codes: ['server_error', '200'] }).rows], [0, 2, 3, 4]);
      assert.deepEqual([...queryResults(model, { statuses: ['missing', 'succeeded'], codes: [''] }).rows], [5]);
      assert.deepEqual([...queryResults(model, { statuses: [], codes: [] }).rows], [0, 1, 2, 3, 4, 5], 'empty sets do not filter');
    });

    it('searches prompt and answer case-insensitively, unicode included, and adds up the matches', async () => {
      const model = await sample();
      assert.deepEqual([...queryResults(model, { search: 'answer' }).rows], [2, 4]);
      assert.deepEqual([...queryResults(model, { search: ' answer' }).rows], [2, 4]);
      assert.deepEqual([...queryResults(model, { search: '   ' }).rows], [0, 1, 2, 3, 4, 5], 'a blank search is no search');
      assert.deepEqual([...queryResults(model, { search: 'ÉCOLE' }).rows], [0]);
      assert.deepEqual([...queryResults(model, { search: '(row-3)' }).rows], [3], 'the prompt is searched');
      assert.deepEqual([...queryResults(model, { search: 'nothing like this' }).rows], []);
      const view = queryResults(model, { search: 'answer', statuses: ['succeeded'] });
      assert.deepEqual(view.totals, { inputTokens: 20, outputTokens: 55, reasoningTokens: 0, cost: (20 * 1.25 + 55 * 5) / 1e6, unpricedRows: 0 });
    });

    it('sorts numbers numerically, text naturally, unknown values last both ways, and keeps ties in input order', async () => {
      const model = await sample();
      const sorted = (column: ColumnId, descending = false) => [...queryResults(model, { sort: { column, descending } }).rows];
      assert.deepEqual(sorted('outputTokens'), [0, 4, 2, 1, 3, 5]);
      assert.deepEqual(sorted('outputTokens', true), [2, 0, 4, 1, 3, 5]);
      assert.deepEqual(sorted('custom_id'), [0, 2, 3, 4, 5, 1], 'row-10 after row-5');
      assert.deepEqual(sorted('custom_id', true), [1, 5, 4, 3, 2, 0]);
      assert.deepEqual(sorted('status'), [0, 2, 4, 1, 3, 5]);
      assert.deepEqual(sorted('code'), [0, 2, 4, 3, 1, 5], '200, server_error, too_many_requests, then the missing row');
      assert.deepEqual(sorted('answer'), [2, 4, 0, 1, 3, 5], 'Second, Third, Une; failed and missing rows have no answer');
      assert.deepEqual(sorted('cost', true), [2, 0, 4, 1, 3, 5]);
      assert.deepEqual(sorted('index', true), [5, 4, 3, 2, 1, 0]);
    });

    it('sorts text as a numeric-aware, case-insensitive collator does', async () => {
      const random = seeded(11);
      const pieces = ['a', 'B', 'b', 'z', 'É', 'é', 'e', '1', '2', '10', '-', '_', ' ', '中', 'Ω', 'İ', '\u0001'];
      const ids = Array.from({ length: 400 }, (_, i) => `${Array.from({ length: 1 + Math.floor(random() * 5) }, () => pieces[Math.floor(random() * pieces.length)]).join('')}#${i % 7}`);
      const path = write('x.results.jsonl', ids.map((id) => joined(id, 'succeeded', 200, chatBody('x'))));
      const model = await buildResultsModel(path);
      const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });
      const expected = [...ids.keys()].sort((a, b) => collator.compare(ids[a]!, ids[b]!) || a - b);
      assert.deepEqual([...queryResults(model, { sort: { column: 'custom_id' } }).rows], expected);
    });

    it('sorts stably over many equal keys', async () => {
      const ids = Array.from({ length: 300 }, (_, i) => `s${i}`);
      const body = (i: number) => ({ ...chatBody('x'), usage: { prompt_tokens: i % 3, completion_tokens: 1 } });
      const model = await joinAndBuild(ids.map((id) => chatInput(id)), ids.map((id, i) => outputLine(id, body(i))));
      const rows = [...queryResults(model, { sort: { column: 'inputTokens', descending: true } }).rows];
      const expected = [...ids.keys()].filter((i) => i % 3 === 2).concat([...ids.keys()].filter((i) => i % 3 === 1), [...ids.keys()].filter((i) => i % 3 === 0));
      assert.deepEqual(rows, expected);
    });

    it('pages a view as plain, serializable rows, within bounds', async () => {
      const model = await sample();
      const view = queryResults(model, { sort: { column: 'custom_id', descending: true } });
      const page = pageOf(model, view, 1, 2);
      assert.deepEqual(page.map((row) => row.customId), ['row-5', 'row-4']);
      assert.deepEqual(JSON.parse(JSON.stringify(page)), JSON.parse(JSON.stringify(page.map((row) => ({ ...row })))));
      assert.equal(Object.getPrototypeOf(page[0]), Object.prototype);
      assert.deepEqual(pageOf(model, view, 5, 10).map((row) => row.customId), ['row-1']);
      assert.deepEqual(pageOf(model, view, 99, 10), []);
      assert.deepEqual(pageOf(model, view, -3, 1).map((row) => row.customId), ['row-10']);
    });

    it('summarizes the header: counts, failures by code most common first, tokens and actual cost', async () => {
      const model = await joinAndBuild(
        ['a', 'b', 'c', 'd', 'e'].map((id) => chatInput(id)),
        [outputLine('a', chatBody('x'))],
        [failedLine('b', 500, 'server_error'), failedLine('c'), failedLine('d')],
      );
      const summary = summarizeResults(model);
      assert.deepEqual(summary, {
        succeeded: 1,
        failed: 3,
        missing: 1,
        total: 5,
        failuresByCode: [
          { code: 'too_many_requests', count: 2 },
          { code: 'server_error', count: 1 },
        ],
        totals: { inputTokens: 25, outputTokens: 19, reasoningTokens: 3, cost: (25 * 1.25 + 19 * 5) / 1e6, unpricedRows: 0 },
        structured: { ok: 0, invalid: 0, missingFields: 0 },
      });
    });

    it('gives the whole request and response of a row, with the lines to jump to', async () => {
      const model = await sample();
      const detail = await model.detail(3);
      assert.equal(detail.customId, 'row-3');
      assert.deepEqual([detail.resultLine, detail.inputLine, detail.changed], [4, 4, false]);
      assert.equal((detail.request as { body: { messages: unknown[] } }).body.messages.length, 2);
      assert.deepEqual(detail.result!.error, { code: 'server_error', message: 'Internal error' });
    });
  });

  describe('export', () => {
    it('quotes CSV cells as RFC 4180 says and neutralizes formulas', () => {
      assert.equal(csvCell('plain'), 'plain');
      assert.equal(csvCell('a,b'), '"a,b"');
      assert.equal(csvCell('say "hi"'), '"say ""hi"""');
      assert.equal(csvCell('two\nlines'), '"two\nlines"');
      assert.equal(csvCell('cr\rhere'), '"cr\rhere"');
      for (const start of ['=', '+', '-', '@', '\t', '\r']) {
        assert.ok(csvCell(`${start}SUM(A1)`).replace(/^"/, '').startsWith(`'${start}`), `a cell starting with ${JSON.stringify(start)}`);
      }
      assert.equal(csvCell('=HYPERLINK("http://x","y")'), `"'=HYPERLINK(""http://x"",""y"")"`);
      assert.equal(csvCell(-3), '-3', 'numbers are not formulas');
      assert.equal(csvCell(undefined), '');
      assert.equal(csvCell(null), '');
      assert.equal(csvCell(true), 'true');
    });

    it('writes the current view as CSV with whole values and structured fields, atomically', async () => {
      const schema = { type: 'object', properties: { verdict: { type: 'string' } }, required: ['verdict'] };
      const long = 'y'.repeat(2000);
      const input = [chatInput('a', { response_format: { type: 'json_schema', json_schema: { name: 'V', schema } } }), chatInput('b'), chatInput('c')];
      const model = await joinAndBuild(input, [outputLine('a', chatBody('{"verdict":"=cmd|\' /C calc\'!A0"}')), outputLine('c', chatBody(`${long}, "quoted"\nnext`))], [failedLine('b')]);
      const destination = join(dir, 'view.csv');
      const written = await exportCsv(model, queryResults(model, { statuses: ['succeeded'], sort: { column: 'custom_id', descending: true } }), destination);
      assert.equal(written, 2);
      const text = readFileSync(destination, 'utf8');
      assert.ok(text.startsWith('\ufeffcustom_id,status,code,error,prompt,answer,input_tokens,output_tokens,reasoning_tokens,cost_usd,structured,structured_reason,verdict\r\n'));
      const lines = text.slice(1).split('\r\n');
      assert.equal(lines.length, 4, 'header, two rows, and the final line end');
      assert.equal(lines[1], `c,succeeded,200,,When was Microsoft founded? (c),"${long}, ""quoted""\nnext",25,19,3,${(25 * 1.25 + 19 * 5) / 1e6},,,`);
      assert.ok(lines[2]!.startsWith('a,succeeded,200,,When was Microsoft founded? (a),'));
      assert.ok(lines[2]!.endsWith(`,ok,,'=cmd|' /C calc'!A0`), lines[2]);
      await assert.rejects(exportCsv(model, queryResults(model), destination), FileExistsError);
      assert.equal(await exportCsv(model, queryResults(model), destination, { overwrite: true }), 3);
    });

    it('leaves nothing behind when an export is aborted', async () => {
      const ids = Array.from({ length: 1200 }, (_, i) => `a${i}`);
      const model = await joinAndBuild(ids.map((id) => chatInput(id)), ids.map((id) => outputLine(id, chatBody('x'))));
      const controller = new AbortController();
      const destination = join(dir, 'aborted.csv');
      const exporting = exportCsv(model, queryResults(model), destination, { signal: controller.signal });
      controller.abort();
      await assert.rejects(exporting, { name: 'AbortError' });
      await assert.rejects(exportJsonl(model, queryResults(model), join(dir, 'aborted.jsonl'), { signal: AbortSignal.abort() }), { name: 'AbortError' });
      assert.deepEqual(readdirSync(dir).filter((name) => name.startsWith('aborted') || name.startsWith('.aborted')), []);
    });

    it('writes the current view as JSONL: the joined lines, unchanged, in view order', async () => {
      const model = await joinAndBuild(['a', 'b', 'c'].map((id) => chatInput(id)), [outputLine('a', chatBody('x')), outputLine('c', chatBody('z'))], [failedLine('b')]);
      const destination = join(dir, 'view.jsonl');
      await exportJsonl(model, queryResults(model, { sort: { column: 'index', descending: true } }), destination);
      const source = readFileSync(model.resultsPath, 'utf8').trimEnd().split('\n');
      assert.deepEqual(readFileSync(destination, 'utf8').trimEnd().split('\n'), [source[2], source[1], source[0]]);
    });
  });
});
