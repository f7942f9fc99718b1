// Hostile and huge inputs to `create` (issue 13): data files, prompt templates and output paths. Each case is
// a class of input; the expectation is a clear error or a correct row, never a crash, a hang or lost data.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createBatchFile, previewRequests } from '../../src/core/create/convert';
import { compilePrompt, fillPrompt } from '../../src/core/create/prompt';
import { DataFileError, readRows, type DataRow } from '../../src/core/create/readers';
import { compileTemplate, type BatchTemplate } from '../../src/core/create/template';
import { validateText } from '../../src/core/jsonl/streamValidator';
import { useTempFolder } from './createFixture';

const chat: BatchTemplate = { endpoint: '/chat/completions', model: 'gpt-4o-mini-batch', prompt: 'Say: {{text}}' };

async function rowsOf(path: string): Promise<DataRow[]> {
  const rows: DataRow[] = [];
  for await (const batch of readRows(path)) {
    rows.push(...batch);
  }
  return rows;
}

async function readError(path: string): Promise<DataFileError> {
  try {
    await rowsOf(path);
  } catch (error) {
    assert.ok(error instanceof DataFileError, `not a DataFileError: ${String(error)}`);
    return error;
  }
  assert.fail(`${path} was read without an error`);
}

describe('attack 13: CSV data files', () => {
  const folder = useTempFolder('attack13-csv-');

  it('refuses a header that names a column twice instead of dropping one of them', async () => {
    const error = await readError(folder.write('dup.csv', 'text,text,id\n1,2,3\n'));
    assert.match(error.message, /line 1: .*"text" twice \(columns 1 and 2\)/);
    // Names that differ only by spaces are the same column once trimmed.
    assert.match((await readError(folder.write('dup2.csv', 'a, a\n1,2\n'))).message, /"a" twice/);
  });

  it('keeps columns named like Object members (__proto__, constructor) as plain fields', async () => {
    const rows = await rowsOf(folder.write('proto.csv', '__proto__,constructor,text\nP,C,T\n'));
    assert.equal(rows.length, 1);
    const values = rows[0]!.values!;
    assert.deepEqual(Object.keys(values), ['__proto__', 'constructor', 'text']);
    assert.equal(Object.getPrototypeOf(values), Object.prototype);
    assert.deepEqual(fillPrompt(compilePrompt('{{__proto__}}/{{constructor}}'), values), { ok: true, text: 'P/C' });
  });

  it('refuses bytes that are not UTF-8, naming their line, rather than writing U+FFFD into prompts', async () => {
    const path = join(folder.dir(), 'latin1.csv');
    writeFileSync(path, Buffer.concat([Buffer.from('text\nok\nok\ncaf'), Buffer.from([0xe9]), Buffer.from('\n')]));
    assert.match((await readError(path)).message, /line 4: the file is not valid UTF-8/);
    // A UTF-8 character cut at the end of the file is invalid too.
    const cut = join(folder.dir(), 'cut.csv');
    writeFileSync(cut, Buffer.concat([Buffer.from('text\nx'), Buffer.from([0xe2, 0x82])]));
    assert.match((await readError(cut)).message, /not valid UTF-8/);
  });

  it('reads UTF-16 files (byte order mark) as the text they hold', async () => {
    for (const [name, bytes] of [
      ['le.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('text;id\ncafé;1\n', 'utf16le')])],
      ['be.csv', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('text;id\ncafé;1\n', 'utf16le').swap16()])],
    ] as const) {
      const path = join(folder.dir(), name);
      writeFileSync(path, bytes);
      assert.deepEqual(await rowsOf(path), [{ line: 2, values: { text: 'café', id: '1' } }], name);
    }
  });

  it('reads CR-only, CRLF and NUL bytes without losing lines or fields', async () => {
    assert.deepEqual(await rowsOf(folder.write('cr.csv', 'a,b\r1,2\r3,4\r')), [
      { line: 2, values: { a: '1', b: '2' } },
      { line: 3, values: { a: '3', b: '4' } },
    ]);
    assert.deepEqual((await rowsOf(folder.write('nul.csv', 'a,b\n1\u0000,2\n')))[0]!.values, { a: '1\u0000', b: '2' });
  });

  it('reports a quote left open at the end of the file, with its line', async () => {
    assert.match((await readError(folder.write('open.csv', 'a,b\n1,2\n3,"x\n'))).message, /line 3: .*Quote Not Closed/);
  });

  it('reads a header only, an empty header cell and 100,000 columns', async () => {
    assert.deepEqual(await rowsOf(folder.write('header.csv', 'a,b\n')), []);
    assert.deepEqual((await rowsOf(folder.write('empty-cell.csv', 'a,,c\n1,2,3\n')))[0]!.values, { a: '1', column2: '2', c: '3' });
    const names = Array.from({ length: 100_000 }, (_, i) => `c${i}`);
    const started = Date.now();
    const wide = await rowsOf(folder.write('wide.csv', `${names.join(',')}\n${names.map((_, i) => i).join(',')}\n`));
    assert.equal(Object.keys(wide[0]!.values!).length, 100_000);
    assert.equal(wide[0]!.values!.c99999, '99999');
    assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
  });
});

