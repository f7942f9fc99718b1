import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { UsageError } from '../../src/cli/args';
import { runEmulatorCli } from '../../src/emulator/cli';
import { scratch } from './emulatorHelpers';

const cliModule = join(__dirname, '..', '..', 'src', 'emulator', 'cli.js');

/** Runs `runEmulatorCli` in a child process, as `aoai-batch emulator` will. */
function startCli(args: string[]) {
  const script = `require(${JSON.stringify(cliModule)}).runEmulatorCli(process.argv.slice(1), process.stdout, process.stderr).then((code) => { process.exitCode = code; }, (error) => { process.stderr.write(String(error) + '\\n'); process.exitCode = 2; });`;
  const child = spawn(process.execPath, ['-e', script, '--', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const listening = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line; stderr: ${stderr}`)), 10_000);
    child.stdout.on('data', () => {
      const match = /^listening on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    void exited.then(() => reject(new Error(`exited early; stderr: ${stderr}`)));
  });
  return { child, listening, exited, output: () => ({ stdout, stderr }) };
}

describe('emulator: CLI', function () {
  const tmp = scratch();
  after(() => tmp.cleanup());

  it('prints exactly "listening on URL", serves, and stops cleanly on SIGTERM and SIGINT', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const dataDir = join(tmp.dir, `data-${signal}`);
      const cli = startCli(['--port', '0', '--api-key', 'cli-key', '--deployments', 'mine,other=gpt-4o-mini-2024-07-18', '--request-delay-ms', '0', '--data-dir', dataDir, '--seed', '3', '--verbose']);
      const url = await cli.listening;
      const ok = await fetch(`${url}/openai/v1/batches`, { headers: { 'api-key': 'cli-key' } });
      assert.equal(ok.status, 200);
      const denied = await fetch(`${url}/openai/v1/batches`, { headers: { 'api-key': 'other' } });
      assert.equal(denied.status, 401);
      cli.child.kill(signal);
      assert.equal(await cli.exited, 0, cli.output().stderr);
      const { stdout, stderr } = cli.output();
      assert.equal(stdout, `listening on ${url}\n`);
      assert.match(stderr, /GET \/openai\/v1\/batches 200/);
      assert.doesNotMatch(stderr, /cli-key/, 'keys are never logged');
      assert.ok(existsSync(join(dataDir, 'state.json')) || existsSync(join(dataDir, 'files')));
    }
  });

  it('listens on the port it is given', async () => {
    const probe = await new Promise<number>((resolve) => {
      const server = require('node:net').createServer(); // eslint-disable-line @typescript-eslint/no-require-imports
      server.listen(0, '127.0.0.1', () => {
        const port = server.address().port;
        server.close(() => resolve(port));
      });
    });
    const cli = startCli(['--port', String(probe)]);
    assert.equal(await cli.listening, `http://127.0.0.1:${probe}`);
    cli.child.kill('SIGTERM');
    assert.equal(await cli.exited, 0);
  });

  it('rejects wrong arguments with a usage error', async () => {
    const out = new PassThrough();
    const err = new PassThrough();
    for (const args of [['--bogus'], ['--port', 'x'], ['--port', '70000'], ['--failure-rate', '2'], ['--request-delay-ms', '-1'], ['--max-enqueued-tokens', '0'], ['--deployments', ','], ['extra']]) {
      await assert.rejects(runEmulatorCli(args, out, err), UsageError, args.join(' '));
    }
  });
});
