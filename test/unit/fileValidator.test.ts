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

  it('points every kept duplicate at its exact first use, read back alone (BOM, CRLF, multibyte, bad UTF-8, past the first chunk)', async () => {
    const padding = 'x'.repeat(3000);
    const rows: Buffer[] = [
      Buffer.from('\uFEFF' + request({ custom_id: 'bom-first' }) + '\r\n'),
      Buffer.from(`{"note": "日本語 😀", "custom_id": "multi", "method": "POST", "url": "/chat/completions", "body": {"model": "m", "messages": [{"role": "user", "content": "hi"}]}}\n`),
      Buffer.concat([Buffer.from('{"custom_id": "bad-utf8", "x": "'), Buffer.from([0xff]), Buffer.from('", "method": "POST"}\n')]),
      // A key repeated on the first use: the value JSON.parse keeps (the last) is the one pointed at.
      Buffer.from('{"custom_id": "ignored", "custom_id": "repeated", "method": "POST"}\r\n'),
    ];
    // Past 1 MiB, so the first use is in another chunk than the line 1 of the file.
    for (let i = 0; i < 400; i++) {
      rows.push(Buffer.from(request({ custom_id: `pad-${i}`, body: { model: 'm', messages: [{ role: 'user', content: padding }] } }) + '\n'));
    }
    rows.push(Buffer.from(request({ custom_id: 'late' }) + '\n'));
    for (const id of ['bom-first', 'multi', 'bad-utf8', 'repeated', 'late', 'multi']) {
      rows.push(Buffer.from(request({ custom_id: id }) + '\r\n'));
    }
    const bytes = Buffer.concat(rows);
    const result = await validateFile(write('duplicates.jsonl', bytes));
    const expected = validateText(bytes.toString('utf8'));
    const duplicates = result.diagnostics.filter((d) => d.code === 'duplicate_custom_id');
    assert.equal(duplicates.length, 6);
    assert.deepEqual(duplicates, expected.diagnostics.filter((d) => d.code === 'duplicate_custom_id'));
    const lines = bytes.toString('utf8').replace(/^\uFEFF/, '').split(/\r?\n/);
    for (const duplicate of duplicates) {
      const first = duplicate.related![0]!;
      const id = String(duplicate.message.args[0]);
      assert.equal(lines[first.line]!.slice(first.start, first.end), JSON.stringify(id), `${id} on line ${first.line + 1}`);
    }
    assert.deepEqual(
      duplicates.map((d) => d.related![0]!.line),
      [0, 1, 2, 3, 404, 1],
    );
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
