import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as fc from 'fast-check';
import { readLocatedLines } from '../../src/core/io/lineReader';
import { joinResults, type Attempt, type JoinedLine, type JoinSummary } from '../../src/core/results/join';
import { failureKey, MalformedResultLine, parseResultLine } from '../../src/core/results/outputLine';
import { summarizeResultFiles } from '../../src/core/results/summary';
import { request } from './helpers';

// Property-based tests of joining a job's output and error files back to its input. A failure prints
// fast-check's seed and path; to replay it, run with FC_SEED=<seed> FC_PATH=<path>.
// FC_RUNS_FACTOR=<n> multiplies every property's number of runs, for a longer search.

function settings(runs: number): fc.Parameters<unknown> {
  const numRuns = Math.max(1, Math.round(runs * Number(process.env.FC_RUNS_FACTOR ?? 1)));
  const seed = process.env.FC_SEED;
  return seed === undefined ? { numRuns } : { numRuns, seed: Number(seed), path: process.env.FC_PATH };
}

// ---------------------------------------------------------------------------------------------------
// Inputs and result lines, tagged with what the join must make of them
// ---------------------------------------------------------------------------------------------------

/** Input ids: plain, non-ASCII, JSON-escaped and prototype-like names. None starts with `zz-`. */
const idPool = ['a', 'b', 'c', 'd', 'task-1', 'task-2', 'é', '😀', ' ', 'x"y', 'back\\slash', 'line\u2028sep', '__proto__', 'constructor', 'toString'];
const inputId = fc.oneof({ arbitrary: fc.constantFrom(...idPool), weight: 3 }, { arbitrary: fc.nat({ max: 50 }).map((n) => `id-${n}`), weight: 2 });

/** Input lines without a usable id: skipped by the join (and by the service). */
const idlessInputLine = fc.constantFrom('', '  ', '{bad', '[1]', 'null', '{"custom_id": ""}', '{"custom_id": 7}', request({ custom_id: undefined }));

type InputRow = { readonly id: string } | { readonly skipped: string };
const inputRows = fc.array(fc.oneof({ arbitrary: inputId.map((id): InputRow => ({ id })), weight: 5 }, { arbitrary: idlessInputLine.map((skipped): InputRow => ({ skipped })), weight: 1 }), { maxLength: 12 });

type FailStyle = 'status' | 'error' | 'oddCode';
/** One line of a result file. `pick` chooses an input id (the id is resolved once the input is known). */
type Spec =
  | { readonly kind: 'ok'; readonly pick: number }
  | { readonly kind: 'failed'; readonly pick: number; readonly style: FailStyle; readonly status: number }
  | { readonly kind: 'unknown'; readonly n: number; readonly succeeded: boolean }
  | { readonly kind: 'malformed'; readonly variant: number; readonly cut: number }
  | { readonly kind: 'blank'; readonly text: string };

const specArb: fc.Arbitrary<Spec> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('ok' as const), pick: fc.nat() }), weight: 5 },
  { arbitrary: fc.record({ kind: fc.constant('failed' as const), pick: fc.nat(), style: fc.constantFrom<FailStyle>('status', 'status', 'error', 'oddCode'), status: fc.constantFrom(400, 429, 500, 503) }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('unknown' as const), n: fc.nat({ max: 5 }), succeeded: fc.boolean() }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('malformed' as const), variant: fc.nat(), cut: fc.nat() }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('blank' as const), text: fc.constantFrom('', ' ', '\t', '\u00a0') }), weight: 1 },
);

interface ResultFileSpec {
  readonly lines: readonly Spec[];
  readonly bom: boolean;
  readonly crlf: boolean;
  readonly finalBreak: boolean;
}
const resultFile: fc.Arbitrary<ResultFileSpec> = fc.record({
  lines: fc.array(specArb, { maxLength: 10 }),
  bom: fc.oneof({ arbitrary: fc.constant(false), weight: 3 }, { arbitrary: fc.constant(true), weight: 1 }),
  crlf: fc.boolean(),
  finalBreak: fc.boolean(),
});
const attemptArb = fc.record({ output: fc.option(resultFile, { nil: undefined }), errors: fc.option(resultFile, { nil: undefined }) });

