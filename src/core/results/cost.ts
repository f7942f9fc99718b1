import { costUsd, type ModelResolver } from '../tokens/models';
import type { ModelUsage } from './summary';

/** What a job's reported usage cost at the batch prices. */
export interface ActualCost {
  /** USD of the tokens whose model has a known price. */
  readonly usd: number;
  /** The price keys used (`gpt-4o`), in the order met. */
  readonly models: string[];
  /** Tokens (prompt + completion) of responses whose model has no known price: not in `usd`. */
  readonly unpricedTokens: number;
}

/**
 * Prices the tokens the responses report: by the model a response names when it has a price (by name, family
 * or the prices setting), else by the deployment's model when the deployment-models setting or its name says
 * it. A model known only by the default guess is not priced: the summary says "unknown price" rather than a
 * figure for a model the job may not have used.
 */
export function actualCost(usage: readonly ModelUsage[], resolver: ModelResolver, deployment: string | undefined): ActualCost {
  let usd = 0;
  let unpricedTokens = 0;
  const models: string[] = [];
  for (const entry of usage) {
    const priced = [entry.model, deployment].map((name) => (name ? resolver.resolve(name) : undefined)).find((model) => model !== undefined && model.source !== 'default');
    if (priced === undefined) {
      unpricedTokens += entry.promptTokens + entry.completionTokens;
      continue;
    }
    usd += costUsd(entry.promptTokens, entry.completionTokens, priced.price);
    if (!models.includes(priced.model)) {
      models.push(priced.model);
    }
  }
  return { usd, models, unpricedTokens };
}
