import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildRequest, createBatchFile, lineWriter } from '../../src/core/create/convert';
import { compilePrompt, PromptTemplateError } from '../../src/core/create/prompt';
import { readRows, type DataRow } from '../../src/core/create/readers';
import { compileTemplate, TemplateError, type BatchTemplate } from '../../src/core/create/template';
import { useTempFolder } from './createFixture';

async function rowsOf(path: string): Promise<DataRow[]> {
  const rows: DataRow[] = [];
  for await (const batch of readRows(path)) {
    rows.push(...batch);
  }
  return rows;
}

describe('create: request lines serialized once per template', () => {
  const schema = { name: 'label', schema: { type: 'object', properties: { label: { type: 'string', enum: ['a', 'b'] } }, required: ['label'], additionalProperties: false } };
  const templates: [string, BatchTemplate, typeof schema?][] = [
    ['chat with a system prompt, max tokens and temperature', { endpoint: '/chat/completions', model: 'gpt-4o-mini-batch', system: 'Sys {{id}}', prompt: 'P: {{text}} {{meta|json}}', maxTokens: 50, temperature: 0.2 }],
    ['chat without a system prompt, id from a column', { endpoint: '/v1/chat/completions', model: 'gpt-4o', prompt: '{{text}}', customId: { column: 'id' } }],
    ['chat with an empty system text', { endpoint: '/chat/completions', model: 'gpt-4o', system: '{{empty}}', prompt: '{{text}}' }],
    ['a reasoning model (max_completion_tokens) and a schema', { endpoint: '/chat/completions', model: 'o3-mini-batch', prompt: '{{text}}', maxTokens: 7, responseFormat: 'label.json' }, schema],
    ['responses with instructions and a schema', { endpoint: '/v1/responses', model: 'gpt-4.1', system: 'Be brief', prompt: '{{text}}', maxTokens: 9, responseFormat: 'label.json' }, schema],
    ['responses without instructions', { endpoint: '/responses', model: 'gpt-4.1', prompt: '{{text}}' }],
    ['embeddings', { endpoint: '/embeddings', model: 'text-embedding-3-small', prompt: '{{text}}' }],
  ];
  const rows: Record<string, unknown>[] = [
    { id: 'r1', text: 'He said "hi"\nthen left \\ \u2028 \u0007', meta: { a: [1, 'x'] }, empty: '' },
    { id: 42, text: '日本語 😀 é', meta: null, empty: '' },
    { id: 'r3', text: '</script>', meta: 'm', empty: '' },
  ];
  for (const [what, template, withSchema] of templates) {
    it(`writes exactly JSON.stringify of the request: ${what}`, () => {
      const compiled = compileTemplate(template, withSchema);
      const toLine = lineWriter(compiled);
      rows.forEach((row, i) => {
        const built = buildRequest(compiled, row, i + 1);
        const line = toLine(row, i + 1);
        assert.ok(built.ok && line.ok, `row ${i + 1} converts`);
        assert.equal(line.line, JSON.stringify(built.request) + '\n');
        assert.equal(line.customId, built.request.custom_id);
      });
    });
  }

  it('gives the same reasons as buildRequest for rows that cannot convert', () => {
    const compiled = compileTemplate({ endpoint: '/chat/completions', model: 'gpt-4o', prompt: '{{text}}', customId: { column: 'id' } });
    for (const row of [{ text: 'x' }, { id: 'a' }, { id: 'a', text: '  ' }, { id: ['x'], text: 'y' }]) {
      const built = buildRequest(compiled, row, 1);
      const line = lineWriter(compiled)(row, 1);
      assert.equal(built.ok, false);
      assert.deepEqual(line, built);
    }
  });

  const folder = useTempFolder('aoai-create-fast-');

  it('writes a batch file of several megabytes in chunks, identical to one line per request', async () => {
    const csv = ['id,text', ...Array.from({ length: 30_000 }, (_, i) => `r${i},"Row ${i}: ""quoted"", é 😀${i % 7 === 0 ? '\nsecond line' : ''}"`)].join('\n') + '\n';
    const data = folder.write('many.csv', csv);
    const compiled = compileTemplate({ endpoint: '/chat/completions', model: 'gpt-4o-mini-batch', system: 'Classify.', prompt: 'Text: {{text}}', customId: { column: 'id' }, maxTokens: 5 });
    const out = join(folder.dir(), 'many.jsonl');
    const result = await createBatchFile(data, compiled, out);
    assert.equal(result.requests, 30_000);
    const expected = (await rowsOf(data)).map((row, i) => {
      const built = buildRequest(compiled, row.values!, i + 1);
      assert.ok(built.ok);
      return JSON.stringify(built.request) + '\n';
    });
    const written = readFileSync(out, 'utf8');
    assert.ok(written.length > 2 * 1024 * 1024, 'more than one write chunk');
    assert.equal(written, expected.join(''));
  });

  it('reads UTF-8 characters cut by the 1 MB chunk boundary of the CSV bytes', async () => {
    // Rows of 3- and 4-byte characters, so that some chunk boundary falls inside one of them.
    const text = '日😀'.repeat(40);
    const csv = ['id,text', ...Array.from({ length: 20_000 }, (_, i) => `${i},${text}`)].join('\n') + '\n';
    const rows = await rowsOf(folder.write('cut.csv', csv));
    assert.equal(rows.length, 20_000);
    assert.ok(rows.every((r) => r.values?.text === text));
  });

  it('keeps a CSV column named __proto__ as a field', async () => {
    const rows = await rowsOf(folder.write('proto.csv', 'id,__proto__\n1,x\n'));
    assert.equal(Object.getOwnPropertyDescriptor(rows[0]!.values!, '__proto__')?.value, 'x');
    assert.equal(Object.getPrototypeOf(rows[0]!.values!), Object.prototype);
  });

  it('names the line of a bad byte in a large UTF-8 CSV', async () => {
    const good = Buffer.from(['id,text', ...Array.from({ length: 50_000 }, (_, i) => `${i},ok ${i}`)].join('\n') + '\n');
    const path = join(folder.dir(), 'bad.csv');
    writeFileSync(path, Buffer.concat([good, Buffer.from([0x39, 0x2c, 0xc3, 0x28, 0x0a])]));
    await assert.rejects(rowsOf(path), /line 50002: the file is not valid UTF-8/);
  });
});