/** What one rendered result line is, for the oracle. */
interface Rendered {
  readonly text: string;
  readonly line: number; // 1-based
  readonly kind: Spec['kind'];
  readonly id?: string;
  readonly succeeded?: boolean;
  /** Unique per line: the winning line's token must be the one in the joined row. */
  readonly token?: string;
  readonly statusCode?: number | null;
  readonly promptTokens?: number;
  readonly completionTokens?: number;
}

const okLine = (id: string, token: string, prompt: number, completion: number) =>
  JSON.stringify({ id: `batch_req_${token}`, custom_id: id, response: { status_code: 200, request_id: `r-${token}`, body: { object: 'chat.completion', token, choices: [{ message: { role: 'assistant', content: `answer ${token}` } }], usage: { prompt_tokens: prompt, completion_tokens: completion } } }, error: null });

function failedLine(id: string, token: string, style: FailStyle, status: number): { text: string; statusCode: number | null } {
  switch (style) {
    case 'status':
      return { text: JSON.stringify({ id: `batch_req_${token}`, custom_id: id, response: { status_code: status, request_id: `r-${token}`, body: { error: { code: `code_${status}`, message: `m ${token}` } } }, error: null }), statusCode: status };
    case 'error':
      return { text: JSON.stringify({ id: `batch_req_${token}`, custom_id: id, response: null, error: { code: 'internal_error', message: `m ${token}` } }), statusCode: null };
    case 'oddCode':
      // An error code that String() cannot convert: an object whose toString is not a function.
      return { text: JSON.stringify({ custom_id: id, response: { status_code: status, body: {} }, error: { code: { toString: 1, valueOf: 2 }, message: `m ${token}` } }), statusCode: status };
  }
}

const malformedVariants: readonly ((cut: number, token: string) => string)[] = [
  (cut, token) => {
    const line = okLine('a', token, 1, 1);
    return line.slice(0, 1 + (cut % (line.length - 1))); // truncated: a proper prefix of an object
  },
  () => 'not json',
  () => '[1]',
  () => '{}',
  () => 'null',
  () => '"a string"',
  () => '42',
  () => '{"custom_id": ""}',
  () => '{"custom_id": 5, "response": {"status_code": 200}}',
  () => '{"response": {"status_code": 200, "body": {}}, "error": null}',
  () => '{"custom_id": "a", "response": {"status_code": 200}} trailing',
  () => "{'custom_id': 'a'}",
  () => '{"custom_id": "a\u0000b"}', // a raw control character inside a string
];

function renderFile(spec: ResultFileSpec, ids: readonly string[], fileIndex: number): { bytes: Buffer; lines: Rendered[] } {
  const lines: Rendered[] = spec.lines.map((s, index) => {
    const token = `${fileIndex}.${index}`;
    const line = index + 1;
    const known = (pick: number) => (ids.length > 0 ? ids[pick % ids.length]! : undefined);
    switch (s.kind) {
      case 'ok': {
        const id = known(s.pick);
        const prompt = (index % 7) + 1;
        const completion = index % 5;
        return id === undefined
          ? { text: okLine('zz-none', token, prompt, completion), line, kind: 'unknown', id: 'zz-none', succeeded: true }
          : { text: okLine(id, token, prompt, completion), line, kind: 'ok', id, succeeded: true, token, statusCode: 200, promptTokens: prompt, completionTokens: completion };
      }
      case 'failed': {
        const id = known(s.pick);
        const { text, statusCode } = failedLine(id ?? 'zz-none', token, s.style, s.status);
        return id === undefined ? { text, line, kind: 'unknown', id: 'zz-none', succeeded: false } : { text, line, kind: 'failed', id, succeeded: false, token, statusCode };
      }
      case 'unknown': {
        const id = `zz-${s.n}`;
        return { text: s.succeeded ? okLine(id, token, 1, 1) : failedLine(id, token, 'status', 500).text, line, kind: 'unknown', id, succeeded: s.succeeded };
      }
      case 'malformed':
        return { text: malformedVariants[s.variant % malformedVariants.length]!(s.cut, token), line, kind: 'malformed' };
      case 'blank':
        return { text: s.text, line, kind: 'blank' };
    }
  });
  const eol = spec.crlf ? '\r\n' : '\n';
  const text = (spec.bom ? '\uFEFF' : '') + lines.map((l) => l.text).join(eol) + (spec.finalBreak && lines.length > 0 ? eol : '');
  return { bytes: Buffer.from(text, 'utf8'), lines };
}

