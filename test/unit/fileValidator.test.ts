import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstBadByte, LineSplitter } from '../../src/core/io/lineReader';
import { validateFile } from '../../src/core/jsonl/fileValidator';
import { StreamValidator, validateText } from '../../src/core/jsonl/streamValidator';
import { brief, codes, request, requests } from './helpers';

describe('validateFile (streaming from disk)', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'aoai-batch-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, content: string | Buffer) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };

  it('matches the in-memory validator on the same text', async () => {
    const text = '\uFEFF' + [request(), request(), '', request({ url: '/x' }), 'nope'].join('\r\n');
    const result = await validateFile(write('mixed.jsonl', text));
    assert.deepEqual(result.diagnostics, validateText(text).diagnostics);
    assert.equal(result.bytes, Buffer.byteLength(text));
  });

  it('reports invalid UTF-8 at the first bad byte, per line', async () => {
    const good = Buffer.from(request({ custom_id: 'é-1' }) + '\n');
    const bad = Buffer.concat([Buffer.from('{"custom_id": "ab'), Buffer.from([0xff, 0xfe]), Buffer.from('", "method": "POST"}\n')]);
    const result = await validateFile(write('bad.jsonl', Buffer.concat([good, bad, good])));
    assert.ok(brief(result.diagnostics).includes('2:17-18 invalid_encoding'), brief(result.diagnostics).join(', '));
    assert.ok(codes(result.diagnostics).includes('duplicate_custom_id'));
  });

  it('splits lines correctly whatever the chunk boundaries', () => {
    const text = [request({ custom_id: '日本語-1' }), request({ custom_id: '😀-2' }), '', request({ custom_id: 'ü-3' })].join('\n') + '\n';
    const bytes = Buffer.from(text);
    const expected = validateText(text).diagnostics;
    for (const size of [1, 2, 3, 7, 64]) {
      const validator = new StreamValidator();
      const splitter = new LineSplitter(validator);
      for (let i = 0; i < bytes.length; i += size) {
        splitter.push(bytes.subarray(i, i + size));
      }
      splitter.end();
      assert.deepEqual(validator.finish(bytes.length).diagnostics, expected, `chunks of ${size}`);
    }
  });

  it('finds the first malformed UTF-8 sequence', () => {
    assert.equal(firstBadByte(Buffer.from('abc')), 3);
    assert.equal(firstBadByte(Buffer.from([0x61, 0xc3, 0xa9, 0x80])), 3);
    assert.equal(firstBadByte(Buffer.from([0xed, 0xa0, 0x80])), 0); // an encoded surrogate
    assert.equal(firstBadByte(Buffer.from([0xf0, 0x9f, 0x98])), 0); // truncated emoji
  });

  it('validates 100,000 requests with bounded results', async () => {
    const path = write('big.jsonl', requests(100_001).join('\n'));
    const result = await validateFile(path);
    assert.equal(result.requests, 100_001);
    assert.deepEqual(codes(result.diagnostics), ['too_many_tasks']);
  });
});
