import * as assert from 'node:assert/strict';
import { constants as bufferConstants } from 'node:buffer';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as fc from 'fast-check';
import { DocumentValidator } from '../../src/core/jsonl/documentValidator';
import { LineSplitter, type LineSink } from '../../src/core/io/lineReader';
import { lineLimit, validateFile } from '../../src/core/jsonl/fileValidator';
import { checkInputPath, InputFileError } from '../../src/core/jsonl/inputFile';
import { isOutputLine, isResultFileName, startsWithOutputLine } from '../../src/core/jsonl/resultShape';
import { StreamValidator, validateText } from '../../src/core/jsonl/streamValidator';
import { countCodes, message, type BatchDiagnostic, type ValidationLimits } from '../../src/core/jsonl/types';
import { forEachLine } from '../../src/emulator/scan';
import { codes, request } from './helpers';

// The validator's memory is bounded by the file and a cap, never by the number of problems: it keeps the first
// `maxDiagnostics` diagnostics and a count per code, reads no line past the line limit, and reads only regular files.

function settings(runs: number): fc.Parameters<unknown> {
  const numRuns = Math.max(1, Math.round(runs * Number(process.env.FC_RUNS_FACTOR ?? 1)));
  const seed = process.env.FC_SEED;
  return seed === undefined ? { numRuns } : { numRuns, seed: Number(seed), path: process.env.FC_PATH };
}

const uncapped = { maxDiagnostics: Number.MAX_SAFE_INTEGER };

/** Rows with every kind of problem, several on a line, across lines (ids, urls, deployments), and clean rows. */
const rowArb = fc.oneof(
  fc.constantFrom('{}', '{bad', '', '  ', '[1]', 'null', '{"custom_id": "x"}', '{"a": 1, "b": 2, "custom_id": 3}'),
  fc.record({
    id: fc.constantFrom('a', 'b', 'c', 'd'),
    url: fc.constantFrom('/chat/completions', '/chat/completions', '/v1/responses', '/nope'),
    model: fc.constantFrom('gpt-4o-batch', 'gpt-4o-batch', 'other-batch', 'YOUR_DEPLOYMENT'),
    method: fc.constantFrom('POST', 'POST', 'GET'),
  }).map(({ id, url, model, method }) => request({ custom_id: id, url, method }, { model })),
);
const fileArb = fc.array(rowArb, { maxLength: 120 }).map((rows) => rows.join('\n'));
const limits: ValidationLimits = { maxRequests: 50, maxBytes: 4000 };

