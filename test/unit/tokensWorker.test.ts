import * as assert from 'node:assert/strict';
import { LineEditRecorder, type LineEdit, type UploadPart } from '../../src/core/documents/lineEditRecorder';
import { DocumentEstimator } from '../../src/core/tokens/documentEstimator';
import { estimateLine } from '../../src/core/tokens/estimate';
import type { FromWorker } from '../../src/core/tokens/estimatorProtocol';
import { EstimatorWorker } from '../../src/core/tokens/estimatorWorker';
import { ModelResolver } from '../../src/core/tokens/models';
import { fromScratch, WorkerHarness as Harness } from './tokenHelpers';
import { request, requests, seeded } from './helpers';


const noSettings = {};

describe('documents: line edits recorded as ranges', () => {
  it('sends the whole text first, then only the changed lines, merging edits that touch', () => {
    const sent: (LineEdit[] | UploadPart)[] = [];
    const recorder = new LineEditRecorder({ upload: (part) => sent.push(part), edits: (edits) => sent.push([...edits]) }, 100);
    recorder.splice(3, 1, 2);
    assert.equal(recorder.pendingCount, 101, 'nothing sent yet: all of it');
    assert.ok(recorder.flush((line) => `L${line}`));
    assert.deepEqual(sent, [{ start: 0, count: 101, deleteCount: 0, first: true, complete: true }]);
    // Far apart: two ranges. Then one touching the first: merged with it.
    recorder.splice(1, 1, 1);
    recorder.splice(50, 2, 1);
    recorder.splice(2, 1, 3);
    assert.equal(recorder.pendingCount, 5);
    recorder.flush((line) => `L${line}`);
    assert.deepEqual(sent[1], [
      { start: 1, deleteCount: 2, lines: ['L1', 'L2', 'L3', 'L4'] },
      { start: 52, deleteCount: 2, lines: ['L52'] },
    ]);
    // Nothing changed: an empty list (a new version with the same text).
    recorder.flush((line) => `L${line}`);
    assert.deepEqual(sent[2], []);
    assert.equal(recorder.lineCount, 101 + 2 - 1);
  });

  it('uploads a large text in parts until each deadline, sending again the sent lines an edit changed', () => {
    let clock = 0;
    const parts: UploadPart[] = [];
    // Each part takes 1 ms on this clock; a flush may run 2 ms.
    const recorder = new LineEditRecorder({ upload: (part) => (parts.push(part), clock++), edits: () => assert.fail('no edits during an upload') }, 5_500, () => clock);
    assert.equal(recorder.flush(() => 'x', clock + 2), false);
    assert.deepEqual(parts.map((p) => [p.start, p.count, p.deleteCount, p.first, p.complete]), [
      [0, 1000, 0, true, false],
      [1000, 1000, 0, false, false],
      [2000, 1000, 0, false, false],
    ]);
    // An edit in the sent part: from there on it is sent again, replacing what the receiver has.
    recorder.splice(1_500, 1, 3);
    recorder.splice(5_000, 0, 1);
    assert.equal(recorder.pendingCount, 5_503 - 1_500);
    parts.length = 0;
    assert.equal(recorder.flush(() => 'x'), true);
    assert.deepEqual(parts.map((p) => [p.start, p.count, p.deleteCount, p.complete]), [
      [1500, 1000, 1500, false],
      [2500, 1000, 0, false],
      [3500, 1000, 0, false],
      [4500, 1000, 0, false],
      [5500, 3, 0, true],
    ]);
    assert.equal(recorder.pendingCount, 0);
  });
});

