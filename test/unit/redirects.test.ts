import * as assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as fc from 'fast-check';
import { BatchClient } from '../../src/core/batch/client';
import { sameOriginFetch, type Credential } from '../../src/core/batch/connection';
import { BatchServiceError, RedirectRefusedError } from '../../src/core/batch/errors';

// Credentials must never follow a redirect to another origin (fetch drops `Authorization` across origins, but
// not `api-key`), and https is never downgraded to http.

interface Recorder {
  readonly server: Server;
  readonly url: string;
  readonly seen: { method: string; url: string; headers: IncomingHttpHeaders }[];
}

async function listen(handler: (url: string, respond: (status: number, headers: Record<string, string>, body?: string) => void) => void): Promise<Recorder> {
  const seen: Recorder['seen'] = [];
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    req.resume();
    handler(req.url ?? '/', (status, headers, body) => res.writeHead(status, headers).end(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const close = (r: Recorder) => new Promise((resolve) => r.server.close(resolve));
const list = JSON.stringify({ object: 'list', data: [], first_id: null, last_id: null, has_more: false });
const quick = { retries: 2, baseDelayMs: 10, maxDelayMs: 20 };

describe('redirects never carry credentials to another origin', () => {
  let other: Recorder;
  let redirecting: Recorder;
  const secret = 'redirect-secret-key-1f2e3d';

  beforeEach(async () => {
    other = await listen((_url, respond) => respond(200, { 'content-type': 'application/json' }, list));
    redirecting = await listen((url, respond) => {
      if (url.includes('/here/')) {
        respond(200, { 'content-type': 'application/json' }, list);
      } else if (url.includes('same-origin')) {
        respond(307, { location: url.replace('/openai/', '/here/openai/') });
      } else {
        // Another port is another origin.
        respond(307, { location: `${other.url}${url}` });
      }
    });
  });
  afterEach(async () => {
    await close(other);
    await close(redirecting);
  });

  const credentials: { name: string; credential: Credential; header: string }[] = [
    { name: 'api-key', credential: { kind: 'apiKey', apiKey: secret }, header: 'api-key' },
    { name: 'Entra token', credential: { kind: 'token', getToken: async () => secret }, header: 'authorization' },
  ];
  for (const apiVersion of ['2024-10-21', 'v1']) {
    for (const { name, credential } of credentials) {
      it(`refuses a 307 to another origin on ${apiVersion} with an ${name}, and the other server gets no request`, async () => {
        const client = new BatchClient({ endpoint: redirecting.url, apiVersion, credential }, quick);
        await assert.rejects(client.listBatches(), (error: unknown) => {
          assert.ok(error instanceof BatchServiceError);
          assert.equal(error.code, 'redirect_refused');
          assert.equal(error.status, 307);
          assert.equal(error.retryable, false);
          assert.match(error.message, /another host/);
          assert.ok(!error.message.includes(secret));
          return true;
        });
        assert.equal(redirecting.seen.length, 1, 'not retried');
        assert.equal(other.seen.length, 0, 'nothing reached the other origin');
        assert.ok(redirecting.seen[0]!.headers['api-key'] === secret || redirecting.seen[0]!.headers.authorization === `Bearer ${secret}`);
      });
    }
  }

  it('refuses a redirected create without sending it elsewhere, as a clear answer (no lookup)', async () => {
    const client = new BatchClient({ endpoint: redirecting.url, apiVersion: '2025-04-01-preview', credential: credentials[0]!.credential }, quick);
    await assert.rejects(client.createBatch({ inputFileId: 'file-1', endpoint: '/chat/completions' }), (error: unknown) => error instanceof BatchServiceError && error.code === 'redirect_refused' && !error.ambiguous);
    assert.equal(other.seen.length, 0);
    assert.equal(redirecting.seen.length, 1);
  });

  it('follows a redirect within the same origin, keeping the key there', async () => {
    const client = new BatchClient({ endpoint: `${redirecting.url}/same-origin`, apiVersion: '2024-10-21', credential: credentials[0]!.credential }, quick);
    const page = await client.listBatches();
    assert.deepEqual(page.data, []);
    assert.equal(redirecting.seen.length, 2);
    assert.equal(redirecting.seen[1]!.headers['api-key'], secret);
    assert.equal(other.seen.length, 0);
  });

  it('never follows https to http, nor to another origin, whatever the redirect (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(301, 302, 303, 307, 308),
        fc.constantFrom('https://a.example', 'https://a.example:8443', 'http://a.example', 'https://b.example', 'http://127.0.0.1:9'),
        fc.constantFrom('https://a.example', 'http://a.example'),
        async (status, targetOrigin, startOrigin) => {
          const calls: string[] = [];
          const fake: typeof fetch = async (input) => {
            const url = String(input);
            calls.push(url);
            return calls.length === 1 ? new Response(null, { status, headers: { location: `${targetOrigin}/next` } }) : new Response('{}', { status: 200 });
          };
          const safe = sameOriginFetch(fake);
          const sameOrigin = new URL(targetOrigin).origin === new URL(startOrigin).origin;
          const downgrade = startOrigin.startsWith('https:') && targetOrigin.startsWith('http:');
          const outcome = await safe(`${startOrigin}/start`, { method: 'GET', headers: { 'api-key': secret } }).then(
            () => 'followed',
            (error: unknown) => (error instanceof RedirectRefusedError ? 'refused' : `other: ${String(error)}`),
          );
          assert.equal(outcome, sameOrigin && !downgrade ? 'followed' : 'refused');
          assert.equal(calls.length, outcome === 'followed' ? 2 : 1);
          assert.ok(calls.every((url) => new URL(url).origin === new URL(startOrigin).origin), 'no request left the origin');
        },
      ),
      { numRuns: 60 },
    );
  });

  it('turns a POST answered 303 into a GET without its body, and refuses to replay a streamed body on 307', async () => {
    const seen: { method: string; body: unknown }[] = [];
    const fake: typeof fetch = async (_input, init) => {
      seen.push({ method: String(init?.method), body: init?.body });
      return seen.length === 1 ? new Response(null, { status: init?.method === 'POST' && seen.length === 1 ? 303 : 200, headers: { location: '/next' } }) : new Response('{}', { status: 200 });
    };
    await sameOriginFetch(fake)('https://a.example/start', { method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json' } });
    assert.deepEqual(seen.map((s) => [s.method, s.body]), [['POST', '{"a":1}'], ['GET', undefined]]);

    const stream = new ReadableStream({ start: (controller) => controller.close() });
    const redirect307: typeof fetch = async () => new Response(null, { status: 307, headers: { location: '/next' } });
    await assert.rejects(sameOriginFetch(redirect307)('https://a.example/upload', { method: 'POST', body: stream, duplex: 'half' } as RequestInit), RedirectRefusedError);
  });
});
