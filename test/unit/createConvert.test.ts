import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertRows, createBatchFile, describeProblems, previewRequests, unknownColumns, type BatchRequest } from '../../src/core/create/convert';
import { loadTemplate } from '../../src/core/create/loadTemplate';
import { compilePrompt, fillPrompt, lookup } from '../../src/core/create/prompt';
import { dataColumns, DataFileError, detectDelimiterInText, readRows, type DataRow } from '../../src/core/create/readers';
import { checkTemplate, compileTemplate, outputNameFor, TemplateError, templateNameFor, type BatchTemplate } from '../../src/core/create/template';
import { validateFile } from '../../src/core/jsonl/fileValidator';
import { useTempFolder } from './createFixture';

const chat: BatchTemplate = { endpoint: '/chat/completions', model: 'gpt-4o-mini-batch', system: 'Classify the review.', prompt: 'Review: {{text}}' };

async function rowsOf(path: string, options = {}): Promise<DataRow[]> {
  const rows: DataRow[] = [];
  for await (const batch of readRows(path, options)) {
    rows.push(...batch);
  }
  return rows;
}

describe('create: prompt templates', () => {
  it('fills {{column}}, {{column|json}} and dot paths', () => {
    const prompt = compilePrompt('A {{ name }} B {{meta|json}} C {{meta.tags.0}} D {{n}} E {{a.b}}');
    const row = { name: 'x "y"', meta: { tags: ['t1'], score: 2 }, n: 3, 'a.b': 'literal key' };
    assert.deepEqual(fillPrompt(prompt, row), { ok: true, text: 'A x "y" B {"tags":["t1"],"score":2} C t1 D 3 E literal key' });
  });

  it('names every missing column once and never gives half a text', () => {
    const prompt = compilePrompt('{{a}} {{b}} {{a}} {{c.d}}');
    assert.deepEqual(fillPrompt(prompt, { b: 'ok', c: {} }), { ok: false, missing: ['a', 'c.d'] });
    assert.deepEqual(fillPrompt(compilePrompt('{{x}}'), { x: null }), { ok: false, missing: ['x'] });
    assert.deepEqual(fillPrompt(compilePrompt('{{x|json}}'), { x: null }), { ok: true, text: 'null' });
  });

  it('rejects an empty name and an unknown filter', () => {
    assert.throws(() => compilePrompt('{{ }}'), /names no column/);
    assert.throws(() => compilePrompt('{{a|upper}}'), /unknown filter "upper"/);
  });

  it('looks up a key with dots before the path', () => {
    assert.equal(lookup({ 'a.b': 1, a: { b: 2 } }, 'a.b'), 1);
    assert.equal(lookup({ a: { b: 2 } }, 'a.b'), 2);
    assert.equal(lookup({ a: 'text' }, 'a.b'), undefined);
  });
});

