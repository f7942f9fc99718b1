// Attacks on the editor's token counting (worker, client, line edit recorder): inputs that throw, huge lines and
// images, edit storms during an upload, settings storms, crash loops and disposal mid-count.
import * as assert from 'node:assert/strict';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { LineEditRecorder } from '../../src/core/documents/lineEditRecorder';
import { estimateLine } from '../../src/core/tokens/estimate';
import { EstimatorClient, type EstimatorClientOptions, type FailureEvent, type SummaryEvent } from '../../src/core/tokens/estimatorClient';
import type { FromWorker } from '../../src/core/tokens/estimatorProtocol';
import { ModelResolver } from '../../src/core/tokens/models';
import { fromScratch, WorkerHarness as Harness } from './tokenHelpers';
import { request, requests, seeded } from './helpers';
import { poisonLine } from '../shared/tokenInputs';

const workerPath = resolve(__dirname, '../../../dist/tokenWorker.js');

function next<E>(subscribe: (listener: (event: E) => void) => { dispose(): void }, accept: (event: E) => boolean = () => true): Promise<E> {
  return new Promise((resolve) => {
    const listener = subscribe((event) => {
      if (accept(event)) {
        listener.dispose();
        resolve(event);
      }
    });
  });
}

/** A PNG data URL of `width` x `height` whose base64 is padded to about `bytes` (the header is all that is read). */
function pngDataUrl(width: number, height: number, bytes: number): string {
  const header = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(header, 0);
  header.writeUInt32BE(13, 8);
  header.write('IHDR', 12, 'ascii');
  header.writeUInt32BE(width, 16);
  header.writeUInt32BE(height, 20);
  header.writeUInt8(8, 24);
  header.writeUInt8(6, 25);
  const body = Buffer.concat([header, Buffer.alloc(Math.max(0, Math.floor((bytes * 3) / 4) - header.length), 0x5a)]);
  return `data:image/png;base64,${body.toString('base64')}`;
}

