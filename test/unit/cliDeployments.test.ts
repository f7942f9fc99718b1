import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDeploymentList } from '../../src/cli/validateCommand';
import { UsageError } from '../../src/cli/args';
import { runCli } from './cliProcess';
import { request } from './helpers';

const run = (...args: string[]) => runCli(args);

describe('CLI: validate --deployments', () => {
  let dir: string;
  let file: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'aoai-cli-deployments-'));
    file = join(dir, 'input.jsonl');
    writeFileSync(file, [request({ custom_id: 'a' }, { model: 'gpt-4o-batch' }), request({ custom_id: 'b' }, { model: 'gpt-4o-batch' })].join('\n') + '\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('passes a file whose deployment is in the list, and without the option checks no names', async () => {
    assert.equal((await run('validate', file)).code, 0);
    const { code, stdout } = await run('validate', file, '--deployments', 'gpt-4o-batch,other');
    assert.equal(code, 0);
    assert.equal(stdout, `${file}: 2 requests, 0 errors, 0 warnings\n`);
  });

  it('reports unknown_deployment with the closest name and exits 1', async () => {
    const { code, stdout } = await run('validate', file, '--deployments', 'gpt-4o-batch2,embeddings');
    assert.equal(code, 1);
    const lines = stdout.trim().split('\n');
    assert.equal(lines.length, 3);
    assert.match(lines[0]!, /:1:\d+: error unknown_deployment: "gpt-4o-batch" is not a deployment on this resource\. Closest: "gpt-4o-batch2"\.$/);
    assert.match(lines[1]!, /:2:\d+: error unknown_deployment: /);
    assert.equal(lines[2], `${file}: 2 requests, 2 errors, 0 warnings`);
  });

  it('reports not_batch_deployment for a NAME:SKU entry that is not a batch sku, in --json too', async () => {
    const { code, stdout } = await run('validate', file, '--json', '--deployments=gpt-4o-batch:Standard,gpt-4o-global:GlobalBatch');
    assert.equal(code, 1);
    const report = JSON.parse(stdout) as { diagnostics: { code: string; message: string; line: number }[] };
    assert.deepEqual(report.diagnostics.map((d) => [d.line, d.code]), [[1, 'not_batch_deployment'], [2, 'not_batch_deployment']]);
    assert.equal(report.diagnostics[0]!.message, '"gpt-4o-batch" is a Standard deployment: Azure rejects batch jobs on a Standard deployment; use "gpt-4o-global" (GlobalBatch).');
  });

  it('refuses a list it cannot read with exit 2', async () => {
    for (const bad of ['', 'a,,b', 'a:b:c', 'bad name', 'a:']) {
      const { code, stderr } = await run('validate', file, `--deployments=${bad}`);
      assert.equal(code, 2, bad);
      assert.match(stderr, /--deployments/, bad);
    }
    assert.equal((await run('validate', file, '--deployments')).code, 2);
  });

  it('reads NAME as a batch deployment and NAME:SKU with its sku', () => {
    assert.deepEqual(
      parseDeploymentList('a, b:DataZoneBatch,c:Standard').map((d) => [d.name, d.sku, d.batch]),
      [['a', 'GlobalBatch', true], ['b', 'DataZoneBatch', true], ['c', 'Standard', false]],
    );
    assert.throws(() => parseDeploymentList(true), UsageError);
  });

  it('documents the option in --help', async () => {
    const { code, stdout } = await run('validate', '--help');
    assert.equal(code, 0);
    assert.match(stdout, /--deployments NAME\[:SKU\],\.\.\./);
    assert.match(stdout, /not_batch_deployment/);
  });
});
