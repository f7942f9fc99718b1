import * as assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import fc from 'fast-check';
import type { RunningEmulator } from '../../src/emulator/index';
import { MultipartError, parseMultipart } from '../../src/emulator/multipart';
import { call, scratch, sleep, startFast } from './emulatorHelpers';
import { useEmulator } from './emulatorFixture';

const boundary = 'limits-boundary';

function fieldPart(name: string, value: string): string {
  return `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
}

/** A multipart body of `count` text fields of `size` bytes, then purpose and a small file. */
function manyFields(count: number, size: number): Buffer {
  const filler = 'x'.repeat(size);
  const parts: string[] = [];
  for (let i = 0; i < count; i++) {
    parts.push(fieldPart(`field${i}`, filler));
  }
  parts.push(fieldPart('purpose', 'batch'));
  parts.push(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.jsonl"\r\nContent-Type: application/octet-stream\r\n\r\n{}\r\n`);
  parts.push(`--${boundary}--\r\n`);
  return Buffer.from(parts.join(''));
}

/** What a raw socket received until the server closed it, and when. */
function rawExchange(port: number, send: (socket: Socket) => void): Promise<{ text: string; closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1', () => send(socket));
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
    socket.on('error', reject);
    socket.on('close', () => resolve({ text, closedAfterMs: Date.now() - started }));
  });
}