describe('create: an unclosed {{ is an error at its position', () => {
  const cases: [string, RegExp, number][] = [
    ['Review: {{text', /^"\{\{" at column 9 is not closed/, 8],
    ['{{a}} and {{b', /^"\{\{" at column 11 is not closed/, 10],
    ['{{ a }', /^"\{\{" at column 1 is not closed/, 0],
    ['line one\nStars: {{stars}} {{text', /^"\{\{" at line 2, column 18 is not closed/, 26],
    ['{{a}}{{', /^"\{\{" at column 6 is not closed/, 5],
  ];
  for (const [text, message, offset] of cases) {
    it(`refuses ${JSON.stringify(text)}`, () => {
      assert.throws(
        () => compilePrompt(text),
        (e: unknown) => e instanceof PromptTemplateError && message.test(e.message) && e.offset === offset,
      );
    });
  }

  it('still takes single braces and closed placeholders', () => {
    assert.deepEqual(compilePrompt('JSON { "a": 1 } {{x}} }}').placeholders.map((p) => p.name), ['x']);
    assert.deepEqual(compilePrompt('{{{x}}}').literals, ['{', '}']);
  });

  it('names the template field and keeps the position', () => {
    assert.throws(
      () => compileTemplate({ endpoint: '/chat/completions', model: 'm', prompt: '{{text}}', system: 'You {{role' }),
      (e: unknown) => e instanceof TemplateError && /^"system": "\{\{" at column 5 is not closed/.test(e.message) && e.at?.field === 'system' && e.at.offset === 4,
    );
    assert.throws(() => compileTemplate({ endpoint: '/chat/completions', model: 'm', prompt: 'Hi {{text' }), /"prompt": "\{\{" at column 4 is not closed/);
  });
});
