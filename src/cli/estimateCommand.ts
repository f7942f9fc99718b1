import type { DeploymentEstimate } from '../core/tokens/estimate';
import { estimateFile, type FileEstimate } from '../core/tokens/fileEstimate';
import { formatPrice, formatUsd } from '../core/tokens/usd';
import { ModelResolver } from '../core/tokens/models';
import { checkInputFile, parseArgs, readOptionFile, UsageError } from './args';
import { usages } from './usage';

export const pricingPage = 'https://azure.microsoft.com/pricing/details/cognitive-services/openai-service/';

/** One deployment in the `--json` output. */
export interface JsonDeploymentEstimate {
  deployment: string;
  model: string;
  encoding: string;
  modelSource: 'setting' | 'name' | 'default';
  requests: number;
  inputTokens: number;
  outputTokens: number;
  requestsWithoutOutputLimit: number;
  estimatedCostUsd: number;
  batchPricePerMillion: { input: number; output: number };
}

/**
 * The `--json` output: one object. `model`, `deployment` and `encoding` are those of the file's only deployment,
 * or null when it has several (see `deployments`) or none.
 */
export interface JsonEstimate {
  file: string;
  requests: number;
  inputTokens: number;
  outputTokens: number;
  estimatedCostUsd: number;
  model: string | null;
  deployment: string | null;
  encoding: string | null;
  skipped: number;
  requestsWithoutOutputLimit: number;
  deployments: JsonDeploymentEstimate[];
}

/**
 * `estimate`: counts the input tokens of every request with the tokenizer of its deployment's model, adds the
 * requested output limits as the output bound and prices both at batch prices. Streams the file. Exit 0, or 2
 * for wrong arguments or an unreadable file (message on `err`). Lines that are not requests are skipped and counted.
 */
