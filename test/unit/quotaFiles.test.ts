import * as assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BatchClient } from '../../src/core/batch/client';
import { expirySeconds, refusesField, supportsExpiry } from '../../src/core/batch/expiry';
import { BatchServiceError } from '../../src/core/batch/errors';
import { FILE_CAP, FILE_CAP_WITH_EXPIRY, fileCapUse } from '../../src/core/batch/fileCap';
import { cleanupCandidates, totalBytes, type CleanupJob } from '../../src/core/batch/fileCleanup';
import { fitsQuota, quotaUse, shortTokens, type QuotaJob } from '../../src/core/batch/quota';
import { submitBatchFile } from '../../src/core/batch/submitFile';
import type { FileObject } from '../../src/core/batch/client';
import { emulatorClient, useEmulator } from './emulatorFixture';
import { GA, PREVIEW, scratch, waitSnapshot } from './emulatorHelpers';
import { requests } from './helpers';
import { runCli } from './cliProcess';

const day = 86_400;

describe('file expiry (expires_after, output_expires_after)', () => {
  it('turns days into seconds clamped to 14–30 days; 0, null and nonsense mean off', () => {
    const table: [number | null | undefined, number | undefined][] = [
      [undefined, undefined],
      [null, undefined],
      [0, undefined],
      [-3, undefined],
      [Number.NaN, undefined],
      [1, 14 * day],
      [14, 14 * day],
      [20, 20 * day],
      [30, 30 * day],
      [365, 30 * day],
    ];
    for (const [days, seconds] of table) {
      assert.equal(expirySeconds(days), seconds, `days ${days}`);
    }
  });

  it('knows which API versions take the fields', () => {
    assert.equal(supportsExpiry('2024-10-21'), false);
    assert.equal(supportsExpiry('2024-07-01-preview'), false);
    assert.equal(supportsExpiry('2025-04-01-preview'), true);
    assert.equal(supportsExpiry('2025-06-01'), true);
    assert.equal(supportsExpiry('v1'), true);
    assert.equal(supportsExpiry('nonsense'), false);
  });

  it('reads a 400 that names the field as a refusal, nothing else', () => {
    assert.equal(refusesField(new BatchServiceError("Unrecognized request argument supplied: expires_after", 400, 'invalid_request', false), 'expires_after'), true);
    assert.equal(refusesField(new BatchServiceError('expires_after bad', 500, 'x', true), 'expires_after'), false);
    assert.equal(refusesField(new BatchServiceError('purpose missing', 400, 'x', false), 'expires_after'), false);
  });

  describe('against the emulator', () => {
    const fixture = useEmulator();
    const files = scratch();
    after(() => files.cleanup());

    it('uploads set expires_at and outputs get output_expires_after on 2025-04-01-preview', async () => {
      const client = emulatorClient(fixture.emulator, { apiVersion: PREVIEW, client: { expireAfterSeconds: 20 * day } });
      const path = files.write('expiring.jsonl', requests(2).join('\n') + '\n');
      const submitted = await submitBatchFile(client, { path, endpoint: '/chat/completions' });
      const uploaded = await client.getFile(submitted.fileId);
      assert.equal(uploaded.expires_at, uploaded.created_at + 20 * day);
      const done = await waitSnapshot(fixture.emulator, submitted.batch.id, ['completed']);
      const output = await client.getFile(done.output_file_id);
      assert.equal(output.expires_at, output.created_at + 20 * day, 'the output file expires too');
    });

    it('sends no expiry on 2024-10-21, which does not know the fields', async () => {
      const client = emulatorClient(fixture.emulator, { apiVersion: GA, client: { expireAfterSeconds: 14 * day } });
      const path = files.write('ga.jsonl', requests(1).join('\n') + '\n');
      const submitted = await submitBatchFile(client, { path, endpoint: '/chat/completions' });
      const stored = fixture.emulator.files().find((f) => f.id === submitted.fileId) as { expires_at: number | null } | undefined;
      assert.ok(stored);
      assert.equal(stored.expires_at, null);
    });

    it('CLI: submit --expire-after-days sets the expiry (21 days here), 0 sends none, the default is 14 days', async function () {
      this.timeout(60_000);
      const input = files.write('cli.jsonl', requests(1).join('\n') + '\n');
      const connection = ['--endpoint', fixture.emulator.url, '--api-key', fixture.emulator.apiKey, '--api-version', PREVIEW];
      const expiryOf = async (extra: string[]) => {
        const result = await runCli(['submit', input, ...connection, ...extra]);
        assert.equal(result.code, 0, result.stderr);
        const batch = JSON.parse(result.stdout) as { input_file_id: string };
        const stored = fixture.emulator.files().find((f) => f.id === batch.input_file_id) as { created_at: number; expires_at: number | null };
        return stored.expires_at === null ? null : stored.expires_at - stored.created_at;
      };
      assert.equal(await expiryOf(['--expire-after-days', '21']), 21 * day);
      assert.equal(await expiryOf(['--expire-after-days', '0']), null);
      assert.equal(await expiryOf([]), 14 * day);
      const refused = await runCli(['submit', input, ...connection, '--expire-after-days', 'soon']);
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /--expire-after-days takes a number of days/);
    });

    it('lists every file (classic and v1) and counts them against the cap', async () => {
      for (const apiVersion of [PREVIEW, 'v1']) {
        const client = emulatorClient(fixture.emulator, { apiVersion });
        const listed = await client.listFiles();
        assert.deepEqual(listed.map((f) => f.id).sort(), fixture.emulator.files().map((f) => f.id as string).sort(), apiVersion);
      }
      const use = fileCapUse(await emulatorClient(fixture.emulator, { apiVersion: PREVIEW }).listFiles());
      // Five uploads, two without an expiry (GA, and the CLI's 0); the outputs do not count.
      assert.deepEqual(use, { count: 5, withoutExpiry: 2, cap: FILE_CAP });
    });
  });

  it('sends the upload and the create once more without the field when the service refuses it with a 400', async () => {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      void readBody(req).then((body) => {
        const url = req.url ?? '';
        const json = (status: number, value: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(value));
        };
        if (req.method === 'POST' && url.startsWith('/openai/files')) {
          const withExpiry = body.includes('expires_after');
          seen.push(`upload${withExpiry ? '+expiry' : ''}`);
          return withExpiry
            ? json(400, { error: { code: 'invalid_request', message: 'Unrecognized request argument supplied: expires_after' } })
            : json(201, { id: 'file-1', object: 'file', bytes: 10, created_at: 1, filename: 'a.jsonl', purpose: 'batch', status: 'processed' });
        }
        if (req.method === 'POST' && url.startsWith('/openai/batches')) {
          const withExpiry = body.includes('output_expires_after');
          seen.push(`create${withExpiry ? '+expiry' : ''}`);
          return withExpiry
            ? json(400, { error: { code: 'invalid_request', message: 'Unknown parameter: output_expires_after' } })
            : json(200, { id: 'batch_1', object: 'batch', status: 'validating', created_at: 1, input_file_id: 'file-1', endpoint: '/chat/completions' });
        }
        json(404, { error: { code: '404', message: 'Resource not found' } });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const files = scratch();
    try {
      const port = (server.address() as AddressInfo).port;
      const client = new BatchClient({ endpoint: `http://127.0.0.1:${port}`, apiVersion: PREVIEW, credential: { kind: 'apiKey', apiKey: 'k' } }, { retries: 0, baseDelayMs: 1, maxDelayMs: 1 }, { expireAfterSeconds: 14 * day });
      const path = files.write('a.jsonl', requests(1).join('\n') + '\n');
      const file = await client.uploadFile(path);
      assert.equal(file.id, 'file-1');
      const created = await client.createBatch({ inputFileId: 'file-1', endpoint: '/chat/completions' });
      assert.equal(created.batch.id, 'batch_1');
      await client.uploadFile(path);
      assert.deepEqual(seen, ['upload+expiry', 'upload', 'create+expiry', 'create', 'upload'], 'each field is refused once, then left out');
    } finally {
      files.cleanup();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function file(id: string, fields: Partial<FileObject> = {}): FileObject {
  return { id, object: 'file', bytes: 100, created_at: 1000, filename: `${id}.jsonl`, purpose: 'batch', status: 'processed', ...fields } as FileObject;
}

describe('file cap (fileCapUse)', () => {
  it('counts batch inputs only, against 500 while any lacks an expiry and 10,000 when all have one', () => {
    assert.deepEqual(fileCapUse([]), { count: 0, withoutExpiry: 0, cap: FILE_CAP_WITH_EXPIRY });
    assert.deepEqual(fileCapUse([file('a'), file('b', { expires_at: 5 }), file('o', { purpose: 'batch_output' })]), { count: 2, withoutExpiry: 1, cap: FILE_CAP });
    assert.deepEqual(fileCapUse([file('a', { expires_at: 5 }), file('b', { expires_at: 6 })]), { count: 2, withoutExpiry: 0, cap: FILE_CAP_WITH_EXPIRY });
    assert.deepEqual(fileCapUse([file('a', { status: 'deleted' as FileObject['status'] })]), { count: 0, withoutExpiry: 0, cap: FILE_CAP_WITH_EXPIRY });
  });
});

describe('file clean-up (cleanupCandidates)', () => {
  const job = (id: string, status: string, ids: { input?: string; output?: string; errors?: string }, downloaded = false): CleanupJob => ({
    batch: { id, status: status as CleanupJob['batch']['status'], input_file_id: ids.input ?? '', output_file_id: ids.output, error_file_id: ids.errors },
    downloaded,
  });

  it('offers no file of a non-terminal job, nor a file to keep; flags result files not downloaded', () => {
    const files = [
      file('in-running', { created_at: 900 }),
      file('out-running', { purpose: 'batch_output' }),
      file('in-done', { created_at: 100 }),
      file('out-done', { purpose: 'batch_output', created_at: 500 }),
      file('err-done', { purpose: 'batch_output', bytes: 0, created_at: 500 }),
      file('out-fetched', { purpose: 'batch_output', created_at: 400 }),
      file('pending-upload'),
      file('orphan', { created_at: 50 }),
      file('going', { status: 'deleting' as FileObject['status'] }),
    ];
    const jobs = [
      job('b1', 'in_progress', { input: 'in-running', output: 'out-running' }),
      job('b2', 'completed', { input: 'in-done', output: 'out-done', errors: 'err-done' }),
      job('b3', 'cancelled', { output: 'out-fetched' }, true),
      job('b4', 'finalizing', {}),
    ];
    const candidates = cleanupCandidates(files, jobs, { now: 1000, keep: ['pending-upload'] });
    assert.deepEqual(
      candidates.map((c) => [c.file.id, c.ageSeconds, c.batchId ?? '-', c.role ?? '-', c.notDownloaded]),
      [
        ['orphan', 950, '-', '-', false],
        ['in-done', 900, 'b2', 'input', false],
        ['err-done', 500, 'b2', 'errors', false],
        ['out-done', 500, 'b2', 'output', true],
        ['out-fetched', 600, 'b3', 'output', false],
      ].sort((a, b) => (b[1] as number) - (a[1] as number) || String(a[0]).localeCompare(String(b[0]))),
    );
    assert.equal(totalBytes(candidates.map((c) => c.file)), 400);
  });

  it('keeps a file that a finished job and a running one share (a retry reusing its input)', () => {
    const shared = [file('in')];
    const jobs = [job('old', 'failed', { input: 'in' }), job('new', 'validating', { input: 'in' })];
    assert.deepEqual(cleanupCandidates(shared, jobs, { now: 2000 }), []);
  });
});

describe('enqueued-token quota (quotaUse)', () => {
  it('sums the estimates of the active jobs on the deployment', () => {
    const jobs: QuotaJob[] = [
      { deployment: 'd', status: 'in_progress', tokens: 1000 },
      { deployment: 'd', status: undefined, tokens: 500 },
      { deployment: 'd', status: 'completed', tokens: 9999 },
      { deployment: 'other', status: 'in_progress', tokens: 7777 },
    ];
    assert.deepEqual(quotaUse('d', jobs, 2000), { deployment: 'd', used: 1500, limit: 2000, left: 500, source: 'estimates', activeJobs: 2 });
    assert.equal(quotaUse('d', jobs).limit, undefined);
    assert.equal(quotaUse('d', jobs).left, undefined);
    assert.equal(quotaUse('d', jobs, 1000).left, 0, 'never below 0');
  });

  it("uses the create header of a still active job (it counts jobs created elsewhere) and its maximum as the limit", () => {
    const jobs: QuotaJob[] = [
      { deployment: 'd', status: 'in_progress', tokens: 100, enqueued: { tokens: 5000, max: 10_000, at: 10 } },
      { deployment: 'd', status: 'validating', tokens: 300 },
      { deployment: 'd', status: 'completed', tokens: 50, enqueued: { tokens: 1, max: 20_000, at: 20 } },
    ];
    const use = quotaUse('d', jobs);
    assert.equal(use.source, 'service');
    assert.equal(use.used, 5300, 'the header, plus the job created after it');
    assert.equal(use.limit, 20_000, 'the newest maximum the service reported');
    assert.equal(quotaUse('d', jobs, 8000).limit, 8000, 'a configured limit wins');
  });

  it('falls back to the estimates once the job of the header is done', () => {
    const jobs: QuotaJob[] = [
      { deployment: 'd', status: 'completed', tokens: 100, enqueued: { tokens: 5000, max: 10_000, at: 10 } },
      { deployment: 'd', status: 'in_progress', tokens: 300 },
    ];
    assert.deepEqual(quotaUse('d', jobs), { deployment: 'd', used: 300, limit: 10_000, left: 9700, source: 'estimates', activeJobs: 1 });
  });

  it('says whether a file fits, and prints tokens short', () => {
    assert.equal(fitsQuota(quotaUse('d', [], 100), 100), true);
    assert.equal(fitsQuota(quotaUse('d', [], 100), 101), false);
    assert.equal(fitsQuota(quotaUse('d', []), 10 ** 12), true, 'an unknown limit never blocks');
    assert.deepEqual([950, 12_500, 3_200_000, 1_500_000_000, 250_000].map(shortTokens), ['950', '12.5K', '3.2M', '1.5B', '250K']);
  });
});
