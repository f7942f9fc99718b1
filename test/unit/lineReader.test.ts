import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { LineSplitter, LineTooLongError, readLocatedLines, type LocatedLine } from '../../src/core/io/lineReader';
import { estimateFile } from '../../src/core/tokens/fileEstimate';
import { ModelResolver } from '../../src/core/tokens/models';

async function readAll(path: string, maxLineBytes: number, reportOversized = true): Promise<LocatedLine[]> {
  const lines: LocatedLine[] = [];
  for await (const line of readLocatedLines(path, { maxLineBytes, reportOversized })) {
    lines.push(line);
  }
  return lines;
}

describe('line reader: lines longer than it keeps', function () {
  this.timeout(60_000);
  const dir = mkdtempSync(join(tmpdir(), 'aoai-lines-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  const write = (content: Buffer | string): string => {
    const path = join(dir, `f-${n++}.jsonl`);
    writeFileSync(path, content);
    return path;
  };

  it('property: every line is kept exactly or reported oversized, with its offset and length', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.string({ maxLength: 40 }), { maxLength: 30 }), fc.boolean(), fc.integer({ min: 1, max: 30 }), async (lines, finalBreak, max) => {
        const text = lines.join('\n') + (finalBreak && lines.length > 0 ? '\n' : '');
        const path = write(text);
        const got = await readAll(path, max);
        const bytes = Buffer.from(text);
        const expected: { offset: number; length: number }[] = [];
        let offset = 0;
        for (const segment of text.length === 0 ? [] : text.split('\n')) {
          expected.push({ offset, length: Buffer.byteLength(segment) });
          offset += Buffer.byteLength(segment) + 1;
        }
        if (text.endsWith('\n')) {
          expected.pop(); // a final line break does not start another line
        }
        assert.equal(got.length, expected.length);
        got.forEach((line, i) => {
          assert.equal(line.line, i);
          assert.equal(line.offset, expected[i]!.offset);
          assert.equal(line.length, expected[i]!.length);
          if (line.length > max) {
            assert.equal(line.oversized, true, `line ${i} (${line.length} bytes) is over ${max}`);
            assert.equal(line.text, '');
          } else {
            assert.equal(line.oversized, undefined);
            const raw = bytes.subarray(line.offset, line.offset + line.length).toString('utf8');
            assert.equal(line.text, (i === 0 ? raw.replace(/^\ufeff/, '') : raw).replace(/\r$/, ''));
          }
        });
      }),
      { numRuns: 150 },
    );
  });

  it('throws a LineTooLongError naming the line unless asked to report it', async () => {
    const path = write('{"a":1}\n' + 'x'.repeat(5000) + '\n{"b":2}\n');
    await assert.rejects(readAll(path, 1000, false), (error: unknown) => error instanceof LineTooLongError && error.line === 1 && /line 2 is 5,000 bytes/.test(error.message));
  });

  it('holds no more than the limit of a file with no line break, across read chunks', async () => {
    const path = write(Buffer.alloc(3 * 1024 * 1024 + 17, 'a'));
    const got = await readAll(path, 64 * 1024);
    assert.deepEqual(got, [{ text: '', line: 0, offset: 0, length: 3 * 1024 * 1024 + 17, oversized: true }]);
  });

  it('estimates a file with a line too long to hold: the line is skipped, the other rows counted', async () => {
    const row = JSON.stringify({ custom_id: 'r', method: 'POST', url: '/chat/completions', body: { model: 'gpt-4o', messages: [{ role: 'user', content: 'hello there' }] } });
    const path = write(`${row}\n${'z'.repeat(2 * 1024 * 1024)}\n${row}\n`);
    const estimate = await estimateFile(path, new ModelResolver(), undefined, { maxLineBytes: 1024 * 1024 });
    assert.equal(estimate.lines, 3);
    assert.equal(estimate.requests, 2);
    assert.equal(estimate.skipped, 1);
  });
});

describe('line splitter: where each line sits in the input', () => {
  type Seen = [kind: 'line' | 'over' | 'bom', offset: number, bytes: number, cr: boolean];
  /** Splits `bytes` fed in pieces of `size`, recording every line's offset, length without the CR, and CR. */
  function split(bytes: Buffer, size: number, limit: number): Seen[] {
    const seen: Seen[] = [];
    const splitter = new LineSplitter(
      {
        markBom: () => void seen.push(['bom', 0, 3, false]),
        addLine: (_text, _bad, offset, length, cr) => void seen.push(['line', offset, length, cr]),
        addOversizedLine: (length, _limit, offset, cr) => void seen.push(['over', offset, length, cr]),
      },
      limit,
    );
    for (let at = 0; at < bytes.length; at += size) {
      splitter.push(bytes.subarray(at, at + size));
    }
    splitter.end();
    return seen;
  }

  it('property: offsets and lengths are the bytes of the input, with or without a BOM, CRLF, multi-byte text or a final break', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.array(fc.record({ text: fc.constantFrom('', 'a', '{}', 'é', '😀x', 'abc def'), cr: fc.boolean() }), { minLength: 1, maxLength: 12 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 12 }),
        (bom, lines, finalBreak, size, limit) => {
          const body = lines.map((line) => line.text + (line.cr ? '\r' : '')).join('\n') + (finalBreak ? '\n' : '');
          const bytes = Buffer.concat([bom ? Buffer.from([0xef, 0xbb, 0xbf]) : Buffer.alloc(0), Buffer.from(body)]);
          const expected: Seen[] = bom ? [['bom', 0, 3, false]] : [];
          let offset = bom ? 3 : 0;
          for (const line of lines) {
            if (offset >= bytes.length) {
              break;
            }
            const length = Buffer.byteLength(line.text);
            expected.push([length > limit ? 'over' : 'line', offset, length, line.cr]);
            offset += length + (line.cr ? 1 : 0) + 1;
          }
          assert.deepEqual(split(bytes, size, limit), expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reports a line that is not UTF-8 with the column of its first bad byte and its offset', () => {
    const bytes = Buffer.concat([Buffer.from('ok\r\nab'), Buffer.from([0xff]), Buffer.from('c\n')]);
    const seen: unknown[] = [];
    const splitter = new LineSplitter({ markBom: () => undefined, addLine: (...args) => void seen.push(args), addOversizedLine: () => assert.fail('no line is over the limit') }, 100);
    splitter.push(bytes);
    splitter.end();
    assert.deepEqual(seen, [
      ['ok', undefined, 0, 2, true],
      ['ab\ufffdc', 2, 4, 4, false],
    ]);
  });
});
