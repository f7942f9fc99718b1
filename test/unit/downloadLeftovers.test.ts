import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { downloadJoined } from '../../src/cli/joinedDownload';
import { BatchClient, type Batch } from '../../src/core/batch/client';
import { redactChunks, REDACTED } from '../../src/core/batch/secretRedaction';
import { joinResults } from '../../src/core/results/join';
import { notJsonReason } from '../../src/core/results/outputLine';
import { summaryMarkdown } from '../../src/core/results/summaryMarkdown';
import { runCli } from './cliProcess';
import { scratch } from './emulatorHelpers';
import { resultLine, stubService } from './stubService';

// Downloads of a job's results: what the service's files may hold (a key it echoed), and what a failed
// download leaves behind.

const key = 'leftover-key-5f6e7d8c9b';

function clientOf(url: string): BatchClient {
  return new BatchClient({ endpoint: url, apiVersion: '2024-10-21', credential: { kind: 'apiKey', apiKey: key } }, { retries: 0, baseDelayMs: 1, maxDelayMs: 1 });
}

async function collect(chunks: AsyncIterable<Buffer>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of chunks) {
    parts.push(chunk);
  }
  return Buffer.concat(parts).toString();
}

describe('downloads of results', function () {
  let files: ReturnType<typeof scratch>;
  before(() => (files = scratch()));
  after(() => files.cleanup());

  describe('results download: secrets in the service files', function () {
    this.timeout(30_000);

    it('redactChunks removes a secret split across chunks at any point, and leaves other text as it is', async () => {
      const text = `a ${key} b ${key}${key} c`;
      for (let cut = 0; cut <= text.length; cut++) {
        for (const size of [1, 3, 7, text.length]) {
          const pieces = [text.slice(0, cut), ...(text.slice(cut).match(new RegExp(`.{1,${size}}`, 'gs')) ?? [])].map((s) => Buffer.from(s));
          assert.equal(await collect(redactChunks((async function* () { yield* pieces; })(), [key])), `a ${REDACTED} b ${REDACTED}${REDACTED} c`);
        }
      }
      assert.equal(await collect(redactChunks((async function* () { yield Buffer.from('plain é 😀'); })(), [key])), 'plain é 😀');
    });

    it('the "not JSON" reason quotes nothing of the line', () => {
      for (const line of [`{"custom_id": ${key}}`, `${key}`, `{"a":1}${key}`, '{"a":']) {
        try {
          JSON.parse(line);
          assert.fail('parsed');
        } catch (error) {
          assert.ok(!notJsonReason(error).includes(key.slice(0, 6)), notJsonReason(error));
          assert.match(notJsonReason(error), /^not JSON/);
        }
      }
    });

    it('a key echoed into the output and error files reaches neither the files, the results, the summary nor the counts', async () => {
      const malformed = `{"custom_id": "x2", "response": ${key}`;
      const echoed = JSON.stringify({ id: 'r', custom_id: `id-${key}`, response: { status_code: 401, request_id: 'r', body: { error: { code: 'bad_key', message: `invalid key ${key}` } } }, error: null });
      const server = await stubService({ batchId: 'batch_echo', metadata: { source_file: 'echo.jsonl' }, outputLines: [resultLine('x1'), malformed], errorLines: [echoed] });
      try {
        const client = clientOf(server.url);
        const batch = await client.getBatch('batch_echo');
        const out = join(files.dir, 'echo');
        (await import('node:fs')).mkdirSync(out);
        const written = await downloadJoined(client, batch as Batch, out, { overwrite: false });
        assert.ok(written.joined, written.notJoined);
        assert.equal(written.joined.malformed.length, 1, 'the malformed line is reported');
        for (const name of readdirSync(out)) {
          assert.ok(!readFileSync(join(out, name), 'utf8').includes(key), `${name} holds the key`);
        }
        const summary = readFileSync(written.files.summary!, 'utf8');
        assert.match(summary, /not JSON/);
        assert.ok(!JSON.stringify(written.joined).includes(key), 'nor does the summary printed or logged');
      } finally {
        await server.close();
      }
    });
  });

  describe('results join: a custom_id on more than one input line', function () {
    this.timeout(30_000);

    const request = (id: string) => JSON.stringify({ custom_id: id, method: 'POST', url: '/chat/completions', body: { model: 'm', messages: [] } });
    const failed = (id: string) => JSON.stringify({ id: 'r', custom_id: id, response: { status_code: 400, request_id: 'r', body: { error: { code: 'bad', message: 'm' } } }, error: null });

    it('gives every input line its row, counts each id once and names the repeated ones', async () => {
      const input = files.write('dupes.jsonl', ['a', 'b', 'a', 'c', 'a', 'b'].map(request).join('\n') + '\n');
      const output = files.write('dupes.output.jsonl', [resultLine('a'), failed('b')].join('\n') + '\n');
      const destination = join(files.dir, 'dupes.results.jsonl');
      const summary = await joinResults(input, [{ output }], destination);
      const rows = readFileSync(destination, 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line) as { custom_id: string; status: string });
      assert.deepEqual(rows.map((row) => `${row.custom_id}:${row.status}`), ['a:succeeded', 'b:failed', 'a:succeeded', 'c:missing', 'a:succeeded', 'b:failed'], 'one row per input line, in input order');
      assert.deepEqual({ total: summary.total, succeeded: summary.succeeded, failed: summary.failed, missing: summary.missing }, { total: 3, succeeded: 1, failed: 1, missing: 1 });
      assert.deepEqual(summary.failuresByCode, [{ key: 'bad', count: 1 }]);
      assert.deepEqual(summary.unfinishedIds, ['b', 'c'], 'a retry resubmits each id once');
      assert.deepEqual(summary.duplicateInputIds, { count: 2, first: ['a', 'b'] });
      const markdown = summaryMarkdown('dupes.jsonl', summary);
      assert.match(markdown, /## Requests on more than one input line\n\n2 custom_ids appear on more than one line of the input; .*: a, b\n/);
      assert.match(markdown, /\| 3 \| 1 \| 1 \| 1 \|/);
    });

    it('reports no duplicates for an input without them', async () => {
      const input = files.write('unique.jsonl', ['a', 'b'].map(request).join('\n') + '\n');
      const output = files.write('unique.output.jsonl', resultLine('a') + '\n');
      const summary = await joinResults(input, [{ output }], undefined);
      assert.deepEqual(summary.duplicateInputIds, { count: 0, first: [] });
      assert.doesNotMatch(summaryMarkdown('unique.jsonl', summary), /more than one input line/);
    });

    it('`download --input FILE` warns about them on stderr', async () => {
      const server = await stubService({ batchId: 'batch_dupes_in', metadata: { source_file: 'dupes.jsonl' }, outputLines: [resultLine('a')] });
      try {
        const input = files.write('cli-dupes.jsonl', ['a', 'a', 'a'].map(request).join('\n') + '\n');
        const out = join(files.dir, 'cli-dupes');
        const result = await runCli(['download', 'batch_dupes_in', '--out', out, '--input', input, '--endpoint', server.url, '--api-key', key]);
        assert.equal(result.code, 0, result.stderr);
        assert.match(result.stderr, /warning: 1 custom_id is on more than one line of the input \(each line has its row; the counts count each custom_id once\): a\n/);
        assert.match(readFileSync(join(out, 'dupes.summary.md'), 'utf8'), /\| 1 \| 1 \| 0 \| 0 \|/);
      } finally {
        await server.close();
      }
    });
  });

  describe('CLI download: a download that fails midway', function () {
    this.timeout(30_000);

    it('leaves nothing behind, so running it again succeeds without --force', async () => {
      const failing = JSON.stringify({ id: 'r', custom_id: 'x2', response: { status_code: 500, request_id: 'r', body: { error: { code: 'server_error', message: 'm' } } }, error: null });
      const faults = { errorsFile: 1 };
      const server = await stubService({ batchId: 'batch_midway', metadata: { source_file: 'midway.jsonl' }, outputLines: [resultLine('x1')], errorLines: [failing], faults });
      try {
        const out = join(files.dir, 'midway');
        const args = ['download', 'batch_midway', '--out', out, '--endpoint', server.url, '--api-key', key];
        const failed = await runCli(args);
        assert.notEqual(failed.code, 0, 'the errors file was refused');
        assert.equal(faults.errorsFile, 0, 'after the output file was fetched');
        assert.deepEqual(readdirSync(out), [], 'no file, staged or final, is left');
        const again = await runCli(args);
        assert.equal(again.code, 0, again.stderr);
        assert.deepEqual(readdirSync(out).sort(), ['midway.errors.jsonl', 'midway.output.jsonl', 'midway.results.jsonl', 'midway.summary.md']);
        const refused = await runCli(args);
        assert.equal(refused.code, 1, 'files of a finished download are still not replaced without --force');
        assert.match(refused.stderr, /exists/);
      } finally {
        await server.close();
      }
    });
  });
});
