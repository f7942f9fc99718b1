import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RunningEmulator } from '../../src/emulator/index';
import { scratch, startFast } from './emulatorHelpers';
import { request } from './helpers';

const cli = resolve(__dirname, '../../../dist/cli.js');

/** Runs the built CLI asynchronously (the emulator lives in this process, so spawnSync would block it). */
function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, AZURE_OPENAI_API_KEY: '', AZURE_OPENAI_ENDPOINT: '', OPENAI_API_VERSION: '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

describe('CLI: submit, status, download, cancel against the emulator', function () {
  this.timeout(60_000);
  let emulator: RunningEmulator;
  let files: ReturnType<typeof scratch>;
  let connection: string[];

  before(async () => {
    emulator = await startFast({ apiKey: 'cli-key' });
    files = scratch();
    connection = ['--endpoint', emulator.url, '--api-key', 'cli-key', '--poll-ms', '100'];
  });
  after(async () => {
    await emulator.close();
    files.cleanup();
  });

  it('submits, waits and downloads the results, printing the job as JSON', async () => {
    const input = files.write('jobs.jsonl', ['a', 'b', 'c'].map((id) => request({ custom_id: id })).join('\n') + '\n');
    const out = join(files.dir, 'out');
    const result = await run(['submit', input, ...connection, '--wait', '--out', out]);
    assert.equal(result.code, 0, result.stderr);
    const batch = JSON.parse(result.stdout) as { id: string; status: string; metadata: Record<string, string> };
    assert.equal(batch.status, 'completed');
    assert.equal(batch.metadata.source_file, 'jobs.jsonl');
    assert.match(result.stderr, /uploading jobs\.jsonl/);
    assert.equal(readFileSync(join(out, 'jobs.output.jsonl'), 'utf8').trim().split('\n').length, 3);
    assert.ok(existsSync(join(out, 'jobs.errors.jsonl')));

    const table = await run(['status', ...connection.slice(0, 4)]);
    assert.equal(table.code, 0);
    assert.match(table.stdout, /^ID\s+STATUS\s+REQUESTS\s+CREATED \(UTC\)\s+SOURCE/);
    assert.ok(table.stdout.includes(batch.id));
    const one = await run(['status', batch.id, ...connection.slice(0, 4), '--json']);
    assert.equal((JSON.parse(one.stdout) as { id: string }).id, batch.id);

    const again = await run(['download', batch.id, '--out', out, ...connection.slice(0, 4)]);
    assert.equal(again.code, 1, 'existing results are not replaced without --force');
    assert.match(again.stderr, /already exists/);
    const forced = await run(['download', batch.id, '--out', out, '--force', ...connection.slice(0, 4)]);
    assert.equal(forced.code, 0);
    assert.deepEqual(forced.stdout.trim().split('\n').map((p) => p.slice(out.length + 1)), ['jobs.output.jsonl', 'jobs.errors.jsonl']);
  });

  it('takes the connection from the environment, as the SDK does', async () => {
    const result = await run(['status'], { AZURE_OPENAI_ENDPOINT: emulator.url, AZURE_OPENAI_API_KEY: 'cli-key', OPENAI_API_VERSION: '2024-10-21' });
    assert.equal(result.code, 0, result.stderr);
  });

  it('refuses a file with errors (exit 1) and reports service errors (exit 2) without the key', async () => {
    const bad = files.write('bad.jsonl', request({ method: 'GET' }) + '\n');
    const refused = await run(['submit', bad, ...connection]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /invalid_method/);
    assert.equal(emulator.batches().filter((b) => (b.metadata as Record<string, string>)?.source_file === 'bad.jsonl').length, 0);
    const denied = await run(['status', '--endpoint', emulator.url, '--api-key', 'wrong-key-123']);
    assert.equal(denied.code, 2);
    assert.match(denied.stderr, /401/);
    assert.ok(!denied.stderr.includes('wrong-key-123'), 'the key is not echoed');
    assert.equal((await run(['status'])).code, 2, 'no endpoint is a usage error');
  });

  it('cancels a job', async () => {
    await emulator.close();
    emulator = await startFast({ apiKey: 'cli-key', port: emulator.port, requestDelayMs: 500 });
    const input = files.write('slow.jsonl', Array.from({ length: 10 }, (_, i) => request({ custom_id: `s${i}` })).join('\n') + '\n');
    const submitted = await run(['submit', input, ...connection]);
    assert.equal(submitted.code, 0, submitted.stderr);
    const id = (JSON.parse(submitted.stdout) as { id: string }).id;
    const cancelled = await run(['cancel', id, ...connection.slice(0, 4)]);
    assert.equal(cancelled.code, 0, cancelled.stderr);
    assert.match(cancelled.stdout, new RegExp(`^${id} (cancelling|cancelled)`));
  });

  it('splits a file over the limits and merges the results of its parts', async () => {
    const input = files.write('many.jsonl', Array.from({ length: 25 }, (_, i) => request({ custom_id: `m${i}` })).join('\n') + '\n');
    const out = join(files.dir, 'split-out');
    const result = await run(['submit', input, ...connection, '--split', '--max-requests', '10', '--max-parallel', '2', '--out', out]);
    assert.equal(result.code, 0, result.stderr);
    const group = JSON.parse(result.stdout) as { parts: { requests: number; batchStatus: string }[] };
    assert.deepEqual(group.parts.map((p) => p.requests), [10, 10, 5]);
    const merged = readFileSync(join(out, 'many.results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { custom_id: string; status: string });
    assert.deepEqual(merged.map((l) => l.custom_id), Array.from({ length: 25 }, (_, i) => `m${i}`));
    assert.ok(merged.every((l) => l.status === 'succeeded'));
  });
});
