import * as assert from 'node:assert/strict';
import { EstimateTotals, estimateLine } from '../../src/core/tokens/estimate';
import { formatPrice, formatUsd } from '../../src/core/tokens/usd';
import { costUsd, defaultBatchPrices, encodingForModel, modelFamily, ModelResolver } from '../../src/core/tokens/models';
import { request } from './helpers';

describe('tokens: deployment names to models', () => {
  const cases: [string, string | undefined][] = [
    ['gpt-4o-batch', 'gpt-4o'],
    ['GPT-4o-Global-Batch', 'gpt-4o'],
    ['chatgpt-4o-latest', 'gpt-4o'],
    ['gpt4o-mini-eu', 'gpt-4o-mini'],
    ['my-4o-mini', 'gpt-4o-mini'],
    ['gpt-4o-mini-2024-07-18', 'gpt-4o-mini'],
    ['gpt-4.1-batch', 'gpt-4.1'],
    ['gpt41', 'gpt-4.1'],
    ['gpt-4-1-mini', 'gpt-4.1-mini'],
    ['gpt_4.1_nano', 'gpt-4.1-nano'],
    ['gpt-5-batch', 'gpt-5'],
    ['gpt-5.1', 'gpt-5'],
    ['gpt-5-mini-prod', 'gpt-5-mini'],
    ['gpt-5-nano', 'gpt-5-nano'],
    ['o1', 'o1'],
    ['o1-mini', 'o1-mini'],
    ['o3-mini-batch', 'o3-mini'],
    ['team-o3', 'o3'],
    ['o4-mini', 'o4-mini'],
    ['gpt-4', 'gpt-4'],
    ['gpt-4-turbo-batch', 'gpt-4'],
    ['gpt-4-1106-preview', 'gpt-4'],
    ['gpt-35-turbo', 'gpt-35-turbo'],
    ['gpt-3.5-turbo-0125', 'gpt-35-turbo'],
    ['text-embedding-3-small', 'text-embedding-3-small'],
    ['te3-large', 'text-embedding-3-large'],
    ['text-embedding-ada-002', 'text-embedding-ada-002'],
    // No hint: the default applies.
    ['demo1', undefined],
    ['proto3', undefined],
    ['my-deployment', undefined],
    ['gpt-4.5-preview', undefined],
  ];
  for (const [name, family] of cases) {
    it(`${name} → ${family ?? '(no hint)'}`, () => {
      assert.equal(modelFamily(name), family);
    });
  }

  it('picks cl100k_base for GPT-4, GPT-3.5 and embeddings, o200k_base for the rest and for unknown names', () => {
    assert.equal(encodingForModel('gpt-4-turbo'), 'cl100k_base');
    assert.equal(encodingForModel('gpt-35-turbo'), 'cl100k_base');
    assert.equal(encodingForModel('text-embedding-3-large'), 'cl100k_base');
    for (const name of ['gpt-4o', 'gpt-4o-mini', 'gpt-4.1-nano', 'gpt-5', 'o1', 'o3-mini', 'o4-mini', 'anything']) {
      assert.equal(encodingForModel(name), 'o200k_base', name);
    }
  });

  it('ships a batch price for every family it recognises', () => {
    for (const [name, family] of cases) {
      if (family !== undefined) {
        assert.ok(defaultBatchPrices[family], `${name} → ${family} has a price`);
      }
    }
  });

  it('assumes GPT-4o for an unknown chat deployment and text-embedding-3-small for an unknown embeddings one', () => {
    const resolver = new ModelResolver();
    assert.deepEqual(resolver.resolve('my-deployment'), { model: 'gpt-4o', encoding: 'o200k_base', price: { input: 1.25, output: 5 }, source: 'default' });
    assert.deepEqual(resolver.resolve('my-embedder', true), { model: 'text-embedding-3-small', encoding: 'cl100k_base', price: { input: 0.01, output: 0 }, source: 'default' });
    assert.equal(resolver.resolve('gpt-4o-mini-batch').source, 'name');
  });
});

