import * as assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { BatchClient } from '../../src/core/batch/client';
import { isTerminal } from '../../src/core/batch/status';
import type { RunningEmulator } from '../../src/emulator/index';
import { scratch } from './emulatorHelpers';
import { useEmulator } from './emulatorFixture';
import { request } from './helpers';
import { resultLine, stubService } from './stubService';
import { runCli } from './cliProcess';

/** Every file and folder below `dir`, relative to it with `/` separators. */
function tree(dir: string): string[] {
  return existsSync(dir) ? (readdirSync(dir, { recursive: true }) as string[]).map((p) => p.split(sep).join('/')).sort() : [];
}

/** Characters that would act on a terminal: C0 and C1 controls (a printed line break aside), DEL, escape. */
const terminalControls = /[\x00-\x09\x0b-\x1f\x7f-\x9f]/;

/** Runs the built CLI asynchronously (the emulator lives in this process, so spawnSync would block it). */
const run = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(args, { env });

describe('CLI: submit, status, download, cancel against the emulator', function () {
  this.timeout(60_000);
  let emulator: RunningEmulator;
  let files: ReturnType<typeof scratch>;
  let connection: string[];

  const fixture = useEmulator({ apiKey: 'cli-key' }, { onStart: (started) => (emulator = started) });
  before(async () => {
    files = scratch();
    connection = ['--endpoint', emulator.url, '--api-key', 'cli-key', '--poll-ms', '100'];
  });
  after(async () => {
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
    assert.deepEqual(forced.stdout.trim().split('\n').map((p) => p.slice(out.length + 1)), ['jobs.output.jsonl', 'jobs.errors.jsonl', 'jobs.results.jsonl', 'jobs.summary.md']);
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
    await fixture.restart({ port: emulator.port, requestDelayMs: 500 });
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

  /** A job created directly on the emulator, with the metadata a hostile or careless client could give it. */
  async function finishedJob(metadata: Record<string, string>, ids = ['h1', 'h2']): Promise<string> {
    const client = new BatchClient({ endpoint: emulator.url, apiVersion: '2025-04-01-preview', credential: { kind: 'apiKey', apiKey: 'cli-key' } });
    const input = files.write(`meta-${Object.keys(metadata).length}-${Date.now()}.jsonl`, ids.map((id) => request({ custom_id: id })).join('\n') + '\n');
    const uploaded = await client.uploadFile(input);
    await client.waitForFileProcessed(uploaded.id, { pollMs: 50 });
    const { batch } = await client.createBatch({ inputFileId: uploaded.id, endpoint: '/chat/completions', metadata });
    for (;;) {
      const current = await client.getBatch(batch.id);
      if (isTerminal(current.status)) {
        return current.id;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('names downloads after a safe form of a hostile source_file and writes only inside --out', async () => {
    const sandbox = join(files.dir, 'sandbox');
    const out = join(sandbox, 'a', 'b', 'out');
    const cases: [string, string][] = [
      ['../../X', 'X'],
      ['..\\..\\..\\Y.jsonl', 'Y'],
      ['/etc/passwd', 'passwd'],
      ['.', ''],
      ['', ''],
      ['\x1b[2J\x07bell.jsonl', '__2J_bell-5460f5'], // changed to be safe: its hash keeps it apart
    ];
    for (const [sourceFile, stem] of cases) {
      const id = await finishedJob({ source_file: sourceFile });
      const result = await run(['download', id, '--out', out, ...connection.slice(0, 4)]);
      assert.equal(result.code, 0, result.stderr);
      const expected = stem || id;
      assert.deepEqual(
        result.stdout.trim().split('\n').map((p) => p.slice(out.length + 1)),
        [`${expected}.output.jsonl`, `${expected}.errors.jsonl`, `${expected}.results.jsonl`, `${expected}.summary.md`],
        JSON.stringify(sourceFile),
      );
      assert.ok(!terminalControls.test(result.stdout + result.stderr));
    }
    assert.ok(tree(sandbox).every((path) => path === 'a' || path === 'a/b' || path === 'a/b/out' || path.startsWith('a/b/out/')), tree(sandbox).join(', '));
    assert.ok(!existsSync(join(files.dir, 'X.output.jsonl')) && !existsSync(join(sandbox, 'a', 'X.output.jsonl')));

    const table = await run(['status', ...connection.slice(0, 4)]);
    assert.equal(table.code, 0, table.stderr);
    assert.ok(table.stdout.includes(' bell.jsonl\n'), 'the source is shown, stripped');
    assert.ok(!terminalControls.test(table.stdout), 'no escape sequence reaches the terminal from the status table');
  });

  it('never writes through a symbolic link at the destination, and replaces an existing file only with --force', async () => {
    const id = await finishedJob({ source_file: 'linked.jsonl' }, ['l1', 'l2', 'l3']);
    const out = join(files.dir, 'linked-out');
    const outside = join(files.dir, 'outside');
    mkdirSync(out);
    mkdirSync(outside);
    const target = join(outside, 'precious.txt');
    writeFileSync(target, 'precious');
    const destination = join(out, 'linked.output.jsonl');
    symlinkSync(target, destination);
    for (const force of [[], ['--force']]) {
      const refused = await run(['download', id, '--out', out, ...force, ...connection.slice(0, 4)]);
      assert.equal(refused.code, 1, refused.stderr);
      assert.match(refused.stderr, /linked\.output\.jsonl: it is a symbolic link/);
      assert.equal(readFileSync(target, 'utf8'), 'precious', 'the file the link points to is untouched');
      assert.ok(lstatSync(destination).isSymbolicLink());
      assert.deepEqual(tree(out), ['linked.output.jsonl'], 'nothing else was written either');
    }
    // A link at the errors file is refused before the output file is written: all or nothing.
    rmSync(destination);
    symlinkSync(target, join(out, 'linked.errors.jsonl'));
    const second = await run(['download', id, '--out', out, '--force', ...connection.slice(0, 4)]);
    assert.equal(second.code, 1, second.stderr);
    assert.match(second.stderr, /linked\.errors\.jsonl: it is a symbolic link/);
    assert.deepEqual(tree(out), ['linked.errors.jsonl'], 'the output file was not written either');
    assert.equal(readFileSync(target, 'utf8'), 'precious');
    rmSync(join(out, 'linked.errors.jsonl'));
    writeFileSync(destination, 'earlier');
    const kept = await run(['download', id, '--out', out, ...connection.slice(0, 4)]);
    assert.equal(kept.code, 1);
    assert.ok(kept.stderr.includes(`${destination} already exists. Use --force to replace it.`), kept.stderr);
    assert.equal(readFileSync(destination, 'utf8'), 'earlier', 'unchanged without --force');
    const forced = await run(['download', id, '--out', out, '--force', ...connection.slice(0, 4)]);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(readFileSync(destination, 'utf8').trim().split('\n').length, 3, 'replaced with --force');
    assert.ok(lstatSync(destination).isFile());
    assert.deepEqual(tree(out), ['linked.errors.jsonl', 'linked.output.jsonl', 'linked.results.jsonl', 'linked.summary.md'], 'no temporary file left behind');
  });

  it('refuses existing result files before submitting, for submit --out and submit --split --out', async () => {
    const input = files.write('again.jsonl', Array.from({ length: 12 }, (_, i) => request({ custom_id: `g${i}` })).join('\n') + '\n');
    const out = join(files.dir, 'again-out');
    mkdirSync(out);
    writeFileSync(join(out, 'again.results.jsonl'), 'earlier');
    writeFileSync(join(out, 'again.output.jsonl'), 'earlier');
    const before = emulator.batches().length;
    const split = await run(['submit', input, ...connection, '--split', '--max-requests', '5', '--out', out]);
    assert.equal(split.code, 1, split.stderr);
    assert.match(split.stderr, /again\.results\.jsonl already exists\. Use --force to replace it\./);
    const single = await run(['submit', input, ...connection, '--out', out]);
    assert.equal(single.code, 1, single.stderr);
    assert.match(single.stderr, /again\.output\.jsonl already exists\. Use --force to replace it\./);
    assert.equal(emulator.batches().length, before, 'nothing was submitted');
    assert.equal(readFileSync(join(out, 'again.results.jsonl'), 'utf8'), 'earlier');
    const forced = await run(['submit', input, ...connection, '--split', '--max-requests', '5', '--out', out, '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(readFileSync(join(out, 'again.results.jsonl'), 'utf8').trim().split('\n').length, 12);
  });

  it('download writes the joined results and the summary next to the raw files, as the editor does', async () => {
    const id = await finishedJob({ source_file: 'joined.jsonl' }, ['j1', 'j2', 'j3']);
    const out = join(files.dir, 'joined-out');
    const result = await run(['download', id, '--out', out, ...connection.slice(0, 4)]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(tree(out), ['joined.errors.jsonl', 'joined.output.jsonl', 'joined.results.jsonl', 'joined.summary.md'], 'no temporary input left in --out');
    const rows = readFileSync(join(out, 'joined.results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { custom_id: string; status: string; status_code: number });
    assert.deepEqual(rows.map((r) => [r.custom_id, r.status, r.status_code]), [['j1', 'succeeded', 200], ['j2', 'succeeded', 200], ['j3', 'succeeded', 200]]);
    const summary = readFileSync(join(out, 'joined.summary.md'), 'utf8');
    assert.ok(summary.startsWith('# Results of joined\\.jsonl\n\n**Completed.**\n'), summary);
    assert.ok(summary.includes('| 3 | 3 | 0 | 0 |'), summary);

    // Joined to a local input instead: a request the job never saw is a missing row, in input order.
    const input = files.write('joined-local.jsonl', ['j0', 'j1', 'j2', 'j3'].map((customId) => request({ custom_id: customId })).join('\n') + '\n');
    const local = await run(['download', id, '--out', out, '--force', '--input', input, ...connection.slice(0, 4)]);
    assert.equal(local.code, 0, local.stderr);
    const joined = readFileSync(join(out, 'joined.results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { custom_id: string; status: string });
    assert.deepEqual(joined.map((r) => `${r.custom_id}:${r.status}`), ['j0:missing', 'j1:succeeded', 'j2:succeeded', 'j3:succeeded']);
    assert.ok(readFileSync(join(out, 'joined.summary.md'), 'utf8').includes('**Completed with failures.**'));
  });

  it('download refuses an existing summary without --force, before writing anything', async () => {
    const id = await finishedJob({ source_file: 'kept.jsonl' }, ['k1']);
    const out = join(files.dir, 'kept-out');
    mkdirSync(out);
    writeFileSync(join(out, 'kept.summary.md'), 'earlier');
    const refused = await run(['download', id, '--out', out, ...connection.slice(0, 4)]);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /kept\.summary\.md already exists\. Use --force to replace it\./);
    assert.deepEqual(tree(out), ['kept.summary.md'], 'nothing else was written');
    assert.equal(readFileSync(join(out, 'kept.summary.md'), 'utf8'), 'earlier');
  });

  it('download without the input file on the service writes the raw files and asks for --input (exit 1)', async () => {
    const server = await stubService({ batchId: 'batch_gone', metadata: { source_file: 'gone.jsonl' }, inputGone: true });
    try {
      const out = join(files.dir, 'gone');
      const result = await run(['download', 'batch_gone', '--out', out, '--endpoint', server.url, '--api-key', 'k']);
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /did not give the input file file-in of batch_gone .*--input FILE/);
      assert.deepEqual(tree(out), ['gone.output.jsonl']);
    } finally {
      await server.close();
    }
  });

  it('download keeps hostile ids, codes and names from breaking the summary', async () => {
    const hostile = 'a|b\n# heading `code` <img src=x> *bold* _it_';
    const failing = JSON.stringify({ id: 'r', custom_id: hostile, response: { status_code: 400, request_id: 'r', body: { error: { code: 'bad|code\n| x |', message: 'm' } } }, error: null });
    const server = await stubService({ batchId: 'batch_hostile', metadata: { source_file: 'x|y\n# z.jsonl' }, outputLines: [resultLine('ok1'), failing] });
    try {
      const out = join(files.dir, 'hostile');
      const result = await run(['download', 'batch_hostile', '--out', out, '--endpoint', server.url, '--api-key', 'k']);
      assert.equal(result.code, 0, result.stderr);
      const summary = readFileSync(join(out, 'x_y__ z-730fd5.summary.md'), 'utf8');
      const lines = summary.split('\n');
      assert.equal(lines[0], '# Results of x\\|y \\# z\\.jsonl');
      assert.equal(lines.filter((l) => l.startsWith('#')).length, 2, `only the title and the failures heading: ${summary}`);
      const codeRow = lines.find((l) => l.includes('bad'));
      assert.equal(codeRow, '| bad\\|code \\| x \\| | 1 |');
      assert.ok(!summary.includes('<img'), 'no raw HTML');
    } finally {
      await server.close();
    }
  });

  it('reports custom_ids the service answered more than once', async () => {
    const server = await stubService({ outputLines: ['d1', 'd2', 'd1', 'd3', 'd1', 'd2'].map((id) => resultLine(id)) });
    try {
      const out = join(files.dir, 'dupes');
      const result = await run(['download', 'batch_dupes', '--out', out, '--endpoint', server.url, '--api-key', 'k']);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, /warning: 2 custom_ids were answered more than once \(the latest success is kept\): d1, d2\n/);
    } finally {
      await server.close();
    }
  });
});

describe('CLI: names and text the service hands out', function () {
  this.timeout(30_000);
  let files: ReturnType<typeof scratch>;
  before(() => (files = scratch()));
  after(() => files.cleanup());

  it('a batch id of ../../X writes only inside --out, under a safe name', async () => {
    for (const [batchId, stem] of [['../../X', '_._X-3b89eb'], ['..', 'results'], ['/etc/passwd', '_etc_passwd-74acf3'], ['C:\\x', 'C__x-520186'], ['con', '_con-1143da']]) {
      const server = await stubService({ batchId, metadata: { source_file: '' } });
      try {
        const sandbox = join(files.dir, `sandbox-${stem}`);
        const out = join(sandbox, 'a', 'out');
        const result = await run(['download', 'batch_1', '--out', out, '--endpoint', server.url, '--api-key', 'k']);
        assert.equal(result.code, 0, result.stderr);
        const written = ['output.jsonl', 'results.jsonl', 'summary.md'].map((suffix) => `${stem}.${suffix}`);
        assert.deepEqual(tree(sandbox), ['a', 'a/out', ...written.map((name) => `a/out/${name}`).sort()], batchId);
        assert.equal(result.stdout, written.map((name) => `${join(out, name)}\n`).join(''));
      } finally {
        await server.close();
      }
    }
  });

  it('strips escape sequences and control characters from service messages, ids and metadata', async () => {
    const server = await stubService({ batchId: 'batch\x1b]0;pwned\x07_1', metadata: { source_file: 'x\x1b[2J\x07.jsonl\x9b31m' } });
    try {
      const connection = ['--endpoint', server.url, '--api-key', 'k'];
      const failed = await run(['status', 'evil', ...connection]);
      assert.equal(failed.code, 2);
      assert.match(failed.stderr, /^error: Bad request here \(HTTP 400, bad\)\n$/);
      const table = await run(['status', ...connection]);
      assert.equal(table.code, 0, table.stderr);
      assert.match(table.stdout, /batch_1\s+Completed\s+1\/1\s+2023-11-14 22:13:20\s+x\.jsonl\n$/);
      const json = await run(['status', 'batch_1', '--json', ...connection]);
      assert.equal(json.code, 0, json.stderr);
      assert.equal((JSON.parse(json.stdout) as { metadata: { source_file: string } }).metadata.source_file, 'x\x1b[2J\x07.jsonl\x9b31m', 'JSON keeps the value, escaped');
      const cancelled = await run(['cancel', 'batch_1', ...connection]);
      assert.equal(cancelled.stdout, 'batch_1 cancelling\n');
      for (const output of [failed, table, json, cancelled]) {
        assert.ok(!terminalControls.test(output.stdout + output.stderr), JSON.stringify(output));
      }
    } finally {
      await server.close();
    }
  });
});