// ---------------------------------------------------------------------------------------------------
// 6. joinResults
// ---------------------------------------------------------------------------------------------------

interface Expected {
  readonly rendered: readonly { file: string; lines: readonly Rendered[] }[];
}

/** The spec of the join, independent of how it is done: per id, the last success of all files, else the last failure. */
function winners(expected: Expected): Map<string, Rendered> {
  const best = new Map<string, Rendered>();
  for (const { lines } of expected.rendered) {
    for (const line of lines) {
      if (line.kind !== 'ok' && line.kind !== 'failed') {
        continue;
      }
      const previous = best.get(line.id!);
      if (line.succeeded || !previous?.succeeded) {
        best.set(line.id!, line);
      }
    }
  }
  return best;
}

function checkJoin(ids: readonly string[], expected: Expected, summary: JoinSummary, joined: readonly JoinedLine[]): void {
  // Every input row with an id, once, in input order, with its own id; the counts count each id once.
  const distinct = new Set(ids);
  assert.equal(summary.total, distinct.size);
  assert.equal(summary.succeeded + summary.failed + summary.missing, summary.total);
  assert.equal(joined.length, ids.length);
  const repeated = new Set(ids.filter((id, i) => ids.indexOf(id) !== i));
  assert.equal(summary.duplicateInputIds?.count, repeated.size, 'ids on several input lines are reported');
  const counted = new Set<string>();
  const best = winners(expected);
  let succeeded = 0;
  let failed = 0;
  let prompt = 0;
  let completion = 0;
  const unfinished: string[] = [];
  joined.forEach((row, i) => {
    assert.equal(row.custom_id, ids[i], `row ${i}: its own custom_id`);
    const winner = best.get(ids[i]!);
    // A later line of a repeated id gets the same row, uncounted.
    const count = !counted.has(ids[i]!);
    counted.add(ids[i]!);
    if (winner === undefined) {
      assert.deepEqual(row, { custom_id: ids[i], status: 'missing', status_code: null, response: null, error: null }, `row ${i}: missing`);
      if (count) {
        unfinished.push(ids[i]!);
      }
    } else if (winner.succeeded) {
      if (count) {
        succeeded++;
        prompt += winner.promptTokens!;
        completion += winner.completionTokens!;
      }
      assert.equal(row.status, 'succeeded', `row ${i}`);
      assert.equal(row.status_code, 200);
      assert.equal((row.response as { token?: string }).token, winner.token, `row ${i}: the response of the winning line`);
      assert.equal(row.error, null);
    } else {
      if (count) {
        failed++;
        unfinished.push(ids[i]!);
      }
      assert.equal(row.status, 'failed', `row ${i}`);
      assert.equal(row.status_code, winner.statusCode);
      assert.equal(row.error?.message, `m ${winner.token}`, `row ${i}: the error of the winning line`);
    }
  });
  assert.equal(summary.succeeded, succeeded);
  assert.equal(summary.failed, failed);
  assert.equal(summary.promptTokens, prompt);
  assert.equal(summary.completionTokens, completion);
  assert.deepEqual(summary.unfinishedIds, unfinished);
  assert.equal(
    summary.failuresByCode.reduce((n, f) => n + f.count, 0),
    failed,
  );
  // Every line that is not a usable result is reported, where it is: none dropped silently.
  const malformed = expected.rendered.flatMap(({ file, lines }) => lines.filter((l) => l.kind === 'malformed').map((l) => `${file}:${l.line}`));
  const unknown = expected.rendered.flatMap(({ file, lines }) => lines.filter((l) => l.kind === 'unknown').map((l) => `${file}:${l.line} ${l.id}`));
  assert.deepEqual(
    summary.malformed.map((m) => `${m.file}:${m.line}`),
    malformed.slice(0, 1000),
  );
  assert.ok(summary.malformed.every((m) => m.reason.length > 0));
  assert.deepEqual(
    summary.unknownIds.map((u) => `${u.file}:${u.line} ${u.customId}`),
    unknown.slice(0, 1000),
  );
}

