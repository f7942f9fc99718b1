import * as assert from 'node:assert/strict';
import type { DeploymentInfo } from '../../src/core/azure/deployments';
import { boundedDistance, closestNames } from '../../src/core/closestNames';
import { severityOf } from '../../src/core/jsonl/codes';
import { DocumentValidator } from '../../src/core/jsonl/documentValidator';
import { validateText } from '../../src/core/jsonl/streamValidator';
import { brief, request, seeded } from './helpers';

const deployment = (name: string, sku = 'GlobalBatch', model = 'gpt-4o'): DeploymentInfo => ({
  name,
  model,
  version: '2024-08-06',
  sku,
  capacity: 100,
  batch: sku === 'GlobalBatch' || sku === 'DataZoneBatch',
});

const resource: readonly DeploymentInfo[] = [
  deployment('gpt-4o-batch'),
  deployment('gpt-4o-mini-batch', 'DataZoneBatch', 'gpt-4o-mini'),
  deployment('gpt-4o-live', 'Standard'),
  deployment('embed-live', 'Standard', 'text-embedding-3-small'),
];

function documentReport(text: string, deployments: readonly DeploymentInfo[] | undefined) {
  const validator = new DocumentValidator();
  const lines = text.split('\n');
  validator.reset(lines.length);
  validator.setDeployments(deployments);
  assert.ok(validator.flush((line) => lines[line]!));
  return { validator, report: validator.report() };
}

describe('closest names', () => {
  it('measures edit distance ignoring case, giving up past the limit', () => {
    assert.equal(boundedDistance('gpt-4o', 'gpt-4o', 2), 0);
    assert.equal(boundedDistance('GPT-4o', 'gpt-4o', 2), 0);
    assert.equal(boundedDistance('gpt4o', 'gpt-4o', 2), 1);
    assert.equal(boundedDistance('kitten', 'sitting', 5), 3);
    assert.equal(boundedDistance('a', 'completely-different', 2), 3);
    assert.equal(boundedDistance('abcdef', 'uvwxyz', 2), 3);
  });

  const cases: { name: string; candidates: string[]; expected: string[] }[] = [
    { name: 'gpt4o-batch', candidates: ['gpt-4o-batch', 'gpt-4o-mini-batch', 'embed'], expected: ['gpt-4o-batch'] },
    { name: 'gpt-4o-btach', candidates: ['gpt-4o-mini-batch', 'gpt-4o-batch'], expected: ['gpt-4o-batch'] },
    { name: 'GPT-4O-BATCH', candidates: ['gpt-4o-batch'], expected: ['gpt-4o-batch'] },
    { name: 'mini', candidates: ['gpt-4o-batch', 'gpt-4o-mini-batch'], expected: ['gpt-4o-mini-batch'] },
    { name: 'zzz-nothing-like-it', candidates: ['gpt-4o-batch', 'gpt-4o-mini-batch'], expected: [] },
    { name: 'x', candidates: ['y', 'xy', 'abc'], expected: ['y', 'xy'] },
    { name: 'gpt-4o-batch', candidates: ['gpt-4o-batch', 'gpt-4o-batch2'], expected: ['gpt-4o-batch2'] },
    { name: 'a1', candidates: ['a2', 'a3', 'a4', 'a5'], expected: ['a2', 'a3', 'a4'] },
  ];
  for (const c of cases) {
    it(`suggests ${JSON.stringify(c.expected)} for "${c.name}"`, () => {
      assert.deepEqual(closestNames(c.name, c.candidates), c.expected);
    });
  }

  it('stays fast for long names against a long list', () => {
    const candidates = Array.from({ length: 5_000 }, (_, i) => `deployment-${i}-${'x'.repeat(50)}`);
    const started = performance.now();
    closestNames('y'.repeat(64), candidates);
    assert.ok(performance.now() - started < 1_000);
  });
});

