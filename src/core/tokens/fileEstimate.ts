import { readLocatedLines, type LineReaderOptions } from '../io/lineReader';
import { estimateLine, EstimateTotals, type EstimateSummary } from './estimate';
import type { ModelResolver } from './models';

export interface FileEstimate extends EstimateSummary {
  /** Lines read (a final line break does not start another line). */
  readonly lines: number;
  readonly bytes: number;
}

/**
 * Estimates a batch input file on disk line by line, in bounded memory: only per-deployment totals are kept.
 * A line too long to hold (over `maxLineBytes`, such as a file with no line break) is counted as skipped, unread.
 * Throws when the file cannot be read.
 */
export async function estimateFile(path: string, resolver: ModelResolver, signal?: AbortSignal, options: LineReaderOptions = {}): Promise<FileEstimate> {
  const totals = new EstimateTotals();
  let lines = 0;
  let bytes = 0;
  for await (const line of readLocatedLines(path, { ...options, reportOversized: true })) {
    signal?.throwIfAborted();
    lines++;
    bytes = line.offset + line.length;
    totals.add(line.oversized ? { kind: 'skipped' } : estimateLine(line.text, resolver));
  }
  return { ...totals.summarize(resolver), lines, bytes };
}

/**
 * `$1,234.56` from one dollar up, `$0.50` / `$0.0266` (up to four decimals) from a cent up, three significant
 * digits below (`$0.00266`, `$0.000125`), `$0.00` for nothing. `locale` picks the digit grouping and decimal mark.
 */
export function formatUsd(usd: number, locale = 'en-US'): string {
  const value = Number.isFinite(usd) ? usd : 0;
  const magnitude = Math.abs(value);
  const options: Intl.NumberFormatOptions =
    magnitude === 0 || magnitude >= 1
      ? { minimumFractionDigits: 2, maximumFractionDigits: 2 }
      : magnitude >= 0.01
        ? { minimumFractionDigits: 2, maximumFractionDigits: 4 }
        : { maximumSignificantDigits: 3 };
  return new Intl.NumberFormat(locale, { style: 'currency', currency: 'USD', ...options }).format(value);
}

/** A price per million tokens: `$1.25`, `$0.075`. */
export function formatPrice(usdPerMillion: number, locale = 'en-US'): string {
  return new Intl.NumberFormat(locale, { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 4 }).format(usdPerMillion);
}
