// The preview of a conversion before anything is written: every row checked, the first requests kept, and the
// tokens and cost of the batch (counted on the first requests, scaled to all of them beyond that).
import { EstimateTotals, estimateRequest } from '../tokens/estimate';
import type { ModelResolver } from '../tokens/models';
import { convertRows, type BatchRequest, type ConvertSummary } from './convert';
import { readRows, type ReadOptions } from './readers';
import type { CompiledTemplate } from './template';

export interface ConversionPreview {
  readonly summary: ConvertSummary;
  /** The first requests, as they will be written. */
  readonly first: readonly BatchRequest[];
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly costUsd: number;
  /** The model the prices are those of. */
  readonly model: string;
  /** False when the tokens were counted on the first requests only and scaled to all of them. */
  readonly exact: boolean;
}

/** Reads the whole data file once (nothing is written), counting tokens on the first `sample` requests. */
export async function previewConversion(
  dataPath: string,
  compiled: CompiledTemplate,
  resolver: ModelResolver,
  options: { readonly read?: ReadOptions; readonly signal?: AbortSignal; readonly sample?: number; readonly keep?: number; readonly onProgress?: (rows: number) => void } = {},
): Promise<ConversionPreview> {
  const sample = options.sample ?? 2000;
  const keep = options.keep ?? 3;
  const totals = new EstimateTotals();
  const first: BatchRequest[] = [];
  let counted = 0;
  const summary = await convertRows(readRows(dataPath, { ...options.read, signal: options.signal }), compiled, {
    signal: options.signal,
    onProgress: options.onProgress,
    onRequest: (request) => {
      if (first.length < keep) {
        first.push(request);
      }
      if (counted < sample) {
        counted++;
        totals.add(estimateRequest(request as unknown as Record<string, unknown>, resolver));
      }
    },
  });
  const sampled = totals.summarize(resolver);
  const scale = counted === 0 ? 0 : summary.requests / counted;
  return {
    summary,
    first,
    inputTokens: Math.round(sampled.inputTokens * scale),
    outputTokens: Math.round(sampled.outputTokens * scale),
    costUsd: sampled.costUsd * scale,
    model: sampled.deployments[0]?.model.model ?? resolver.resolve(compiled.template.model, compiled.kind === 'embeddings').model,
    exact: counted === summary.requests,
  };
}