describe('tokens attack: a line counting throws on', () => {
  it('is reported as failed (no throw), the other documents are still counted, and a hover on it gets no answer', () => {
    const harness = new Harness();
    const good = requests(3);
    assert.doesNotThrow(() => {
      harness.send({ type: 'open', id: 'bad', revision: 1, lines: [good[0]!, poisonLine(), good[1]!], settings: {} });
      harness.send({ type: 'open', id: 'good', revision: 1, lines: good, settings: {} });
      harness.send({ type: 'lineEstimate', requestId: 1, id: 'bad', revision: 1, line: 1 });
      harness.run();
    });
    assert.deepEqual(harness.of('lineEstimate'), [{ type: 'lineEstimate', requestId: 1, reply: undefined }]);
    const [failed] = harness.of('failed');
    assert.equal(failed?.id, 'bad');
    assert.equal(failed.revision, 1);
    assert.match(failed.reason, /RangeError/);
    assert.ok(!failed.reason.includes('custom_id'), 'no document text in the reason');
    assert.deepEqual(harness.of('summary').map((m) => [m.id, m.summary.requests]), [['good', 3]]);
    assert.equal(harness.worker.openCount, 1, 'the failed document is forgotten');
  });

  for (const where of ['inThread', 'worker'] as const) {
    it(`settles with a failure per version in ${where} mode, without an uncaught error, and counts again after an edit`, async function () {
      this.timeout(60_000);
      if (where === 'worker') {
        assert.ok(existsSync(workerPath), `${workerPath} is missing: run npm run build`);
      }
      const uncaught: unknown[] = [];
      const onUncaught = (error: unknown) => uncaught.push(error);
      process.on('uncaughtException', onUncaught);
      const logged: string[] = [];
      const options: EstimatorClientOptions = { log: (message) => logged.push(message), ...(where === 'worker' ? { workerPath } : {}) };
      const client = new EstimatorClient(options);
      try {
        let lines = [request(), poisonLine()];
        const restarts: string[][] = [];
        client.onRestart((ids) => {
          restarts.push([...ids]);
          client.open('a', 3, lines.join('\n'), {});
        });
        const failure = next<FailureEvent>((l) => client.onFailure(l));
        client.open('a', 1, lines.join('\n'), {});
        assert.deepEqual({ ...(await failure), reason: '' }, { id: 'a', version: 1, reason: '' });
        assert.equal(client.mode, where, 'the thread did not die of it');
        assert.match(logged.join('\n'), /Counting tokens failed for a document \(RangeError/);
        // A version without a change, and new settings: failed at once, nothing is counted.
        const again = next<FailureEvent>((l) => client.onFailure(l));
        client.edit('a', 2, []);
        assert.equal((await again).version, 2);
        // A real edit (the poison line removed): the owner is asked for the text and it is counted.
        lines = [request()];
        const summary = next<SummaryEvent>((l) => client.onSummary(l));
        client.edit('a', 3, [{ start: 1, deleteCount: 1, lines: [] }]);
        const done = await summary;
        assert.deepEqual(restarts, [['a']]);
        assert.equal(done.version, 3);
        assert.deepEqual(done.summary, fromScratch(lines));
        assert.deepEqual(uncaught, []);
      } finally {
        client.dispose();
        process.off('uncaughtException', onUncaught);
      }
    });
  }
});

describe('tokens attack: a text sent in parts that fails part way', () => {
  it('fails once for the version its last part brings, without asking for the text again (no retry loop)', async () => {
    const logged: string[] = [];
    const client = new EstimatorClient({ log: (message) => logged.push(message) });
    try {
      const restarts: string[][] = [];
      client.onRestart((ids) => restarts.push([...ids]));
      const failures: number[] = [];
      client.onFailure((event) => failures.push(event.version));
      client.open('a', undefined, [poisonLine(), ...requests(999)], {});
      // The counter reaches the line that fails before the other parts arrive.
      for (let i = 0; i < 20; i++) {
        await new Promise((resolve) => setImmediate(resolve));
      }
      assert.equal(logged.length, 1, 'it failed before the rest arrived');
      client.edit('a', undefined, [{ start: 1_000, deleteCount: 0, lines: requests(1_000) }]);
      client.edit('a', 4, [{ start: 2_000, deleteCount: 0, lines: requests(10) }]);
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(failures, [4]);
      assert.deepEqual(restarts, []);
      // A change after that is a new text: it is asked for again.
      client.edit('a', 5, [{ start: 0, deleteCount: 1, lines: [] }]);
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(restarts, [['a']]);
    } finally {
      client.dispose();
    }
  });
});

describe('tokens attack: a failure that crosses a new open', () => {
  it('ignores the failure of a text opened again since (it does not stop the new text being counted)', async () => {
    const client = new EstimatorClient({ log: () => undefined });
    try {
      const lines = requests(3);
      client.open('a', 1, [poisonLine()], {});
      // The failure of revision 1 is on its way when the owner opens the document again (revision 2).
      const failures: number[] = [];
      client.onFailure((event) => failures.push(event.version));
      client.open('a', 2, lines, {});
      (client as unknown as { receive(message: FromWorker, from: undefined): void }).receive({ type: 'failed', id: 'a', revision: 1, reason: 'RangeError: late' }, undefined);
      const summary = next<SummaryEvent>((l) => client.onSummary(l), (e) => e.version === 3);
      client.edit('a', 3, [{ start: 2, deleteCount: 1, lines: [] }]);
      assert.deepEqual((await summary).summary, fromScratch(lines.slice(0, 2)));
      assert.deepEqual(failures, []);
    } finally {
      client.dispose();
    }
  });
});

describe('tokens attack: sizes', () => {
  it('prices a 5 MB base64 image by its size, never tokenizing the base64', () => {
    const resolver = new ModelResolver();
    const line = (url: string) => request({}, { messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url } }] }] });
    const small = estimateLine(line(pngDataUrl(1024, 768, 64)), resolver);
    const started = performance.now();
    const huge = estimateLine(line(pngDataUrl(1024, 768, 5 * 1024 * 1024)), resolver);
    const ms = performance.now() - started;
    assert.equal(huge.kind, 'request');
    assert.deepEqual(huge, small, 'the same image size costs the same, however long its base64');
    assert.ok(huge.kind === 'request' && huge.inputTokens < 2_000, `${huge.kind === 'request' ? huge.inputTokens : 0} tokens`);
    assert.ok(ms < 1_000, `${ms.toFixed(0)} ms for a 5 MB image line`);
  });

  it('counts a single 50 MB line across many short slices and matches a whole count', function () {
    this.timeout(300_000);
    const content = 'The quick brown fox jumps over the lazy dog. '.repeat(Math.ceil((50 * 1024 * 1024) / 45));
    const line = request({}, { messages: [{ role: 'user', content }] });
    assert.ok(line.length > 50 * 1024 * 1024);
    const harness = new Harness(20);
    harness.send({ type: 'open', id: 'big', revision: 1, lines: line, settings: {} });
    let slices = 0;
    let longest = 0;
    // Each slice stops at its deadline: count them, as the thread's message loop would run them.
    for (let started = performance.now(); harness.step(); started = performance.now()) {
      longest = Math.max(longest, performance.now() - started);
      slices++;
    }
    const [summary] = harness.of('summary');
    assert.ok(summary !== undefined);
    assert.ok(slices > 10, `${slices} slices`);
    // JSON.parse of 50 MB is one step the worker cannot cut (hundreds of ms); counting is cut in bounded pieces.
    assert.ok(longest < 3_000, `the longest slice took ${longest.toFixed(0)} ms`);
    assert.deepEqual(summary.summary, fromScratch([line]));
  });
});

