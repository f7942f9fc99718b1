import * as assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFileSync, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { BatchClient } from '../../src/core/batch/client';
import { BatchServiceError } from '../../src/core/batch/errors';
import { backoffDelay, maxRetryAfterMs, sleep } from '../../src/core/batch/retry';
import { IncrementalLines } from '../../src/core/documents/incrementalLines';
import { DocumentValidator } from '../../src/core/jsonl/documentValidator';
import { scratch } from './emulatorHelpers';
import { request } from './helpers';
import { resultLine } from './stubService';
import { cliPath as cli, runCli } from './cliProcess';
import { waitFor } from '../shared/waitFor';

/** A service on 127.0.0.1 whose every answer is `handler`'s; sockets left open by a stalling handler are closed on `close`. */
async function hostile(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer(handler);
  await new Promise<void>((resolvePromise) => server.listen(0, '127.0.0.1', resolvePromise));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolvePromise) => server.close(() => resolvePromise()));
    },
  };
}

const fileAnswer = JSON.stringify({ id: 'file-up', object: 'file', bytes: 1, created_at: 1_700_000_000, filename: 'in.jsonl', purpose: 'batch', status: 'processed' });

/** Runs `body` with a hostile service and a scratch folder, closing and removing both after it, whatever happens. */
async function withHostile(handler: (req: IncomingMessage, res: ServerResponse) => void, body: (service: { url: string }, files: ReturnType<typeof scratch>) => Promise<void>): Promise<void> {
  const service = await hostile(handler);
  const files = scratch();
  try {
    await body(service, files);
  } finally {
    files.cleanup();
    await service.close();
  }
}

/** A batch as the service answers it, with `overrides`. */
function batchAnswer(overrides: Record<string, unknown>): Record<string, unknown> {
  return { object: 'batch', endpoint: '/chat/completions', errors: null, input_file_id: 'file-up', completion_window: '24h', status: 'completed', output_file_id: 'file-out', error_file_id: null, created_at: 1_700_000_000, request_counts: { total: 1, completed: 1, failed: 0 }, metadata: {}, ...overrides };
}

function clientOf(url: string, timeoutMs: number): BatchClient {
  return new BatchClient({ endpoint: url, apiVersion: '2024-10-21', credential: { kind: 'apiKey', apiKey: 'k' }, timeoutMs }, { retries: 0, baseDelayMs: 1, maxDelayMs: 1 });
}

/** Rejects with what `promise` threw, or fails when it settles later than `withinMs` (it waited on silence). */
async function failsWithin(promise: Promise<unknown>, withinMs: number): Promise<BatchServiceError> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`still waiting after ${withinMs} ms`)), withinMs)));
  try {
    await Promise.race([promise, late]);
  } catch (error) {
    if (error instanceof BatchServiceError) {
      assert.ok(Date.now() - started < withinMs);
      return error;
    }
    throw error;
  } finally {
    clearTimeout(timer);
  }
  assert.fail('expected a failure');
}

