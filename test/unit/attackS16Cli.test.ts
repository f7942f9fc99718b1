import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { MAX_OPTION_FILE_BYTES, parseArgs, readOptionFile, UsageError } from '../../src/cli/args';
import { runEstimate } from '../../src/cli/estimateCommand';
import { runValidate } from '../../src/cli/validateCommand';
import { runCreate } from '../../src/cli/createCommand';
import { runCancel, runDownload, runStatus, runSubmit } from '../../src/cli/serviceCommands';
import { runDemo } from '../../src/cli/demoCommand';
import { runEmulatorCli } from '../../src/cli/emulatorCommand';
import { runResources } from '../../src/cli/resourcesCommand';
import { usages } from '../../src/cli/usage';
import { runCli } from './cliProcess';

// The command line as a hostile or careless user types it: a flag given twice, a short option, a settings file
// that is a FIFO or /dev/zero. Each ends at once in one clear error (exit 2), never a hang or a silent choice.

type Command = (argv: readonly string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream) => Promise<number>;

const commands: Record<keyof typeof usages, Command> = {
  validate: runValidate,
  estimate: runEstimate,
  submit: runSubmit,
  status: runStatus,
  download: runDownload,
  cancel: runCancel,
  emulator: (argv, out, err) => runEmulatorCli(argv, out, err, {}),
  demo: runDemo,
  resources: runResources,
  create: runCreate,
};

function sink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  return { stream: new Writable({ write: (chunk, _encoding, done) => (chunks.push(String(chunk)), done()) }), text: () => chunks.join('') };
}

/** Every `--flag` of a usage line, and whether it takes a value (`--flag VALUE`). */
function flagsOf(usage: string): { name: string; valued: boolean }[] {
  const found = new Map<string, boolean>();
  for (const match of usage.matchAll(/--([a-z][a-z-]*)(?:[ =]([A-Z][A-Za-z.[\]:,_-]*|[a-z]+\|[a-z|]+|a,b=model))?/g)) {
    found.set(match[1]!, match[2] !== undefined);
  }
  return [...found].map(([name, valued]) => ({ name, valued }));
}

describe('attack s16: the command line', () => {
  it('parseArgs refuses any option given twice (both spellings), and any short option', () => {
    assert.throws(() => parseArgs(['--a', '1', '--a', '2'], ['a'], []), (e: unknown) => e instanceof UsageError && e.message === '--a is given more than once');
    assert.throws(() => parseArgs(['--a=1', '--a', '2'], ['a'], []), /--a is given more than once/);
    assert.throws(() => parseArgs(['--f', '--f'], [], ['f']), /--f is given more than once/);
    assert.throws(() => parseArgs(['-x', 'file'], [], []), /unknown option -x/);
    assert.throws(() => parseArgs([`--${'z'.repeat(10_000)}`], [], []), (e: unknown) => e instanceof Error && e.message.length < 100);
    // A value that looks like a flag is still a value, and `-` and negative numbers stay positionals.
    assert.deepEqual([...parseArgs(['--a', '-x', '-', '-1'], ['a'], []).options], [['a', '-x']]);
    assert.deepEqual(parseArgs(['--a', '-x', '-', '-1'], ['a'], []).positionals, ['-', '-1']);
  });

  for (const [name, usage] of Object.entries(usages) as [keyof typeof usages, string][]) {
    it(`${name}: every option given twice is a usage error naming it, before anything is read or sent`, async () => {
      const flags = flagsOf(usage);
      assert.ok(flags.length > 0, usage);
      for (const flag of flags) {
        const once = flag.valued ? [`--${flag.name}`, '1'] : [`--${flag.name}`];
        const out = sink();
        const err = sink();
        await assert.rejects(
          commands[name](['x.jsonl', ...once, ...once], out.stream, err.stream),
          (error: unknown) => error instanceof UsageError && error.message === `--${flag.name} is given more than once`,
          `${name} --${flag.name}`,
        );
        assert.equal(out.text(), '', `${name} --${flag.name}: nothing printed`);
      }
    });
  }

  it('the built CLI prints one line and exits 2 for a repeated key, never using either', async () => {
    const result = await runCli(['status', '--endpoint', 'http://127.0.0.1:9', '--api-key', 'first-secret', '--api-key', 'second-secret']);
    assert.equal(result.code, 2, result.stderr);
    assert.equal(result.stderr, 'error: --api-key is given more than once\n');
    assert.equal(result.stdout, '');
  });
});

describe('attack s16: files an option reads whole (--prices, --arm)', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 's16-options-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a FIFO, a device, a folder, a missing or an oversized file are refused at once without reading them', async () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const big = join(dir, 'big.json');
    writeFileSync(big, Buffer.alloc(1024, 0x20));
    for (const [path, why] of [
      [fifo, /is not a file: it is a FIFO/],
      ['/dev/zero', /is not a file: it is a character device/],
      [dir, /is not a file: it is a directory/],
      [join(dir, 'missing.json'), /cannot read .*ENOENT/],
    ] as const) {
      const started = Date.now();
      await assert.rejects(readOptionFile(path, 'prices'), (e: unknown) => e instanceof UsageError && why.test(e.message) && e.message.startsWith('--prices: '));
      assert.ok(Date.now() - started < 1000, `${path} answered at once`);
    }
    await assert.rejects(readOptionFile(big, 'arm', 100), /--arm: .* is 1024 bytes, more than the 100/);
    assert.equal((await readOptionFile(big, 'arm')).length, 1024);
    assert.ok(MAX_OPTION_FILE_BYTES >= 1024 * 1024);
  });

  for (const [command, flag] of [
    ['estimate', 'prices'],
    ['emulator', 'arm'],
  ] as const) {
    it(`${command} --${flag} FIFO and /dev/zero end at once with exit 2 and one line`, async () => {
      const fifo = join(dir, `${command}.fifo`);
      execFileSync('mkfifo', [fifo]);
      const input = join(dir, 'ok.jsonl');
      writeFileSync(input, '{"custom_id":"a","method":"POST","url":"/chat/completions","body":{"model":"gpt-4o-batch","messages":[{"role":"user","content":"hi"}]}}\n');
      for (const path of [fifo, '/dev/zero']) {
        const started = Date.now();
        const result = await runCli(command === 'estimate' ? ['estimate', input, '--prices', path] : ['emulator', '--port', '0', '--arm', path]);
        assert.equal(result.code, 2, result.stderr);
        assert.match(result.stderr, new RegExp(`^error: --${flag}: ${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is not a file`));
        assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
        assert.ok(Date.now() - started < 10_000, 'no wait for a writer, no 512 MB read');
      }
    });
  }

  it('create --template and --response-format FIFO or /dev/zero end at once with one line, never waiting or reading', async () => {
    const fifo = join(dir, 'create.fifo');
    execFileSync('mkfifo', [fifo]);
    const data = join(dir, 'rows.csv');
    writeFileSync(data, 'id,text\n1,hello\n');
    for (const path of [fifo, '/dev/zero']) {
      for (const args of [
        ['create', data, '--template', path, '--out', join(dir, 'out.jsonl')],
        ['create', data, '--prompt', 'Say {{text}}', '--model', 'gpt-4o-batch', '--response-format', path, '--out', join(dir, 'out.jsonl')],
      ]) {
        const started = Date.now();
        const result = await runCli(args);
        assert.notEqual(result.code, 0, result.stderr);
        assert.match(result.stderr, /is not a file/, result.stderr);
        assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
        assert.ok(Date.now() - started < 10_000, `${args.join(' ')}: no wait for a writer, no endless read`);
      }
    }
  });
});