describe('emulator: what one request may hold', function () {
  const tmp = scratch();
  after(() => tmp.cleanup());

  describe('multipart uploads', () => {
    let emulator: RunningEmulator;
    useEmulator({}, { onStart: (started) => (emulator = started) });

    it('refuses 6,000 fields quickly with a 400 that says why, keeping nothing', async () => {
      const body = manyFields(6000, 1000);
      const started = Date.now();
      const answer = await call(emulator, 'POST', '/openai/v1/files', { raw: body, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } });
      const elapsed = Date.now() - started;
      assert.equal(answer.status, 400);
      assert.equal(answer.json.error.type, 'invalid_request_error');
      assert.match(answer.json.error.message, /more than 100 parts/);
      assert.ok(elapsed < 3000, `answered in ${elapsed} ms`);
      assert.equal(emulator.files().length, 0);
      assert.deepEqual(readdirSync(join(emulator.dataDir, 'work')), [], 'no upload left behind');
      // The same connection pool keeps working.
      assert.equal((await call(emulator, 'GET', '/openai/v1/files')).status, 200);
    });

    it('refuses a text field over the size limit', async () => {
      const body = Buffer.from(fieldPart('purpose', 'b'.repeat(70 * 1024)) + `--${boundary}--\r\n`);
      const answer = await call(emulator, 'POST', '/openai/v1/files', { raw: body, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } });
      assert.equal(answer.status, 400);
      assert.match(answer.json.error.message, /form field "purpose" is larger than 65536 bytes/);
    });

    it('takes its limits from the options', async () => {
      const small = await startFast({ maxFormParts: 3, maxFieldBytes: 10 });
      try {
        const headers = { 'content-type': `multipart/form-data; boundary=${boundary}` };
        const tooMany = await call(small, 'POST', '/openai/v1/files', { raw: manyFields(2, 1), headers });
        assert.equal(tooMany.status, 400);
        assert.match(tooMany.json.error.message, /more than 3 parts/);
        const tooLong = await call(small, 'POST', '/openai/v1/files', { raw: manyFields(0, 1).toString().replace('batch', 'batch'.repeat(3)), headers });
        assert.match(tooLong.json.error.message, /larger than 10 bytes/);
        const fits = await call(small, 'POST', '/openai/v1/files', { raw: manyFields(0, 1), headers });
        assert.equal(fits.status, 201, fits.text);
      } finally {
        await small.close();
      }
    });
  });

  it('the parser reads no further than the limits allow, whatever the form (bounded memory)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 16, max: 4096 }), async (count, size, maxParts, chunkSize) => {
        const maxFieldBytes = 2048;
        const data = manyFields(count, size);
        let pulled = 0;
        async function* source(): AsyncIterable<Buffer> {
          for (let i = 0; i < data.length; i += chunkSize) {
            const chunk = data.subarray(i, i + chunkSize);
            pulled += chunk.length;
            yield chunk;
          }
        }
        const partBytes = fieldPart('field0', 'x'.repeat(Math.min(size, maxFieldBytes))).length + 20;
        try {
          const result = await parseMultipart(source(), boundary, { filePath: join(tmp.dir, 'bounded'), maxFileBytes: 1 << 20, maxFieldBytes, maxParts });
          assert.ok(count + 2 <= maxParts, 'parsed only when within the part limit');
          assert.ok(size <= maxFieldBytes || count === 0);
          assert.equal(result.fields.get('purpose'), 'batch');
        } catch (error) {
          assert.ok(error instanceof MultipartError, String(error));
          assert.ok(count + 2 > maxParts || size > maxFieldBytes, `refused within the limits: ${error.message}`);
          // Refused as soon as a limit is passed: at most one part past the limit (and one chunk) was read.
          assert.ok(pulled <= (maxParts + 1) * partBytes + chunkSize + 512, `${pulled} bytes read for ${maxParts} parts of ${partBytes}`);
        }
      }),
      { numRuns: 80 },
    );
  });

  describe('timeouts', () => {
    it('closes a connection whose headers never finish (408)', async () => {
      const emulator = await startFast({ headersTimeoutMs: 300 });
      try {
        const result = await rawExchange(emulator.port, (socket) => socket.write('GET /openai/v1/files HTTP/1.1\r\nHost: 127.0.0.1\r\n'));
        assert.match(result.text, /^HTTP\/1\.1 408/);
        assert.ok(result.closedAfterMs >= 250 && result.closedAfterMs < 3000, `closed after ${result.closedAfterMs} ms`);
        const silent = await rawExchange(emulator.port, () => undefined);
        assert.ok(silent.closedAfterMs < 3000, `a silent connection closed after ${silent.closedAfterMs} ms`);
      } finally {
        await emulator.close();
      }
    });

    it('answers a half-sent body with 408 after the idle timeout and closes the connection', async () => {
      const emulator = await startFast({ bodyIdleTimeoutMs: 300, apiKey: 'k' });
      try {
        for (const [path, type] of [
          ['/openai/v1/files', `multipart/form-data; boundary=${boundary}`],
          ['/openai/v1/batches', 'application/json'],
          ['/openai/v1/nothing-here', 'application/json'],
        ]) {
          const result = await rawExchange(emulator.port, (socket) => {
            socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\napi-key: k\r\nContent-Type: ${type}\r\nContent-Length: 100000\r\n\r\n`);
            socket.write(fieldPart('purpose', 'batch').slice(0, 30));
          });
          assert.match(result.text, /^HTTP\/1\.1 408/, path);
          const body = JSON.parse(result.text.slice(result.text.indexOf('\r\n\r\n') + 4));
          assert.equal(body.error.code, 'RequestTimeout');
          assert.ok(result.closedAfterMs >= 250 && result.closedAfterMs < 3000, `${path}: closed after ${result.closedAfterMs} ms`);
        }
        assert.equal(emulator.files().length, 0);
        await sleep(50);
        assert.deepEqual(readdirSync(join(emulator.dataDir, 'work')), [], 'the partial upload is removed');
      } finally {
        await emulator.close();
      }
    });

    it('does not cut a slow but steady body, nor an answer that takes long to compute', async () => {
      const emulator = await startFast({ bodyIdleTimeoutMs: 200, apiKey: 'k' });
      try {
        const json = JSON.stringify({ input_file_id: 'file-none', endpoint: '/chat/completions', completion_window: '24h' });
        const result = await rawExchange(emulator.port, (socket) => {
          socket.write(`POST /openai/v1/batches HTTP/1.1\r\nHost: 127.0.0.1\r\napi-key: k\r\nContent-Type: application/json\r\nContent-Length: ${json.length}\r\nConnection: close\r\n\r\n`);
          let i = 0;
          const timer = setInterval(() => {
            socket.write(json.slice(i, i + 8));
            i += 8;
            if (i >= json.length) {
              clearInterval(timer);
            }
          }, 100); // 100 ms between pieces: under the 200 ms idle limit, 1 s in all
        });
        assert.match(result.text, /^HTTP\/1\.1 400/, 'the whole body arrived and was answered');
        assert.match(result.text, /file-none/);

        emulator.faults.add({ kind: 'delay', delayMs: 600, operation: 'listFiles' });
        const slow = await call(emulator, 'GET', '/openai/v1/files');
        assert.equal(slow.status, 200, 'a 600 ms delay is not an idle body');
        assert.ok(existsSync(emulator.dataDir));
      } finally {
        await emulator.close();
      }
    });
  });
});
