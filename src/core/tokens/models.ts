import { defaultEncoding, isEncodingName, type EncodingName } from './encodings';
import type { RequestEstimate } from './estimate';

/** Batch prices of a model, in USD per million tokens, and optionally the encoding it uses. */
export interface ModelPrice {
  readonly input: number;
  readonly output: number;
  readonly encoding?: EncodingName;
}

export type PriceTable = Readonly<Record<string, ModelPrice>>;

/**
 * Azure OpenAI Global Batch prices (USD per 1M tokens), estimates as of 2025: Global Batch bills 50% of the Global
 * Standard price, which equals OpenAI's list price for these models. Standard input/output → batch:
 * gpt-4o 2.50/10.00 → 1.25/5.00; gpt-4o-mini 0.15/0.60 → 0.075/0.30; gpt-4.1 2.00/8.00 → 1.00/4.00;
 * gpt-4.1-mini 0.40/1.60 → 0.20/0.80; gpt-4.1-nano 0.10/0.40 → 0.05/0.20; gpt-5 1.25/10.00 → 0.625/5.00;
 * gpt-5-mini 0.25/2.00 → 0.125/1.00; gpt-5-nano 0.05/0.40 → 0.025/0.20; o1 15/60 → 7.50/30;
 * o1-mini, o3-mini, o4-mini 1.10/4.40 → 0.55/2.20; o3 2.00/8.00 → 1.00/4.00; gpt-4 (Turbo 2024-04-09, the GPT-4
 * Azure batch runs) 10/30 → 5/15; gpt-35-turbo (0125) 0.50/1.50 → 0.25/0.75; text-embedding-3-small 0.02 → 0.01;
 * text-embedding-3-large 0.13 → 0.065; text-embedding-ada-002 0.10 → 0.05. Check them against
 * https://azure.microsoft.com/pricing/details/cognitive-services/openai-service/ and override them with the
 * `azureOpenAIBatch.estimates.prices` setting.
 */
export const defaultBatchPrices: PriceTable = {
  'gpt-4o': { input: 1.25, output: 5 },
  'gpt-4o-mini': { input: 0.075, output: 0.3 },
  'gpt-4.1': { input: 1, output: 4 },
  'gpt-4.1-mini': { input: 0.2, output: 0.8 },
  'gpt-4.1-nano': { input: 0.05, output: 0.2 },
  'gpt-5': { input: 0.625, output: 5 },
  'gpt-5-mini': { input: 0.125, output: 1 },
  'gpt-5-nano': { input: 0.025, output: 0.2 },
  o1: { input: 7.5, output: 30 },
  'o1-mini': { input: 0.55, output: 2.2 },
  o3: { input: 1, output: 4 },
  'o3-mini': { input: 0.55, output: 2.2 },
  'o4-mini': { input: 0.55, output: 2.2 },
  'gpt-4': { input: 5, output: 15 },
  'gpt-35-turbo': { input: 0.25, output: 0.75 },
  'text-embedding-3-small': { input: 0.01, output: 0 },
  'text-embedding-3-large': { input: 0.065, output: 0 },
  'text-embedding-ada-002': { input: 0.05, output: 0 },
};

/** The model assumed for a deployment whose name gives no hint: GPT-4o for chat and responses. */
export const defaultModel = 'gpt-4o';
/** ...and for embeddings. */
export const defaultEmbeddingsModel = 'text-embedding-3-small';

interface Family {
  readonly model: string;
  readonly encoding: EncodingName;
  readonly pattern: RegExp;
}

// Separators deployment names put between the parts of a model name: `gpt-4o`, `gpt4o`, `gpt_4o`, `GPT 4o`.
const s = '[-_. ]?';
// Not preceded by a letter or digit (so `o1` does not match inside `demo1` or `proto1`).
const start = '(?:^|[^a-z0-9])';

