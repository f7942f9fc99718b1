import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { UsageError } from '../../src/cli/args';
import { runEstimate, type JsonEstimate } from '../../src/cli/estimateCommand';
import { countChatPrompt } from '../../src/core/tokens/requestTokens';
import { request } from './helpers';

/** A writable stream that keeps what is written to it. */
class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.text += chunk.toString();
    callback();
  }
}

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = new Capture();
  const err = new Capture();
  const code = await runEstimate(argv, out, err);
  return { code, stdout: out.text, stderr: err.text };
}

describe('CLI: estimate (in process)', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'aoai-estimate-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, lines: readonly string[]) => {
    const path = join(dir, name);
    writeFileSync(path, lines.join('\n') + '\n');
    return path;
  };

  const hello = countChatPrompt([{ role: 'user', content: 'Hello' }]);

  it('prints exactly one JSON object with the figures, the model, the deployment and the encoding', async () => {
    const path = write('one.jsonl', [request({ custom_id: 'a' }, { max_tokens: 100 }), request({ custom_id: 'b' }, { max_tokens: 50 })]);
    const { code, stdout, stderr } = await run(path, '--json');
    assert.equal(code, 0);
    assert.equal(stderr, '');
    assert.equal(stdout.trim().split('\n').length, 1);
    const report = JSON.parse(stdout) as JsonEstimate;
    assert.deepEqual(Object.keys(report).slice(0, 8), ['file', 'requests', 'inputTokens', 'outputTokens', 'estimatedCostUsd', 'model', 'deployment', 'encoding']);
    assert.equal(report.file, path);
    assert.equal(report.requests, 2);
    assert.equal(report.inputTokens, 2 * hello);
    assert.equal(report.outputTokens, 150);
    assert.equal(report.estimatedCostUsd, Math.round(((2 * hello * 1.25 + 150 * 5) / 1e6) * 1e6) / 1e6);
    assert.equal(report.model, 'gpt-4o');
    assert.equal(report.deployment, 'gpt-4o-batch');
    assert.equal(report.encoding, 'o200k_base');
    assert.equal(report.skipped, 0);
    assert.equal(report.deployments.length, 1);
    assert.deepEqual(report.deployments[0]!.batchPricePerMillion, { input: 1.25, output: 5 });
  });

  it('breaks a file with several deployments down, counts skipped lines and requests without a limit', async () => {
    const path = write('mixed.jsonl', [
      request({ custom_id: 'a' }, { model: 'gpt-4o-batch', max_tokens: 100 }),
      request({ custom_id: 'b' }, { model: 'gpt-35-turbo-batch', max_tokens: 10 }),
      request({ custom_id: 'c' }, { model: 'gpt-35-turbo-batch' }),
      '{"custom_id": "broken"',
      '',
      request({ custom_id: 'd', url: '/v1/completions' }),
    ]);
    const { code, stdout } = await run(path, '--json');
    assert.equal(code, 0);
    const report = JSON.parse(stdout) as JsonEstimate;
    assert.equal(report.requests, 3);
    assert.equal(report.skipped, 2);
    assert.equal(report.requestsWithoutOutputLimit, 1);
    assert.equal(report.model, null);
    assert.equal(report.deployment, null);
    assert.equal(report.encoding, null, 'two encodings');
    const byName = new Map(report.deployments.map((d) => [d.deployment, d]));
    assert.equal(byName.get('gpt-35-turbo-batch')!.encoding, 'cl100k_base');
    assert.equal(byName.get('gpt-35-turbo-batch')!.requests, 2);
    assert.equal(byName.get('gpt-35-turbo-batch')!.outputTokens, 10);
    assert.equal(byName.get('gpt-4o-batch')!.model, 'gpt-4o');
    const total = report.deployments.reduce((sum, d) => sum + d.estimatedCostUsd, 0);
    assert.ok(Math.abs(total - report.estimatedCostUsd) < 2e-6);
  });

  it('prints a table with a total and explains the figures', async () => {
    const path = write('text.jsonl', [request({ custom_id: 'a' }, { max_tokens: 100 }), request({ custom_id: 'b' }, { model: 'mystery' }), 'oops']);
    const { code, stdout } = await run(path);
    assert.equal(code, 0);
    const lines = stdout.split('\n');
    assert.equal(lines[0], `${path}: 2 requests, 1 skipped`);
    assert.match(lines[1]!, /^ {2}deployment +model +encoding +requests +input tokens +output bound +est\. cost$/);
    assert.match(stdout, /\n {2}gpt-4o-batch +gpt-4o +o200k_base +1 +\d+ +100 +\$[\d.]+\n/);
    assert.match(stdout, /\n {2}mystery +gpt-4o \(assumed\) +o200k_base +1 +\d+ +0 +\$[\d.]+\n/);
    assert.match(stdout, /\n {2}total +2 +\d+ +100 +\$[\d.]+\n/);
    assert.match(stdout, /an upper bound for output/);
    assert.match(stdout, /1 request set no output limit/);
    assert.match(stdout, /"mystery" is assumed/);
    assert.match(stdout, /1 line skipped/);
    assert.match(stdout, /Batch prices per 1M tokens \(input \/ output\): gpt-4o \$1\.25 \/ \$5\.00/);
  });

  it('maps deployments to models with --deployment-models and --model, and reads --prices', async () => {
    const path = write('map.jsonl', [request({}, { model: 'prod', max_tokens: 1000 })]);
    const mapped = JSON.parse((await run(path, '--json', '--deployment-models', 'prod=gpt-4o-mini')).stdout) as JsonEstimate;
    assert.equal(mapped.model, 'gpt-4o-mini');
    assert.equal(mapped.deployments[0]!.modelSource, 'setting');
    const forced = JSON.parse((await run(path, '--json', '--model=gpt-4')).stdout) as JsonEstimate;
    assert.equal(forced.model, 'gpt-4');
    assert.equal(forced.encoding, 'cl100k_base');
    const prices = join(dir, 'prices.json');
    writeFileSync(prices, JSON.stringify({ 'gpt-4o': { input: 1, output: 2 } }));
    const priced = JSON.parse((await run(path, '--json', '--prices', prices)).stdout) as JsonEstimate;
    assert.equal(priced.estimatedCostUsd, Math.round(((hello * 1 + 1000 * 2) / 1e6) * 1e6) / 1e6);
  });

  it('exits 2 with a message on stderr for an unreadable file, a directory or a bad prices file', async () => {
    const missing = await run(join(dir, 'nope.jsonl'));
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^error: cannot read .*nope\.jsonl: ENOENT\n$/);
    assert.equal(missing.stdout, '');
    const directory = await run(dir);
    assert.equal(directory.code, 2);
    assert.match(directory.stderr, /is not a file/);
    const badPrices = join(dir, 'bad-prices.json');
    writeFileSync(badPrices, '[1, 2]');
    const bad = await run(write('ok.jsonl', [request()]), '--prices', badPrices);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /must hold a JSON object of prices/);
  });

  it('throws a usage error (exit 2 in the CLI) for wrong arguments', async () => {
    const path = write('args.jsonl', [request()]);
    await assert.rejects(run(), UsageError);
    await assert.rejects(run(path, path), UsageError);
    await assert.rejects(run(path, '--verbose'), UsageError);
    await assert.rejects(run(path, '--model'), UsageError);
    await assert.rejects(run(path, '--model', 'my-finetune'), /unknown model "my-finetune"/);
    await assert.rejects(run(path, '--deployment-models', 'prod'), /NAME=MODEL/);
  });

  it('estimates an empty file as nothing', async () => {
    const path = join(dir, 'empty.jsonl');
    writeFileSync(path, '');
    const report = JSON.parse((await run(path, '--json')).stdout) as JsonEstimate;
    assert.deepEqual(
      { requests: report.requests, inputTokens: report.inputTokens, estimatedCostUsd: report.estimatedCostUsd, model: report.model, deployments: report.deployments },
      { requests: 0, inputTokens: 0, estimatedCostUsd: 0, model: null, deployments: [] },
    );
  });
});
