import * as assert from 'node:assert/strict';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import * as fc from 'fast-check';
import { existingFiles, FileExistsError, resolveInside, UnsafePathError, writeFileAtomically } from '../../src/core/atomicFile';
import { joinResults, writeRetryFile } from '../../src/core/results/join';
import { resultPaths, resultStem, safeFileStem } from '../../src/core/results/names';
import { summarizeResultFiles } from '../../src/core/results/summary';
import { terminalJson, terminalSafe } from '../../src/core/terminalText';
import { request } from './helpers';

// Files are written only where they must be: names from the service become safe stems, every path stays
// in its folder, the one writer never follows a symbolic link or replaces a file unasked, and text from the
// service reaches the terminal without control characters. Replay a failure with FC_SEED=<seed> FC_PATH=<path>.

function settings(runs: number): fc.Parameters<unknown> {
  const numRuns = Math.max(1, Math.round(runs * Number(process.env.FC_RUNS_FACTOR ?? 1)));
  const seed = process.env.FC_SEED;
  return seed === undefined ? { numRuns } : { numRuns, seed: Number(seed), path: process.env.FC_PATH };
}

/** Names a hostile or careless service could hand out as an id or a `source_file`. */
const hostileNames = [
  '../../X',
  '..\\..\\X',
  '/etc/passwd',
  'C:\\x',
  'C:x',
  '\\\\server\\share\\x',
  '..',
  '.',
  '...',
  '',
  ' ',
  '.hidden',
  '-rf',
  'a/../../b',
  'x\0y',
  'con',
  'CON.jsonl',
  'nul.txt',
  'com1',
  'lpt9 ',
  'trailing. . .',
  'x'.repeat(10_000),
  'é'.repeat(300),
  '😀'.repeat(200),
  '\u202eexe.txt',
  '\x1b[2Jclear',
  'new\nline',
  '%2e%2e%2fX',
  '.\u2024/x',
];

const hostileName = fc.oneof(
  { arbitrary: fc.constantFrom(...hostileNames), weight: 2 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 300 }), weight: 3 },
  { arbitrary: fc.array(fc.constantFrom('..', '.', '/', '\\', 'a', 'é', ' ', '\0', ':', 'con'), { maxLength: 12 }).map((parts) => parts.join('')), weight: 2 },
);

const allowed = /^[\p{L}\p{N} ._()-]+$/u;

describe('safe file stems from service names', () => {
  let root: string;
  before(() => (root = mkdtempSync(join(tmpdir(), 'aoai-stems-'))));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('any name becomes a non-empty stem of whitelisted characters that stays in its folder', async () => {
    const folder = join(root, 'out');
    mkdirSync(folder);
    await fc.assert(
      fc.asyncProperty(hostileName, fc.option(hostileName, { nil: undefined }), async (name, fallback) => {
        const stem = safeFileStem(name, fallback);
        assert.ok(stem.length > 0);
        assert.match(stem, allowed);
        assert.ok(!stem.includes('..'), stem);
        assert.ok(!/^[ .-]/.test(stem) && !/[ .]$/.test(stem), `no leading dot, dash or space, no trailing dot or space: ${JSON.stringify(stem)}`);
        assert.ok(Buffer.byteLength(stem) <= 120);
        assert.ok(!/^(con|prn|aux|nul|com\d|lpt\d)$/i.test(stem.split('.')[0]!.trimEnd()), `not a Windows device name: ${stem}`);
        assert.equal(safeFileStem(stem), stem, 'a safe stem is its own stem');
        for (const path of Object.values(await resultPaths(folder, resultStem(name, fallback ?? 'batch_1')))) {
          assert.equal(dirname(path), folder);
          assert.ok(!relative(folder, path).startsWith('..'));
        }
      }),
      settings(400),
    );
    assert.deepEqual(readdirSync(folder), [], 'computing paths writes nothing');
  });

  it('keeps ordinary names as they are and falls back to the id, then a constant', () => {
    assert.equal(resultStem('jobs.jsonl', 'batch_1'), 'jobs');
    assert.equal(resultStem('Données 2025 (v2).JSONL', 'batch_1'), 'Données 2025 (v2)');
    assert.equal(resultStem('../../X', 'batch_1'), 'X');
    assert.equal(resultStem('C:\\data\\evil.jsonl', 'batch_1'), 'evil');
    assert.match(resultStem(undefined, '../../X'), /^_\._X-[0-9a-f]{6}$/, 'a changed name ends in its hash');
    assert.equal(resultStem('', 'batch_abc'), 'batch_abc');
    assert.equal(resultStem('..', '..'), 'results');
    assert.match(resultStem('con.jsonl', 'batch_1'), /^_con-[0-9a-f]{6}$/);
    assert.match(safeFileStem('\x1b[2J\x07'), /^__2J_-[0-9a-f]{6}$/);
  });

  it('resolveInside refuses names that climb out, are absolute, or lead through a symlinked folder', async () => {
    const folder = join(root, 'inside');
    const outside = join(root, 'outside');
    mkdirSync(folder);
    mkdirSync(outside);
    symlinkSync(outside, join(folder, 'link'));
    assert.equal(await resolveInside(folder, 'a.jsonl'), join(resolve(folder), 'a.jsonl'));
    for (const name of ['../x', '../../etc/passwd', '/etc/passwd', '..', '.', '', 'link/x', 'x\0y']) {
      await assert.rejects(resolveInside(folder, name), (error: unknown) => error instanceof UnsafePathError && error.reason === 'outside', name);
    }
    // A folder reached through a symbolic link the user chose is fine: the check is relative to where it points.
    symlinkSync(folder, join(root, 'alias'));
    assert.equal(await resolveInside(join(root, 'alias'), 'b.jsonl'), join(root, 'alias', 'b.jsonl'));
  });
});

