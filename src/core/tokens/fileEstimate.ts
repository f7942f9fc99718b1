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