describe('tokens attack: storms', () => {
  it('follows an edit storm while the first upload is still in parts, and reports only the final text', () => {
    const random = seeded(11);
    let lines = requests(12_000, { max_tokens: 5 });
    let clock = 0;
    const harness = new Harness();
    let revision = 0;
    const recorder = new LineEditRecorder(
      {
        upload: (part) => {
          clock++;
          revision++;
          const text = lines.slice(part.start, part.start + part.count).join('\n');
          harness.send(part.first ? { type: 'open', id: 'd', revision, lines: text, settings: {} } : { type: 'edit', id: 'd', revision, edits: [{ start: part.start, deleteCount: part.deleteCount, lines: text }] });
        },
        edits: (edits) => {
          revision++;
          harness.send({ type: 'edit', id: 'd', revision, edits });
        },
      },
      lines.length,
      () => clock,
    );
    let uploading = 0;
    for (let round = 0; round < 400; round++) {
      const start = Math.floor(random() * lines.length);
      const deleteCount = 1 + Math.min(lines.length - start - 1, Math.floor(random() * 3));
      const inserted = Array.from({ length: 1 + Math.floor(random() * 3) }, (_, i) => (random() < 0.1 ? '{"broken' : request({ custom_id: `s${round}-${i}` })));
      lines = [...lines.slice(0, start), ...inserted, ...lines.slice(start + deleteCount)];
      recorder.splice(start, deleteCount, inserted.length);
      // One part per flush while the upload lasts: the storm lands between parts.
      if (!recorder.flush((line) => lines[line] ?? '', clock)) {
        uploading++;
      }
      if (round % 50 === 0) {
        harness.run();
      }
    }
    assert.ok(uploading > 5, `${uploading} flushes left the upload unfinished`);
    while (!recorder.flush((line) => lines[line] ?? '')) {
      // until the upload is done
    }
    recorder.flush((line) => lines[line] ?? '');
    harness.run();
    const last = harness.of('summary').at(-1)!;
    assert.equal(last.revision, revision);
    assert.deepEqual(last.summary, fromScratch(lines));
  });

  it('sends a paste of 150,000 lines in parts across flushes, each part bounded, and edits landing between parts', () => {
    const random = seeded(5);
    let lines = requests(10, { max_tokens: 2 });
    let clock = 0;
    const harness = new Harness();
    let revision = 0;
    const sizes: number[] = [];
    const completes: boolean[] = [];
    const recorder = new LineEditRecorder(
      {
        upload: (part) => {
          revision++;
          harness.send({ type: 'open', id: 'd', revision, lines: lines.slice(part.start, part.start + part.count), settings: {} });
        },
        edits: (edits, complete) => {
          clock++;
          revision++;
          sizes.push(edits.reduce((sum, edit) => sum + edit.lines.length, 0));
          completes.push(complete);
          harness.send({ type: 'edit', id: 'd', revision, edits });
        },
      },
      lines.length,
      () => clock,
    );
    assert.ok(recorder.flush((line) => lines[line]!));
    const pasted = Array.from({ length: 150_000 }, (_, i) => request({ custom_id: `p${i}` }));
    lines = [lines[0]!, ...pasted, ...lines.slice(1)];
    recorder.splice(1, 1, 1 + pasted.length);
    // Each flush may send two parts on this clock: the paste takes many flushes, with edits between them.
    let flushes = 0;
    while (!recorder.flush((line) => lines[line] ?? '', clock + 1)) {
      flushes++;
      const start = Math.floor(random() * lines.length);
      const inserted = random() < 0.5 ? [] : [request({ custom_id: `e${flushes}` })];
      lines = [...lines.slice(0, start), ...inserted, ...lines.slice(start + 1)];
      recorder.splice(start, 1, inserted.length);
    }
    assert.ok(flushes > 50, `${flushes} flushes`);
    assert.ok(Math.max(...sizes) <= 1_000, `the largest part has ${Math.max(...sizes)} lines`);
    assert.deepEqual(completes.slice(0, -1).filter((c) => c).length, 0, 'only the last part completes the change');
    harness.run();
    const last = harness.of('summary').at(-1)!;
    assert.equal(last.revision, revision);
    assert.deepEqual(last.summary, fromScratch(lines));
  });

  it('switches settings 20 times quickly and reports once, priced with the last settings', () => {
    const lines = requests(200, { max_tokens: 10 });
    const harness = new Harness().send({ type: 'open', id: 'a', revision: 1, lines, settings: {} });
    const models = ['gpt-4o-mini', 'gpt-4.1', 'gpt-4o', 'gpt-35-turbo'];
    for (let i = 0; i < 20; i++) {
      harness.send({ type: 'settings', id: 'a', revision: i + 2, settings: { deploymentModels: { 'gpt-4o-batch': models[i % models.length]! }, prices: { [models[i % models.length]!]: { input: i + 1, output: 2 * (i + 1) } } } });
    }
    harness.run();
    const summaries = harness.of('summary');
    assert.deepEqual(summaries.map((m) => m.revision), [21]);
    const settings = { deploymentModels: { 'gpt-4o-batch': models[19 % models.length]! }, prices: { [models[19 % models.length]!]: { input: 20, output: 40 } } };
    assert.deepEqual(summaries[0]!.summary, fromScratch(lines, new ModelResolver(settings)));
  });

  it('counts two documents with the same content apart: closing one leaves the other', () => {
    const lines = requests(50).join('\n');
    const harness = new Harness().send({ type: 'open', id: 'one', revision: 1, lines, settings: {} }).send({ type: 'open', id: 'two', revision: 1, lines, settings: {} });
    harness.run();
    const [one, two] = harness.of('summary');
    assert.deepEqual([one?.id, two?.id], ['one', 'two']);
    assert.deepEqual(one!.summary, two!.summary);
    harness.send({ type: 'close', id: 'one' }).send({ type: 'edit', id: 'two', revision: 2, edits: [{ start: 0, deleteCount: 1, lines: [] }] });
    harness.run();
    assert.deepEqual(harness.of('summary').slice(2).map((m) => [m.id, m.summary.requests]), [['two', 49]]);
  });

  it('ignores a BOM and CRLF breaks, also after an edit of the first line', () => {
    const lines = requests(5, { max_tokens: 3 });
    const harness = new Harness().send({ type: 'open', id: 'a', revision: 1, lines: `\ufeff${lines.join('\r\n')}\r\n`, settings: {} });
    harness.run();
    assert.deepEqual(harness.of('summary')[0]!.summary, fromScratch([...lines, '']));
    harness.send({ type: 'edit', id: 'a', revision: 2, edits: [{ start: 0, deleteCount: 1, lines: `\ufeff${lines[1]}` }] });
    harness.run();
    const last = harness.of('summary').at(-1)!;
    assert.equal(last.summary.skipped, 0);
    assert.deepEqual(last.summary, fromScratch([lines[1]!, ...lines.slice(1), '']));
  });
});