describe('the one atomic writer', () => {
  let root: string;
  let cases = 0;
  before(() => (root = mkdtempSync(join(tmpdir(), 'aoai-writer-'))));
  after(() => rmSync(root, { recursive: true, force: true }));

  const fresh = () => {
    const dir = join(root, `case-${cases++}`);
    mkdirSync(dir);
    const outside = join(dir, 'outside');
    mkdirSync(outside);
    const folder = join(dir, 'folder');
    mkdirSync(folder);
    return { dir, folder, outside };
  };
  const write = (destination: string, text: string, overwrite?: boolean) => writeFileAtomically(destination, (w) => w(text), { overwrite });
  const partials = (dir: string) => (readdirSync(dir, { recursive: true }) as string[]).filter((name) => name.endsWith('.partial'));

  type Layout = 'missing' | 'file' | 'symlink-to-file' | 'symlink-to-missing' | 'symlink-to-folder' | 'folder';
  const layouts: Layout[] = ['missing', 'file', 'symlink-to-file', 'symlink-to-missing', 'symlink-to-folder', 'folder'];

  it('writes only a missing file, or a regular file with consent; never through a symbolic link; the target is never touched', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...layouts), fc.boolean(), fc.string({ maxLength: 200 }), fc.constantFrom('NAME.summary.md', 'NAME.results.jsonl', 'x.output.jsonl'), async (layout, overwrite, content, name) => {
        const { dir, folder, outside } = fresh();
        const destination = join(folder, name);
        const target = join(outside, 'precious.txt');
        writeFileSync(target, 'precious');
        if (layout === 'file') {
          writeFileSync(destination, 'earlier');
        } else if (layout === 'symlink-to-file') {
          symlinkSync(target, destination);
        } else if (layout === 'symlink-to-missing') {
          symlinkSync(join(outside, 'created-through-link.txt'), destination);
        } else if (layout === 'symlink-to-folder') {
          symlinkSync(outside, destination);
        } else if (layout === 'folder') {
          mkdirSync(destination);
        }
        const attempt = write(destination, content, overwrite);
        if (layout === 'missing' || (layout === 'file' && overwrite)) {
          await attempt;
          assert.equal(readFileSync(destination, 'utf8'), content);
          assert.ok(lstatSync(destination).isFile());
        } else if (layout === 'file') {
          await assert.rejects(attempt, FileExistsError);
          assert.equal(readFileSync(destination, 'utf8'), 'earlier', 'unchanged without consent');
        } else {
          await assert.rejects(attempt, (error: unknown) => error instanceof UnsafePathError && error.reason === (layout === 'folder' ? 'not-a-file' : 'symlink'));
          assert.equal(lstatSync(destination).isSymbolicLink(), layout !== 'folder', 'the link is left as it was');
        }
        assert.equal(readFileSync(target, 'utf8'), 'precious', 'the file outside is untouched');
        assert.deepEqual(readdirSync(outside).sort(), ['precious.txt'], 'nothing was created outside');
        assert.deepEqual(partials(dir), [], 'no temporary file left behind');
      }),
      settings(150),
    );
  });

  it('replaces an existing file atomically with consent: readers see the old or the new content, never a mix', async () => {
    const { folder } = fresh();
    const destination = join(folder, 'r.jsonl');
    writeFileSync(destination, 'old\n');
    const seen = new Set<string>();
    await writeFileAtomically(
      destination,
      async (w) => {
        for (let i = 0; i < 2000; i++) {
          await w(`row ${i}\n`);
          if (i % 100 === 0) {
            seen.add(readFileSync(destination, 'utf8'));
          }
        }
      },
      { overwrite: true },
    );
    assert.deepEqual([...seen], ['old\n'], 'the old content stays whole until the new one is complete');
    assert.equal(readFileSync(destination, 'utf8').split('\n').length, 2001);
  });

  it('refuses when the destination becomes a symlink or appears while the file is written', async () => {
    const { dir, folder, outside } = fresh();
    const target = join(outside, 'precious.txt');
    writeFileSync(target, 'precious');
    const linked = join(folder, 'late-link.md');
    await assert.rejects(
      writeFileAtomically(linked, async (w) => {
        await w('content');
        symlinkSync(target, linked);
      }, { overwrite: true }),
      UnsafePathError,
    );
    const appeared = join(folder, 'late-file.md');
    await assert.rejects(
      writeFileAtomically(appeared, async (w) => {
        await w('mine');
        writeFileSync(appeared, 'theirs');
      }),
      FileExistsError,
    );
    assert.equal(readFileSync(appeared, 'utf8'), 'theirs', 'a file that appeared meanwhile is not replaced');
    assert.equal(readFileSync(target, 'utf8'), 'precious');
    assert.deepEqual(partials(dir), []);
  });

  it('refuses when its folder is swapped for a symbolic link while the file is written', async () => {
    const { dir, folder, outside } = fresh();
    const destination = join(folder, 'swapped.jsonl');
    await assert.rejects(
      writeFileAtomically(destination, async (w) => {
        await w('content');
        rmSync(folder, { recursive: true, force: true });
        symlinkSync(outside, folder);
      }),
      (error: unknown) => error instanceof UnsafePathError && error.reason === 'folder-changed',
    );
    assert.deepEqual(readdirSync(outside), [], 'nothing written where the link points');
    assert.deepEqual(partials(dir), []);
  });

  it('restart() empties the file for a producer that starts over', async () => {
    const { folder } = fresh();
    const destination = join(folder, 'again.jsonl');
    await writeFileAtomically(destination, async (w, restart) => {
      await w('x'.repeat(300_000));
      await restart();
      await w('short');
    });
    assert.equal(readFileSync(destination, 'utf8'), 'short');
  });

  it('existingFiles lists what exists and refuses links and folders, for one question before any write', async () => {
    const { folder, outside } = fresh();
    writeFileSync(join(folder, 'a'), '');
    symlinkSync(join(outside, 'nowhere'), join(folder, 'b'));
    mkdirSync(join(folder, 'c'));
    assert.deepEqual(await existingFiles([join(folder, 'a'), join(folder, 'z')]), [join(folder, 'a')]);
    await assert.rejects(existingFiles([join(folder, 'b')]), (error: unknown) => error instanceof UnsafePathError && error.reason === 'symlink');
    await assert.rejects(existingFiles([join(folder, 'c')]), (error: unknown) => error instanceof UnsafePathError && error.reason === 'not-a-file');
  });

  it('the join and the retry file go through it: no silent replace, no write through a link', async () => {
    const { folder, outside } = fresh();
    const input = join(folder, 'in.jsonl');
    writeFileSync(input, [request({ custom_id: 'a' }), request({ custom_id: 'b' })].join('\n') + '\n');
    const output = join(folder, 'in.output.jsonl');
    writeFileSync(output, ok('a') + '\n');
    const results = join(folder, 'in.results.jsonl');
    await joinResults(input, [{ output }], results);
    await assert.rejects(joinResults(input, [{ output }], results), FileExistsError);
    await joinResults(input, [{ output }], results, { overwrite: true });
    const target = join(outside, 'precious.txt');
    writeFileSync(target, 'precious');
    const retry = join(folder, 'in.retry-1.jsonl');
    symlinkSync(target, retry);
    await assert.rejects(writeRetryFile(input, new Set(['b']), retry, { overwrite: true }), UnsafePathError);
    assert.equal(readFileSync(target, 'utf8'), 'precious');
    const counted = await joinResults(input, [{ output }], undefined);
    assert.deepEqual(counted.unfinishedIds, ['b'], 'without a destination the join only counts');
  });
});