describe('attack 13: JSON and JSONL data files', () => {
  const folder = useTempFolder('attack13-json-');

  it('reads UTF-16 JSONL and JSON instead of reporting every line as broken', async () => {
    const path = join(folder.dir(), 'u16.jsonl');
    writeFileSync(path, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{"text":"é"}\r\n{"text":"b"}\r\n', 'utf16le')]));
    assert.deepEqual(await rowsOf(path), [
      { line: 1, values: { text: 'é' } },
      { line: 2, values: { text: 'b' } },
    ]);
    const array = join(folder.dir(), 'u16.json');
    writeFileSync(array, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('[{"text":"a"}]', 'utf16le')]));
    assert.deepEqual(await rowsOf(array), [{ line: 1, values: { text: 'a' } }]);
  });

  it('refuses invalid UTF-8 in JSON data with its line', async () => {
    const path = join(folder.dir(), 'bad.jsonl');
    writeFileSync(path, Buffer.concat([Buffer.from('{"text":"a"}\n{"text":"'), Buffer.from([0xff]), Buffer.from('"}\n')]));
    assert.match((await readError(path)).message, /line 2: the file is not valid UTF-8/);
  });

  it('refuses a top-level object, a number and trailing garbage; reads brackets inside strings', async () => {
    assert.match((await readError(folder.write('object.json', '{"a":1}'))).message, /must hold an array of objects/);
    assert.match((await readError(folder.write('number.json', '5'))).message, /must hold an array of objects/);
    assert.match((await readError(folder.write('trailing.json', '[{"a":1}] x'))).message, /unexpected text after the end/);
    assert.deepEqual(await rowsOf(folder.write('strings.json', '[{"a":"]"}, {"b":"\\"],"}]')), [
      { line: 1, values: { a: ']' } },
      { line: 1, values: { b: '"],' } },
    ]);
  });

  it('makes a value nested 100,000 levels deep a problem of its row, not a crash of the conversion', async () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const data = folder.write('deep.jsonl', `{"text":${deep}}\n{"text":"fine"}\n`);
    const { requests, summary } = await previewRequests(data, compileTemplate(chat), 10);
    assert.deepEqual(
      requests.map((r) => r.custom_id),
      ['row-2'],
    );
    assert.deepEqual(summary.problems, [{ line: 1, message: 'a value of this row is nested too deeply to write as JSON' }]);
  });

  it('reads 1 MB of whitespace between elements', async () => {
    const data = folder.write('spaces.json', `[${' \n'.repeat(512 * 1024)}{"a":1}${' '.repeat(1024 * 1024)}]`);
    assert.deepEqual(await rowsOf(data), [{ line: 512 * 1024 + 1, values: { a: 1 } }]);
  });
});

