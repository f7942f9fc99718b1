import * as assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { parseArgs, UsageError } from '../../src/cli/args';
import { clientFromArgs, connectionFlags, connectionValued } from '../../src/cli/connectionOptions';
import type { RunningEmulator } from '../../src/emulator/index';
import { runCli } from './cliProcess';
import { useEmulator } from './emulatorFixture';

/** Runs the built CLI with `stdin` piped in. */
const run = (args: string[], stdin: string) => runCli(args, { stdin });

const parse = (argv: string[]) => parseArgs(argv, connectionValued, connectionFlags);

describe('CLI: the service key from the environment or standard input', function () {
  this.timeout(30_000);
  let emulator: RunningEmulator;
  useEmulator({ apiKey: 'piped-key' }, { onStart: (started) => (emulator = started) });

  it('reads --api-key-stdin from the first line of standard input', async () => {
    for (const input of [['piped-key\n'], ['piped-key\r\nsecond line\n'], ['pip', 'ed-k', 'ey'], ['piped-key']]) {
      const client = await clientFromArgs(parse(['--endpoint', emulator.url, '--api-key-stdin']), {}, PassThrough.from(input));
      assert.ok(Array.isArray((await client.listBatches({ limit: 1 })).data), JSON.stringify(input));
    }
    const fromEnv = await clientFromArgs(parse(['--endpoint', emulator.url]), { AZURE_OPENAI_API_KEY: 'piped-key' }, PassThrough.from([]));
    assert.ok(Array.isArray((await fromEnv.listBatches({ limit: 1 })).data), 'AZURE_OPENAI_API_KEY');
  });

  it('refuses an empty standard input and more than one key source', async () => {
    const endpoint = ['--endpoint', emulator.url];
    await assert.rejects(clientFromArgs(parse([...endpoint, '--api-key-stdin']), {}, PassThrough.from([])), UsageError);
    await assert.rejects(clientFromArgs(parse([...endpoint, '--api-key-stdin']), {}, PassThrough.from(['\n'])), /no key on its first line/);
    await assert.rejects(clientFromArgs(parse([...endpoint, '--api-key-stdin', '--api-key', 'k']), {}, PassThrough.from(['k\n'])), /either --api-key or --api-key-stdin/);
    await assert.rejects(clientFromArgs(parse([...endpoint, '--api-key-stdin', '--entra']), {}, PassThrough.from(['k\n'])), /either --api-key-stdin or --entra/);
    await assert.rejects(clientFromArgs(parse([...endpoint, '--api-key', 'k', '--entra']), {}, PassThrough.from([])), /either --api-key or --entra/);
  });

  it('never echoes an endpoint that is not a URL (it may hold a pasted key)', async () => {
    await assert.rejects(clientFromArgs(parse(['--endpoint', 'sk-secret-pasted-here', '--api-key', 'k']), {}), (error: Error) => {
      assert.ok(error instanceof UsageError);
      assert.doesNotMatch(error.message, /sk-secret/);
      return true;
    });
  });

  it('works end to end: status --api-key-stdin with the key piped in, never on the command line', async () => {
    const ok = await run(['status', '--endpoint', emulator.url, '--api-key-stdin', '--json'], 'piped-key\n');
    assert.equal(ok.code, 0, ok.stderr);
    assert.ok(Array.isArray(JSON.parse(ok.stdout)));
    const wrong = await run(['status', '--endpoint', emulator.url, '--api-key-stdin'], 'wrong-key-456\n');
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /401/);
    assert.doesNotMatch(wrong.stderr, /wrong-key-456/, 'the key is not echoed');
  });
});