describe('create: templates', () => {
  const cases: [string, unknown, RegExp][] = [
    ['not an object', [], /must be a JSON object/],
    ['no prompt', { endpoint: '/chat/completions', model: 'm' }, /"prompt" must be a non-empty string/],
    ['a wrong endpoint', { ...chat, endpoint: '/completions' }, /"endpoint" must be a batch endpoint/],
    ['an unknown field', { ...chat, max_tokens: 3 }, /"max_tokens" is not a template field/],
    ['a bad customId', { ...chat, customId: 'uuid' }, /"customId" must be "row-N" or \{ "column": "NAME" \}/],
    ['a bad maxTokens', { ...chat, maxTokens: 0.5 }, /"maxTokens" must be a whole number/],
    ['a temperature out of range', { ...chat, temperature: 3 }, /from 0 to 2/],
    ['embeddings with a system prompt', { ...chat, endpoint: '/embeddings' }, /embeddings template takes only "prompt"/],
  ];
  for (const [what, value, message] of cases) {
    it(`refuses ${what}`, () => assert.throws(() => checkTemplate(value), (e: unknown) => e instanceof TemplateError && message.test(e.message)));
  }

  it('names the output and the template after the data', () => {
    assert.equal(templateNameFor('/d/reviews.csv'), 'reviews.batch-template.json');
    assert.equal(outputNameFor('/d/reviews.batch-template.json'), 'reviews.jsonl');
    assert.equal(outputNameFor('reviews.tsv'), 'reviews.jsonl');
  });

  it('builds each endpoint\'s body, with max_completion_tokens for reasoning models', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aoai-create-'));
    try {
      const data = join(dir, 'd.jsonl');
      writeFileSync(data, '{"text":"hi"}\n');
      const first = async (t: BatchTemplate, schema?: unknown) =>
        (await previewRequests(data, compileTemplate(checkTemplate(t), schema ? { name: 'answer.schema.json', schema } : undefined), 1)).requests[0]!;
      const schema = { type: 'object', properties: { label: { type: 'string' } }, required: ['label'], additionalProperties: false };
      assert.deepEqual(await first({ ...chat, maxTokens: 50, temperature: 0, responseFormat: 'answer.schema.json' }, schema), {
        custom_id: 'row-1',
        method: 'POST',
        url: '/chat/completions',
        body: {
          model: 'gpt-4o-mini-batch',
          messages: [
            { role: 'system', content: 'Classify the review.' },
            { role: 'user', content: 'Review: hi' },
          ],
          max_tokens: 50,
          temperature: 0,
          response_format: { type: 'json_schema', json_schema: { name: 'answer', strict: true, schema } },
        },
      });
      assert.equal((await first({ ...chat, model: 'o3-mini-batch', maxTokens: 9 })).body.max_completion_tokens, 9);
      assert.deepEqual((await first({ ...chat, endpoint: '/v1/responses', maxTokens: 9 }, undefined)).body, {
        model: 'gpt-4o-mini-batch',
        instructions: 'Classify the review.',
        input: 'Review: hi',
        max_output_tokens: 9,
      });
      assert.deepEqual((await first({ endpoint: '/embeddings', model: 'emb-3-small', prompt: '{{text}}' })).body, { model: 'emb-3-small', input: 'hi' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('create: reading awkward data', () => {
  const folder = useTempFolder('aoai-create-');
  const write = folder.write;

  it('reads CSV quotes, embedded newlines, a BOM and unicode, with the line each row starts on', async () => {
    const path = write('awkward.csv', '\uFEFFid,text\r\n1,"He said ""hi"", then left"\r\n2,"line one\nline two\nline three"\r\n\r\n3,日本語 😀 é\r\n');
    assert.deepEqual(await rowsOf(path), [
      { line: 2, values: { id: '1', text: 'He said "hi", then left' } },
      { line: 3, values: { id: '2', text: 'line one\nline two\nline three' } },
      { line: 7, values: { id: '3', text: '日本語 😀 é' } },
    ]);
  });

  it('detects ; \\t and | delimiters, and takes \\t for .tsv', async () => {
    assert.equal(detectDelimiterInText('a;b;"c,d"\n1;2;3'), ';');
    assert.equal(detectDelimiterInText('a\tb,c\tc'), '\t');
    assert.equal(detectDelimiterInText('a|b|c'), '|');
    assert.equal(detectDelimiterInText('single'), ',');
    assert.deepEqual(await rowsOf(write('semi.csv', 'id;text\n1;"a;b"\n')), [{ line: 2, values: { id: '1', text: 'a;b' } }]);
    assert.deepEqual(await rowsOf(write('tabs.tsv', 'id\ttext\n1\ta,b\n')), [{ line: 2, values: { id: '1', text: 'a,b' } }]);
    assert.deepEqual(await rowsOf(write('forced.csv', 'id|text\n1|x\n'), { delimiter: '|' }), [{ line: 2, values: { id: '1', text: 'x' } }]);
  });

  it('reports a row with too many fields, and a short row lacks its last columns', async () => {
    const rows = await rowsOf(write('ragged.csv', 'id,text\n1\n2,a,b\n'));
    assert.deepEqual(rows[0], { line: 2, values: { id: '1' } });
    assert.match(rows[1]!.error!, /has 3 fields where the header has 2/);
  });

  it('stops at malformed CSV quoting with its line', async () => {
    await assert.rejects(rowsOf(write('bad.csv', 'id,text\n1,ok\n2,"bad"x\n')), (e: unknown) => e instanceof DataFileError && /^line 3: the CSV cannot be read: Invalid Closing Quote/.test(e.message));
  });

  it('streams a JSON array element by element, with strings holding brackets, commas and escapes', async () => {
    const path = write('a.json', '\uFEFF[\n  {"id": 1, "text": "a ] } , \\" [ {"},\n  {"id": 2,\n   "meta": {"lang": "fr", "tags": ["x", "y"]}},\n  7\n]\n');
    const rows = await rowsOf(path);
    assert.deepEqual(rows.slice(0, 2), [
      { line: 2, values: { id: 1, text: 'a ] } , " [ {' } },
      { line: 3, values: { id: 2, meta: { lang: 'fr', tags: ['x', 'y'] } } },
    ]);
    assert.equal(rows[2]!.line, 5);
    assert.match(rows[2]!.error!, /is not a JSON object/);
    assert.deepEqual(await dataColumns(path), ['id', 'text', 'meta', 'meta.lang', 'meta.tags']);
  });

  it('refuses JSON that is not an array, or an array left open', async () => {
    await assert.rejects(rowsOf(write('obj.json', '{"a": 1}')), /line 1: a JSON data file must hold an array of objects/);
    await assert.rejects(rowsOf(write('open.json', '[{"a": 1},\n{"a": 2}')), /line 2: the JSON array is not closed/);
    await assert.rejects(rowsOf(write('after.json', '[]\n[]')), /line 2: unexpected text after the end/);
  });

  it('reads JSONL objects, skipping blank lines, reporting lines that are not objects', async () => {
    const rows = await rowsOf(write('d.jsonl', '{"a":1}\n\n[1]\n{oops\r\n{"a":"é"}'));
    assert.deepEqual(rows[0], { line: 1, values: { a: 1 } });
    assert.deepEqual([rows[1]!.line, rows[2]!.line], [3, 4]);
    assert.match(rows[1]!.error!, /not a JSON object/);
    assert.match(rows[2]!.error!, /not valid JSON/);
    assert.deepEqual(rows[3], { line: 5, values: { a: 'é' } });
  });
});

describe('create: writing the batch file', () => {
  const folder = useTempFolder('aoai-create-');
  const write = folder.write;
  const lines = (path: string) => readFileSync(path, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as BatchRequest);

  it('writes a file that validates clean, from a template file with a schema and an id column', async () => {
    write('answer.schema.json', JSON.stringify({ type: 'object', properties: { sentiment: { type: 'string', enum: ['positive', 'negative'] } }, required: ['sentiment'], additionalProperties: false }));
    write('reviews.csv', 'review_id;text;stars\nr1;"Great; really ""great""";5\nr2;"Broke\non day two";1\n');
    const templatePath = write('reviews.batch-template.json', JSON.stringify({ data: 'reviews.csv', ...chat, prompt: 'Stars: {{stars}}\n{{text}}', customId: { column: 'review_id' }, maxTokens: 100, responseFormat: 'answer.schema.json' }));
    const { compiled, dataPath } = await loadTemplate(templatePath);
    const out = join(folder.dir(), 'reviews.jsonl');
    const result = await createBatchFile(dataPath!, compiled, out);
    assert.deepEqual({ ...result, problems: result.problems.length }, { rows: 2, requests: 2, problems: 0, problemCount: 0, written: true });
    const written = lines(out);
    assert.deepEqual(written.map((r) => r.custom_id), ['r1', 'r2']);
    assert.equal((written[1]!.body.messages as { content: string }[])[1]!.content, 'Stars: 1\nBroke\non day two');
    const validation = await validateFile(out);
    assert.deepEqual(validation.diagnostics, []);
    assert.equal(validation.requests, 2);
  });

  it('writes nothing when a row lacks a column, and reports every bad row with its line', async () => {
    const data = write('missing.csv', 'id,text\n1,a\n2\n3,c\n4\n');
    const out = join(folder.dir(), 'missing.jsonl');
    const result = await createBatchFile(data, compileTemplate(chat), out);
    assert.equal(result.written, false);
    assert.equal(existsSync(out), false);
    assert.deepEqual(result.problems, [
      { line: 3, message: 'column "text" has no value' },
      { line: 5, message: 'column "text" has no value' },
    ]);
    assert.equal(describeProblems(result), '2 rows of 4 cannot be converted: line 3: column "text" has no value; line 5: column "text" has no value');
    // With skipInvalidRows the good rows are written, the others still reported.
    const skipped = await createBatchFile(data, compileTemplate(chat), out, { skipInvalidRows: true });
    assert.equal(skipped.written, true);
    assert.deepEqual(lines(out).map((r) => r.custom_id), ['row-1', 'row-3']);
    assert.equal(skipped.problemCount, 2);
  });

  it('reports a duplicate custom_id with both lines, and an empty id', async () => {
    const data = write('dup.jsonl', '{"id":"a","text":"x"}\n{"id":"b","text":"y"}\n{"id":"a","text":"z"}\n{"id":"","text":"w"}\n');
    const summary = await convertRows(readRows(data), compileTemplate({ ...chat, customId: { column: 'id' } }));
    assert.deepEqual(summary.problems, [
      { line: 3, message: 'custom_id "a" (column "id") is also on line 1' },
      { line: 4, message: 'column "id" has no value' },
    ]);
  });

  it('caps the problems kept and counts the rest', async () => {
    const data = write('many.jsonl', Array.from({ length: 50 }, () => '{"other":1}').join('\n'));
    const summary = await convertRows(readRows(data), compileTemplate(chat), { maxProblems: 3 });
    assert.deepEqual([summary.problems.length, summary.problemCount, summary.requests], [3, 50, 0]);
    assert.match(describeProblems(summary, 2), /^50 rows of 50 cannot be converted: line 1: .*; line 2: .*; and 48 more$/);
  });

  it('names placeholders the data does not have before reading rows', () => {
    const compiled = compileTemplate({ ...chat, prompt: '{{text}} {{meta.lang}} {{nope}}', customId: { column: 'id' } });
    assert.deepEqual(unknownColumns(compiled, ['text', 'meta']), ['nope', 'id']);
  });

  it('never replaces an existing file without consent', async () => {
    const data = write('one.jsonl', '{"text":"x"}\n');
    const out = write('taken.jsonl', 'keep me\n');
    await assert.rejects(createBatchFile(data, compileTemplate(chat), out), /already exists/);
    assert.equal(readFileSync(out, 'utf8'), 'keep me\n');
    assert.equal((await createBatchFile(data, compileTemplate(chat), out, { overwrite: true })).written, true);
  });
});