describe('attack 13: prompt templates', () => {
  const folder = useTempFolder('attack13-lines-');

  it('never expands a placeholder inside a value, and never reads Object members', () => {
    const prompt = compilePrompt('{{a}} {{constructor}}');
    assert.deepEqual(fillPrompt(prompt, { a: '{{constructor}}', constructor: 'c' }), { ok: true, text: '{{constructor}} c' });
    assert.deepEqual(fillPrompt(compilePrompt('{{toString}}{{a.constructor}}{{a.__proto__}}'), { a: {} }), { ok: false, missing: ['toString', 'a.constructor', 'a.__proto__'] });
    assert.deepEqual(fillPrompt(compilePrompt('{{ a }}|{{a..b}}'), { a: 'x', 'a..b': 'y' }), { ok: true, text: 'x|y' });
    assert.throws(() => compilePrompt('{{}}'), /names no column/);
  });

  it('writes one valid JSONL line per request whatever the values hold (quotes, line breaks, U+2028)', async () => {
    const nasty = ['say "hi"\\', 'two\nlines\r\nthree', 'sep\u2028para\u2029', '</script><img src=x onerror=alert(1)>', '\u0000\u001f'];
    const data = folder.write('nasty.jsonl', nasty.map((text) => JSON.stringify({ text })).join('\n') + '\n');
    const out = join(folder.dir(), 'out.jsonl');
    const result = await createBatchFile(data, compileTemplate(chat), out);
    assert.equal(result.written, true);
    const lines = readFileSync(out, 'utf8').split('\n');
    assert.equal(lines.pop(), '');
    assert.equal(lines.length, nasty.length);
    lines.forEach((line, i) => assert.equal((JSON.parse(line) as { body: { messages: { content: string }[] } }).body.messages[0]!.content, `Say: ${nasty[i]}`));
    assert.deepEqual(validateText(readFileSync(out, 'utf8')).diagnostics, []);
  });
});

describe('attack 13: where the batch file goes', () => {
  const folder = useTempFolder('attack13-out-');
  const data = () => folder.write('data.jsonl', '{"text":"a"}\n');

  it('never writes the batch file over its own data file, even with overwrite, a hard link or a symbolic link', async () => {
    const path = data();
    const before = readFileSync(path, 'utf8');
    const hard = join(folder.dir(), 'hard.jsonl');
    linkSync(path, hard);
    for (const out of [path, join(folder.dir(), '.', 'data.jsonl'), hard]) {
      await assert.rejects(createBatchFile(path, compileTemplate(chat), out, { overwrite: true }), (e: unknown) => e instanceof DataFileError && /is the data file itself/.test(e.message), out);
      assert.equal(readFileSync(path, 'utf8'), before);
    }
    const link = join(folder.dir(), 'link.jsonl');
    symlinkSync(path, link);
    await assert.rejects(createBatchFile(path, compileTemplate(chat), link, { overwrite: true }));
    assert.equal(readFileSync(path, 'utf8'), before);
  });

  it('refuses a directory, a FIFO and a missing folder as the output, leaving nothing behind', async () => {
    const path = data();
    const dir = join(folder.dir(), 'adir');
    mkdirSync(dir);
    await assert.rejects(createBatchFile(path, compileTemplate(chat), dir, { overwrite: true }), /not a regular file/);
    const fifo = join(folder.dir(), 'fifo');
    execFileSync('mkfifo', [fifo]);
    await assert.rejects(createBatchFile(path, compileTemplate(chat), fifo, { overwrite: true }), /not a regular file/);
    await assert.rejects(createBatchFile(path, compileTemplate(chat), join(folder.dir(), 'missing', 'out.jsonl')), /ENOENT/);
    assert.ok(!existsSync(join(folder.dir(), 'missing')));
  });

  it('writes nothing when a row fails (an empty --id-column value), not a half file', async () => {
    const path = folder.write('ids.jsonl', '{"id":"a","text":"x"}\n{"id":"","text":"y"}\n{"id":"  ","text":"z"}\n');
    const out = join(folder.dir(), 'ids-out.jsonl');
    const result = await createBatchFile(path, compileTemplate({ ...chat, customId: { column: 'id' } }), out);
    assert.equal(result.written, false);
    assert.deepEqual(
      result.problems.map((p) => p.line),
      [2, 3],
    );
    assert.ok(!existsSync(out));
  });
});