const ok = (id: string, content = `answer ${id}`) =>
  JSON.stringify({ id: `batch_req_${id}`, custom_id: id, response: { status_code: 200, request_id: 'r', body: { choices: [{ message: { role: 'assistant', content } }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } } }, error: null });
const failed = (id: string) => JSON.stringify({ id: `batch_req_${id}`, custom_id: id, response: { status_code: 500, request_id: 'r', body: { error: { code: 'server_error', message: 'x' } } }, error: null });

describe('custom_ids answered more than once', () => {
  let root: string;
  let runs = 0;
  before(() => (root = mkdtempSync(join(tmpdir(), 'aoai-repeats-'))));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('are counted once each and named, per job, whichever file holds them; retries are not repeats', async () => {
    const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
    const line = fc.record({ id: fc.constantFrom(...ids), succeeded: fc.boolean() });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(line, { maxLength: 14 }), { minLength: 1, maxLength: 3 }), async (attempts) => {
        const dir = join(root, `case-${runs++}`);
        mkdirSync(dir);
        const input = join(dir, 'in.jsonl');
        writeFileSync(input, ids.map((id) => request({ custom_id: id })).join('\n') + '\n');
        const files = attempts.map((lines, a) => {
          const output = join(dir, `a${a}.output.jsonl`);
          const errors = join(dir, `a${a}.errors.jsonl`);
          writeFileSync(output, lines.filter((l) => l.succeeded).map((l) => ok(l.id)).join('\n'));
          writeFileSync(errors, lines.filter((l) => !l.succeeded).map((l) => failed(l.id)).join('\n'));
          return { output, errors };
        });
        const repeatsIn = (lines: { id: string }[]) => new Set(lines.filter((l, i) => lines.findIndex((m) => m.id === l.id) !== i).map((l) => l.id));
        const expected = new Set(attempts.flatMap((lines) => [...repeatsIn(lines)]));
        const joined = await joinResults(input, files, join(dir, 'in.results.jsonl'));
        assert.equal(joined.repeatedIds.count, expected.size);
        assert.deepEqual(new Set(joined.repeatedIds.first), expected);
        // The latest success is kept: a repeated id with any success in the job is a success.
        for (const id of ids) {
          const succeededSomewhere = attempts.some((lines) => lines.some((l) => l.id === id && l.succeeded));
          assert.equal(!joined.unfinishedIds.includes(id), succeededSomewhere, id);
        }
        const one = await summarizeResultFiles([files[0]!.output, files[0]!.errors]);
        assert.deepEqual(new Set(one.repeatedIds.first), repeatsIn(attempts[0]!));
        rmSync(dir, { recursive: true, force: true });
      }),
      settings(80),
    );
  });

  it('name at most ten of them, counting all', async () => {
    const dir = join(root, 'many');
    mkdirSync(dir);
    const input = join(dir, 'in.jsonl');
    const many = Array.from({ length: 25 }, (_, i) => `r${i}`);
    writeFileSync(input, many.map((id) => request({ custom_id: id })).join('\n'));
    const output = join(dir, 'out.jsonl');
    writeFileSync(output, [...many, ...many].map((id) => ok(id)).join('\n'));
    const summary = await joinResults(input, [{ output }], undefined);
    assert.equal(summary.repeatedIds.count, 25);
    assert.deepEqual(summary.repeatedIds.first, many.slice(0, 10));
    assert.equal(summary.succeeded, 25, 'each request still counted once');
  });
});

