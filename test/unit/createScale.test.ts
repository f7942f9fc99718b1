import * as assert from 'node:assert/strict';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createBatchFile } from '../../src/core/create/convert';
import { compileTemplate } from '../../src/core/create/template';

/** Writes `rows` rows produced by `row(i)` through a stream, so the test itself holds none of them. */
async function generate(path: string, head: string, rows: number, row: (i: number) => string, tail = ''): Promise<void> {
  const out = createWriteStream(path);
  out.write(head);
  for (let i = 1; i <= rows; i++) {
    if (!out.write(row(i))) {
      await once(out, 'drain');
    }
  }
  out.end(tail);
  await once(out, 'finish');
}

const MiB = 1024 * 1024;

// The collector, callable from the test: the live heap (after a collection) tells holding rows from streaming them;
// the heap with its uncollected garbage depends on when the collector last ran (101 and 167 MiB seen on loaded runs).
setFlagsFromString('--expose_gc');
const collectGarbage = runInNewContext('gc') as () => void;

describe('create: 1,000,000 rows in bounded memory', function () {
  this.timeout(300_000);
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'aoai-create-scale-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** Converts with a live-heap sample (after a collection) every 100,000 rows; returns its growth over the start. */
  async function convertMeasured(data: string, out: string) {
    const compiled = compileTemplate({ endpoint: '/chat/completions', model: 'gpt-4o-mini-batch', system: 'Classify.', prompt: 'Review {{id}}: {{text}}', maxTokens: 20 });
    collectGarbage();
    const base = process.memoryUsage().heapUsed;
    let peak = base;
    let sampledAt = 0;
    const result = await createBatchFile(data, compiled, out, {
      onProgress: (rows) => {
        if (rows - sampledAt >= 100_000) {
          sampledAt = rows;
          collectGarbage();
          peak = Math.max(peak, process.memoryUsage().heapUsed);
        }
      },
    });
    return { result, growthMiB: (peak - base) / MiB };
  }

  it('converts a 1,000,000-row CSV with the heap growing by far less than the data', async () => {
    const data = join(dir, 'big.csv');
    await generate(data, 'id,text\n', 1_000_000, (i) => `${i},"Review number ${i}, with a comma and ""quotes"""\n`);
    const dataMiB = statSync(data).size / MiB;
    const { result, growthMiB } = await convertMeasured(data, join(dir, 'big.jsonl'));
    assert.equal(result.written, true);
    assert.equal(result.requests, 1_000_000);
    assert.ok(statSync(join(dir, 'big.jsonl')).size > 150 * MiB);
    // The data is ~50 MB and the output ~190 MB (twice that as JS strings): holding the output would grow the live heap
    // by far over 300 MiB, holding the data by over 56 MiB. What stays is the map of ids (for duplicates) and buffers.
    console.log(`      live heap growth converting ${dataMiB.toFixed(0)} MiB of CSV: ${growthMiB.toFixed(0)} MiB`);
    assert.ok(growthMiB < 48, `heap grew by ${growthMiB.toFixed(0)} MiB converting ${dataMiB.toFixed(0)} MiB of CSV`);
  });

  it('streams a 300,000-element JSON array without parsing it whole', async () => {
    const data = join(dir, 'big.json');
    await generate(data, '[\n', 300_000, (i) => `${i > 1 ? ',\n' : ''}{"id": ${i}, "text": "Review ${i} [with] {brackets}", "meta": {"lang": "en"}}`, '\n]\n');
    const { result, growthMiB } = await convertMeasured(data, join(dir, 'big-json.jsonl'));
    assert.equal(result.requests, 300_000);
    console.log(`      live heap growth converting the JSON array: ${growthMiB.toFixed(0)} MiB`);
    assert.ok(growthMiB < 32, `heap grew by ${growthMiB.toFixed(0)} MiB`);
  });
});