describe('deployment checks (unknown_deployment, not_batch_deployment)', () => {
  it('are errors', () => {
    assert.equal(severityOf('unknown_deployment'), 'error');
    assert.equal(severityOf('not_batch_deployment'), 'error');
  });

  // Each case: a row's model, then the code (or none) and words the message must hold.
  const cases: { model: string; code?: string; says?: RegExp }[] = [
    { model: 'gpt-4o-batch' },
    { model: 'gpt-4o-mini-batch' },
    { model: 'gpt4o-batch', code: 'unknown_deployment', says: /^"gpt4o-batch" is not a deployment on this resource\. Closest: "gpt-4o-batch"\.$/ },
    { model: 'totally-else', code: 'unknown_deployment', says: /Its batch deployments: "gpt-4o-batch", "gpt-4o-mini-batch"\./ },
    { model: 'gpt-4o-live', code: 'not_batch_deployment', says: /^"gpt-4o-live" is a Standard deployment: Azure rejects batch jobs on a Standard deployment; use "gpt-4o-batch" \(GlobalBatch\)\.$/ },
    { model: 'embed-live', code: 'not_batch_deployment', says: /Standard deployment; use "/ },
    // Deployment names are compared exactly; the case-different name is offered as the closest.
    { model: 'GPT-4O-BATCH', code: 'unknown_deployment', says: /Closest: "gpt-4o-batch"/ },
    // A placeholder has its own code and no deployment check.
    { model: 'REPLACE-WITH-MODEL-DEPLOYMENT-NAME', code: 'placeholder_model' },
  ];
  for (const c of cases) {
    it(`${c.code ?? 'accepts'} for "${c.model}" (stream and document agree)`, () => {
      const text = request({}, { model: c.model });
      const streamed = validateText(text, undefined, { deployments: resource });
      const { report } = documentReport(text, resource);
      assert.deepEqual(report.diagnostics, streamed.diagnostics);
      assert.deepEqual(report.counts, streamed.counts);
      assert.deepEqual(streamed.diagnostics.map((d) => d.code), c.code ? [c.code] : []);
      if (c.code) {
        const d = streamed.diagnostics[0]!;
        assert.equal(text.slice(d.start, d.end), JSON.stringify(c.model));
        if (c.says) {
          assert.match(d.message.text, c.says);
        }
      }
    });
  }

  it('checks nothing without a list, and everything is unknown with an empty one', () => {
    const text = request({}, { model: 'anything' });
    assert.deepEqual(validateText(text).diagnostics, []);
    const streamed = validateText(text, undefined, { deployments: [] });
    assert.deepEqual(streamed.diagnostics.map((d) => d.code), ['unknown_deployment']);
    assert.match(streamed.diagnostics[0]!.message.text, /has no batch deployment: create a Global Batch or Data Zone Batch deployment/);
  });

  it('reports each row, beside model_mismatch, in the same order in both validators', () => {
    const text = [
      request({ custom_id: 'a' }, { model: 'gpt4o-batch' }),
      request({ custom_id: 'b' }, { model: 'gpt-4o-batch' }),
      request({ custom_id: 'c' }, { model: 'gpt-4o-live' }),
      request({ custom_id: 'd' }, { model: 'gpt4o-batch' }),
      '',
    ].join('\n');
    const streamed = validateText(text, undefined, { deployments: resource });
    const { report, validator } = documentReport(text, resource);
    assert.deepEqual(report.diagnostics, streamed.diagnostics);
    assert.deepEqual(brief(streamed.diagnostics).map((s) => s.replace(/:\d+-\d+/, '')), [
      '1 unknown_deployment',
      '2 model_mismatch',
      '3 model_mismatch',
      '3 not_batch_deployment',
      '4 unknown_deployment',
    ]);
    assert.deepEqual(streamed.counts, { model_mismatch: 2, unknown_deployment: 2, not_batch_deployment: 1 });
    assert.deepEqual(validator.linesWith(new Set(['unknown_deployment'])), [0, 3]);
    assert.deepEqual(validator.linesWith(new Set(['not_batch_deployment'])), [2]);
  });

  it('follows a new list without analysing any line again', () => {
    const text = [request({ custom_id: 'a' }, { model: 'new-batch' }), request({ custom_id: 'b' }, { model: 'new-batch' })].join('\n');
    const { validator } = documentReport(text, resource);
    assert.deepEqual(validator.report().counts, { unknown_deployment: 2 });
    assert.equal(validator.setDeployments([...resource, deployment('new-batch')]), true);
    assert.equal(validator.pendingCount, 0);
    assert.deepEqual(validator.report().diagnostics, []);
    assert.equal(validator.setDeployments([...resource, deployment('new-batch')]), false, 'the same list is no change');
    assert.equal(validator.setDeployments(undefined), true);
    assert.deepEqual(validator.report().diagnostics, []);
    validator.setDeployments([deployment('new-batch', 'Standard')]);
    assert.deepEqual(validator.report().counts, { not_batch_deployment: 2 });
  });

  it('stays equal to the streaming validator through random edits and lists', () => {
    const random = seeded(7);
    const models = ['gpt-4o-batch', 'gpt4o-batch', 'gpt-4o-live', 'gpt-4o-mini-batch', 'other'];
    const lists = [resource, resource.slice(0, 2), [deployment('other')], undefined];
    const lines = Array.from({ length: 30 }, (_, i) => request({ custom_id: `t-${i}` }, { model: models[i % models.length] }));
    const validator = new DocumentValidator();
    validator.reset(lines.length);
    let list: readonly DeploymentInfo[] | undefined = resource;
    validator.setDeployments(list);
    for (let step = 0; step < 150; step++) {
      const at = Math.floor(random() * lines.length);
      lines[at] = request({ custom_id: `t-${Math.floor(random() * 40)}` }, { model: models[Math.floor(random() * models.length)] });
      validator.splice(at, 1, 1);
      if (step % 10 === 0) {
        list = lists[Math.floor(random() * lists.length)];
        validator.setDeployments(list);
      }
      assert.ok(validator.flush((line) => lines[line]!));
      const streamed = validateText(lines.join('\n'), undefined, { deployments: list });
      assert.deepEqual(validator.report().diagnostics, streamed.diagnostics, `step ${step}`);
      assert.deepEqual(validator.report().counts, streamed.counts, `step ${step}`);
    }
  });

  it('caps what is kept and counts the rest', () => {
    const text = Array.from({ length: 50 }, (_, i) => request({ custom_id: `t-${i}` }, { model: 'nope' })).join('\n');
    const streamed = validateText(text, undefined, { deployments: resource, maxDiagnostics: 10 });
    const { validator } = documentReport(text, resource);
    const report = validator.report(10);
    assert.equal(streamed.diagnostics.length, 10);
    assert.deepEqual(report.diagnostics, streamed.diagnostics);
    assert.equal(report.counts.unknown_deployment, 50);
    assert.equal(streamed.counts.unknown_deployment, 50);
  });
});
