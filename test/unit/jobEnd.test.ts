import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UnsafePathError } from '../../src/core/atomicFile';
import { actualCost } from '../../src/core/results/cost';
import { joinResults, type JoinSummary } from '../../src/core/results/join';
import { phaseDurations } from '../../src/core/results/jobTiming';
import { prepareJobFolder } from '../../src/core/results/names';
import { summaryMarkdown, englishSummaryLabels } from '../../src/core/results/summaryMarkdown';
import { ModelResolver } from '../../src/core/tokens/models';
import { request } from './helpers';

const ok = (id: string, model: string | undefined, prompt: number, completion: number) =>
  JSON.stringify({ custom_id: id, response: { status_code: 200, body: { ...(model ? { model } : {}), choices: [], usage: { prompt_tokens: prompt, completion_tokens: completion } } }, error: null });

function summaryOf(overrides: Partial<JoinSummary> = {}): JoinSummary {
  return {
    total: 2, succeeded: 2, failed: 0, missing: 0, promptTokens: 1_000_000, completionTokens: 1_000_000, usageByModel: [],
    failuresByCode: [], repeatedIds: { count: 0, first: [] }, malformed: [], unusableLines: 0, unknownIds: [], unfinishedIds: [], deployments: ['gpt-4o-batch'],
    ...overrides,
  };
}

