import { estimateLine, EstimateTotals, type EstimateSummary } from '../../src/core/tokens/estimate';
import { ModelResolver } from '../../src/core/tokens/models';

/** The summary of a whole text counted from scratch, line by line: what the incremental estimators must match. */
export function fromScratch(lines: readonly string[], resolver = new ModelResolver()): EstimateSummary {
  const totals = new EstimateTotals();
  for (const line of lines) {
    totals.add(estimateLine(line, resolver));
  }
  return totals.summarize(resolver);
}