describe('a service that goes silent midway is not waited for forever', function () {
  // "Not forever": each wait below ends in about one 500 ms idle timeout; the bounds leave room for a slow machine
  // (a fresh-clone CI once took over 5 s on one case that takes 0.5 s alone), and a guard that never fires would hang.
  this.timeout(60_000);

  it('a download whose body stops after the headers fails with a timeout, leaving no file, whatever was sent first', async () => {
    for (const first of ['', '{"custom_id":"a"', `${'x'.repeat(300_000)}`]) {
      await withHostile((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.write(first);
      }, async (service, files) => {
        const error = await failsWithin(clientOf(service.url, 500).downloadFile('file-out', join(files.dir, 'out.jsonl')), 15_000);
        assert.equal(error.code, 'timeout');
        assert.match(error.message, /stopped sending the file file-out/);
        assert.deepEqual(readdirSync(files.dir), [], 'neither the file nor its temporary copy is left');
      });
    }
  });

  it('a download that trickles steadily for longer than the timeout completes', async () => {
    const chunks = 8;
    await withHostile((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      let sent = 0;
      const timer = setInterval(() => {
        res.write(`{"custom_id":"c${sent}"}\n`);
        if (++sent === chunks) {
          clearInterval(timer);
          res.end();
        }
      }, 150);
    }, async (service, files) => {
      const started = Date.now();
      const bytes = await clientOf(service.url, 500).downloadFile('file-out', join(files.dir, 'out.jsonl'));
      assert.ok(Date.now() - started > 500, 'the whole transfer took longer than the timeout');
      assert.ok(bytes > 0);
      assert.deepEqual(readdirSync(files.dir), ['out.jsonl']);
    });
  });

  it('an upload that progresses steadily for longer than the timeout succeeds', async () => {
    // The service reads the body slowly (paused between chunks), so sending takes several timeouts.
    await withHostile((req, res) => {
      req.on('data', () => {
        req.pause();
        setTimeout(() => req.resume(), 10);
      });
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(fileAnswer);
      });
    }, async (service, files) => {
      // Large enough that sending outlasts the timeout by far, though the socket buffers hold a few MB of it.
      // The timeout leaves room for a loaded machine: once every byte is in the socket buffers, the service
      // still reads a few MB of them, slowly, before it answers, and the client sees no progress meanwhile.
      const path = files.write('in.jsonl', Buffer.alloc(32 * 1024 * 1024, 'a'));
      const started = Date.now();
      const file = await clientOf(service.url, 3000).uploadFile(path);
      assert.equal(file.id, 'file-up');
      assert.ok(Date.now() - started > 3000, `the upload took ${Date.now() - started} ms, not longer than the timeout: the test proves nothing`);
    });
  });

  it('an upload the service takes but never answers, or stops reading, fails after the timeout, saying what it waited for', async () => {
    for (const behaviour of ['never answers', 'stops reading'] as const) {
      await withHostile((req) => {
        if (behaviour === 'stops reading') {
          req.once('data', () => req.pause());
        } else {
          req.resume();
        }
      }, async (service, files) => {
        const path = files.write('in.jsonl', Buffer.alloc(8 * 1024 * 1024, 'a'));
        const error = await failsWithin(clientOf(service.url, 500).uploadFile(path), 15_000);
        assert.equal(error.code, 'timeout', behaviour);
        assert.match(error.message, /upload of in\.jsonl/, behaviour);
      });
    }
  });
});

describe('absurd Retry-After values neither stall the client nor turn into a burst of requests', function () {
  this.timeout(20_000);

  it('backoffDelay honours a Retry-After only up to maxRetryAfterMs, and never goes negative or NaN', () => {
    const options = { baseDelayMs: 500, maxDelayMs: 30_000 };
    for (const seconds of [1e12, 1e300, Infinity, 86_400, 2 ** 31]) {
      assert.equal(backoffDelay(0, options, seconds), maxRetryAfterMs, String(seconds));
    }
    for (const seconds of [-5, -Infinity, NaN, 0]) {
      const delay = backoffDelay(0, options, seconds);
      assert.ok(delay >= 250 && delay <= 500, `${seconds}: ${delay}`);
    }
    assert.equal(backoffDelay(0, options, 45), 45_000, 'a sensible one is still honoured');
  });

  it('sleep never fires early for a delay beyond what a timer holds', async () => {
    for (const ms of [2 ** 31, 1e15, Infinity]) {
      const controller = new AbortController();
      let woke = false;
      const sleeping = sleep(ms, controller.signal).then(() => (woke = true), () => undefined);
      await new Promise((resolvePromise) => setTimeout(resolvePromise, 50));
      assert.equal(woke, false, String(ms));
      controller.abort();
      await sleeping;
    }
  });

  it('a 429 asking to wait 1e12 s, in any header form, is not asked again at once', async () => {
    const far = new Date(Date.now() + 1e12).toUTCString();
    for (const headers of [{ 'retry-after': '1000000000000' }, { 'retry-after-ms': '1e300' }, { 'retry-after': far }]) {
      let requests = 0;
      const service = await hostile((_req, res) => {
        requests++;
        res.writeHead(429, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify({ error: { code: '429', message: 'slow down' } }));
      });
      const controller = new AbortController();
      try {
        const client = new BatchClient({ endpoint: service.url, apiVersion: '2024-10-21', credential: { kind: 'apiKey', apiKey: 'k' } }, { retries: 5, baseDelayMs: 1, maxDelayMs: 1 });
        const reading = client.getBatch('batch_1', controller.signal).catch((error: unknown) => error);
        await new Promise((resolvePromise) => setTimeout(resolvePromise, 300));
        assert.equal(requests, 1, `${JSON.stringify(headers)}: asked ${requests} times in 300 ms`);
        controller.abort();
        await reading;
      } finally {
        await service.close();
      }
    }
  });
});

