import * as assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import * as fc from 'fast-check';
import { runStatus } from '../../src/cli/serviceCommands';
import { BatchClient } from '../../src/core/batch/client';
import { BatchServiceError } from '../../src/core/batch/errors';
import { asBatch } from '../../src/core/batch/shapes';
import { redactKnown, REDACTED } from '../../src/core/batch/secretRedaction';

// Answers from a service that echoes credentials or never ends its list: the credential is never shown,
// a list is never read forever, and times no date can hold are refused with a clear message.
// Replay a failure with FC_SEED=<seed> FC_PATH=<path>.

function settings(runs: number): fc.Parameters<unknown> {
  const numRuns = Math.max(1, Math.round(runs * Number(process.env.FC_RUNS_FACTOR ?? 1)));
  const seed = process.env.FC_SEED;
  return seed === undefined ? { numRuns } : { numRuns, seed: Number(seed), path: process.env.FC_PATH };
}

type Handler = (req: IncomingMessage, url: URL) => { status: number; headers?: Record<string, string>; body: string; statusText?: string };

async function serve(handler: Handler): Promise<{ url: string; requests: () => number; close: () => Promise<void> }> {
  let count = 0;
  const server: Server = createServer((req, res) => {
    count++;
    req.resume();
    const answer = handler(req, new URL(req.url ?? '/', 'http://127.0.0.1'));
    res.statusMessage = answer.statusText ?? res.statusMessage;
    res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers }).end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => count,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function capture(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({ write: (chunk, _encoding, done) => (chunks.push(String(chunk)), done()) });
  return { stream, text: () => chunks.join('') };
}

const batch = (over: Record<string, unknown> = {}) => ({
  id: 'batch_1',
  object: 'batch',
  endpoint: '/chat/completions',
  status: 'completed',
  input_file_id: 'file-in',
  output_file_id: 'file-out',
  error_file_id: null,
  created_at: 1_700_000_000,
  request_counts: { total: 1, completed: 1, failed: 0 },
  metadata: {},
  ...over,
});

/** Keys as a service could be given them: long runs of the characters a header value may hold. */
const secret = fc.stringMatching(/^[A-Za-z0-9+/=._~-]{8,64}$/);

/** The ways a service or a proxy can send a credential back. */
const echoes: { name: string; answer: (key: string) => ReturnType<Handler> }[] = [
  { name: 'a 401 message', answer: (key) => ({ status: 401, body: JSON.stringify({ error: { code: '401', message: `Access denied for key ${key}.` } }) }) },
  { name: 'an error code', answer: (key) => ({ status: 400, body: JSON.stringify({ error: { code: `bad_${key}`, message: 'no' } }) }) },
  { name: 'a sign-in page', answer: (key) => ({ status: 200, headers: { 'content-type': 'text/html' }, body: `<html>api-key: ${key}</html>` }) },
  { name: 'a 403 text page', answer: (key) => ({ status: 403, headers: { 'content-type': 'text/plain' }, body: `upstream said ${key}` }) },
  { name: 'job metadata', answer: (key) => ({ status: 200, body: JSON.stringify(batch({ metadata: { source_file: key, note: `k=${key}` } })) }) },
  { name: 'a status text', answer: (key) => ({ status: 418, statusText: `Teapot ${key}`, body: '' }) },
  { name: 'a redirect to another host', answer: (key) => ({ status: 307, headers: { location: `http://${key.replace(/[^A-Za-z0-9-]/g, 'a')}.example/` }, body: '' }) },
];

describe('credentials echoed by the service never reach the output', () => {
  for (const echo of echoes) {
    it(`removes the key from ${echo.name}, with either API version and in every print form`, async () => {
      let current = '';
      const service = await serve((_req, url) => {
        const answer = echo.answer(current);
        // A list answer wraps the job so the list route echoes it too.
        if (answer.status === 200 && /\/batches$/.test(url.pathname) && !answer.headers) {
          return { ...answer, body: JSON.stringify({ object: 'list', data: [JSON.parse(answer.body)], has_more: false }) };
        }
        return answer;
      });
      try {
        await fc.assert(
          fc.asyncProperty(secret, fc.constantFrom('2024-10-21', 'v1'), fc.constantFrom<string[]>(['batch_1'], [], ['batch_1', '--json'], ['--json']), async (key, apiVersion, rest) => {
            // A key like "aaaa" would also match the page's own text; the point is the key itself.
            fc.pre(!echo.answer('').body.includes(key));
            current = key;
            const out = capture();
            const err = capture();
            await runStatus([...rest, '--endpoint', service.url, '--api-key', key, '--api-version', apiVersion], out.stream, err.stream);
            const printed = out.text() + err.text();
            assert.ok(!printed.includes(key), `the key appeared in: ${printed}`);
            assert.ok(printed.length > 0);
          }),
          settings(15),
        );
      } finally {
        await service.close();
      }
    });
  }

  it('removes a bearer token the same way', async () => {
    const service = await serve((req) => ({ status: 401, body: JSON.stringify({ error: { code: '401', message: `bad ${req.headers.authorization}` } }) }));
    try {
      const token = 'eyJ0eXAiOiJKV1Q.payload-part.signature_part';
      const client = new BatchClient({ endpoint: service.url, apiVersion: '2024-10-21', credential: { kind: 'token', getToken: async () => token } }, { retries: 0, baseDelayMs: 1, maxDelayMs: 1 });
      const error = await client.getBatch('batch_1').then(
        () => assert.fail('expected a refusal'),
        (e: unknown) => e as BatchServiceError,
      );
      assert.ok(error instanceof BatchServiceError);
      assert.ok(!error.message.includes(token), error.message);
      assert.match(error.message, /\*\*\*/);
    } finally {
      await service.close();
    }
  });

  it('redactKnown removes every occurrence, a longer secret before one it contains', () => {
    fc.assert(
      fc.property(secret, fc.array(fc.string({ maxLength: 20 }), { maxLength: 6 }), (key, parts) => {
        const text = parts.join(key);
        const redacted = redactKnown(text, [key.slice(0, 4), key]);
        assert.ok(!redacted.includes(key));
        assert.equal(redactKnown(text, []), text);
      }),
      settings(200),
    );
    assert.equal(redactKnown(`x${'k'.repeat(3)}x`, ['kkk']), 'xkkkx', 'too short to search for');
    assert.equal(redactKnown('a-secret-b', ['secret', '-secret-']), `a${REDACTED}b`);
  });
});

/** How a hostile list can go on: the same page, a new id each time, ids in a cycle, with jobs or without. */
const endlessList = fc.record({
  lastId: fc.constantFrom('same', 'fresh', 'cycle3', 'missing'),
  jobsPerPage: fc.integer({ min: 0, max: 3 }),
  createdAt: fc.constantFrom(1_700_000_000, 4_000_000_000, -1, 0, '2999-01-01T00:00:00Z'),
});

describe('a list of jobs that says has_more forever is not read forever', () => {
  const pages = 25;

  it('findBySubmissionId and listAllBatches end, in a bounded number of requests, for every endless list', async () => {
    let shape: { lastId: string; jobsPerPage: number; createdAt: number | string } = { lastId: 'same', jobsPerPage: 1, createdAt: 0 };
    let page = 0;
    const service = await serve((_req, url) => {
      if (!/\/batches$/.test(url.pathname)) {
        return { status: 404, body: '{}' };
      }
      page++;
      const data = Array.from({ length: shape.jobsPerPage }, (_, i) => batch({ id: `b${page}_${i}`, created_at: shape.createdAt }));
      const lastId = shape.lastId === 'same' ? 'same' : shape.lastId === 'fresh' ? `p${page}` : shape.lastId === 'cycle3' ? `c${page % 3}` : undefined;
      return { status: 200, body: JSON.stringify({ object: 'list', data, has_more: true, last_id: lastId }) };
    });
    try {
      const client = new BatchClient({ endpoint: service.url, apiVersion: '2024-10-21', credential: { kind: 'apiKey', apiKey: 'k-123456' } }, { retries: 0, baseDelayMs: 1, maxDelayMs: 1 }, { maxListPages: pages });
      await fc.assert(
        fc.asyncProperty(endlessList, fc.option(fc.integer({ min: 0, max: 2_000_000_000_000 })), async (list, since) => {
          shape = list;
          for (const read of [() => client.findBySubmissionId('wanted', { since: since ?? undefined }), () => client.listAllBatches()]) {
            const before = service.requests();
            const outcome = await read().then(
              (value) => ({ value }),
              (error: unknown) => ({ error }),
            );
            assert.ok(service.requests() - before <= pages, `read ${service.requests() - before} pages`);
            if ('error' in outcome) {
              assert.ok(outcome.error instanceof BatchServiceError, String(outcome.error));
              assert.equal(outcome.error.code, 'list_unbounded');
              assert.equal(outcome.error.retryable, false);
              assert.match(outcome.error.message, /did not end after 25 pages/);
            }
          }
        }),
        settings(40),
      );
    } finally {
      await service.close();
    }
  });

  it('reads a page of 250,000 jobs without overflowing the stack', async function () {
    this.timeout(60_000);
    const body = JSON.stringify({ object: 'list', data: Array.from({ length: 250_000 }, (_, i) => ({ id: `b${i}`, status: 'completed', created_at: 1_700_000_000 })), has_more: false });
    const service = await serve(() => ({ status: 200, body }));
    try {
      const client = new BatchClient({ endpoint: service.url, apiVersion: '2024-10-21', credential: { kind: 'apiKey', apiKey: 'k-123456' } });
      assert.equal(await client.findBySubmissionId('wanted', { since: 0 }), undefined);
      assert.equal((await client.listAllBatches()).length, 250_000);
    } finally {
      await service.close();
    }
  });
});

describe('times no date can hold', () => {
  it('asBatch refuses a created_at or other *_at beyond the range of a date, and keeps every time inside it', () => {
    fc.assert(
      fc.property(fc.constantFrom('created_at', 'completed_at', 'expires_at'), fc.double({ noNaN: true }), (key, seconds) => {
        const value = batch({ [key]: seconds });
        const inRange = Number.isFinite(seconds) && Math.abs(seconds) <= 8.64e12;
        if (inRange) {
          const parsed = asBatch(value) as unknown as Record<string, number>;
          assert.equal(parsed[key], seconds);
          assert.doesNotThrow(() => new Date(parsed[key]! * 1000).toISOString());
        } else {
          assert.throws(() => asBatch(value), (e: unknown) => e instanceof BatchServiceError && e.message.includes(`"${key}" is not a time`));
        }
      }),
      settings(300),
    );
  });

  it('status prints a clear error, not a crash, for a job dated 1e300', async () => {
    const service = await serve(() => ({ status: 200, body: JSON.stringify({ object: 'list', data: [batch({ created_at: 1e300 })], has_more: false }) }));
    try {
      const out = capture();
      const err = capture();
      const code = await runStatus(['--endpoint', service.url, '--api-key', 'k-123456'], out.stream, err.stream);
      assert.equal(code, 2);
      assert.match(err.text(), /"created_at" is not a time/);
    } finally {
      await service.close();
    }
  });
});
