/**
 * What counting a document's tokens costs the extension host's thread: `node out/bench/estimatorHost.js`.
 *
 * Each way runs in a fresh process on the same 100,000-row file: `inHost`, the DocumentEstimator in 12 ms slices as
 * the editor used to run it (the tokenizer loads in the host), and `worker`, the EstimatorClient with the built
 * worker thread (dist/tokenWorker.js), where the host only sends the text in parts. It reports the host thread's busy time
 * (event-loop utilization), its longest stall (monitorEventLoopDelay) and the time until the summary.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { splitLines } from '../src/core/documents/incrementalLines';
import { LineEditRecorder } from '../src/core/documents/lineEditRecorder';
import { DocumentEstimator } from '../src/core/tokens/documentEstimator';
import type { EstimateSummary } from '../src/core/tokens/estimate';
import { EstimatorClient } from '../src/core/tokens/estimatorClient';
import { ensureDataFile } from './generate';

const root = resolve(__dirname, '../..');
// The 100k-row file of `npm run bench:host` (45 MiB: VS Code hands no document over 50 MiB to extensions).
const spec = { name: 'host-100k', rows: 100_000, seed: 100_010, medianRowBytes: 350, withErrors: true };

interface HostCost {
  readonly way: string;
  readonly busyMs: number;
  readonly longestStallMs: number;
  /** The longest slice of the extension's own work (the rest of a stall is the garbage collector or the machine). */
  readonly longestSliceMs: number;
  readonly untilSummaryMs: number;
  readonly inputTokens: number;
}

let longestSliceMs = 0;

/** Runs one slice of work, keeping the longest. */
function timed<T>(work: () => T): T {
  const started = performance.now();
  const result = work();
  longestSliceMs = Math.max(longestSliceMs, performance.now() - started);
  return result;
}

async function measure(way: string, count: (lines: readonly string[]) => Promise<EstimateSummary>, lines: readonly string[]): Promise<HostCost> {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const before = performance.eventLoopUtilization();
  const started = performance.now();
  const summary = await count(lines);
  const untilSummaryMs = performance.now() - started;
  const used = performance.eventLoopUtilization(before);
  delay.disable();
  return { way, busyMs: used.active, longestStallMs: delay.max / 1e6, longestSliceMs, untilSummaryMs, inputTokens: summary.inputTokens };
}

/** As the editor's tracker ran it: 12 ms slices, the document's lines read as the host holds them. */
function inHost(lines: readonly string[]): Promise<EstimateSummary> {
  const estimator = new DocumentEstimator();
  estimator.reset(lines.length);
  return new Promise((done) => {
    const slice = (): void => {
      if (timed(() => estimator.flush((line) => lines[line]!, performance.now() + 12))) {
        done(estimator.summary());
      } else {
        setTimeout(slice, 0);
      }
    };
    setTimeout(slice, 0);
  });
}

/** As the controller does it: the text sent in parts from 12 ms slices (each part read as one string, as getText does). */
function inWorker(lines: readonly string[]): Promise<EstimateSummary> {
  const client = new EstimatorClient({ workerPath: join(root, 'dist/tokenWorker.js') });
  const recorder = new LineEditRecorder(
    {
      upload: (part) => {
        const chunk = lines.slice(part.start, part.start + part.count).join('\n');
        const version = part.complete ? 1 : undefined;
        if (part.first) {
          client.open('bench', version, chunk, {});
        } else {
          client.edit('bench', version, [{ start: part.start, deleteCount: part.deleteCount, lines: chunk }]);
        }
      },
      edits: () => undefined,
    },
    lines.length,
  );
  return new Promise((done) => {
    client.onSummary(({ summary }) => {
      client.dispose();
      done(summary);
    });
    const slice = (): void => {
      if (!timed(() => recorder.flush((line) => lines[line]!, performance.now() + 12))) {
        setTimeout(slice, 0);
      }
    };
    setTimeout(slice, 0);
  });
}

async function main(): Promise<void> {
  const file = ensureDataFile(join(root, 'bench/.data'), spec);
  const way = process.argv[2];
  if (way === 'inHost' || way === 'worker') {
    // The editor holds a document as lines: splitting is not part of the cost.
    const lines = splitLines(readFileSync(file.path, 'utf8'));
    // Measured from inside the event loop (utilization and delays are only counted once it runs).
    await new Promise((resolve) => setTimeout(resolve, 50));
    const cost = await measure(way, way === 'inHost' ? inHost : inWorker, lines);
    process.stdout.write(JSON.stringify(cost));
    return;
  }
  console.log(`${file.lines.toLocaleString('en-US')} rows, ${(file.bytes / 1024 / 1024).toFixed(1)} MiB`);
  for (const each of ['inHost', 'worker']) {
    const cost = JSON.parse(execFileSync(process.execPath, [__filename, each], { encoding: 'utf8', maxBuffer: 1024 * 1024 })) as HostCost;
    console.log(
      `${each.padEnd(7)} host busy ${cost.busyMs.toFixed(0).padStart(6)} ms · longest stall ${cost.longestStallMs.toFixed(0).padStart(5)} ms (longest slice ${cost.longestSliceMs.toFixed(0).padStart(4)} ms) · summary after ${cost.untilSummaryMs.toFixed(0).padStart(6)} ms · ${cost.inputTokens.toLocaleString('en-US')} input tokens`,
    );
  }
}

void main();