describe('the end of a job: folder, timing, cost and summary', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'aoai-end-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('puts each job in its own NAME.results folder, created once and reused', async () => {
    const folder = await prepareJobFolder(join(dir, 'nested'), 'mixed');
    assert.equal(folder, join(dir, 'nested', 'mixed.results'));
    assert.equal(await prepareJobFolder(join(dir, 'nested'), 'mixed'), folder, 'an existing folder is reused');
  });

  it('refuses a results folder that is a symbolic link or a file, and a stem that climbs out', async () => {
    const elsewhere = join(dir, 'elsewhere');
    mkdirSync(elsewhere);
    symlinkSync(elsewhere, join(dir, 'linked.results'));
    await assert.rejects(prepareJobFolder(dir, 'linked'), (error: unknown) => error instanceof UnsafePathError && error.reason === 'symlink');
    writeFileSync(join(dir, 'flat.results'), 'a file');
    await assert.rejects(prepareJobFolder(dir, 'flat'), (error: unknown) => error instanceof UnsafePathError && error.reason === 'not-a-folder');
    await assert.rejects(prepareJobFolder(dir, '../../X'), (error: unknown) => error instanceof UnsafePathError && error.reason === 'outside');
  });

  it('adds up tokens per model the responses name, and the deployments the input names (most used first)', async () => {
    const input = join(dir, 'in.jsonl');
    writeFileSync(input, [request({ custom_id: 'a' }, { model: 'mini' }), request({ custom_id: 'b' }, { model: 'big' }), request({ custom_id: 'c' }, { model: 'big' })].join('\n') + '\n');
    const output = join(dir, 'out.jsonl');
    writeFileSync(output, [ok('a', 'gpt-4o-mini-2024-07-18', 10, 1), ok('b', 'gpt-4o-2024-08-06', 20, 2), ok('c', undefined, 30, 3)].join('\n') + '\n');
    const summary = await joinResults(input, [{ output }], undefined);
    assert.deepEqual(summary.deployments, ['big', 'mini']);
    assert.deepEqual(summary.usageByModel, [
      { model: 'gpt-4o-mini-2024-07-18', promptTokens: 10, completionTokens: 1 },
      { model: 'gpt-4o-2024-08-06', promptTokens: 20, completionTokens: 2 },
      { model: '', promptTokens: 30, completionTokens: 3 },
    ]);
  });

  it('prices usage by the model a response names, else by the deployment, and leaves unknown models unpriced', () => {
    const resolver = new ModelResolver({ deploymentModels: { 'my-deployment': 'gpt-4o-mini' } });
    const usage = [
      { model: 'gpt-4o-2024-08-06', promptTokens: 1_000_000, completionTokens: 1_000_000 },
      { model: '', promptTokens: 1_000_000, completionTokens: 0 },
    ];
    const cost = actualCost(usage, resolver, 'my-deployment');
    // gpt-4o batch: 1.25 in + 5 out; the unnamed one by the deployment's mapping (gpt-4o-mini): 0.075 in.
    assert.equal(cost.usd.toFixed(4), (1.25 + 5 + 0.075).toFixed(4));
    assert.deepEqual(cost.models, ['gpt-4o', 'gpt-4o-mini']);
    assert.equal(cost.unpricedTokens, 0);
    const unknown = actualCost([{ model: 'mystery-model', promptTokens: 7, completionTokens: 3 }], new ModelResolver(), 'batch-deployment');
    assert.deepEqual(unknown, { usd: 0, models: [], unpricedTokens: 10 }, 'no price is guessed from the default model');
  });

  it('times each phase from the timestamps there are', () => {
    assert.deepEqual(phaseDurations({ created_at: 100, in_progress_at: 130, finalizing_at: 400, completed_at: 410 }), [
      { phase: 'validating', seconds: 30 },
      { phase: 'in_progress', seconds: 270 },
      { phase: 'finalizing', seconds: 10 },
      { phase: 'total', seconds: 310 },
    ]);
    // Failed in validation: only validating (until it failed) and the total.
    assert.deepEqual(phaseDurations({ created_at: 100, failed_at: 105 }), [
      { phase: 'validating', seconds: 5 },
      { phase: 'total', seconds: 5 },
    ]);
    // Cancelled while running: in progress until the cancel, no finalizing.
    assert.deepEqual(phaseDurations({ created_at: 100, in_progress_at: 110, cancelled_at: 170 }), [
      { phase: 'validating', seconds: 10 },
      { phase: 'in_progress', seconds: 60 },
      { phase: 'total', seconds: 70 },
    ]);
    assert.deepEqual(phaseDurations({}), []);
  });

  it('says a job ended early when it was cancelled or expired with rows never run, and not once they all ran', () => {
    const partial = summaryOf({ succeeded: 1, missing: 2, total: 3 });
    assert.match(summaryMarkdown('in.jsonl', partial, englishSummaryLabels, { status: 'cancelled' }), /^\*\*The job ended early \(cancelled\): 2 requests never ran\. Resubmit Remaining sends them\.\*\*$/m);
    assert.match(summaryMarkdown('in.jsonl', { ...partial, succeeded: 3, missing: 0 }, englishSummaryLabels, { status: 'cancelled' }), /^\*\*Completed\.\*\*$/m, 'the follow-ups ran the rest');
  });

  it('gives batch id, connection, deployment, actual cost next to the estimate, and timing', () => {
    const text = summaryMarkdown('in.jsonl', summaryOf(), englishSummaryLabels, {
      batchId: 'batch_1',
      connection: 'Prod EU',
      times: { created_at: 100, in_progress_at: 130, finalizing_at: 400, completed_at: 410 },
      cost: { usd: 6.25, models: ['gpt-4o'], unpricedTokens: 0 },
      estimate: { inputTokens: 1_000_000, outputTokens: 2_000_000, costUsd: 11.25 },
    });
    assert.match(text, /^- Batch id: `batch_1`$/m, 'ids copy as they are from the file');
    assert.match(text, /^- Connection: Prod EU$/m);
    assert.match(text, /^- Deployment: `gpt-4o-batch`$/m);
    assert.match(text, /^- Cost: \$6\.25 \(at the batch prices of gpt\\-4o\)$/m);
    assert.match(text, /^- Estimated before submission: up to \$11\.25 \(1,000,000 input tokens, up to 2,000,000 output tokens\)$/m);
    assert.match(text, /^## Timing\n\n\| phase \| duration \|\n\|---\|---:\|\n\| validating \| 30s \|\n\| in progress \| 4m \|\n\| finalizing \| 10s \|\n\| total \| 5m \|$/m);
  });

  it('says "unknown price" when no model of the job has a price, and what a mixed job left out', () => {
    assert.match(summaryMarkdown('in.jsonl', summaryOf(), englishSummaryLabels, { cost: { usd: 0, models: [], unpricedTokens: 10 } }), /^- Cost: unknown price$/m);
    assert.match(
      summaryMarkdown('in.jsonl', summaryOf(), englishSummaryLabels, { cost: { usd: 1, models: ['gpt-4o'], unpricedTokens: 1234 } }),
      /^- Cost: \$1\.00 \(at the batch prices of gpt\\-4o\); 1,234 tokens of unknown price not included$/m,
    );
  });

  it('escapes every service and settings value in the job facts, so none adds a line or markup', () => {
    const hostile = 'x\n# forged | <img src=x onerror=alert(1)>';
    const text = summaryMarkdown('in.jsonl', summaryOf({ deployments: [hostile] }), englishSummaryLabels, { batchId: hostile, connection: hostile, cost: { usd: 1, models: [hostile], unpricedTokens: 0 } });
    const plain = summaryMarkdown('in.jsonl', summaryOf({ deployments: ['d'] }), englishSummaryLabels, { batchId: 'b', connection: 'c', cost: { usd: 1, models: ['m'], unpricedTokens: 0 } });
    assert.equal(text.split('\n').length, plain.split('\n').length);
    assert.equal(text.split('\n').filter((line) => line.startsWith('#')).length, 1);
    assert.ok(!/(?<!\\)</.test(text), 'no unescaped <');
  });
});