describe('property: joinResults', () => {
  let root: string;
  let runs = 0;
  before(() => (root = mkdtempSync(join(tmpdir(), 'aoai-prop-join-'))));
  after(() => rmSync(root, { recursive: true, force: true }));

  /** Writes the input and the result files of one case into a fresh directory. */
  function writeCase(rows: readonly InputRow[], inputCrlf: boolean, inputBom: boolean, attempts: readonly { output?: ResultFileSpec; errors?: ResultFileSpec }[]) {
    const dir = join(root, `case-${runs++}`);
    mkdirSync(dir);
    const ids = rows.flatMap((r) => ('id' in r ? [r.id] : []));
    const input = join(dir, 'input.jsonl');
    const inputText = rows.map((r) => ('id' in r ? request({ custom_id: r.id }) : r.skipped)).join(inputCrlf ? '\r\n' : '\n');
    writeFileSync(input, (inputBom ? '\uFEFF' : '') + inputText + '\n');
    const written: Attempt[] = [];
    const rendered: { file: string; lines: Rendered[] }[] = [];
    let fileIndex = 0;
    attempts.forEach((attempt, a) => {
      const paths: { output?: string; errors?: string } = {};
      for (const which of ['output', 'errors'] as const) {
        const spec = attempt[which];
        if (spec) {
          const file = join(dir, `attempt${a}.${which}.jsonl`);
          const { bytes, lines } = renderFile(spec, ids, fileIndex++);
          writeFileSync(file, bytes);
          paths[which] = file;
          rendered.push({ file, lines });
        }
      }
      written.push(paths);
    });
    return { dir, ids, input, attempts: written, expected: { rendered } };
  }

  it('joins every input row to its own result, reports every unusable line, and leaves no partial file', async () => {
    await fc.assert(
      fc.asyncProperty(inputRows, fc.boolean(), fc.boolean(), fc.array(attemptArb, { minLength: 1, maxLength: 3 }), async (rows, crlf, bom, attempts) => {
        const c = writeCase(rows, crlf, bom, attempts);
        const destination = join(c.dir, 'input.results.jsonl');
        const before = readdirSync(c.dir).sort();
        const summary = await joinResults(c.input, c.attempts, destination);
        const text = readFileSync(destination, 'utf8');
        const joined = text === '' ? [] : text.trimEnd().split('\n').map((l) => JSON.parse(l) as JoinedLine);
        checkJoin(c.ids, c.expected, summary, joined);
        assert.deepEqual(readdirSync(c.dir).sort(), [...before, 'input.results.jsonl'].sort(), 'no .partial file left behind');
        // The summary of the same files counts each non-blank line once, by its own status.
        const lines = c.expected.rendered.flatMap((r) => r.lines);
        const files = c.expected.rendered.map((r) => r.file);
        const counted = await summarizeResultFiles(files);
        assert.equal(counted.succeeded, lines.filter((l) => (l.kind === 'ok' || l.kind === 'unknown') && l.succeeded).length);
        assert.equal(counted.failed, lines.filter((l) => (l.kind === 'failed' || l.kind === 'unknown') && !l.succeeded).length);
        assert.equal(counted.malformed.length, lines.filter((l) => l.kind === 'malformed').length);
        rmSync(c.dir, { recursive: true, force: true });
      }),
      settings(120),
    );
  });

  it('a success in any attempt wins over failures in later ones', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(inputId, { minLength: 1, maxLength: 6 }), fc.nat({ max: 3 }), fc.nat(), async (ids, attemptCount, seed) => {
        // Every id fails in every attempt, except in one attempt, where it succeeds.
        const winnerOf = (i: number) => (seed + i * 7) % (attemptCount + 1);
        const attempts = Array.from({ length: attemptCount + 1 }, (_, a) => ({
          output: { lines: ids.flatMap((_, i): Spec[] => (winnerOf(i) === a ? [{ kind: 'ok', pick: i }] : [])), bom: false, crlf: false, finalBreak: true },
          errors: { lines: ids.flatMap((_, i): Spec[] => (winnerOf(i) === a ? [] : [{ kind: 'failed', pick: i, style: 'status', status: 500 }])), bom: false, crlf: false, finalBreak: true },
        }));
        const c = writeCase(
          ids.map((id) => ({ id })),
          false,
          false,
          attempts,
        );
        const summary = await joinResults(c.input, c.attempts, join(c.dir, 'r.jsonl'));
        assert.equal(summary.succeeded, ids.length);
        assert.deepEqual(summary.unfinishedIds, []);
        rmSync(c.dir, { recursive: true, force: true });
      }),
      settings(40),
    );
  });

  it('reports at most 1,000 malformed lines and 1,000 unknown ids, and still joins the rest', async () => {
    const c = writeCase([{ id: 'a' }, { id: 'b' }], false, false, []);
    const output = join(c.dir, 'noisy.output.jsonl');
    const lines = [okLine('a', 'x', 1, 1)];
    for (let i = 0; i < 1500; i++) {
      lines.push('{"custom_id": "trunc', okLine(`zz-${i}`, 'y', 1, 1));
    }
    writeFileSync(output, lines.join('\n'));
    const summary = await joinResults(c.input, [{ output }], join(c.dir, 'r.jsonl'));
    assert.equal(summary.malformed.length, 1000);
    assert.equal(summary.unknownIds.length, 1000);
    assert.deepEqual(summary.malformed.slice(0, 2).map((m) => m.line), [2, 4]);
    assert.equal(summary.succeeded, 1);
    assert.equal(summary.missing, 1);
  });

  it('a result nested too deeply to write back is reported, never crashes the join', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 20_000, max: 100_000 }), fc.boolean(), fc.boolean(), async (depth, earlierSuccess, inErrors) => {
        const c = writeCase([{ id: 'a' }, { id: 'b' }], false, false, []);
        const deep = '['.repeat(depth) + ']'.repeat(depth);
        const deepLine = okLine('a', 'deep', 1, 1).replace('"chat.completion"', deep);
        const first = join(c.dir, 'first.output.jsonl');
        writeFileSync(first, [earlierSuccess ? okLine('a', 'early', 1, 1) : failedLine('a', 'early', 'status', 500).text, okLine('b', 'b', 1, 1)].join('\n'));
        const second = join(c.dir, 'second.jsonl');
        writeFileSync(second, [okLine('b', 'b2', 1, 1), deepLine].join('\n'));
        const destination = join(c.dir, 'r.jsonl');
        const summary = await joinResults(c.input, [{ output: first }, inErrors ? { errors: second } : { output: second }], destination);
        const joined = readFileSync(destination, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as JoinedLine);
        assert.deepEqual(joined.map((r) => r.custom_id), ['a', 'b']);
        assert.equal(joined[1]!.status, 'succeeded');
        assert.deepEqual(summary.malformed.map((m) => [m.file, m.line]), [[second, 2]], 'the deep line is reported');
        assert.equal(joined[0]!.status, 'missing', 'the row is not filled from a line that could not be written');
        assert.ok(!readdirSync(c.dir).some((name) => name.endsWith('.partial')));
        rmSync(c.dir, { recursive: true, force: true });
      }),
      settings(6),
    );
  });

  it('rejects, leaving no partial file and no destination, when a result file cannot be read', async () => {
    const c = writeCase([{ id: 'a' }], false, false, [{ output: { lines: [{ kind: 'ok', pick: 0 }], bom: false, crlf: false, finalBreak: true } }]);
    const before = readdirSync(c.dir).sort();
    await assert.rejects(joinResults(c.input, [...c.attempts, { errors: join(c.dir, 'gone.jsonl') }], join(c.dir, 'r.jsonl')));
    assert.deepEqual(readdirSync(c.dir).sort(), before);
    assert.ok(!existsSync(join(c.dir, 'r.jsonl')));
  });
});

