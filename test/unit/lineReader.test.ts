import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { LineTooLongError, readLocatedLines, type LocatedLine } from '../../src/core/io/lineReader';
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