describe('CLI submit: a failure after the job was created does not invite a second, paid job', function () {
  this.timeout(30_000);

  it('for every later step that fails (following the job, downloading its results), says the job exists and how to fetch it', async () => {
    const batch = batchAnswer({ id: 'batch_paid' });
    for (const failing of ['status', 'download'] as const) {
      let creates = 0;
      await withHostile((req, res) => {
        const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
        const json = (status: number, body: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body));
        };
        req.resume();
        req.on('end', () => {
          if (req.method === 'POST' && path.endsWith('/files')) {
            json(200, JSON.parse(fileAnswer));
          } else if (/\/files\/file-up$/.test(path)) {
            json(200, JSON.parse(fileAnswer));
          } else if (req.method === 'POST' && path.endsWith('/batches')) {
            creates++;
            json(200, batch);
          } else if (/\/batches\/batch_paid$/.test(path)) {
            json(failing === 'status' ? 400 : 200, failing === 'status' ? { error: { code: 'bad', message: 'refused' } } : batch);
          } else {
            json(400, { error: { code: 'bad', message: 'refused' } });
          }
        });
      }, async (service, files) => {
        const input = files.write('my input.jsonl', request({ custom_id: 'a' }) + '\n');
        const result = await runCli(['submit', input, '--out', join(files.dir, 'out'), '--endpoint', service.url, '--api-key', 'k', '--poll-ms', '10']);
        assert.equal(result.code, 2, failing);
        assert.equal(creates, 1, failing);
        assert.match(result.stderr, /the job batch_paid was created and keeps running; do not run submit again/, failing);
        assert.match(result.stderr, /aoai-batch download batch_paid --out \S*out --input '[^']*my input\.jsonl'/, failing);
      });
    }
  });
});

describe('a bundle loaded on first use that is missing or damaged', function () {
  this.timeout(60_000);

  it('fails the command with a message naming the file and the remedy, not a stack or a bare ReferenceError, for every lazy bundle the CLI needs', async () => {
    const dist = resolve(__dirname, '../../../dist');
    for (const file of ['openai.js', 'cliService.js']) {
      for (const damage of ['missing', 'truncated'] as const) {
        const copy = mkdtempSync(join(tmpdir(), 'aoai-damaged-'));
        try {
          cpSync(dist, copy, { recursive: true });
          if (damage === 'missing') {
            rmSync(join(copy, file));
          } else {
            writeFileSync(join(copy, file), readFileSync(join(copy, file), 'utf8').slice(0, 5000));
          }
          const result = await new Promise<{ code: number | null; stderr: string }>((resolvePromise) => {
            const child = spawn(process.execPath, [join(copy, 'cli.js'), 'status', 'batch_1', '--endpoint', 'http://127.0.0.1:9', '--api-key', 'secret-key-123']);
            let stderr = '';
            child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
            child.on('close', (code) => resolvePromise({ code, stderr }));
          });
          const what = `${file} ${damage}`;
          assert.equal(result.code, 2, what);
          assert.match(result.stderr, new RegExp(`^error: Reinstall the extension or the CLI: a part of it is missing or damaged \\(${file.replace('.', '\\.')} could not be loaded: `), what);
          assert.equal(result.stderr.trim().split('\n').length, 1, `${what}: one line, no stack: ${result.stderr}`);
          assert.doesNotMatch(result.stderr, /secret-key-123/, what);
        } finally {
          rmSync(copy, { recursive: true, force: true });
        }
      }
    }
  });
});

/** What `status batch_1` with these options wrote to stderr until its first retry notice; it is stopped then. */
async function untilFirstRetry(options: string[]): Promise<string> {
  const child = spawn(process.execPath, [cli, 'status', 'batch_1', ...options], { env: { ...process.env, AZURE_OPENAI_API_KEY: '' } });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  try {
    await waitFor('the first retry notice', () => /trying again/.test(stderr), { timeoutMs: 5_000, describe: () => stderr });
  } finally {
    child.kill();
  }
  return stderr;
}

