import * as assert from 'node:assert/strict';
import { connect } from 'node:net';
import * as fc from 'fast-check';
import type { RunningEmulator } from '../../src/emulator/index';
import { useEmulator } from './emulatorFixture';

// A request the emulator refuses (no key or a wrong one, another Host, no such route) is answered before its
// body is read, and its connection is closed after a bounded read: a client without the key can neither make
// the emulator read a 200 MB body nor hold a connection open by sending a byte now and then.
// Replay a failure with FC_SEED=<seed> FC_PATH=<path>.

function settings(runs: number): fc.Parameters<unknown> {
  const numRuns = Math.max(1, Math.round(runs * Number(process.env.FC_RUNS_FACTOR ?? 1)));
  const seed = process.env.FC_SEED;
  return seed === undefined ? { numRuns } : { numRuns, seed: Number(seed), path: process.env.FC_PATH };
}

interface Outcome {
  readonly status: number | undefined;
  /** Milliseconds from the first byte sent until the emulator closed the connection. */
  readonly closedAfterMs: number;
  readonly bodyBytesSent: number;
}

/**
 * Sends the head of a request, then `declared` body bytes in `chunk`-byte pieces every `everyMs` (never
 * more than `maxMs` in all), and reports the status and when the emulator closed the connection.
 */
function dripRequest(port: number, head: string, declared: number, chunk: number, everyMs: number, maxMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const started = Date.now();
    let answer = '';
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.write(head.replace('\r\n\r\n', `\r\ncontent-length: ${declared}\r\n\r\n`));
      const drip = () => {
        if (socket.destroyed || sent >= declared || Date.now() - started > maxMs) {
          return;
        }
        const size = Math.min(chunk, declared - sent);
        sent += size;
        socket.write(Buffer.alloc(size, 0x20), () => (timer = setTimeout(drip, everyMs)));
      };
      drip();
    });
    const giveUp = setTimeout(() => socket.destroy(), maxMs);
    socket.on('data', (data) => (answer += data.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      clearTimeout(giveUp);
      const status = /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1];
      resolve({ status: status === undefined ? undefined : Number(status), closedAfterMs: Date.now() - started, bodyBytesSent: sent });
    });
  });
}

const refusals = [
  { name: 'no key', head: (port: number) => `POST /openai/files?api-version=2024-10-21 HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\ncontent-type: multipart/form-data; boundary=B\r\n\r\n`, status: 401 },
  { name: 'a wrong key', head: (port: number) => `POST /openai/batches?api-version=2024-10-21 HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\napi-key: wrong\r\ncontent-type: application/json\r\n\r\n`, status: 401 },
  { name: 'a wrong bearer token', head: (port: number) => `POST /openai/v1/files HTTP/1.1\r\nHost: localhost:${port}\r\nauthorization: Bearer nope\r\n\r\n`, status: 401 },
  { name: 'another host', head: () => `POST /openai/files?api-version=2024-10-21 HTTP/1.1\r\nHost: attacker.example\r\napi-key: test-key-12345\r\n\r\n`, status: 421 },
  { name: 'no such route', head: (port: number) => `POST /nothing/here HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`, status: 404 },
  { name: 'an API route without the key', head: (port: number) => `PUT /openai/nothing HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`, status: 401 },
  { name: 'a control route without the key', head: (port: number) => `POST /_emulator/faults HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\ncontent-type: application/json\r\n\r\n`, status: 401 },
];

describe('refused requests are answered first and their bodies read only so far', function () {
  this.timeout(120_000);
  let emulator: RunningEmulator;
  useEmulator({ apiKey: 'test-key-12345' }, { onStart: (started) => (emulator = started) });

  it('answers a refused body that is large, or trickles in, at once and closes within a few seconds', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...refusals),
        fc.oneof(
          // Large and fast: far more than the emulator should read for a refused request.
          fc.record({ declared: fc.constant(150 * 1024 * 1024), chunk: fc.constant(256 * 1024), everyMs: fc.constant(0) }),
          // Small pieces, now and then: each keeps an idle timer from ever firing.
          fc.record({ declared: fc.integer({ min: 10_000, max: 1_000_000 }), chunk: fc.integer({ min: 1, max: 16 }), everyMs: fc.integer({ min: 50, max: 300 }) }),
        ),
        async (refusal, body) => {
          const outcome = await dripRequest(emulator.port, refusal.head(emulator.port), body.declared, body.chunk, body.everyMs, 20_000);
          assert.equal(outcome.status, refusal.status, `${refusal.name}: answered ${outcome.status}`);
          assert.ok(outcome.closedAfterMs < 10_000, `${refusal.name}: open for ${outcome.closedAfterMs} ms`);
          assert.ok(outcome.bodyBytesSent < body.declared, `${refusal.name}: the whole body (${outcome.bodyBytesSent} bytes) was taken`);
        },
      ),
      settings(6),
    );
  });

  it('still answers a small refused body and keeps serving requests with the key', async () => {
    for (const refusal of refusals) {
      // Asked to close, so the test need not wait out the kept-alive connection.
      const outcome = await dripRequest(emulator.port, refusal.head(emulator.port).replace('\r\n\r\n', '\r\nconnection: close\r\n\r\n'), 20, 20, 0, 5_000);
      assert.equal(outcome.status, refusal.status, refusal.name);
      assert.ok(outcome.closedAfterMs < 2_000, `${refusal.name}: open for ${outcome.closedAfterMs} ms`);
    }
    const list = await fetch(`${emulator.url}/openai/batches?api-version=2024-10-21`, { headers: { 'api-key': 'test-key-12345' } });
    assert.equal(list.status, 200);
  });
});
