import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
