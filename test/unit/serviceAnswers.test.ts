import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import * as fc from 'fast-check';
import { APIConnectionError, InternalServerError } from 'openai';
import { BatchClient } from '../../src/core/batch/client';
import { checkEndpoint, createSdkClient, endpointProblem } from '../../src/core/batch/connection';
import { BatchServiceError, redactSecrets, SubmissionMayExistError, toServiceError } from '../../src/core/batch/errors';
import { asBatch, asBatchList, asFileObject } from '../../src/core/batch/shapes';
import { scratch } from './emulatorHelpers';
import { requests } from './helpers';

// Answers that are not what the service sends (an HTML page from a proxy, `{}`, wrong types) must fail with
// a clear message, never as an empty job table or "uploaded ... as undefined"; credentials in an endpoint
// URL are refused and never echoed.

const cli = resolve(__dirname, '../../../dist/cli.js');

/** Runs the CLI asynchronously (the stub server lives in this process). */
function run(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, AZURE_OPENAI_API_KEY: '', AZURE_OPENAI_ENDPOINT: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

async function stub(body: string, contentType: string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': contentType }).end(body));
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const html = '<!DOCTYPE html><html><head><title>Sign in</title></head><body>Please sign in to continue</body></html>';

describe('answers that are not what the service sends', function () {
  this.timeout(30_000);
  const files = scratch();
  const input = files.write('input.jsonl', requests(2).join('\n') + '\n');
  after(() => files.cleanup());

  for (const [name, body, type] of [
    ['an HTML 200 page', html, 'text/html'],
    ['{}', '{}', 'application/json'],
    ['wrong types', JSON.stringify({ id: 42, status: ['x'], data: 'nope', created_at: 'soon' }), 'application/json'],
  ] as const) {
    describe(`given ${name}`, () => {
      let server: Server;
      let client: BatchClient;
      let url: string;
      before(async () => {
        ({ server, url } = await stub(body, type));
        client = new BatchClient({ endpoint: url, apiVersion: '2024-10-21', credential: { kind: 'apiKey', apiKey: 'k' } }, { retries: 1, baseDelayMs: 5, maxDelayMs: 5 }, { lookup: { windowMs: 0 } });
      });
      after(() => new Promise((done) => server.close(done)));

      const clear = (what: RegExp) => (error: unknown) => {
        assert.ok(error instanceof BatchServiceError, String(error));
        assert.equal(error.code, 'unexpected_answer');
        assert.match(error.message, what);
        assert.ok(!/undefined/.test(error.message), error.message);
        return true;
      };
      it('list, retrieve, upload and file content fail with a clear message', async () => {
        await assert.rejects(client.listBatches(), clear(/not a list of batches/));
        await assert.rejects(client.listAllBatches(), clear(/not a list of batches/));
        await assert.rejects(client.getBatch('batch_1'), clear(/not a batch/));
        await assert.rejects(client.cancelBatch('batch_1'), clear(/not a batch/));
        await assert.rejects(client.getFile('file-1'), clear(/not a file/));
        await assert.rejects(client.uploadFile(input), clear(/not a file/));
        if (type === 'text/html') {
          await assert.rejects(client.openFileContent('file-1'), clear(/not a file's content/));
        }
      });
      it('a create answered so may have happened: it is looked for, never sent twice', async () => {
        await assert.rejects(client.createBatch({ inputFileId: 'file-1', endpoint: '/chat/completions' }), (error: unknown) => {
          assert.ok(error instanceof SubmissionMayExistError);
          assert.equal(error.unclearAnswer.code, 'unexpected_answer');
          return true;
        });
      });
      it('the CLI exits non-zero with the message (status, submit)', async () => {
        const status = await run('status', '--endpoint', url, '--api-key', 'k');
        assert.equal(status.code, 2, status.stderr);
        assert.match(status.stderr, /not a list of batches/);
        assert.equal(status.stdout, '', 'no empty job table');
        const submit = await run('submit', input, '--endpoint', url, '--api-key', 'k');
        assert.equal(submit.code, 2, submit.stderr);
        assert.match(submit.stderr, /not a file/);
        assert.ok(!submit.stderr.includes('as undefined'), submit.stderr);
      });
    });
  }

  it('accepts the forms Azure documents: upper-case statuses, ISO timestamps, null metadata', () => {
    const batch = asBatch({ id: 'batch_1', status: 'Validating', created_at: '2025-01-02T03:04:05Z', metadata: null, output_file_id: '', request_counts: { total: 1, completed: 0, failed: 0 } });
    assert.equal(batch.status, 'validating');
    assert.equal(batch.created_at, Date.parse('2025-01-02T03:04:05Z') / 1000);
    assert.deepEqual(asBatchList({ object: 'list', data: [], has_more: false }), { data: [], hasMore: false, lastId: undefined });
    assert.equal(asFileObject({ id: 'file-1', status: 'processed', bytes: 3 }).id, 'file-1');
  });

  it('any JSON value is either a well-formed batch or a clear BatchServiceError (property)', () => {
    const statuses = ['validating', 'in_progress', 'Completed', 'failed', 'weird', ''];
    const batchish = fc.record(
      {
        id: fc.oneof(fc.string(), fc.integer(), fc.constant(undefined)),
        status: fc.oneof(fc.constantFrom(...statuses), fc.integer(), fc.constant(null)),
        created_at: fc.oneof(fc.integer({ min: 0, max: 2e9 }), fc.constant('2025-01-01T00:00:00Z'), fc.string(), fc.constant(null)),
        metadata: fc.oneof(fc.constant(null), fc.dictionary(fc.string(), fc.string()), fc.dictionary(fc.string(), fc.integer())),
        request_counts: fc.oneof(fc.constant(undefined), fc.record({ total: fc.nat(), completed: fc.nat(), failed: fc.oneof(fc.nat(), fc.string()) })),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), batchish), (value) => {
        let batch;
        try {
          batch = asBatch(value);
        } catch (error) {
          assert.ok(error instanceof BatchServiceError && error.code === 'unexpected_answer', String(error));
          assert.ok(error.message.startsWith('The service answered with something that is not a batch'));
          return;
        }
        assert.equal(typeof batch.id, 'string');
        assert.ok(batch.id.length > 0);
        // A known status, or a status word the service may add later (kept, and treated as still running).
        assert.ok(['validating', 'failed', 'in_progress', 'finalizing', 'completed', 'expired', 'cancelling', 'cancelled'].includes(batch.status) || /^[a-z][a-z_]{0,39}$/.test(batch.status), batch.status);
        assert.equal(typeof batch.created_at, 'number');
      }),
      { numRuns: 500 },
    );
  });
});

describe('credentials in an endpoint URL', () => {
  const password = 'pa55-w0rd-XYZ';

  it('are refused when configuring, without echoing them (core and CLI)', async () => {
    const endpoint = `https://user:${password}@example.openai.azure.com/`;
    assert.match(endpointProblem(endpoint)!, /must not contain a user name or password/);
    assert.ok(!endpointProblem(endpoint)!.includes(password));
    assert.throws(() => checkEndpoint(endpoint), (error: Error) => !error.message.includes(password));
    assert.throws(() => createSdkClient({ endpoint, apiVersion: '2024-10-21', credential: { kind: 'apiKey', apiKey: 'k' } }));
    assert.equal(endpointProblem('https://example.openai.azure.com'), undefined);
    const result = await run('status', '--endpoint', endpoint, '--api-key', 'k');
    assert.equal(result.code, 2);
    assert.match(result.stderr, /user name or password/);
    assert.ok(!result.stderr.includes(password) && !result.stdout.includes(password));
  });

  it('are removed from every error message (property)', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9._~-]{1,12}$/),
        fc.stringMatching(/^[A-Za-z0-9._~!$*+,;=%-]{8,24}$/),
        fc.constantFrom('https', 'http', 'wss'),
        fc.constantFrom('host.example', '127.0.0.1:8080', '[::1]:443'),
        (user, secret, scheme, host) => {
          const url = `${scheme}://${user}:${secret}@${host}/openai/batches?api-version=2024-10-21&api-key=${secret}`;
          const messages = [
            toServiceError(new APIConnectionError({ cause: new Error(`connect failed for ${url}`) })).message,
            toServiceError(new InternalServerError(500, { message: `upstream ${url} failed` }, undefined, new Headers())).message,
            toServiceError(new TypeError(`Request cannot be constructed from a URL that includes credentials: ${url}`)).message,
            new BatchServiceError(`at ${url}`, 500, undefined, true).message,
            redactSecrets(`"${url}"`),
          ];
          for (const message of messages) {
            assert.ok(!message.includes(`:${secret}@`), message);
            assert.ok(!message.includes(`api-key=${secret}`), message);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
