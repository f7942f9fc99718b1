import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { request, requests } from './helpers';

const cli = resolve(__dirname, '../../../dist/cli.js');

function run(...args: string[]) {
  const result = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('CLI: validate', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'aoai-cli-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };

  it('exits 0 and prints a summary for a clean file', () => {
    const path = write('ok.jsonl', requests(3).join('\n') + '\n');
    const { code, stdout } = run('validate', path);
    assert.equal(code, 0);
    assert.equal(stdout, `${path}: 3 requests, 0 errors, 0 warnings\n`);
  });

  it('prints one JSON object with 1-based positions and exits 1 on errors', () => {
    const path = write('bad.jsonl', [request(), request({ method: 'GET', custom_id: 'x' }), ''].join('\n') + '\n');
    const { code, stdout } = run('validate', path, '--json');
    assert.equal(code, 1);
    const report = JSON.parse(stdout) as { file: string; requests: number; diagnostics: Record<string, unknown>[] };
    assert.deepEqual(Object.keys(report), ['file', 'requests', 'diagnostics']);
    assert.equal(report.file, path);
    assert.equal(report.requests, 2);
    const method = report.diagnostics.find((d) => d.code === 'invalid_method')!;
    const column = request({ method: 'GET', custom_id: 'x' }).indexOf('"GET"') + 1;
    assert.deepEqual(method, { line: 2, column, endLine: 2, endColumn: column + 5, severity: 'error', code: 'invalid_method', message: method.message });
    assert.ok(report.diagnostics.some((d) => d.code === 'blank_line' && d.severity === 'warning' && d.line === 3));
  });

  it('prints compiler-style lines', () => {
    const path = write('listing.jsonl', request({ url: '/nope' }) + '\n');
    const { code, stdout } = run('validate', path);
    assert.equal(code, 1);
    assert.match(stdout, new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:1:\\d+: error invalid_url: .+`, 'm'));
    assert.match(stdout, /1 request, 1 error, 0 warnings\n$/);
  });

  it('exits 0 with warnings only', () => {
    const path = write('warn.jsonl', [request({ custom_id: 'a' }), '', request({ custom_id: 'b' })].join('\n'));
    assert.equal(run('validate', path).code, 0);
  });

  it('honours limit options', () => {
    const path = write('limit.jsonl', requests(3).join('\n'));
    const { code, stdout } = run('validate', path, '--json', '--max-requests', '2');
    assert.equal(code, 1);
    assert.equal((JSON.parse(stdout) as { diagnostics: { code: string }[] }).diagnostics[0]!.code, 'too_many_tasks');
  });

  it('exits 2 for a missing file or wrong arguments, with the reason on stderr', () => {
    const missing = run('validate', join(dir, 'nope.jsonl'), '--json');
    assert.equal(missing.code, 2);
    assert.equal(missing.stdout, '');
    assert.match(missing.stderr, /cannot read .*nope\.jsonl: ENOENT/);
    assert.equal(run('validate').code, 2);
    assert.equal(run('validate', 'a', 'b').code, 2);
    assert.match(run('validate', 'a', '--bogus').stderr, /unknown option --bogus/);
    assert.equal(run('frobnicate').code, 2);
    assert.equal(run('validate', dir).code, 2);
  });
});

describe('CLI: validate output is bounded, not the number of problems', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'aoai-cli-caps-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, content: string | Buffer) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  interface Report {
    requests: number;
    diagnostics: { line: number; code: string }[];
    truncated?: boolean;
    counts?: Record<string, number>;
  }

  it('--json holds at most --max-diagnostics (default 1,000), with truncated and the counts of all', () => {
    const path = write('bad.jsonl', '{}\n'.repeat(300));
    const capped = run('validate', path, '--json', '--max-diagnostics', '7');
    assert.equal(capped.code, 1);
    const report = JSON.parse(capped.stdout) as Report;
    assert.deepEqual(Object.keys(report), ['file', 'requests', 'diagnostics', 'truncated', 'counts']);
    assert.equal(report.diagnostics.length, 7);
    assert.equal(report.truncated, true);
    assert.deepEqual(report.counts, { invalid_method: 300, invalid_url: 300, missing_body: 300, missing_custom_id: 300 });
    const byDefault = JSON.parse(run('validate', path, '--json').stdout) as Report;
    assert.equal(byDefault.diagnostics.length, 1000);
    assert.deepEqual(byDefault.diagnostics.slice(0, 7), report.diagnostics);
    assert.equal(byDefault.truncated, true);
    // Not capped: the documented shape, unchanged.
    const all = JSON.parse(run('validate', path, '--json', '--max-diagnostics', '1200').stdout) as Report;
    assert.deepEqual(Object.keys(all), ['file', 'requests', 'diagnostics']);
    assert.equal(all.diagnostics.length, 1200);
    assert.equal(JSON.parse(run('validate', path, '--json', '--max-diagnostics', '0').stdout).diagnostics.length, 0);
  });

  it('the listing prints every problem as found, or --max-diagnostics of them and how many more', () => {
    const path = write('listing-bad.jsonl', ['{}', request({ custom_id: 'a' }), '{bad'].join('\n'));
    const full = run('validate', path);
    assert.equal(full.code, 1);
    const lines = full.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 6);
    assert.deepEqual(lines.slice(0, 5).map((line) => line.slice(path.length + 1).split(':').slice(0, 2).join(':')), ['1:1', '1:1', '1:1', '1:1', '3:2']);
    assert.equal(lines[5], `${path}: 3 requests, 5 errors, 0 warnings`);
    const capped = run('validate', path, '--max-diagnostics', '2').stdout.trimEnd().split('\n');
    assert.equal(capped.length, 4);
    assert.equal(capped[2], `${path}: 3 more problems not shown (all problems by code: invalid_json_line 1, missing_custom_id 1, invalid_method 1, invalid_url 1, missing_body 1)`);
    assert.equal(capped[3], `${path}: 3 requests, 5 errors, 0 warnings`);
  });

  it('refuses a --max-diagnostics that is not a whole number', () => {
    const path = write('one.jsonl', request() + '\n');
    for (const value of ['-1', '1.5', 'many', '']) {
      const result = run('validate', path, '--max-diagnostics', value);
      assert.equal(result.code, 2, value);
      assert.match(result.stderr, /--max-diagnostics takes a whole number/);
    }
  });

  it('validates 300,000 bad rows in a 48 MB heap, listing and --json', () => {
    const path = write('many-bad.jsonl', '{}\n'.repeat(300_000));
    const listing = join(dir, 'listing.txt');
    const fd = openSync(listing, 'w');
    const streamed = spawnSync(process.execPath, ['--max-old-space-size=48', cli, 'validate', path], { stdio: ['ignore', fd, 'pipe'], encoding: 'utf8' });
    closeSync(fd);
    assert.equal(streamed.status, 1, streamed.stderr);
    const text = readFileSync(listing, 'utf8');
    assert.ok(text.endsWith(`${path}: 300,000 requests, 1,200,001 errors, 0 warnings\n`), text.slice(-200));
    assert.equal(text.split('\n').length - 1, 1_200_002);
    const json = spawnSync(process.execPath, ['--max-old-space-size=48', cli, 'validate', path, '--json'], { encoding: 'utf8' });
    assert.equal(json.status, 1, json.stderr);
    const report = JSON.parse(json.stdout) as Report;
    assert.equal(report.diagnostics.length, 1000);
    assert.equal(report.counts?.missing_body, 300_000);
  });

  it('gives file_too_large for a file with no line break, bigger than the limit, in a small heap', () => {
    const path = write('no-newline.jsonl', Buffer.alloc(40 * 1024 * 1024, 'a'));
    const result = spawnSync(process.execPath, ['--max-old-space-size=32', cli, 'validate', path, '--max-size-mb', '1'], { encoding: 'utf8' });
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stdout, /:1:1: error file_too_large: The file is 40\.0 MB; a batch file may be at most 1\.0 MB/);
    assert.match(result.stdout, /:1:1: error invalid_request: The line is 40\.0 MB, longer than 1\.0 MB/);
  });
});

describe('CLI: every command that reads an input file checks it first', function () {
  this.timeout(60_000);
  let dir: string;
  let fifo: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'aoai-cli-input-'));
    fifo = join(dir, 'pipe.jsonl');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const service = ['--endpoint', 'http://127.0.0.1:9', '--api-key', 'test-key'];
  const commands: [string, string[]][] = [
    ['validate', []],
    ['validate', ['--json']],
    ['estimate', []],
    ['submit', service],
    ['submit', [...service, '--split']],
  ];

  it('exits 2 at once for /dev/zero, a FIFO, a folder and a missing file, naming the path and the problem', () => {
    const cases: [() => string, RegExp][] = [
      [() => '/dev/zero', /^error: \/dev\/zero is not a file: it is a character device, not a regular file, so it was not read\n$/],
      [() => fifo, /^error: .*pipe\.jsonl is not a file: it is a FIFO, not a regular file, so it was not read\n$/],
      [() => dir, /^error: .*aoai-cli-input-\w+ is not a file: it is a directory\n$/],
      [() => join(dir, 'nope.jsonl'), /^error: cannot read .*nope\.jsonl: ENOENT\n$/],
    ];
    for (const [command, extra] of commands) {
      for (const [path, expected] of cases) {
        const started = Date.now();
        const result = spawnSync(process.execPath, [cli, command, path(), ...extra], { encoding: 'utf8', timeout: 15_000 });
        assert.equal(result.status, 2, `${command} ${path()}: ${result.stderr}`);
        assert.match(result.stderr, expected, `${command} ${extra.join(' ')}`);
        assert.equal(result.stdout, '');
        assert.ok(Date.now() - started < 10_000, `${command} ${path()} answered quickly`);
      }
    }
  });
});