describe('CLI: a service that takes the connection and never answers', function () {
  this.timeout(30_000);

  it('is reported within the timeout, each retry saying why, and --timeout-s is checked', async () => {
    const service = await hostile((req) => req.resume());
    try {
      const started = Date.now();
      const stderr = await untilFirstRetry(['--endpoint', service.url, '--api-key', 'never-shown-key', '--timeout-s', '0.3']);
      assert.ok(Date.now() - started < 5_000);
      assert.match(stderr, /^The service did not answer in time; trying again in \d+ s \(retry 1 of 5\)$/m);
      assert.doesNotMatch(stderr, /never-shown-key/);
    } finally {
      await service.close();
    }
    // A retried failure whose body echoes the key: the notice quotes the service, never the key.
    const echo = await hostile((req, res) => {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: '503', message: `busy; your key ${String(req.headers['api-key'])} is fine` } }));
    });
    try {
      const stderr = await untilFirstRetry(['--endpoint', echo.url, '--api-key', 'never-shown-key']);
      assert.match(stderr, /busy; your key \*\*\* is fine \(HTTP 503\); trying again in \d+ s \(retry 1 of 5\)/);
      assert.doesNotMatch(stderr, /never-shown-key/);
    } finally {
      await echo.close();
    }
    for (const bad of ['0', '-1', 'soon']) {
      const result = await runCli(['status', 'batch_1', '--endpoint', 'http://127.0.0.1:9', '--api-key', 'k', '--timeout-s', bad]);
      assert.equal(result.code, 2, bad);
      assert.match(result.stderr, /--timeout-s takes a positive number/, bad);
    }
  });
});

describe('an edit that inserts hundreds of thousands of lines at once (a paste, a reload of the file from disk)', function () {
  this.timeout(60_000);

  it('IncrementalLines keeps every slot numbered and pending, wherever the lines go', () => {
    for (const [start, deleteCount] of [[0, 1], [1, 0], [2, 1]] as const) {
      const removed: number[] = [];
      const lines = new IncrementalLines<{ line: number }>({ create: (line) => ({ line }), removed: (slot) => removed.push(slot.line) });
      lines.reset(3);
      lines.flush(() => true);
      lines.splice(start, deleteCount, 300_000);
      assert.equal(lines.lineCount, 3 - deleteCount + 300_000);
      assert.equal(lines.pendingCount, 300_000);
      assert.deepEqual(removed, deleteCount === 1 ? [start] : []);
      assert.ok(lines.slots.every((slot, index) => slot.line === index), `${start},${deleteCount}: every slot knows its line`);
    }
  });

  it('the document validator reports on the pasted lines as on the same text validated afresh', () => {
    const line = (n: number) => request({ custom_id: `r${n}` });
    const validator = new DocumentValidator();
    validator.reset(1);
    validator.flush(() => line(0));
    validator.splice(0, 1, 150_000);
    assert.ok(validator.flush(line));
    assert.equal(validator.lineCount, 150_000);
    assert.equal(validator.requestCount, 150_000);
    const fresh = new DocumentValidator();
    fresh.reset(150_000);
    fresh.flush(line);
    assert.deepEqual(validator.diagnostics(), fresh.diagnostics());
  });
});

describe('an output file of a million lines that cannot be used', function () {
  this.timeout(120_000);

  it('is summed up and joined in a small heap, listing the first lines and counting the rest', () => {
    const files = scratch();
    try {
      // Half not JSON, half answers to custom_ids the input does not have.
      const output = files.write('out.jsonl', Buffer.from('x\n{"custom_id":"stranger","response":null,"error":{"code":"e","message":"m"}}\n'.repeat(500_000)));
      const input = files.write('in.jsonl', request({ custom_id: 'a' }) + '\n');
      const script = `
        const { summarizeResultFiles } = require(${JSON.stringify(resolve(__dirname, '../../src/core/results/summary.js'))});
        const { joinResults } = require(${JSON.stringify(resolve(__dirname, '../../src/core/results/join.js'))});
        const { summaryMarkdown } = require(${JSON.stringify(resolve(__dirname, '../../src/core/results/summaryMarkdown.js'))});
        (async () => {
          const summary = await summarizeResultFiles([${JSON.stringify(output)}]);
          const joined = await joinResults(${JSON.stringify(input)}, [{ output: ${JSON.stringify(output)} }], undefined);
          const markdown = summaryMarkdown('in.jsonl', joined);
          process.stdout.write(JSON.stringify({ listed: summary.malformed.length, unusable: summary.unusableLines, joinedListed: joined.malformed.length + joined.unknownIds.length, joinedUnusable: joined.unusableLines, missing: joined.missing, tail: markdown.trim().split('\\n').pop(), lines: markdown.split('\\n').length }));
        })().catch((error) => { process.stderr.write(String(error)); process.exit(3); });`;
      const result = JSON.parse(execFileSync(process.execPath, ['--max-old-space-size=64', '-e', script], { encoding: 'utf8' })) as Record<string, unknown>;
      assert.deepEqual(result, { listed: 1000, unusable: 500_000, joinedListed: 2000, joinedUnusable: 1_000_000, missing: 1, tail: '- and 998,000 more', lines: result.lines });
      assert.ok((result.lines as number) < 2100, 'the summary lists the first lines only');
    } finally {
      files.cleanup();
    }
  });
});