export async function runEstimate(argv: readonly string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const args = parseArgs(argv, ['model', 'deployment-models', 'prices'], ['json']);
  if (args.positionals.length !== 1) {
    throw new UsageError(`usage: ${usages.estimate}`);
  }
  const file = args.positionals[0]!;
  const model = stringOption(args.options.get('model'), 'model');
  const deploymentModels = parseMapping(stringOption(args.options.get('deployment-models'), 'deployment-models'));
  let prices: Record<string, unknown> | undefined;
  const pricesFile = stringOption(args.options.get('prices'), 'prices');
  if (pricesFile !== undefined) {
    prices = await readPrices(pricesFile, err);
    if (prices === undefined) {
      return 2;
    }
  }
  if (!(await checkInputFile(file, err))) {
    return 2;
  }
  const resolver = new ModelResolver({ deploymentModels, prices, model });
  for (const name of [model, ...Object.values(deploymentModels ?? {})]) {
    if (name !== undefined && !resolver.isKnownModel(name)) {
      throw new UsageError(`unknown model "${name}": use a model name like gpt-4o, gpt-4o-mini, gpt-4.1, o3-mini, or add its prices with --prices`);
    }
  }
  let result: FileEstimate;
  try {
    result = await estimateFile(file, resolver);
  } catch (error) {
    err.write(`error: cannot read ${file}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  if (args.options.has('json')) {
    out.write(JSON.stringify(toJson(file, result)) + '\n');
  } else {
    out.write(formatEstimate(file, result));
  }
  return 0;
}

function stringOption(value: string | true | undefined, name: string): string | undefined {
  if (value === true || (typeof value === 'string' && value.trim().length === 0)) {
    throw new UsageError(`--${name} needs a value`);
  }
  return value?.trim();
}

/** `a=gpt-4o-mini,b=gpt-4.1` → `{ a: 'gpt-4o-mini', b: 'gpt-4.1' }`. */
export function parseMapping(raw: string | undefined): Record<string, string> | undefined {
  if (raw === undefined) {
    return undefined;
  }
  const mapping: Record<string, string> = {};
  for (const pair of raw.split(',')) {
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq).trim();
    const model = pair.slice(eq + 1).trim();
    if (eq < 0 || name.length === 0 || model.length === 0) {
      throw new UsageError(`--deployment-models takes NAME=MODEL pairs separated by commas, not "${pair}"`);
    }
    mapping[name] = model;
  }
  return mapping;
}

async function readPrices(path: string, err: NodeJS.WritableStream): Promise<Record<string, unknown> | undefined> {
  const text = await readOptionFile(path, 'prices');
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
  } catch {
    // Reported below.
  }
  err.write(`error: ${path} must hold a JSON object of prices, like {"gpt-4o": {"input": 1.25, "output": 5}}\n`);
  return undefined;
}

/** Rounded to a millionth of a dollar, so sums print without floating-point noise. */
function roundUsd(usd: number): number {
  return Math.round(usd * 1e6) / 1e6;
}

function toJsonDeployment(d: DeploymentEstimate): JsonDeploymentEstimate {
  return {
    deployment: d.deployment,
    model: d.model.model,
    encoding: d.model.encoding,
    modelSource: d.model.source,
    requests: d.requests,
    inputTokens: d.inputTokens,
    outputTokens: d.outputTokens,
    requestsWithoutOutputLimit: d.unbounded,
    estimatedCostUsd: roundUsd(d.costUsd),
    batchPricePerMillion: { input: d.model.price.input, output: d.model.price.output },
  };
}

export function toJson(file: string, result: FileEstimate): JsonEstimate {
  const only = result.deployments.length === 1 ? result.deployments[0] : undefined;
  const encodings = new Set(result.deployments.map((d) => d.model.encoding));
  return {
    file,
    requests: result.requests,
    inputTokens: result.inputTokens,
    outputTokens: result.outputTokens,
    estimatedCostUsd: roundUsd(result.costUsd),
    model: only?.model.model ?? null,
    deployment: only?.deployment ?? null,
    encoding: encodings.size === 1 ? [...encodings][0]! : null,
    skipped: result.skipped,
    requestsWithoutOutputLimit: result.unbounded,
    deployments: result.deployments.map(toJsonDeployment),
  };
}

const count = (n: number) => n.toLocaleString('en-US');
const plural = (n: number, word: string) => `${count(n)} ${word}${n === 1 ? '' : 's'}`;

/** The text report: a per-deployment table with a total, then what the figures mean. */
export function formatEstimate(file: string, result: FileEstimate): string {
  const lines = [`${file}: ${plural(result.requests, 'request')}, ${count(result.skipped)} skipped`];
  const headers = ['deployment', 'model', 'encoding', 'requests', 'input tokens', 'output bound', 'est. cost'];
  const rows = result.deployments.map((d) => [
    d.deployment === '' ? '(no body.model)' : d.deployment,
    d.model.source === 'default' ? `${d.model.model} (assumed)` : d.model.model,
    d.model.encoding,
    count(d.requests),
    count(d.inputTokens),
    count(d.outputTokens),
    formatUsd(d.costUsd),
  ]);
  rows.push(['total', '', '', count(result.requests), count(result.inputTokens), count(result.outputTokens), formatUsd(result.costUsd)]);
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const right = new Set([3, 4, 5, 6]);
  const row = (cells: readonly string[]) => '  ' + cells.map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  lines.push(row(headers), ...rows.map(row));
  lines.push('');
  lines.push(
    `Estimated cost: ${formatUsd(result.costUsd)} at batch prices: input tokens at the input price plus the output bound ` +
      '(each request\'s max_tokens / max_completion_tokens / max_output_tokens) at the output price, so an upper bound for output.',
  );
  if (result.unbounded > 0) {
    lines.push(`${plural(result.unbounded, 'request')} set no output limit: their output is not included, the real cost can be higher.`);
  }
  const prices = result.deployments.map((d) => `${d.model.model} ${formatPrice(d.model.price.input)} / ${formatPrice(d.model.price.output)}`);
  if (prices.length > 0) {
    lines.push(`Batch prices per 1M tokens (input / output): ${[...new Set(prices)].join('; ')}. Estimates: check ${pricingPage}.`);
  }
  const assumed = result.deployments.filter((d) => d.model.source === 'default');
  if (assumed.length > 0) {
    const names = assumed.map((d) => (d.deployment === '' ? '(no body.model)' : `"${d.deployment}"`)).join(', ');
    lines.push(`The model behind ${names} is assumed from no hint in the name: pass --model MODEL or --deployment-models NAME=MODEL.`);
  }
  if (result.skipped > 0) {
    lines.push(`${plural(result.skipped, 'line')} skipped: not a request the estimate can read (run \`validate\` to see why).`);
  }
  return lines.join('\n') + '\n';
}
