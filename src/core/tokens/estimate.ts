import { endpointKind, type EndpointKind } from '../jsonl/endpoints';
import { imageRatesFor } from './imageTokens';
import { costUsd, type ModelResolver, type ResolvedModel } from './models';
import { countChatPromptSteps, countEmbeddingsInputSteps, countResponsesInputSteps, maxOutputTokens, runSteps, type CountOptions, type Steps } from './requestTokens';
import { textStepLength } from './tokenizer';

/** The estimate of one request line. */
export interface RequestEstimate {
  readonly kind: 'request';
  readonly endpoint: EndpointKind;
  /** `body.model` ('' when missing or not a string). */
  readonly deployment: string;
  readonly inputTokens: number;
  /** The most output the request allows: its output limit times `n` (0 for embeddings and without a limit). */
  readonly outputTokens: number;
  /** The field that sets the output bound (`max_tokens`, `max_completion_tokens`, `max_output_tokens`), if any. */
  readonly outputLimit: OutputLimitField | undefined;
  /** A chat or responses request without an output limit: its output cannot be bounded (embeddings have none). */
  readonly unbounded: boolean;
}

export type OutputLimitField = 'max_completion_tokens' | 'max_tokens' | 'max_output_tokens';
const outputLimitFields: readonly OutputLimitField[] = ['max_completion_tokens', 'max_tokens', 'max_output_tokens'];

/** What a line contributes: a request, nothing (blank), or a skipped line (not a request the estimator can read). */
export type LineEstimate = RequestEstimate | { readonly kind: 'blank' } | { readonly kind: 'skipped' };

const blank: LineEstimate = { kind: 'blank' };
const skipped: LineEstimate = { kind: 'skipped' };
const whitespaceOnly = /^\s*$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Estimates one line of a batch input file. A line is skipped unless it is a JSON object with a batch `url`, an
 * object `body`, and what that endpoint needs (`messages` for chat, `input` for embeddings and responses). A
 * leading byte order mark is ignored. The tokenizer is the one of the deployment's model.
 */
export function estimateLine(text: string, resolver: ModelResolver): LineEstimate {
  return runSteps(estimateLineSteps(text, resolver));
}

/**
 * {@link estimateLine} in bounded steps (parsing the line is one, then counting in pieces of bounded size), so one
 * huge line can be estimated across several time slices.
 */
