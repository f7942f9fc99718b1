import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { UsageError } from '../../src/cli/args';
import { usages } from '../../src/cli/usage';
import { runEmulatorCli } from '../../src/cli/emulatorCommand';
import { emulatorFlags } from '../../src/emulator/cliOptions';
import { resolveOptions } from '../../src/emulator/options';
import { azure, GA, jsonl, parseJsonl, scratch, terminal, waitFor } from './emulatorHelpers';
import { createReadStream } from 'node:fs';
import type { RunningEmulator } from '../../src/emulator';

const cliModule = join(__dirname, '..', '..', 'src', 'cli', 'emulatorCommand.js');

const builtCli = resolve(__dirname, '../../../dist/cli.js');

/** Runs `runEmulatorCli` in a child process, as `aoai-batch emulator` will. */
function startCli(args: string[], options: { env?: NodeJS.ProcessEnv; stdin?: string } = {}) {
  const script = `require(${JSON.stringify(cliModule)}).runEmulatorCli(process.argv.slice(1), process.stdout, process.stderr).then((code) => { process.exitCode = code; }, (error) => { process.stderr.write(String(error) + '\\n'); process.exitCode = 2; });`;
  const child = spawn(process.execPath, ['-e', script, '--', ...args], { stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], env: { ...process.env, ...options.env } });
  if (options.stdin !== undefined) {
    child.stdin!.end(options.stdin);
  }
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const listening = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line; stderr: ${stderr}`)), 10_000);
    child.stdout!.on('data', () => {
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

  it('takes the key from $AOAI_BATCH_EMULATOR_KEY or the first line of standard input (not visible in ps)', async () => {
    const cases: { args: string[]; env?: NodeJS.ProcessEnv; stdin?: string; key: string }[] = [
      { args: [], env: { AOAI_BATCH_EMULATOR_KEY: 'env-key' }, key: 'env-key' },
      { args: ['--api-key-stdin'], stdin: 'stdin-key\nignored second line\n', key: 'stdin-key' },
      { args: ['--api-key-stdin'], stdin: 'crlf-key\r\n', env: { AOAI_BATCH_EMULATOR_KEY: 'env-key' }, key: 'crlf-key' },
      { args: ['--api-key', 'flag-key'], env: { AOAI_BATCH_EMULATOR_KEY: 'env-key' }, key: 'flag-key' },
      { args: ['--token', 'flag-token'], env: { AOAI_BATCH_EMULATOR_KEY: '' }, key: 'emulator-key' },
    ];
    for (const { args, env, stdin, key } of cases) {
      const cli = startCli(args, { env, stdin });
      try {
        const url = await cli.listening;
        const label = JSON.stringify({ args, env, stdin });
        assert.equal((await fetch(`${url}/openai/v1/batches`, { headers: { 'api-key': key } })).status, 200, label);
        for (const other of ['env-key', 'stdin-key', 'flag-key', 'emulator-key', 'ignored second line'].filter((k) => k !== key)) {
          assert.equal((await fetch(`${url}/openai/v1/batches`, { headers: { 'api-key': other } })).status, 401, `${label}: ${other}`);
        }
      } finally {
        cli.child.kill('SIGTERM');
        await cli.exited;
      }
    }
    const token = startCli([], { env: { AOAI_BATCH_EMULATOR_TOKEN: 'env-token' } });
    try {
      const url = await token.listening;
      assert.equal((await fetch(`${url}/openai/v1/batches`, { headers: { authorization: 'Bearer env-token' } })).status, 200);
      assert.equal((await fetch(`${url}/openai/v1/batches`, { headers: { authorization: 'Bearer other' } })).status, 401);
    } finally {
      token.child.kill('SIGTERM');
      await token.exited;
    }
  });

  it('refuses --api-key with --api-key-stdin, and an empty standard input', async () => {
    const out = new PassThrough();
    const err = new PassThrough();
    await assert.rejects(runEmulatorCli(['--api-key', 'k', '--api-key-stdin'], out, err, {}, PassThrough.from(['k\n'])), /either --api-key or --api-key-stdin/);
    await assert.rejects(runEmulatorCli(['--api-key-stdin'], out, err, {}, PassThrough.from([])), /standard input has no key/);
    await assert.rejects(runEmulatorCli(['--api-key-stdin'], out, err, {}, PassThrough.from(['\n'])), /standard input has no key/);
  });

  it('lists every option it accepts in its usage and --help, and has an option for every setting', () => {
    const help = spawnSync(process.execPath, [builtCli, 'emulator', '--help'], { encoding: 'utf8' });
    assert.equal(help.status, 0, help.stderr);
    assert.equal(help.stderr, '');
    assert.ok(help.stdout.startsWith(`usage: aoai-batch ${usages.emulator}\n`));
    for (const flag of emulatorFlags) {
      assert.ok(usages.emulator.includes(`[--${flag.name}`), `--${flag.name} in the usage line`);
      assert.match(help.stdout, new RegExp(`\\n  --${flag.name}\\b.*\\S`), `--${flag.name} explained in --help`);
    }
    for (const name of ['--token', '--validating-delay-ms', '--finalizing-delay-ms', '--failure-marker', '--verbose', '--api-key-stdin']) {
      assert.ok(usages.emulator.includes(name), name);
    }
    assert.match(help.stdout, /visible to other users of this machine \(ps\)/);
    assert.match(help.stdout, /AOAI_BATCH_EMULATOR_KEY/);
    // Every setting of the emulator can be given on the command line.
    const settable = new Set(emulatorFlags.map((f) => f.option));
    for (const setting of Object.keys(resolveOptions({}))) {
      assert.ok(settable.has(setting as never), `a flag sets ${setting}`);
    }
  });

  it('passes every option of the table through to the emulator', async () => {
    const dataDir = join(tmp.dir, 'all-options');
    const values: Record<string, string> = { port: '0', 'failure-rate': '0.25', seed: '4', deployments: 'one,two=gpt-4o-mini-2024-07-18', 'data-dir': dataDir };
    values.arm = tmp.write('arm.json', JSON.stringify({ pageSize: 3 }));
    // --completion-window-s is the other spelling of --expire-after-ms (tested below): both at once are refused.
    const args = emulatorFlags.filter((f) => f.name !== 'completion-window-s').flatMap((f) => (f.kind === 'flag' ? (f.name === 'api-key-stdin' ? [] : [`--${f.name}`]) : [`--${f.name}`, values[f.name] ?? (f.kind === 'text' ? `value-${f.name}` : '7')]));
    const cli = startCli(args);
    try {
      const url = await cli.listening;
      assert.equal((await fetch(`${url}/openai/v1/batches`, { headers: { 'api-key': 'value-api-key' } })).status, 200);
      assert.equal((await fetch(`${url}/openai/v1/batches`, { headers: { authorization: 'Bearer value-token' } })).status, 200);
    } finally {
      cli.child.kill('SIGTERM');
      assert.equal(await cli.exited, 0, cli.output().stderr);
    }
    assert.ok(existsSync(join(dataDir, 'files')));
  });

  it('--completion-window-s N expires batches still running N seconds after creation, keeping what finished; refused with --expire-after-ms', async () => {
    await assert.rejects(runEmulatorCli(['--completion-window-s', '1', '--expire-after-ms', '1000'], new PassThrough(), new PassThrough()), /either --expire-after-ms or --completion-window-s/);
    await assert.rejects(runEmulatorCli(['--completion-window-s', '-1'], new PassThrough(), new PassThrough()), UsageError);
    const cli = startCli(['--completion-window-s', '3', '--request-delay-ms', '150', '--validating-delay-ms', '0']);
    try {
      const emulator = { url: await cli.listening, apiKey: 'emulator-key' } as RunningEmulator;
      const client = azure(emulator, GA);
      const rows = Array.from({ length: 40 }, (_, i) => JSON.stringify({ custom_id: `row-${i}`, method: 'POST', url: '/chat/completions', body: { model: 'gpt-4o-batch', messages: [{ role: 'user', content: `hi ${i}` }] } }));
      const file = await client.files.create({ file: createReadStream(tmp.write('window.jsonl', jsonl(rows))), purpose: 'batch' });
      const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/chat/completions' as never, completion_window: '24h' });
      const done = await waitFor((id) => client.batches.retrieve(id), batch.id, terminal, 15_000);
      assert.equal(done.status, 'expired');
      const finished = parseJsonl(await (await client.files.content(done.output_file_id!)).text());
      const expired = parseJsonl(await (await client.files.content(done.error_file_id!)).text());
      assert.ok(finished.length > 0 && finished.length < 40, `${finished.length} rows finished within the 3 s window: ${JSON.stringify(done)}`);
      assert.equal(finished.length + expired.length, 40);
      assert.ok(expired.every((row) => row.error.code === 'batch_expired'));
    } finally {
      cli.child.kill('SIGTERM');
      assert.equal(await cli.exited, 0, cli.output().stderr);
    }
  });

  it('prints the usage for --help and -h of every command, exit 0', () => {
    for (const command of Object.keys(usages) as (keyof typeof usages)[]) {
      for (const flag of ['--help', '-h']) {
        const result = spawnSync(process.execPath, [builtCli, command, flag], { encoding: 'utf8' });
        assert.equal(result.status, 0, `${command} ${flag}: ${result.stderr}`);
        assert.equal(result.stderr, '', `${command} ${flag}`);
        assert.ok(result.stdout.startsWith(`usage: aoai-batch ${usages[command]}\n`), `${command} ${flag}: ${result.stdout}`);
      }
    }
    const withOthers = spawnSync(process.execPath, [builtCli, 'submit', 'missing.jsonl', '--help'], { encoding: 'utf8' });
    assert.equal(withOthers.status, 0, 'help wins over the other arguments');
    assert.match(withOthers.stdout, /--api-key-stdin/);
    assert.match(withOthers.stdout, /visible to other users of this machine \(ps\)/);
  });
});
