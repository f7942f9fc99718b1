import * as assert from 'node:assert/strict';
import { DocumentEstimator } from '../../src/core/tokens/documentEstimator';
import type { EstimateSummary } from '../../src/core/tokens/estimate';
import { ModelResolver } from '../../src/core/tokens/models';
import { fromScratch } from './tokenHelpers';
import { request, requests } from './helpers';


/** A document: its lines, and edits that keep a DocumentEstimator in step the way the controller does. */
class Doc {
  constructor(
    public lines: string[],
    readonly estimator = new DocumentEstimator(),
  ) {
    estimator.reset(lines.length);
  }

  readonly text = (line: number) => this.lines[line]!;

  replace(start: number, deleteCount: number, inserted: readonly string[]): void {
    this.lines.splice(start, deleteCount, ...inserted);
    this.estimator.splice(start, deleteCount, inserted.length);
  }

  flush(): EstimateSummary {
    assert.ok(this.estimator.flush(this.text));
    assert.equal(this.estimator.pendingCount, 0);
    return this.estimator.summary();
  }
}

describe('tokens: incremental document estimate', () => {
  it('matches a count from scratch after load and after edits, recounting only the changed lines', () => {
    const doc = new Doc([...requests(50, { max_tokens: 100 }), '']);
    assert.deepEqual(doc.flush(), fromScratch(doc.lines));
    assert.equal(doc.flush().requests, 50);

    // One-line edit: only that line is pending.
    doc.replace(10, 1, [request({ custom_id: 'x' }, { messages: [{ role: 'user', content: 'A much longer prompt than before, with more tokens.' }], max_tokens: 500 })]);
    assert.equal(doc.estimator.pendingCount, 1);
    assert.deepEqual(doc.flush(), fromScratch(doc.lines));

    // Insert lines, delete lines, break a line, blank a line, split one line in two.
    doc.replace(0, 0, [request({}, { model: 'gpt-4-batch' }), '']);
    doc.replace(20, 3, []);
    doc.replace(5, 1, ['{"custom_id": "broken", ']);
    doc.replace(30, 1, ['   ']);
    doc.replace(40, 1, ['{"custom_id":"a","method":"POST",', '"url":"/chat/completions"}']);
    assert.equal(doc.estimator.pendingCount, 2 + 1 + 1 + 2);
    const summary = doc.flush();
    assert.deepEqual(summary, fromScratch(doc.lines));
    assert.equal(summary.skipped, 3);
    assert.deepEqual(summary.deployments.map((d) => d.deployment).sort(), ['gpt-4-batch', 'gpt-4o-batch']);
  });

  it('stops at the deadline and resumes where it stopped', () => {
    const lines = requests(400);
    const doc = new Doc(lines);
    let slices = 0;
    while (!doc.estimator.flush(doc.text, performance.now() - 1)) {
      slices++;
      assert.ok(slices < 1000, 'makes progress');
    }
    // A past deadline counts one line per call.
    assert.equal(slices, 399);
    assert.deepEqual(doc.estimator.summary(), fromScratch(lines));
  });

  it('keeps totals right when lines are edited before they were counted', () => {
    const doc = new Doc(requests(20));
    doc.estimator.flush(doc.text, performance.now() - 1); // one line counted
    doc.replace(0, 5, [request({}, { model: 'o3-mini-batch', max_completion_tokens: 10 })]);
    doc.replace(3, 1, []);
    assert.deepEqual(doc.flush(), fromScratch(doc.lines));
  });

  it('recounts everything with a new resolver (a deployment can change encoding)', () => {
    const messages = [{ role: 'user', content: 'お誕生日おめでとう' }];
    const doc = new Doc([request({}, { model: 'prod', messages })]);
    const o200k = doc.flush();
    assert.equal(o200k.inputTokens, 3 + 3 + 1 + 8);
    const resolver = new ModelResolver({ deploymentModels: { prod: 'gpt-4' } });
    doc.estimator.setResolver(resolver);
    assert.equal(doc.estimator.pendingCount, 1);
    const cl100k = doc.flush();
    assert.equal(cl100k.inputTokens, 3 + 3 + 1 + 9);
    assert.equal(cl100k.deployments[0]!.model.model, 'gpt-4');
    assert.deepEqual(cl100k, fromScratch(doc.lines, resolver));
  });

  it('gives per-line estimates once counted', () => {
    const doc = new Doc([request({}, { max_tokens: 7 }), '', 'nope']);
    assert.equal(doc.estimator.lineEstimate(0), undefined, 'pending');
    doc.flush();
    assert.equal(doc.estimator.lineEstimate(0)?.kind, 'request');
    assert.deepEqual(doc.estimator.lineEstimate(1), { kind: 'blank' });
    assert.deepEqual(doc.estimator.lineEstimate(2), { kind: 'skipped' });
    assert.equal(doc.estimator.lineEstimate(3), undefined);
  });
});