/** Model families by the hints deployment names carry, most specific first. Matched against the lowercased name. */
const families: readonly Family[] = [
  { model: 'text-embedding-3-small', encoding: 'cl100k_base', pattern: new RegExp(`3${s}small`) },
  { model: 'text-embedding-3-large', encoding: 'cl100k_base', pattern: new RegExp(`3${s}large`) },
  { model: 'text-embedding-ada-002', encoding: 'cl100k_base', pattern: new RegExp(`ada${s}002|embedding${s}ada`) },
  { model: 'gpt-4o-mini', encoding: 'o200k_base', pattern: new RegExp(`4o${s}mini`) },
  { model: 'gpt-4o', encoding: 'o200k_base', pattern: new RegExp(`gpt${s}4o|${start}4o(?![a-z0-9])`) },
  { model: 'gpt-4.1-nano', encoding: 'o200k_base', pattern: new RegExp(`gpt${s}4${s}1${s}nano`) },
  { model: 'gpt-4.1-mini', encoding: 'o200k_base', pattern: new RegExp(`gpt${s}4${s}1${s}mini`) },
  // `gpt-4.1`, `gpt41`, `gpt-4-1`, but not `gpt-4-1106-preview` (a GPT-4 Turbo).
  { model: 'gpt-4.1', encoding: 'o200k_base', pattern: new RegExp(`gpt${s}4${s}1(?![0-9])`) },
  { model: 'gpt-5-nano', encoding: 'o200k_base', pattern: new RegExp(`gpt${s}5[-_. 0-9]*nano`) },
  { model: 'gpt-5-mini', encoding: 'o200k_base', pattern: new RegExp(`gpt${s}5[-_. 0-9]*mini`) },
  { model: 'gpt-5', encoding: 'o200k_base', pattern: new RegExp(`gpt${s}5(?![0-9])`) },
  { model: 'o1-mini', encoding: 'o200k_base', pattern: new RegExp(`${start}o1${s}mini`) },
  { model: 'o3-mini', encoding: 'o200k_base', pattern: new RegExp(`${start}o3${s}mini`) },
  { model: 'o4-mini', encoding: 'o200k_base', pattern: new RegExp(`${start}o4${s}mini`) },
  { model: 'o1', encoding: 'o200k_base', pattern: new RegExp(`${start}o1(?![0-9])`) },
  { model: 'o3', encoding: 'o200k_base', pattern: new RegExp(`${start}o3(?![0-9])`) },
  // Plain GPT-4 and GPT-4 Turbo, not GPT-4o / GPT-4.1 (matched above) nor GPT-4.5.
  { model: 'gpt-4', encoding: 'cl100k_base', pattern: new RegExp(`gpt${s}4(?![0-9o.])`) },
  { model: 'gpt-35-turbo', encoding: 'cl100k_base', pattern: new RegExp(`gpt${s}3${s}5`) },
];

/** The model family a model or deployment name hints at (`gpt-4o-batch` → `gpt-4o`), if any. */
export function modelFamily(name: string): string | undefined {
  return familyOf(name)?.model;
}

function familyOf(name: string): Family | undefined {
  const lower = name.toLowerCase();
  return families.find((family) => family.pattern.test(lower));
}

/** The encoding of a model (or of the family its name hints at); o200k_base when unknown. */
export function encodingForModel(name: string): EncodingName {
  return familyOf(name)?.encoding ?? defaultEncoding;
}

/** How a deployment was tied to a model. */
export type ModelSource =
  /** `estimates.deploymentModels` maps the deployment to a model. */
  | 'setting'
  /** The deployment name names a model with a price, or hints at a model family. */
  | 'name'
  /** No hint: the default model is assumed. */
  | 'default';

export interface ResolvedModel {
  /** The key of the price used (`gpt-4o`, or a model added in the prices setting). */
  readonly model: string;
  readonly encoding: EncodingName;
  readonly price: ModelPrice;
  readonly source: ModelSource;
}

export interface ResolverOptions {
  /** Deployment name → model name (`{ "my-deployment": "gpt-4o-mini" }`). */
  readonly deploymentModels?: Readonly<Record<string, unknown>>;
  /** Prices that add to or replace the built-in ones, by model name. */
  readonly prices?: Readonly<Record<string, unknown>>;
  /** The model of every deployment, whatever its name or mapping (the CLI's `--model`). */
  readonly model?: string;
}

/**
 * Ties deployment names to a model, its encoding and its batch prices:
 * 1. the deployment-models setting (exact name, then case-insensitive), or the model given for every deployment;
 * 2. a model of the price table named exactly (case-insensitive), or, for models added in the prices setting,
 *    contained in the name (`gpt-5.2-batch` → `gpt-5.2`);
 * 3. the family the name hints at (`my-gpt4o-mini-eu` → `gpt-4o-mini`);
 * 4. the default model (GPT-4o, or text-embedding-3-small for embeddings requests).
 * Results are cached per deployment name.
 */
export class ModelResolver {
  readonly prices: PriceTable;
  private readonly byLowerKey = new Map<string, string>();
  private readonly addedKeys: readonly { key: string; normalized: string }[];
  private readonly mapping = new Map<string, string>();
  private readonly mappingLower = new Map<string, string>();
  private readonly cache = new Map<string, ResolvedModel>();
  private readonly everyDeployment: string | undefined;