describe('CLI download of a job without an input file (Blob input: input_file_id null, "" or absent)', function () {
  this.timeout(30_000);

  it('writes the raw files and asks for --input, then joins with it', async () => {
    for (const inputFileId of [null, '', undefined]) {
      const batch = batchAnswer({ id: 'batch_blob', input_file_id: inputFileId, input_blob: 'https://x.blob.core.windows.net/in/a.jsonl' });
      const service = await hostile((req, res) => {
        const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
        if (/\/files\/file-out\/content$/.test(path)) {
          res.writeHead(200, { 'content-type': 'application/octet-stream' });
          res.end(resultLine('a') + '\n');
        } else if (/\/batches\/batch_blob$/.test(path)) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(batch));
        } else {
          res.writeHead(404, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { code: '404', message: 'Resource not found' } }));
        }
      });
      const files = scratch();
      const what = JSON.stringify(inputFileId);
      try {
        const out = join(files.dir, 'out');
        const connection = ['--endpoint', service.url, '--api-key', 'k'];
        const first = await runCli(['download', 'batch_blob', '--out', out, ...connection]);
        assert.equal(first.code, 1, `${what}: ${first.stderr}`);
        assert.match(first.stderr, /the job names no input file/, what);
        assert.match(first.stderr, /pass the submitted file with --input FILE/, what);
        assert.deepEqual(readdirSync(out), ['batch_blob.output.jsonl'], what);
        const input = files.write('a.jsonl', request({ custom_id: 'a' }) + '\n');
        const second = await runCli(['download', 'batch_blob', '--out', out, '--input', input, '--force', ...connection]);
        assert.equal(second.code, 0, `${what}: ${second.stderr}`);
        assert.deepEqual(readdirSync(out).sort(), ['batch_blob.output.jsonl', 'batch_blob.results.jsonl', 'batch_blob.summary.md'], what);
      } finally {
        files.cleanup();
        await service.close();
      }
    }
  });
});

describe('CLI submit while the service processes the upload', function () {
  this.timeout(30_000);

  it('shows the file status it waits on instead of going silent', async () => {
    const statuses = ['pending', 'pending', 'running', 'processed'];
    let reads = 0;
    const batch = batchAnswer({ id: 'batch_ok', status: 'validating', output_file_id: null, request_counts: { total: 1, completed: 0, failed: 0 } });
    await withHostile((req, res) => {
      const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        if (req.method === 'POST' && path.endsWith('/files')) {
          res.end(JSON.stringify({ ...JSON.parse(fileAnswer), status: 'pending' }));
        } else if (/\/files\/file-up$/.test(path)) {
          res.end(JSON.stringify({ ...JSON.parse(fileAnswer), status: statuses[Math.min(reads++, statuses.length - 1)] }));
        } else {
          res.end(JSON.stringify(batch));
        }
      });
    }, async (service, files) => {
      const input = files.write('my.jsonl', request({ custom_id: 'a' }) + '\n');
      const result = await runCli(['submit', input, '--endpoint', service.url, '--api-key', 'k']);
      assert.equal(result.code, 0, result.stderr);
      const lines = result.stderr.split('\n');
      assert.ok(lines.includes('waiting for the service to process my.jsonl: pending'), result.stderr);
      assert.ok(lines.includes('waiting for the service to process my.jsonl: running'), result.stderr);
      assert.ok(lines.includes('the service processed my.jsonl'), result.stderr);
      assert.equal(lines.filter((line) => line.endsWith(': pending')).length, 1, 'one line per change, not per poll');
    });
  });
});

describe('a refused redirect whose Location holds the key', function () {
  this.timeout(20_000);

  it('is refused at once, without the key, not retried as a lost connection', async () => {
    let requests = 0;
    const key = 'key-in-the-location-1234';
    const service = await hostile((_req, res) => {
      requests++;
      res.writeHead(307, { location: `http://${key}.example/openai/batches/batch_1` });
      res.end();
    });
    try {
      const client = new BatchClient({ endpoint: service.url, apiVersion: '2024-10-21', credential: { kind: 'apiKey', apiKey: key } }, { retries: 5, baseDelayMs: 50, maxDelayMs: 50 });
      const error = await client.getBatch('batch_1').then(
        () => assert.fail('expected a refusal'),
        (e: unknown) => e as BatchServiceError,
      );
      assert.equal(error.code, 'redirect_refused');
      assert.equal(requests, 1);
      assert.ok(!error.message.includes(key), error.message);
    } finally {
      await service.close();
    }
  });
});
