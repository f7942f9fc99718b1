import * as assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BatchClient } from '../../src/core/batch/client';
import { BatchServiceError, MAX_CODE_CHARS, MAX_SERVICE_MESSAGE_CHARS, redactSecrets } from '../../src/core/batch/errors';
import { runCli } from './cliProcess';

// A hostile service's error answers: a message built to make the credential scrubber quadratic, and messages or
// codes of megabytes. Each is handled in bounded time and shown in bounded size, with credentials still removed.

async function answering(status: number, contentType: string, body: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    req.resume();
    res.writeHead(status, { 'content-type': contentType }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Texts that made `\b<scheme>://` scan to the end of a run from every word boundary inside it. */
const adversarial = (size: number): Record<string, string> => ({
  dotted: 'a.'.repeat(size / 2),
  dashed: 'a-'.repeat(size / 2),
  plus: 'a+'.repeat(size / 2),
  minifiedScript: 'a.b(c.d);'.repeat(size / 9),
  schemes: 'a://'.repeat(size / 4),
  userinfoRun: `x://${'y:'.repeat(size / 2)}`,
  keyParams: '?key=a&key=b'.repeat(size / 12),
});

describe('attack s16: hostile error answers', () => {
  it('redactSecrets takes linear time on every adversarial shape of 1 MB', function () {
    this.timeout(30_000);
    for (const [shape, text] of Object.entries(adversarial(1_000_000))) {
      const started = process.hrtime.bigint();
      redactSecrets(text);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      // Quadratic took 12 s for 80 KB of `a.a.`; linear is a few ms per MB.
      assert.ok(ms < 2_000, `${shape}: ${ms.toFixed(0)} ms`);
    }
  });

  it('redactSecrets still removes credentials wherever the URL stands (start, after text, after a dotted run)', () => {
    const cases = [
      ['https://user:pw@host/x', 'https://***@host/x'],
      ['see https://user:pw@host/x', 'see https://***@host/x'],
      ['a.b.c https://u:p@h', 'a.b.c https://***@h'],
      ['(git+ssh://u:p@h)', '(git+ssh://***@h)'],
      ['"HTTPS://u:p@h"', '"HTTPS://***@h"'],
      ['x.https://u:p@h', 'x.https://***@h'],
      ['/path?api-key=s3cret&b=1', '/path?api-key=***&b=1'],
    ] as const;
    for (const [input, expected] of cases) {
      assert.equal(redactSecrets(input), expected, input);
    }
  });

  for (const [name, status, type, body, secret] of [
    ['a JSON message of 60 KB built against the scrubber', 400, 'application/json', JSON.stringify({ error: { code: 'x', message: 'a.'.repeat(30_000) } }), undefined],
    ['a 2 MB message and a 100 KB code', 400, 'application/json', JSON.stringify({ error: { code: 'c'.repeat(100_000), message: 'm '.repeat(1_000_000) } }), undefined],
    ['an HTML page of 90 KB', 403, 'text/html', `<html><script>${'a.b(c.d);'.repeat(10_000)}</script></html>`, undefined],
    ['a long message with a credential past the cut', 400, 'application/json', JSON.stringify({ error: { code: 'x', message: `${'n '.repeat(5_000)} https://u:topsecret@h/?api-key=topsecret` } }), 'topsecret'],
  ] as const) {
    it(`${name}: the client's error is bounded and quick, the CLI prints one short line`, async function () {
      this.timeout(30_000);
      const service = await answering(status, type, body);
      try {
        const client = new BatchClient({ endpoint: service.url, apiVersion: '2024-10-21', credential: { kind: 'apiKey', apiKey: 'k' } }, { retries: 0, baseDelayMs: 1, maxDelayMs: 1 });
        const started = Date.now();
        await assert.rejects(client.getBatch('batch_1'), (error: unknown) => {
          assert.ok(error instanceof BatchServiceError, String(error));
          assert.equal(error.status, status);
          assert.ok(error.message.length < MAX_SERVICE_MESSAGE_CHARS + MAX_CODE_CHARS + 200, `message of ${error.message.length}`);
          assert.ok((error.code ?? '').length <= MAX_CODE_CHARS + 40, `code of ${error.code?.length}`);
          if (body.length > MAX_SERVICE_MESSAGE_CHARS + 200) {
            assert.match(error.message, /more characters\)/);
          }
          if (secret) {
            assert.ok(!error.message.includes(secret));
          }
          return true;
        });
        assert.ok(Date.now() - started < 3_000, `answered in ${Date.now() - started} ms`);
        const cliStarted = Date.now();
        const result = await runCli(['status', 'batch_1', '--endpoint', service.url, '--api-key', 'k']);
        assert.equal(result.code, 2, result.stderr);
        assert.equal(result.stderr.trim().split('\n').length, 1);
        assert.ok(result.stderr.length < MAX_SERVICE_MESSAGE_CHARS + MAX_CODE_CHARS + 300, `stderr of ${result.stderr.length}`);
        assert.ok(Date.now() - cliStarted < 10_000, `the CLI took ${Date.now() - cliStarted} ms`);
      } finally {
        await service.close();
      }
    });
  }
});

describe('attack s16: a status word this version does not know', () => {
  const job = (id: string, status: unknown) => ({ id, object: 'batch', endpoint: '/chat/completions', status, input_file_id: 'file-in', created_at: 1_700_000_000, request_counts: { total: 2, completed: 1, failed: 0 }, metadata: {} });

  it('one job with a new status no longer fails the list of the others; garbage still does', async () => {
    const { asBatch } = await import('../../src/core/batch/shapes');
    const { jobState, isTerminal } = await import('../../src/core/batch/status');
    for (const status of ['queued', 'Pending_Review', 'constructor', 'to_string']) {
      const batch = asBatch(job('b', status));
      assert.equal(batch.status, status.toLowerCase());
      const state = jobState(batch.status, batch.request_counts);
      assert.deepEqual([state.phase, state.done, state.cancellable, state.label], ['active', false, false, status.toLowerCase()]);
      assert.equal(isTerminal(batch.status), false);
    }
    for (const status of ['', ' completed', 'a'.repeat(41), '__proto__', 'in-progress', 'x\u001b[2J', 42, null, ['completed']]) {
      assert.throws(() => asBatch(job('b', status)), (e: unknown) => e instanceof BatchServiceError && e.code === 'unexpected_answer' && e.message.length < 400, JSON.stringify(status));
    }
  });

  it('status lists all 100 jobs when one has a new status, and prints that status as it is', async () => {
    const data = Array.from({ length: 100 }, (_, i) => job(`batch_${i}`, i === 42 ? 'queued' : 'completed'));
    const service = await answering(200, 'application/json', JSON.stringify({ object: 'list', data, has_more: false }));
    try {
      const client = new BatchClient({ endpoint: service.url, apiVersion: '2024-10-21', credential: { kind: 'apiKey', apiKey: 'k' } }, { retries: 0, baseDelayMs: 1, maxDelayMs: 1 });
      const page = await client.listBatches({ limit: 100 });
      assert.equal(page.data.length, 100);
      assert.equal(page.data[42]!.status, 'queued');
      const result = await runCli(['status', '--endpoint', service.url, '--api-key', 'k', '--limit', '100']);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /batch_42\s+queued/);
      assert.equal(result.stdout.match(/Completed/g)?.length, 99);
    } finally {
      await service.close();
    }
  });
});
