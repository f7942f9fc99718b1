import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** One reading of the extension host's memory, in bytes. */
export interface MemoryReading {
  readonly label: string;
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly external: number;
  readonly arrayBuffers: number;
  readonly rss: number;
  /** Whether the reading followed a forced full garbage collection. */
  readonly afterGc: boolean;
}

let gc: (() => void) | null | undefined;

/**
 * A full garbage collection, when the host lets us force one: the extension host is not started with
 * `--expose-gc`, but V8 still accepts the flag at run time and a new context then sees `gc`.
 */
function forceGc(): boolean {
  if (gc === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      const found = runInNewContext('gc') as unknown;
      gc = typeof found === 'function' ? (found as () => void) : null;
    } catch {
      gc = null;
    }
  }
  if (gc === null) {
    return false;
  }
  // Twice: the first pass can leave objects only reachable from finalizers and weak references.
  gc();
  gc();
  return true;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The memory now: one reading after a forced full GC when possible (repeated readings then agree to within
 * 0.1 MiB), else the median (by heapUsed) of five readings 200 ms apart, so that GC has had a chance to run.
 */
export async function readMemory(label: string): Promise<MemoryReading> {
  const read = (afterGc: boolean): MemoryReading => {
    const usage = process.memoryUsage();
    return { label, heapUsed: usage.heapUsed, heapTotal: usage.heapTotal, external: usage.external, arrayBuffers: usage.arrayBuffers, rss: usage.rss, afterGc };
  };
  await sleep(100);
  if (forceGc()) {
    return read(true);
  }
  const readings: MemoryReading[] = [];
  for (let i = 0; i < 5; i++) {
    await sleep(200);
    readings.push(read(false));
  }
  readings.sort((a, b) => a.heapUsed - b.heapUsed);
  return readings[2]!;
}