describe('tokens: the estimator worker', () => {
  it('counts an opened text as DocumentEstimator and a count from scratch do, with CRLF and a final line break', () => {
    const lines = [...requests(20, { max_tokens: 50 }), '', 'not json', request({}, { model: 'gpt-4-batch' }), ''];
    const harness = new Harness().send({ type: 'open', id: 'a', revision: 1, lines: lines.join('\r\n'), settings: noSettings });
    harness.run();
    const [summary] = harness.summaries();
    assert.ok(summary !== undefined);
    assert.equal(summary.revision, 1);
    const estimator = new DocumentEstimator();
    estimator.reset(lines.length);
    assert.ok(estimator.flush((line) => lines[line]!));
    assert.deepEqual(summary.summary, estimator.summary());
    assert.deepEqual(summary.summary, fromScratch(lines));
    assert.equal(summary.summary.skipped, 1);
  });

  it('follows edits recorded as line ranges (random edits, several per flush) and matches a count from scratch', () => {
    const random = seeded(7);
    let lines = requests(40, { max_tokens: 10 });
    const harness = new Harness();
    let revision = 1;
    const recorder = new LineEditRecorder(
      {
        upload: (part) =>
          harness.send(
            part.first
              ? { type: 'open', id: 'd', revision, lines: lines.slice(part.start, part.start + part.count), settings: noSettings }
              : { type: 'edit', id: 'd', revision, edits: [{ start: part.start, deleteCount: part.deleteCount, lines: lines.slice(part.start, part.start + part.count).join('\n') }] },
          ),
        edits: (edits: readonly LineEdit[]) => harness.send({ type: 'edit', id: 'd', revision, edits }),
      },
      lines.length,
    );
    recorder.flush((line) => lines[line]!);
    for (let round = 0; round < 30; round++) {
      // As the tracker records an editor change: lines [start, end] replaced by the lines of the new text (at least one).
      for (let edit = 0; edit < 1 + Math.floor(random() * 4); edit++) {
        const start = Math.floor(random() * lines.length);
        const deleteCount = 1 + Math.min(lines.length - start - 1, Math.floor(random() * 3));
        const inserted = Array.from({ length: 1 + Math.floor(random() * 3) }, (_, i) =>
          random() < 0.2 ? '{"broken' : request({ custom_id: `r${round}-${i}` }, { messages: [{ role: 'user', content: 'x'.repeat(Math.floor(random() * 40)) }] }),
        );
        lines = [...lines.slice(0, start), ...inserted, ...lines.slice(start + deleteCount)];
        recorder.splice(start, deleteCount, inserted.length);
      }
      assert.equal(recorder.lineCount, lines.length);
      revision++;
      recorder.flush((line) => lines[line] ?? '');
      const summaries = harness.run().filter((m) => m.type === 'summary');
      const last = summaries.at(-1);
      assert.equal(last?.revision, revision, `round ${round}`);
      assert.deepEqual(last.summary, fromScratch(lines), `round ${round}`);
    }
  });

  it('reports only the latest revision: edits that arrive before a count completes replace it', () => {
    const harness = new Harness()
      .send({ type: 'open', id: 'a', revision: 1, lines: requests(5).join('\n'), settings: noSettings })
      .send({ type: 'edit', id: 'a', revision: 2, edits: [{ start: 0, deleteCount: 2, lines: [] }] });
    harness.run();
    assert.deepEqual(harness.summaries().map((m) => [m.revision, m.summary.requests]), [[2, 3]]);
    // A question about a revision the worker no longer has gets no answer rather than another text's.
    harness.send({ type: 'lineEstimate', requestId: 1, id: 'a', revision: 1, line: 0 });
    assert.deepEqual(harness.posted.at(-1), { type: 'lineEstimate', requestId: 1, reply: undefined });
    // New settings are a new revision: its summary is priced with them.
    harness.send({ type: 'settings', id: 'a', revision: 3, settings: { deploymentModels: { 'gpt-4o-batch': 'gpt-4o-mini' } } });
    harness.run();
    const last = harness.summaries().at(-1)!;
    assert.equal(last.revision, 3);
    assert.deepEqual(
      last.summary.deployments.map((d) => d.model.model),
      ['gpt-4o-mini'],
    );
    // An edit that changes no line (a new version, same text) is reported too.
    harness.send({ type: 'edit', id: 'a', revision: 4, edits: [] });
    harness.run();
    assert.deepEqual(harness.summaries().at(-1), { ...last, revision: 4 });
  });

  it('estimates one line on demand before the background count reaches it, and reuses the count after', () => {
    const lines = requests(3, { max_tokens: 7 });
    const harness = new Harness().send({ type: 'open', id: 'a', revision: 1, lines: lines.join('\n'), settings: noSettings });
    harness.send({ type: 'lineEstimate', requestId: 9, id: 'a', revision: 1, line: 2 });
    assert.equal(harness.summaries().length, 0, 'not counted yet');
    const expected = estimateLine(lines[2]!, new ModelResolver());
    assert.deepEqual(harness.posted.at(-1), { type: 'lineEstimate', requestId: 9, reply: { estimate: expected, model: new ModelResolver().resolve('gpt-4o-batch') } });
    harness.run();
    harness.send({ type: 'lineEstimate', requestId: 10, id: 'a', revision: 1, line: 2 });
    assert.deepEqual(harness.posted.at(-1), { type: 'lineEstimate', requestId: 10, reply: { estimate: expected, model: new ModelResolver().resolve('gpt-4o-batch') } });
    harness.send({ type: 'lineEstimate', requestId: 11, id: 'a', revision: 1, line: 3 });
    assert.deepEqual(harness.posted.at(-1), { type: 'lineEstimate', requestId: 11, reply: undefined }, 'out of range');
  });

  it('forgets a closed document: no summary for it, no answers about it', () => {
    const harness = new Harness()
      .send({ type: 'open', id: 'a', revision: 1, lines: requests(5).join('\n'), settings: noSettings })
      .send({ type: 'open', id: 'b', revision: 1, lines: requests(2).join('\n'), settings: noSettings })
      .send({ type: 'close', id: 'a' });
    assert.equal(harness.worker.openCount, 1);
    harness.run();
    assert.deepEqual(harness.summaries().map((m) => [m.id, m.summary.requests]), [['b', 2]]);
    harness.send({ type: 'lineEstimate', requestId: 1, id: 'a', revision: 1, line: 0 });
    assert.deepEqual(harness.posted.at(-1), { type: 'lineEstimate', requestId: 1, reply: undefined });
  });

  it('counts a large text in short slices, answering in between and reporting progress', async () => {
    // The tables load on the first count (hundreds of ms): not a slice's doing.
    estimateLine(request(), new ModelResolver());
    const posted: FromWorker[] = [];
    const slices: number[] = [];
    const worker = new EstimatorWorker((message) => posted.push(message), {
      sliceMs: 5,
      progressEveryMs: 0,
      schedule: (callback) =>
        void setImmediate(() => {
          const start = performance.now();
          callback();
          slices.push(performance.now() - start);
        }),
    });
    const lines = requests(20_000, { max_tokens: 10, messages: [{ role: 'user', content: 'Summarize the attached quarterly report in three sentences.' }] });
    worker.handle({ type: 'open', id: 'big', revision: 1, lines: lines.join('\n'), settings: noSettings });
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    worker.handle({ type: 'lineEstimate', requestId: 1, id: 'big', revision: 1, line: 19_999 });
    const answer = posted.findIndex((m) => m.type === 'lineEstimate');
    assert.ok(answer >= 0 && !posted.some((m) => m.type === 'summary'), 'answered while the count goes on');
    while (!posted.some((m) => m.type === 'summary')) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    const progress = posted.filter((m) => m.type === 'progress').map((m) => m.fraction);
    assert.ok(progress.length >= 3, `${progress.length} progress reports`);
    assert.deepEqual([...progress].sort((a, b) => a - b), progress, 'progress only grows');
    assert.ok(slices.length >= 3, `${slices.length} slices`);
    // A slice stops at its deadline after the line it is on (the median: a shared machine stalls now and then).
    const median = [...slices].sort((a, b) => a - b)[Math.floor(slices.length / 2)]!;
    assert.ok(median < 30, `the median slice took ${median.toFixed(1)} ms`);
    const summary = posted.find((m) => m.type === 'summary')!;
    assert.deepEqual(summary.type === 'summary' && summary.summary, fromScratch(lines));
  });
});