describe('tokens attack: the worker thread', function () {
  this.timeout(120_000);
  before(() => assert.ok(existsSync(workerPath), `${workerPath} is missing: run npm run build`));

  it('in a crash loop restarts at most twice, then counts in this thread, leaving no thread running', async () => {
    const logged: string[] = [];
    const client = new EstimatorClient({ workerPath, log: (message) => logged.push(message) });
    try {
      const lines = requests(2_000, { max_tokens: 4 });
      client.onRestart((ids) => ids.forEach((id) => client.open(id, 1, lines.join('\n'), {})));
      const threads = [];
      client.open('a', 1, lines.join('\n'), {});
      for (let crash = 0; crash < 3; crash++) {
        // Wait for the thread to be ready (its first answer), then kill it.
        await next<SummaryEvent>((l) => client.onSummary(l));
        const worker = client.workerForTest!;
        threads.push(worker);
        const exited = once(worker, 'exit');
        await client.crashWorkerForTest();
        await exited;
      }
      const summary = await next<SummaryEvent>((l) => client.onSummary(l));
      assert.equal(client.mode, 'inThread');
      assert.equal(client.workerForTest, undefined);
      assert.equal(new Set(threads).size, 3, 'three threads: the first and two restarts');
      assert.deepEqual(threads.map((t) => t.threadId), [-1, -1, -1], 'every thread has ended');
      assert.deepEqual(summary.summary, fromScratch(lines));
      assert.equal(logged.filter((m) => /restarting/.test(m)).length, 2);
      assert.match(logged.at(-1)!, /failed again.*extension host/);
    } finally {
      client.dispose();
    }
  });

  it('disposed mid-count ends its thread, reports nothing after and leaves no unhandled rejection', async () => {
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    const client = new EstimatorClient({ workerPath });
    try {
      const events: string[] = [];
      client.onSummary(() => events.push('summary'));
      client.open('big', 1, requests(40_000, { messages: [{ role: 'user', content: 'Rewrite this sentence in plain English, please.' }] }).join('\n'), {});
      await next((l) => client.onProgress(l));
      const worker = client.workerForTest!;
      const pending = client.lineEstimate('big', 1, 39_999);
      const exited = once(worker, 'exit');
      client.dispose();
      await exited;
      assert.equal(await pending, undefined, 'an open question is answered with nothing');
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.deepEqual(events, []);
      assert.equal(worker.threadId, -1);
      assert.deepEqual(rejections, []);
    } finally {
      process.off('unhandledRejection', onRejection);
    }
  });

  it('drops a summary that arrives after the next edit was sent (never shown as current)', async () => {
    const client = new EstimatorClient({ workerPath });
    try {
      const lines = requests(5);
      const versions: number[] = [];
      client.onSummary((event) => versions.push(event.version));
      client.open('a', 1, lines.join('\n'), {});
      await next<SummaryEvent>((l) => client.onSummary(l));
      // Edit, then at once another: the summary of version 2, if the worker sends it, is stale by then.
      client.edit('a', 2, [{ start: 0, deleteCount: 1, lines: [] }]);
      client.edit('a', 3, [{ start: 0, deleteCount: 1, lines: [] }]);
      const done = await next<SummaryEvent>((l) => client.onSummary(l), (e) => e.version === 3);
      assert.deepEqual(done.summary, fromScratch(lines.slice(2)));
      assert.deepEqual(versions, [1, 3]);
    } finally {
      client.dispose();
    }
  });
});