// ---------------------------------------------------------------------------------------------------
// readLocatedLines: offsets stay right across 1 MB read chunks
// ---------------------------------------------------------------------------------------------------

describe('property: readLocatedLines', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'aoai-prop-lines-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('yields every line with the byte offset and length it has in the file, whatever the read chunks', async () => {
    const piece = fc.constantFrom('x', 'é', '😀', '\r', '{"custom_id": "a"}');
    const lineArb = fc.tuple(piece, fc.integer({ min: 0, max: 400_000 })).map(([p, n]) => p.repeat(Math.ceil(n / Buffer.byteLength(p))));
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(lineArb, { minLength: 1, maxLength: 12 }), fc.boolean(), fc.boolean(), async (lines, bom, finalBreak) => {
        const bytes = Buffer.from((bom ? '\uFEFF' : '') + lines.join('\n') + (finalBreak ? '\n' : ''), 'utf8');
        const path = join(dir, `l${n++}.txt`);
        writeFileSync(path, bytes);
        const seen: string[] = [];
        let expectedOffset = 0;
        for await (const line of readLocatedLines(path)) {
          assert.equal(line.line, seen.length);
          assert.equal(line.offset, expectedOffset, `line ${line.line}: offset`);
          const raw = bytes.subarray(line.offset, line.offset + line.length);
          assert.ok(!raw.includes(10), 'no line break inside a line');
          let text = raw.toString('utf8');
          text = text.endsWith('\r') ? text.slice(0, -1) : text;
          assert.equal(line.text, line.line === 0 && bom ? text.slice(1) : text);
          seen.push(line.text);
          expectedOffset = line.offset + line.length + 1;
        }
        const pieces = bytes.toString('utf8').split('\n');
        if (pieces[pieces.length - 1] === '') {
          pieces.pop(); // no bytes after the last line break: no line
        }
        const expectedLines = pieces.map((l, i) => (i === 0 && bom ? l.slice(1) : l)).map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
        assert.deepEqual(seen, expectedLines);
        rmSync(path);
      }),
      settings(8),
    );
  });
});

