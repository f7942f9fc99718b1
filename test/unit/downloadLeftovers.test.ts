import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { downloadJoined } from '../../src/cli/joinedDownload';
import { BatchClient, type Batch } from '../../src/core/batch/client';
import { redactChunks, REDACTED } from '../../src/core/batch/secretRedaction';
import { notJsonReason } from '../../src/core/results/outputLine';
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

describe('results download: secrets in the service files', function () {
  this.timeout(30_000);
  let files: ReturnType<typeof scratch>;
  before(() => (files = scratch()));
  after(() => files.cleanup());

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