  constructor(options: ResolverOptions = {}) {
    this.everyDeployment = options.model?.trim() || undefined;
    const prices: Record<string, ModelPrice> = { ...defaultBatchPrices };
    const added: { key: string; normalized: string }[] = [];
    for (const [key, value] of Object.entries(options.prices ?? {})) {
      const price = toPrice(value, prices[key]);
      if (price === undefined || key.trim().length === 0) {
        continue;
      }
      if (!Object.hasOwn(defaultBatchPrices, key)) {
        added.push({ key, normalized: normalize(key) });
      }
      prices[key] = price;
    }
    this.prices = prices;
    for (const key of Object.keys(prices)) {
      this.byLowerKey.set(key.toLowerCase(), key);
    }
    // Longest first, so `gpt-5.2-mini` wins over `gpt-5.2` in `gpt-5.2-mini-batch`.
    this.addedKeys = added.filter((k) => k.normalized.length >= 2).sort((a, b) => b.normalized.length - a.normalized.length);
    for (const [deployment, model] of Object.entries(options.deploymentModels ?? {})) {
      if (typeof model === 'string' && model.trim().length > 0) {
        this.mapping.set(deployment, model.trim());
        this.mappingLower.set(deployment.toLowerCase(), model.trim());
      }
    }
  }

  /** The model behind a deployment. `embeddings` picks the default for a name without a hint. */
  resolve(deployment: string | undefined, embeddings = false): ResolvedModel {
    const name = deployment ?? '';
    const cacheKey = embeddings ? `e:${name}` : `c:${name}`;
    let resolved = this.cache.get(cacheKey);
    if (resolved === undefined) {
      resolved = this.resolveUncached(name, embeddings);
      this.cache.set(cacheKey, resolved);
    }
    return resolved;
  }

  /** Whether a model name has a price or hints at a known family (so a mapping to it is used). */
  isKnownModel(name: string): boolean {
    return this.lookup(name.trim()) !== undefined;
  }

  private resolveUncached(deployment: string, embeddings: boolean): ResolvedModel {
    const mapped = this.everyDeployment ?? this.mapping.get(deployment) ?? this.mappingLower.get(deployment.toLowerCase());
    if (mapped !== undefined) {
      const found = this.lookup(mapped);
      if (found !== undefined) {
        return { ...found, source: 'setting' };
      }
    }
    const found = this.lookup(deployment);
    if (found !== undefined) {
      return { ...found, source: 'name' };
    }
    const model = embeddings ? defaultEmbeddingsModel : defaultModel;
    return { ...this.entry(this.byLowerKey.get(model) ?? model), source: 'default' };
  }

  private lookup(name: string): Omit<ResolvedModel, 'source'> | undefined {
    if (name.length === 0) {
      return undefined;
    }
    const exact = this.byLowerKey.get(name.toLowerCase());
    if (exact !== undefined) {
      return this.entry(exact);
    }
    const normalized = normalize(name);
    const added = this.addedKeys.find((k) => normalized.includes(k.normalized));
    if (added !== undefined) {
      return this.entry(added.key);
    }
    const family = familyOf(name);
    return family === undefined ? undefined : this.entry(this.byLowerKey.get(family.model) ?? family.model);
  }

  private entry(model: string): Omit<ResolvedModel, 'source'> {
    const price = this.prices[model] ?? defaultBatchPrices[defaultModel]!;
    return { model, price, encoding: price.encoding ?? encodingForModel(model) };
  }
}

/** Lowercase without separators, for containment checks (`GPT-5.2` and `gpt52` alike). */
function normalize(name: string): string {
  return name.toLowerCase().replace(/[-_. ]/g, '');
}

/** A price entry from settings: `{ input, output, encoding? }`; missing numbers are taken from `fallback`. */
function toPrice(value: unknown, fallback: ModelPrice | undefined): ModelPrice | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return undefined;
  }
  const v = value as Record<string, unknown>;
  const input = validPrice(v.input) ?? fallback?.input;
  const output = validPrice(v.output) ?? fallback?.output ?? (input !== undefined ? 0 : undefined);
  if (input === undefined || output === undefined) {
    return undefined;
  }
  const encoding = isEncodingName(v.encoding) ? v.encoding : fallback?.encoding;
  return encoding === undefined ? { input, output } : { input, output, encoding };
}

function validPrice(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** USD for tokens at a price per million tokens. */
export function costUsd(inputTokens: number, outputTokens: number, price: ModelPrice): number {
  return (inputTokens * price.input + outputTokens * price.output) / 1_000_000;
}

/** The cost of one request at its model's batch prices. */
export function requestCost(estimate: RequestEstimate, model: ResolvedModel): number {
  return costUsd(estimate.inputTokens, estimate.outputTokens, model.price);
}
