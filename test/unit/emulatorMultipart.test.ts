import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { multipartBoundary, MultipartError, parseMultipart } from '../../src/emulator/multipart';
import { scratch } from './emulatorHelpers';

const boundary = 'openai-abc123';

function body(parts: { name: string; value: string | Buffer; filename?: string; type?: string }[], preamble = '', epilogue = ''): Buffer {
  const pieces: Buffer[] = [Buffer.from(preamble)];
  for (const part of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"`;
    if (part.filename !== undefined) {
      head += `; filename="${part.filename}"\r\nContent-Type: ${part.type ?? 'application/octet-stream'}`;
    }
    pieces.push(Buffer.from(`${head}\r\n\r\n`), Buffer.from(part.value), Buffer.from('\r\n'));
  }
  pieces.push(Buffer.from(`--${boundary}--\r\n${epilogue}`));
  return Buffer.concat(pieces);
}

async function* chunks(data: Buffer, size: number): AsyncIterable<Buffer> {
  for (let i = 0; i < data.length; i += size) {
    yield data.subarray(i, i + size);
  }
}

describe('emulator: streaming multipart parser', () => {
  const tmp = scratch();
  after(() => tmp.cleanup());
  let n = 0;
  const target = () => join(tmp.dir, `part-${n++}`);

  // Content that looks like a delimiter without being one (a delimiter is CRLF "--" boundary, which the sender
  // guarantees never occurs in the content).
  const tricky = Buffer.from(`line one\r\n--${boundary.slice(0, -1)}\r\n--openai\r\n\r\n\n--${boundary}: no CR before it\n{"a":1}\r\n`);
  const tricky2 = Buffer.concat([tricky, Buffer.from([0, 255, 13, 10, 45, 45]), Buffer.from('end')]);

  it('parses fields and the file whatever the chunk boundaries, the file first as the SDK sends it', async () => {
    const data = body([
      { name: 'file', value: tricky2, filename: 'batch.jsonl' },
      { name: 'purpose', value: 'batch' },
      { name: 'expires_after[seconds]', value: '1209600' },
    ], 'preamble to ignore\r\n', 'epilogue to ignore');
    for (const size of [1, 2, 3, 7, 64, 1000, data.length]) {
      const path = target();
      const result = await parseMultipart(chunks(data, size), boundary, { filePath: path, maxFileBytes: 1 << 20 });
      assert.equal(result.fields.get('purpose'), 'batch', `chunk ${size}`);
      assert.equal(result.fields.get('expires_after[seconds]'), '1209600');
      assert.equal(result.file?.filename, 'batch.jsonl');
      assert.equal(result.file?.field, 'file');
      assert.equal(result.file?.contentType, 'application/octet-stream');
      assert.equal(result.file?.bytes, tricky2.length);
      assert.deepEqual(readFileSync(path), tricky2, `chunk ${size}`);
    }
  });

  it('handles an empty file part and a file-less form', async () => {
    const empty = await parseMultipart(chunks(body([{ name: 'purpose', value: 'batch' }, { name: 'file', value: '', filename: 'e.jsonl' }]), 5), boundary, {
      filePath: target(),
      maxFileBytes: 10,
    });
    assert.equal(empty.file?.bytes, 0);
    const none = await parseMultipart(chunks(body([{ name: 'purpose', value: 'batch' }]), 5), boundary, { filePath: target(), maxFileBytes: 10 });
    assert.equal(none.file, undefined);
  });

  it('decodes quoted and RFC 5987 file names', async () => {
    const raw = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a \\"b\\".jsonl"\r\n\r\nx\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="other"; filename="ignored"; filename*=UTF-8''%C3%A9t%C3%A9.jsonl\r\n\r\ny\r\n--${boundary}--`,
    );
    const result = await parseMultipart(chunks(raw, 9), boundary, { filePath: target(), maxFileBytes: 10 });
    assert.equal(result.file?.filename, 'a "b".jsonl');
  });

  it('counts but discards a file over the size limit', async () => {
    const path = target();
    const result = await parseMultipart(chunks(body([{ name: 'file', value: 'x'.repeat(5000), filename: 'big.jsonl' }, { name: 'purpose', value: 'batch' }]), 512), boundary, {
      filePath: path,
      maxFileBytes: 1000,
    });
    assert.equal(result.file?.tooLarge, true);
    assert.equal(result.file?.bytes, 5000);
    assert.ok(readFileSync(path).length <= 1000);
    assert.equal(result.fields.get('purpose'), 'batch');
  });

  it('rejects malformed bodies and removes the partial file', async () => {
    const truncated = body([{ name: 'file', value: 'abc', filename: 'x.jsonl' }]).subarray(0, 80);
    const path = target();
    await assert.rejects(parseMultipart(chunks(truncated, 7), boundary, { filePath: path, maxFileBytes: 100 }), MultipartError);
    assert.equal(existsSync(path), false);
    await assert.rejects(parseMultipart(chunks(Buffer.from('no boundary at all'), 4), boundary, { filePath: target(), maxFileBytes: 100 }), MultipartError);
    const noName = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data\r\n\r\nx\r\n--${boundary}--`);
    await assert.rejects(parseMultipart(chunks(noName, 4), boundary, { filePath: target(), maxFileBytes: 100 }), MultipartError);
    const hugeField = body([{ name: 'purpose', value: 'y'.repeat(70 * 1024) }]);
    await assert.rejects(parseMultipart(chunks(hugeField, 4096), boundary, { filePath: target(), maxFileBytes: 100 }), MultipartError);
  });

  it('reads the boundary from the content type', () => {
    assert.equal(multipartBoundary('multipart/form-data; boundary=abc'), 'abc');
    assert.equal(multipartBoundary('Multipart/Form-Data; charset=utf-8; boundary="a b:c"'), 'a b:c');
    assert.equal(multipartBoundary('multipart/form-data'), undefined);
    assert.equal(multipartBoundary('application/json'), undefined);
    assert.equal(multipartBoundary(undefined), undefined);
  });
});
