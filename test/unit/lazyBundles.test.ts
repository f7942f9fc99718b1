import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// The SDK, Azure Identity, the tokenizer's tables and the emulator are loaded on first use, from files of their own
// (esbuild.mjs), so activating the extension or validating from the CLI pays for none of them. The editor counts
// tokens in a worker thread (tokenWorker.js): the extension bundle holds no tokenizer at all.
const root = resolve(__dirname, '../../..');
const dist = join(root, 'dist');
const lazyFiles = ['openai.js', 'azureIdentity.js', 'azureArm.js', 'tokenizerData.js', 'emulator.js', 'tokenWorker.js', 'estimatorWorker.js', 'createPreview.js'];

/** The files of dist/ and node_modules/ a command loaded, as names relative to the checkout. */
function loadedBy(args: string[], code?: string, allowedStatus = 0): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'aoai-lazy-'));
  const report = join(dir, 'loaded.json');
  const hook = join(dir, 'hook.js');
  writeFileSync(hook, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(report)}, JSON.stringify(Object.keys(require.cache))));`);
  try {
    execFileSync(process.execPath, ['-r', hook, ...(code === undefined ? args : ['-e', code])], { cwd: dir, stdio: 'pipe' });
  } catch (error) {
    // `validate` exits 1 on a file with errors; the report is written either way.
    if ((error as { status?: number }).status !== allowedStatus) {
      throw error;
    }
  }
  const loaded = JSON.parse(require('node:fs').readFileSync(report, 'utf8')) as string[];
  return loaded.map((path) => path.slice(root.length + 1));
}

describe('lazy bundles', () => {
  it('keeps the extension bundle small: the heavy modules live in files of their own', () => {
    const extension = statSync(join(dist, 'extension.js')).size;
    assert.ok(extension < 1_000_000, `dist/extension.js is ${extension} bytes`);
    for (const file of lazyFiles) {
      assert.ok(statSync(join(dist, file)).size > 0, file);
    }
    const text = require('node:fs').readFileSync(join(dist, 'extension.js'), 'utf8') as string;
    assert.match(text, /require\("\.\/openai\.js"\)/);
    assert.doesNotMatch(text, /class AzureOpenAI\b/, 'the SDK is not inside the extension bundle');
    // Neither the tables nor the BPE counter: the host only forwards text to the worker (or, if it cannot run,
    // loads estimatorWorker.js).
    assert.doesNotMatch(text, /tokenizerData\.js/);
    assert.doesNotMatch(text, /BpeCounter|countTextSteps/, 'the tokenizer is not inside the extension bundle');
    assert.match(text, /require\("\.\/estimatorWorker\.js"\)/);
    for (const file of ['tokenWorker.js', 'estimatorWorker.js']) {
      const worker = require('node:fs').readFileSync(join(dist, file), 'utf8') as string;
      assert.match(worker, /require\("\.\/tokenizerData\.js"\)/, `${file} loads the tables lazily`);
      assert.ok(worker.length < 200_000, `${file} is ${worker.length} bytes`);
    }
  });

  it('validating from the CLI loads neither the SDK nor the tokenizer nor the emulator', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'aoai-lazy-')), 'in.jsonl');
    writeFileSync(file, '{"custom_id":"a","method":"POST","url":"/chat/completions","body":{"model":"m","messages":[{"role":"user","content":"hi"}]}}\n');
    const loaded = loadedBy([join(dist, 'cli.js'), 'validate', file]);
    assert.ok(loaded.includes('dist/cli.js'), loaded.join(', '));
    for (const file of lazyFiles) {
      assert.ok(!loaded.includes(`dist/${file}`), `${file} was loaded: ${loaded.join(', ')}`);
    }
  });

  it('estimating loads the tokenizer but not the SDK', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'aoai-lazy-')), 'in.jsonl');
    writeFileSync(file, '{"custom_id":"a","method":"POST","url":"/chat/completions","body":{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}}\n');
    const loaded = loadedBy([join(dist, 'cli.js'), 'estimate', file]);
    assert.ok(loaded.includes('dist/tokenizerData.js'), loaded.join(', '));
    assert.ok(!loaded.includes('dist/openai.js') && !loaded.includes('dist/azureIdentity.js'), loaded.join(', '));
  });

  it('the core classifies plain errors without loading the SDK, and SDK errors once it is loaded', () => {
    const errors = JSON.stringify(join(root, 'out/src/core/batch/errors.js'));
    const plain = loadedBy([], `const e = require(${errors}); const c = e.toServiceError(Object.assign(new Error('x'), { code: 'ECONNRESET' })); if (c.code !== 'network') process.exit(3);`);
    assert.ok(!plain.some((path) => path.startsWith('node_modules/openai/')), 'openai was loaded for a plain error');
    const sdk = loadedBy([], `const { APIConnectionTimeoutError } = require(${JSON.stringify(require.resolve('openai'))}); const e = require(${errors}); const c = e.toServiceError(new APIConnectionTimeoutError()); if (c.code !== 'timeout') process.exit(3);`);
    assert.ok(sdk.some((path) => path.startsWith('node_modules/openai/')));
  });
});