describe('text from the service printed on a terminal', () => {
  const controlOrEscape = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/;

  it('terminalSafe leaves no control character, is idempotent and keeps printable text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), fc.array(fc.constantFrom('\x1b[2J', '\x07', '\x1b]0;title\x07', '\x1b]8;;http://x\x1b\\', '\x9b31m', '\x1bc', '\r', '\n', '\u202e'), { maxLength: 6 }), (text, escapes) => {
          const mixed = escapes.reduce((acc, e, i) => acc.slice(0, i * 3) + e + acc.slice(i * 3), text);
          const safe = terminalSafe(mixed);
          assert.ok(!controlOrEscape.test(safe), JSON.stringify(safe));
          assert.equal(terminalSafe(safe), safe);
        },
      ),
      settings(500),
    );
    assert.equal(terminalSafe('batch_abc completed · 5/5 — é 😀'), 'batch_abc completed · 5/5 — é 😀');
    assert.equal(terminalSafe('bad\x1b[2J\x07 thing\x1b]0;pwned\x07!'), 'bad thing!');
    assert.equal(terminalSafe('two\nlines\r\n'), 'two lines  ');
  });

  it('terminalJson parses back to the same value with every control character escaped', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string({ unit: 'binary', maxLength: 50 }), (value, text) => {
        for (const v of [value, { id: text, metadata: { source_file: text } }]) {
          const printed = terminalJson(v);
          assert.ok(!controlOrEscape.test(printed), printed);
          assert.deepEqual(JSON.parse(printed), JSON.parse(JSON.stringify(v)));
        }
      }),
      settings(300),
    );
  });
});
