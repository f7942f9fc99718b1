import { createReadStream } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | undefined;

/** Forces a full garbage collection between measurements, so one run's garbage is not billed to the next. */
export function collectGarbage(): void {
  gc ??= exposeGc();
  gc();
}

function exposeGc(): () => void {
  try {
    setFlagsFromString('--expose-gc');
    const found = runInNewContext('gc') as unknown;
    if (typeof found === 'function') {
      return found as () => void;
    }
  } catch {
    // Not available: measure without it.
  }
  return () => {};
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** Nearest-rank percentile. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) {
    return NaN;
  }
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export interface Samples {
  readonly runs: readonly number[];
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export function samples(runs: readonly number[]): Samples {
  return { runs, median: median(runs), min: Math.min(...runs), max: Math.max(...runs) };
}

export interface FloorResult {
  readonly bytes: number;
  readonly lines: number;
  readonly parsed: number;
  readonly failed: number;
}

const chunkSize = 1024 * 1024;

/**
 * The floor: the least work any validator must do — read the file in 1 MB chunks, decode line-aligned
 * segments with one `toString('utf8')` each (a '\n' byte never sits inside a multi-byte character), split on
 * '\n' and `JSON.parse` every line. Lines that do not parse are counted (try/catch, as a validator must).
 */
export async function floorPass(path: string): Promise<FloorResult> {
  let bytes = 0;
  let pending: Buffer[] = [];
  const counts = { lines: 0, parsed: 0, failed: 0 };
  const stream = createReadStream(path, { highWaterMark: chunkSize });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    const lastNewline = chunk.lastIndexOf(10);
    if (lastNewline < 0) {
      pending.push(chunk);
      continue;
    }
    const head = chunk.subarray(0, lastNewline + 1);
    const segment = pending.length > 0 ? Buffer.concat([...pending, head]) : head;
    pending = lastNewline + 1 < chunk.length ? [chunk.subarray(lastNewline + 1)] : [];
    parseLines(segment.toString('utf8'), counts);
  }
  if (pending.length > 0) {
    parseLines(Buffer.concat(pending).toString('utf8'), counts);
  }
  return { bytes, ...counts };
}

function parseLines(text: string, counts: { lines: number; parsed: number; failed: number }): void {
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) {
      end = text.length;
    }
    counts.lines++;
    try {
      const value: unknown = JSON.parse(text.slice(start, end));
      if (value !== null && typeof value === 'object') {
        counts.parsed++;
      }
    } catch {
      counts.failed++;
    }
    start = end + 1;
  }
}

export function mbPerSecond(bytes: number, ms: number): number {
  return bytes / (1024 * 1024) / (ms / 1000);
}