// ---------------------------------------------------------------------------------------------------
// 7. parseResultLine
// ---------------------------------------------------------------------------------------------------

const oddKeys = fc.constantFrom('toString', 'valueOf', '__proto__', 'constructor', 'toJSON', 'code', 'message', 'status_code', 'body', 'error', 'usage');
const oddJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.jsonValue({ maxDepth: 2 }),
    fc.dictionary(fc.oneof(oddKeys, fc.string({ maxLength: 4 })), tie('value'), { maxKeys: 4 }),
    fc.array(tie('value'), { maxLength: 3 }),
  ),
})).value;

/** Result-shaped objects with random (often wrong) types in every field. */
const resultShaped = fc
  .record({
    custom_id: fc.oneof(fc.string({ maxLength: 5 }), oddJson),
    response: fc.oneof(
      oddJson,
      fc.record({ status_code: fc.oneof(fc.integer({ min: 100, max: 600 }), oddJson), body: fc.oneof(oddJson, fc.record({ error: oddJson, usage: fc.oneof(oddJson, fc.record({ prompt_tokens: oddJson, completion_tokens: oddJson, input_tokens: oddJson })) })) }),
    ),
    error: fc.oneof(oddJson, fc.record({ code: oddJson, message: oddJson })),
  }, { requiredKeys: [] })
  .map((value) => JSON.stringify(value));

const deeplyNested = fc.tuple(fc.integer({ min: 1, max: 50_000 }), fc.constantFrom('code', 'message', 'body', 'custom_id')).map(([depth, where]) => {
  const deep = '['.repeat(depth) + '1' + ']'.repeat(depth);
  return where === 'body' ? `{"custom_id": "a", "response": {"status_code": 200, "body": ${deep}}}` : where === 'custom_id' ? `{"custom_id": ${deep}}` : `{"custom_id": "a", "error": {"${where}": ${deep}}}`;
});

describe('property: parseResultLine', () => {
  it('throws nothing but MalformedResultLine, and what it returns is usable', () => {
    const anyLine = fc.oneof(
      { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 1 },
      { arbitrary: oddJson.map((v) => JSON.stringify(v) ?? 'undefined'), weight: 2 },
      { arbitrary: resultShaped, weight: 4 },
      { arbitrary: deeplyNested, weight: 1 },
    );
    fc.assert(
      fc.property(anyLine, (text) => {
        let result;
        try {
          result = parseResultLine(text);
        } catch (error) {
          assert.ok(error instanceof MalformedResultLine, `threw ${String(error)}`);
          assert.ok(error.message.length > 0);
          return;
        }
        assert.equal(typeof result.customId, 'string');
        assert.ok(result.customId.length > 0);
        assert.ok(Number.isFinite(result.promptTokens) && Number.isFinite(result.completionTokens));
        if (result.succeeded) {
          assert.ok(result.statusCode !== undefined && result.statusCode >= 200 && result.statusCode < 300);
        }
        assert.ok(result.error === undefined || ['string', 'undefined'].includes(typeof result.error.code));
        assert.equal(typeof failureKey(result), 'string');
      }),
      settings(400),
    );
  });
});