describe('tokens: settings override', () => {
  it('maps deployments to models (exact name first, then case-insensitive)', () => {
    const resolver = new ModelResolver({ deploymentModels: { 'my-deployment': 'gpt-4o-mini', Prod: 'gpt-35-turbo', ignored: 42 } });
    assert.deepEqual(resolver.resolve('my-deployment'), { model: 'gpt-4o-mini', encoding: 'o200k_base', price: { input: 0.075, output: 0.3 }, source: 'setting' });
    assert.equal(resolver.resolve('prod').model, 'gpt-35-turbo');
    assert.equal(resolver.resolve('prod').encoding, 'cl100k_base');
    assert.equal(resolver.resolve('ignored').source, 'default');
    // A mapping wins over the name's own hint.
    assert.equal(new ModelResolver({ deploymentModels: { 'gpt-4o-batch': 'gpt-4.1-nano' } }).resolve('gpt-4o-batch').model, 'gpt-4.1-nano');
    // Full model versions resolve to their family.
    assert.equal(new ModelResolver({ deploymentModels: { x: 'gpt-4o-mini-2024-07-18' } }).resolve('x').model, 'gpt-4o-mini');
  });

  it('replaces built-in prices, keeps the missing half, and adds models with their own encoding', () => {
    const resolver = new ModelResolver({
      prices: {
        'gpt-4o': { input: 1, output: 4 },
        'gpt-4o-mini': { output: 0.25 },
        'gpt-5.2': { input: 0.875, output: 7 },
        'legacy-chat': { input: 2, output: 3, encoding: 'cl100k_base' },
        broken: 'cheap',
        negative: { input: -1, output: 2 },
      },
      deploymentModels: { team: 'legacy-chat' },
    });
    assert.deepEqual(resolver.resolve('gpt-4o-batch').price, { input: 1, output: 4 });
    assert.deepEqual(resolver.resolve('gpt-4o-mini').price, { input: 0.075, output: 0.25 });
    // Added models match by name, and win over the family hint (gpt-5).
    assert.deepEqual(resolver.resolve('gpt-5.2-batch'), { model: 'gpt-5.2', encoding: 'o200k_base', price: { input: 0.875, output: 7 }, source: 'name' });
    assert.deepEqual(resolver.resolve('team'), { model: 'legacy-chat', encoding: 'cl100k_base', price: { input: 2, output: 3, encoding: 'cl100k_base' }, source: 'setting' });
    assert.equal(resolver.prices.broken, undefined);
    assert.equal(resolver.prices.negative, undefined);
    assert.ok(resolver.isKnownModel('gpt-5.2'));
    assert.ok(!resolver.isKnownModel('my-finetune'));
  });

  it('prices every deployment as one model when asked (the CLI --model)', () => {
    const resolver = new ModelResolver({ model: 'o3-mini', deploymentModels: { a: 'gpt-4o' } });
    assert.equal(resolver.resolve('a').model, 'o3-mini');
    assert.equal(resolver.resolve('gpt-4-batch').model, 'o3-mini');
  });
});

describe('tokens: price arithmetic', () => {
  it('prices input and output per million tokens at batch prices (50% of standard)', () => {
    assert.equal(costUsd(1_000_000, 0, defaultBatchPrices['gpt-4o']!), 1.25);
    assert.equal(costUsd(0, 1_000_000, defaultBatchPrices['gpt-4o']!), 5);
    assert.ok(Math.abs(costUsd(2_000_000, 1_000_000, defaultBatchPrices['gpt-4o-mini']!) - 0.45) < 1e-12);
    assert.equal(costUsd(1_000_000, 1_000_000, defaultBatchPrices['gpt-4.1']!), 5);
    // Standard gpt-4o is $2.50 / $10.00 per 1M: batch is half.
    assert.equal(defaultBatchPrices['gpt-4o']!.input * 2, 2.5);
    assert.equal(defaultBatchPrices['gpt-4o']!.output * 2, 10);
  });

  it('sums per deployment and adds and removes lines', () => {
    const resolver = new ModelResolver();
    const totals = new EstimateTotals();
    const a = estimateLine(request({}, { model: 'gpt-4o-batch', max_tokens: 100 }), resolver);
    const b = estimateLine(request({}, { model: 'gpt-4o-mini-batch', max_tokens: 1000 }), resolver);
    const unbounded = estimateLine(request({}, { model: 'gpt-4o-batch' }), resolver);
    for (const estimate of [a, a, b, unbounded, { kind: 'skipped' } as const, { kind: 'blank' } as const]) {
      totals.add(estimate);
    }
    const hello = 3 + 3 + 1 + 1; // priming, framing, "user", "Hello"
    let summary = totals.summarize(resolver);
    assert.equal(summary.requests, 4);
    assert.equal(summary.skipped, 1);
    assert.equal(summary.unbounded, 1);
    assert.equal(summary.inputTokens, 4 * hello);
    assert.equal(summary.outputTokens, 1200);
    const gpt4o = summary.deployments.find((d) => d.deployment === 'gpt-4o-batch')!;
    assert.equal(gpt4o.requests, 3);
    assert.equal(gpt4o.costUsd, (3 * hello * 1.25 + 200 * 5) / 1e6);
    const mini = summary.deployments.find((d) => d.deployment === 'gpt-4o-mini-batch')!;
    assert.equal(mini.costUsd, (hello * 0.075 + 1000 * 0.3) / 1e6);
    assert.equal(summary.costUsd, gpt4o.costUsd + mini.costUsd);
    assert.equal(summary.deployments[0], gpt4o, 'the most expensive deployment first');
    totals.remove(b);
    totals.remove({ kind: 'skipped' });
    summary = totals.summarize(resolver);
    assert.deepEqual(summary.deployments.map((d) => d.deployment), ['gpt-4o-batch']);
    assert.equal(summary.skipped, 0);
  });

  it('formats dollars and prices', () => {
    assert.equal(formatUsd(0), '$0.00');
    assert.equal(formatUsd(0.00265625), '$0.00266');
    assert.equal(formatUsd(0.000125), '$0.000125');
    assert.equal(formatUsd(0.5), '$0.50');
    assert.equal(formatUsd(0.02656), '$0.0266');
    assert.equal(formatUsd(1234.567), '$1,234.57');
    assert.equal(formatPrice(1.25), '$1.25');
    assert.equal(formatPrice(0.075), '$0.075');
    assert.equal(formatPrice(5), '$5.00');
  });
});