describe('capped validation: the first N diagnostics and a count of all', () => {
  it('keeps exactly the first N by position and counts every problem per code (stream and document validators)', () => {
    fc.assert(
      fc.property(fileArb, fc.integer({ min: 0, max: 40 }), (text, max) => {
        const all = validateText(text, limits, uncapped);
        assert.equal(all.truncated, false);
        const capped = validateText(text, limits, { maxDiagnostics: max });
        assert.deepEqual(capped.diagnostics, all.diagnostics.slice(0, max));
        assert.deepEqual(capped.counts, countCodes(all.diagnostics));
        assert.equal(capped.total, all.diagnostics.length);
        assert.equal(capped.truncated, all.diagnostics.length > max);
        assert.equal(capped.requests, all.requests);

        const lines = text.split('\n');
        const document = new DocumentValidator(limits);
        document.reset(lines.length);
        document.flush((line) => lines[line]!);
        const report = document.report(max);
        assert.deepEqual(report.diagnostics, capped.diagnostics);
        assert.deepEqual(report.counts, capped.counts);
        assert.equal(report.total, capped.total);
        assert.equal(report.truncated, capped.truncated);
        // The rows a "fix every row" edit touches: all of them, also those past the cap.
        for (const code of ['invalid_method', 'url_mismatch', 'model_mismatch'] as const) {
          const expected = [...new Set(all.diagnostics.filter((d) => d.code === code).map((d) => d.line))];
          assert.deepEqual(document.linesWith(new Set([code])), expected, code);
        }
      }),
      settings(150),
    );
  });

  it('reports the same from a document with many broken lines (walking the lines, not the indexes)', function () {
    this.timeout(60_000);
    const rows = fc.sample(rowArb, { numRuns: 30_000, seed: 7 });
    const text = rows.join('\n');
    const wide: ValidationLimits = { maxRequests: 1_000_000, maxBytes: 100 * 1024 * 1024 };
    const lines = text.split('\n');
    const document = new DocumentValidator(wide);
    document.reset(lines.length);
    document.flush((line) => lines[line]!);
    for (const max of [1000, 25_000]) {
      const expected = validateText(text, wide, { maxDiagnostics: max });
      const report = document.report(max);
      assert.ok(expected.total > 20_000, `${expected.total} problems`);
      assert.deepEqual(report.diagnostics, expected.diagnostics, `max ${max}`);
      assert.deepEqual(report.counts, expected.counts);
    }
  });

  it('streams every diagnostic once, lines in file order, the file-level ones last', () => {
    fc.assert(
      fc.property(fileArb, fc.integer({ min: 0, max: 10 }), (text, max) => {
        const streamed: BatchDiagnostic[] = [];
        const capped = validateText(text, limits, { maxDiagnostics: max, onDiagnostic: (d) => streamed.push(d) });
        const all = validateText(text, limits, uncapped).diagnostics;
        assert.equal(streamed.length, all.length);
        assert.equal(streamed.length, capped.total);
        const fileLevel = new Set(['empty_file', 'too_many_tasks', 'file_too_large', 'bom']);
        const lineLevel = streamed.filter((d) => !fileLevel.has(d.code));
        assert.deepEqual(streamed.slice(lineLevel.length).map((d) => fileLevel.has(d.code)), streamed.slice(lineLevel.length).map(() => true));
        for (let i = 1; i < lineLevel.length; i++) {
          assert.ok(lineLevel[i - 1]!.line <= lineLevel[i]!.line, 'in line order');
        }
        // The same problems (a streamed duplicate points at the start of the first use's line).
        const key = (d: BatchDiagnostic) => `${d.line}:${d.start}:${d.code}:${d.message.text}`;
        assert.deepEqual(streamed.map(key).sort(), all.map(key).sort());
      }),
      settings(100),
    );
  });

  it('holds a thousand diagnostics for a million tiny bad rows, and the counts of all four million', async function () {
    this.timeout(120_000);
    const dir = mkdtempSync(join(tmpdir(), 'aoai-caps-'));
    try {
      const path = join(dir, 'million.jsonl');
      writeFileSync(path, '{}\n'.repeat(1_000_000));
      const result = await validateFile(path);
      assert.equal(result.requests, 1_000_000);
      assert.equal(result.diagnostics.length, 1000);
      assert.equal(result.truncated, true);
      assert.deepEqual(result.counts, { invalid_method: 1_000_000, invalid_url: 1_000_000, missing_body: 1_000_000, missing_custom_id: 1_000_000, too_many_tasks: 1 });
      assert.equal(result.total, 4_000_001);
      assert.deepEqual(codes(result.diagnostics.slice(0, 5)), ['invalid_method', 'invalid_url', 'missing_body', 'missing_custom_id', 'too_many_tasks']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps no record per repeat of a duplicated id', () => {
    const validator = new StreamValidator(undefined, { maxDiagnostics: 10 });
    const row = request({ custom_id: 'same' });
    for (let i = 0; i < 200_000; i++) {
      validator.addLine(row);
    }
    assert.deepEqual([...validator.firstUseLines()], [0], 'only kept duplicates wait for the first use');
    const result = validator.finish(200_000 * (row.length + 1), new Map([[0, row]]));
    assert.equal(result.counts.duplicate_custom_id, 199_999);
    assert.equal(result.diagnostics.length, 10);
    const first = result.diagnostics.find((d) => d.code === 'duplicate_custom_id')!;
    assert.equal(first.related?.[0]?.start, row.indexOf('"same"'), 'a kept duplicate points at the exact first use');
  });
});

describe('capped validation: lines past the line limit are counted, never read', () => {
  type Call = { kind: 'line'; text: string } | { kind: 'over'; bytes: number };
  const recorder = (calls: Call[]): LineSink => ({
    markBom: () => undefined,
    addLine: (text) => calls.push({ kind: 'line', text }),
    addOversizedLine: (bytes, limit) => {
      assert.ok(bytes > limit);
      calls.push({ kind: 'over', bytes });
    },
  });

  /** What a splitter must deliver: lines split on LF, one CR dropped, those over `limit` bytes by length only. */
  function reference(bytes: Buffer, limit: number): Call[] {
    const calls: Call[] = [];
    let start = 0;
    while (start < bytes.length) {
      const newline = bytes.indexOf(10, start);
      const end = newline < 0 ? bytes.length : newline;
      let line = bytes.subarray(start, end);
      if (line.length > 0 && line[line.length - 1] === 13) {
        line = line.subarray(0, -1);
      }
      calls.push(line.length > limit ? { kind: 'over', bytes: line.length } : { kind: 'line', text: line.toString('utf8') });
      start = end + 1;
    }
    return calls;
  }

  const pieceArb = fc.oneof(
    fc.constantFrom('\n', '\r\n', '\r', 'a', '{}', 'é', '😀', ' ').map((text) => Buffer.from(text)),
    fc.string({ maxLength: 30 }).map((text) => Buffer.from(text)),
    // Bytes that are not UTF-8 (0xef starting a file would be a BOM: the file starts with "x").
    fc.uint8Array({ maxLength: 4 }).map((bytes) => Buffer.from(bytes)),
  );
  it('splits any bytes in any chunks the same way, whatever the limit', () => {
    fc.assert(
      fc.property(fc.array(pieceArb, { maxLength: 60 }), fc.integer({ min: 1, max: 40 }), fc.array(fc.integer({ min: 1, max: 17 }), { minLength: 1, maxLength: 8 }), (pieces, limit, sizes) => {
        const bytes = Buffer.concat([Buffer.from('x'), ...pieces]);
        const calls: Call[] = [];
        const splitter = new LineSplitter(recorder(calls), limit);
        for (let at = 0, i = 0; at < bytes.length; i++) {
          const size = sizes[i % sizes.length]!;
          splitter.push(bytes.subarray(at, at + size));
          at += size;
        }
        splitter.end();
        assert.deepEqual(calls, reference(bytes, limit));
      }),
      settings(300),
    );
  });

  it('never reads a line longer than the runtime can hold as a string', () => {
    assert.ok(lineLimit({ maxRequests: 1, maxBytes: Number.MAX_SAFE_INTEGER }) < bufferConstants.MAX_STRING_LENGTH);
    assert.equal(lineLimit({ maxRequests: 1, maxBytes: 1000 }), 1000);
  });

  it('gives file_too_large for a file with no line break at all, without building the line', async function () {
    this.timeout(60_000);
    const dir = mkdtempSync(join(tmpdir(), 'aoai-caps-'));
    try {
      const path = join(dir, 'one-line.jsonl');
      writeFileSync(path, Buffer.alloc(24 * 1024 * 1024, 'a'));
      const result = await validateFile(path, { limits: { maxRequests: 100, maxBytes: 1024 * 1024 } });
      assert.deepEqual(codes(result.diagnostics), ['file_too_large', 'invalid_request']);
      assert.equal(result.requests, 1);
      assert.match(result.diagnostics[1]!.message.text, /The line is 24\.0 MB, longer than 1\.0 MB/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('capped validation: the emulator reads lines the same way', () => {
  it('delivers every line with its offset, and lines over the limit by length only, across chunk boundaries', async function () {
    this.timeout(60_000);
    const dir = mkdtempSync(join(tmpdir(), 'aoai-caps-'));
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.record({ length: fc.integer({ min: 0, max: 120_000 }), cr: fc.boolean() }), { minLength: 1, maxLength: 8 }),
          fc.integer({ min: 1, max: 150_000 }),
          fc.boolean(),
          async (lines, limit, finalBreak) => {
            const text = lines.map((line) => 'a'.repeat(line.length) + (line.cr ? '\r' : '')).join('\n') + (finalBreak ? '\n' : '');
            const path = join(dir, 'lines.jsonl');
            writeFileSync(path, text);
            const seen: [string, number, number][] = [];
            await forEachLine(path, (bytes, start, length) => void seen.push([bytes === undefined ? 'over' : 'line', start, length]), undefined, undefined, limit);
            const expected: [string, number, number][] = [];
            let start = 0;
            for (const line of lines) {
              if (start >= text.length) {
                break;
              }
              expected.push([line.length > limit ? 'over' : 'line', start, line.length]);
              start += line.length + (line.cr ? 1 : 0) + 1;
            }
            assert.deepEqual(seen, expected);
          },
        ),
        settings(25),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('capped validation: only regular files are read', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'aoai-caps-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('tells a file, a folder, a missing path, a FIFO and a device apart by stat alone', async () => {
    const file = join(dir, 'ok.jsonl');
    writeFileSync(file, '{}\n');
    const fifo = join(dir, 'pipe.jsonl');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo');
    assert.deepEqual(await checkInputPath(file), { ok: true, size: 3 });
    assert.deepEqual(await checkInputPath(dir), { ok: false, problem: { kind: 'directory' } });
    assert.deepEqual(await checkInputPath(join(dir, 'nope.jsonl')), { ok: false, problem: { kind: 'missing' } });
    assert.deepEqual(await checkInputPath(fifo), { ok: false, problem: { kind: 'special', what: 'a FIFO' } });
    assert.deepEqual(await checkInputPath('/dev/zero'), { ok: false, problem: { kind: 'special', what: 'a character device' } });
    // validateFile refuses them at once instead of blocking on the FIFO or reading /dev/zero forever.
    for (const path of [fifo, '/dev/zero', dir]) {
      await assert.rejects(validateFile(path), (error: unknown) => error instanceof InputFileError && error.message.includes(path));
    }
  });
});

describe('capped validation: messages and result lines', () => {
  it('formats {N} templates exactly as the replace it stands for', () => {
    const reference = (template: string, args: (string | number)[]) =>
      template.replace(/\{(\d+)\}/g, (whole, index: string) => {
        const value = args[Number(index)];
        return value === undefined ? whole : String(value);
      });
    const templateArb = fc.array(fc.oneof(fc.constantFrom('{', '}', '{0}', '{1}', '{12}', '{a}', '{{0}}', '0', ' '), fc.string({ maxLength: 4 })), { maxLength: 12 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(templateArb, fc.array(fc.oneof(fc.string({ maxLength: 4 }), fc.integer()), { maxLength: 3 }), (template, args) => {
        assert.equal(message(template, ...args).text, reference(template, args));
      }),
      settings(500),
    );
  });

  const outputLineArb = fc
    .record({
      id: fc.option(fc.string({ maxLength: 8 }), { nil: undefined }),
      custom_id: fc.string({ maxLength: 8 }),
      response: fc.option(fc.record({ status_code: fc.constantFrom(200, 400), request_id: fc.string({ maxLength: 4 }), body: fc.jsonValue({ maxDepth: 2 }) }), { nil: null }),
      error: fc.option(fc.record({ code: fc.string({ maxLength: 6 }), message: fc.string({ maxLength: 10 }) }), { nil: null }),
      status: fc.option(fc.constantFrom('succeeded', 'failed', 'missing'), { nil: undefined }),
    })
    .map((line) => JSON.stringify(line));

  it('recognises output, error and results lines, and never a request line', () => {
    fc.assert(fc.property(outputLineArb, (line) => assert.ok(isOutputLine(line), line)), settings(200));
    fc.assert(
      fc.property(rowArb, fc.constantFrom('response', 'error'), (row, key) => {
        assert.equal(isOutputLine(row), false, row);
        // A request (it has a method) with a stray "response" or "error" field is still a request.
        if (row.includes('"method"')) {
          assert.equal(isOutputLine(row.replace('{', `{"${key}": null, `)), false);
        }
      }),
      settings(200),
    );
    assert.equal(isOutputLine('{"custom_id": "a", "response": '), false, 'cut JSON');
    assert.equal(isOutputLine('["custom_id", "response"]'), false);
  });

  it('treats a document as results when its first non-blank line is an output line', () => {
    const output = JSON.stringify({ custom_id: 'a', response: { status_code: 200, body: {} }, error: null });
    const read = (lines: string[]) => startsWithOutputLine(lines.length, (line) => lines[line]!);
    assert.equal(read(['', '  ', output, request()]), true);
    assert.equal(read(['\uFEFF' + output]), true);
    assert.equal(read([request(), output]), false);
    assert.equal(read(['', '']), false);
  });

  it('names the files results are written to, not the retry files', () => {
    for (const name of ['batch.output.jsonl', 'batch.errors.jsonl', 'batch.results.jsonl', '/a/b/My.Batch.RESULTS.jsonl']) {
      assert.equal(isResultFileName(name), true, name);
    }
    for (const name of ['batch.jsonl', 'batch.retry-1.jsonl', 'output.jsonl', '.results.jsonl', 'batch.results.jsonl.bak', 'batch.output.json']) {
      assert.equal(isResultFileName(name), false, name);
    }
  });

  it('treats every .jsonl file in a job results folder (NAME.results/) as results, and nothing outside one', () => {
    for (const name of ['/w/batch.results/batch.part-1.jsonl', '/w/batch.results/anything.jsonl', 'C:/w/Big.RESULTS/x.jsonl']) {
      assert.equal(isResultFileName(name), true, name);
    }
    for (const name of ['/w/batch.results/batch.summary.md', '/w/.results/batch.jsonl', '/w/results/batch.jsonl', '/w/batch.results.old/batch.jsonl']) {
      assert.equal(isResultFileName(name), false, name);
    }
  });
});
