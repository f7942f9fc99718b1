import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { validateText } from '../../src/core/jsonl/streamValidator';
import { serviceLimits } from '../../src/core/jsonl/types';
import { requests } from './helpers';

const cli = resolve(__dirname, '../../../dist/cli.js');

describe('per-service file limits', function () {
  this.timeout(60_000);
  // One request over OpenAI's limit, well under Azure's.
  const text = requests(50_001, { model: 'gpt-4o-mini' }).join('\n') + '\n';

  it('OpenAI takes 50,000 requests per file, Azure 100,000; both 200 MB', () => {
    assert.equal(serviceLimits.openai.maxRequests, 50_000);
    assert.equal(serviceLimits.azure.maxRequests, 100_000);
    assert.equal(serviceLimits.openai.maxBytes, 200 * 1024 * 1024);
    assert.equal(serviceLimits.azure.maxBytes, 200 * 1024 * 1024);
  });

  it('the validator applies the limits of the service it is given', () => {
    const openai = validateText(text, serviceLimits.openai);
    const tooMany = openai.diagnostics.filter((d) => d.code === 'too_many_tasks');
    assert.equal(tooMany.length, 1);
    assert.match(tooMany[0]!.message.text, /50,000/);
    assert.equal(validateText(text, serviceLimits.azure).diagnostics.length, 0, 'a model name such as gpt-4o-mini is fine');
  });

  it('CLI: validate --service openai applies OpenAI\'s limits; an unknown service is a usage error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aoai-service-'));
    try {
      const path = join(dir, 'big.jsonl');
      writeFileSync(path, text);
      const run = (...args: string[]) => spawnSync(process.execPath, [cli, 'validate', path, ...args], { encoding: 'utf8' });
      assert.equal(run().status, 0);
      const openai = run('--service', 'openai', '--json');
      assert.equal(openai.status, 1);
      assert.ok((JSON.parse(openai.stdout) as { diagnostics: { code: string }[] }).diagnostics.some((d) => d.code === 'too_many_tasks'));
      assert.equal(run('--service', 'openai', '--max-requests', '60000').status, 0, 'an explicit limit wins');
      const wrong = run('--service', 'bedrock');
      assert.equal(wrong.status, 2);
      assert.match(wrong.stderr, /--service must be azure or openai/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