export function* estimateLineSteps(text: string, resolver: ModelResolver): Steps<LineEstimate> {
  if (text.length === 0 || whitespaceOnly.test(text)) {
    return blank;
  }
  let value: unknown;
  try {
    value = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch {
    return skipped;
  }
  if (text.length > textStepLength) {
    yield; // a long line: look at the clock between parsing and counting
  }
  return isObject(value) ? yield* estimateRequestSteps(value, resolver) : skipped;
}

/**
 * Runs {@link estimateLineSteps} until it is done or `deadline` (a `performance.now()` time) has passed, checked
 * between steps; undefined when time ran out.
 */
export function estimateLineWithin(text: string, resolver: ModelResolver, deadline: number): LineEstimate | undefined {
  const steps = estimateLineSteps(text, resolver);
  for (let step = steps.next(); ; step = steps.next()) {
    if (step.done) {
      return step.value;
    }
    if (performance.now() > deadline) {
      return undefined;
    }
  }
}

/** Estimates a parsed request line (see {@link estimateLine}). */
export function estimateRequest(request: Record<string, unknown>, resolver: ModelResolver): LineEstimate {
  return runSteps(estimateRequestSteps(request, resolver));
}

/** {@link estimateRequest} in steps. */
export function* estimateRequestSteps(request: Record<string, unknown>, resolver: ModelResolver): Steps<LineEstimate> {
  const endpoint = typeof request.url === 'string' ? endpointKind(request.url) : undefined;
  const body = request.body;
  if (endpoint === undefined || !isObject(body)) {
    return skipped;
  }
  const deployment = typeof body.model === 'string' ? body.model : '';
  const { encoding, model } = resolver.resolve(deployment, endpoint === 'embeddings');
  const options = countOptionsFor(model);
  switch (endpoint) {
    case 'chat': {
      if (!Array.isArray(body.messages)) {
        return skipped;
      }
      const inputTokens = yield* countChatPromptSteps(body.messages, body.tools, encoding, options);
      return { kind: 'request', endpoint, deployment, inputTokens, ...outputBound(body, choices(body.n)) };
    }
    case 'responses': {
      if (body.input === undefined || body.input === null) {
        return skipped;
      }
      const inputTokens = yield* countResponsesInputSteps(body.input, body.instructions, body.tools, encoding, options);
      return { kind: 'request', endpoint, deployment, inputTokens, ...outputBound(body, 1) };
    }
    case 'embeddings': {
      if (body.input === undefined || body.input === null) {
        return skipped;
      }
      const inputTokens = yield* countEmbeddingsInputSteps(body.input, encoding);
      return { kind: 'request', endpoint, deployment, inputTokens, outputTokens: 0, outputLimit: undefined, unbounded: false };
    }
  }
}

// The count options of each model, built once (model names are few; the family lookup is a few regexes).
const optionsByModel = new Map<string, CountOptions>();

function countOptionsFor(model: string): CountOptions {
  let options = optionsByModel.get(model);
  if (options === undefined) {
    options = { images: imageRatesFor(model) };
    if (optionsByModel.size >= 1024) {
      optionsByModel.clear();
    }
    optionsByModel.set(model, options);
  }
  return options;
}

function choices(n: unknown): number {
  return typeof n === 'number' && Number.isInteger(n) && n > 1 ? n : 1;
}

function outputBound(body: Record<string, unknown>, n: number): { outputTokens: number; outputLimit: OutputLimitField | undefined; unbounded: boolean } {
  const max = maxOutputTokens(body);
  if (max === undefined) {
    return { outputTokens: 0, outputLimit: undefined, unbounded: true };
  }
  // The field maxOutputTokens read: the first valid one in its order.
  const field = outputLimitFields.find((k) => maxOutputTokens({ [k]: body[k] }) !== undefined);
  return { outputTokens: max * n, outputLimit: field, unbounded: false };
}

// --- totals -----------------------------------------------------------------------------------------

/** Running totals of the requests of one deployment. */
export interface Tally {
  requests: number;
  inputTokens: number;
  outputTokens: number;
  /** Requests without an output limit (their output is not in `outputTokens`). */
  unbounded: number;
}

/** Per-deployment totals, kept up to date as lines are added and removed. */
export class EstimateTotals {
  /** Keyed by `c:` (chat, responses) or `e:` (embeddings) + deployment: the default model differs. */
  private readonly byKey = new Map<string, Tally>();
  skipped = 0;

  add(estimate: LineEstimate, sign: 1 | -1 = 1): void {
    if (estimate.kind === 'blank') {
      return;
    }
    if (estimate.kind === 'skipped') {
      this.skipped += sign;
      return;
    }
    const key = (estimate.endpoint === 'embeddings' ? 'e:' : 'c:') + estimate.deployment;
    let tally = this.byKey.get(key);
    if (tally === undefined) {
      tally = { requests: 0, inputTokens: 0, outputTokens: 0, unbounded: 0 };
      this.byKey.set(key, tally);
    }
    tally.requests += sign;
    tally.inputTokens += sign * estimate.inputTokens;
    tally.outputTokens += sign * estimate.outputTokens;
    if (estimate.unbounded) {
      tally.unbounded += sign;
    }
    if (tally.requests === 0) {
      this.byKey.delete(key);
    }
  }

  remove(estimate: LineEstimate): void {
    this.add(estimate, -1);
  }

  clear(): void {
    this.byKey.clear();
    this.skipped = 0;
  }

  /** Totals and costs at the resolver's prices, deployments in order of cost (highest first). */
  summarize(resolver: ModelResolver): EstimateSummary {
    const deployments: DeploymentEstimate[] = [];
    for (const [key, tally] of this.byKey) {
      const deployment = key.slice(2);
      const model = resolver.resolve(deployment, key.startsWith('e:'));
      deployments.push({ deployment, model, ...tally, costUsd: costUsd(tally.inputTokens, tally.outputTokens, model.price) });
    }
    deployments.sort((a, b) => b.costUsd - a.costUsd || b.requests - a.requests || a.deployment.localeCompare(b.deployment));
    const sum = (pick: (d: DeploymentEstimate) => number) => deployments.reduce((total, d) => total + pick(d), 0);
    return {
      requests: sum((d) => d.requests),
      skipped: this.skipped,
      inputTokens: sum((d) => d.inputTokens),
      outputTokens: sum((d) => d.outputTokens),
      unbounded: sum((d) => d.unbounded),
      costUsd: sum((d) => d.costUsd),
      deployments,
    };
  }
}

/** The requests of one deployment, with the model they were estimated for. */
export interface DeploymentEstimate extends Readonly<Tally> {
  /** '' for requests without a `body.model`. */
  readonly deployment: string;
  readonly model: ResolvedModel;
  /** Input at the batch input price plus the output bound at the batch output price. */
  readonly costUsd: number;
}

/** A file's estimate. */
export interface EstimateSummary {
  readonly requests: number;
  readonly skipped: number;
  readonly inputTokens: number;
  /** Sum of the requests' output bounds: an upper bound of the output (requests without a limit add nothing). */
  readonly outputTokens: number;
  /** Requests without an output limit. */
  readonly unbounded: number;
  readonly costUsd: number;
  readonly deployments: readonly DeploymentEstimate[];
}
