import { estimateLine, EstimateTotals, type EstimateSummary } from '../../src/core/tokens/estimate';
import type { FromWorker, ToWorker } from '../../src/core/tokens/estimatorProtocol';
import { EstimatorWorker } from '../../src/core/tokens/estimatorWorker';
import { ModelResolver } from '../../src/core/tokens/models';

/** The summary of a whole text counted from scratch, line by line: what the incremental estimators must match. */
export function fromScratch(lines: readonly string[], resolver = new ModelResolver()): EstimateSummary {
  const totals = new EstimateTotals();
  for (const line of lines) {
    totals.add(estimateLine(line, resolver));
  }
  return totals.summarize(resolver);
}

/** A worker whose slices run when the test says (`run`, `step`), recording what it posts. */
export class WorkerHarness {
  readonly posted: FromWorker[] = [];
  private readonly queue: (() => void)[] = [];
  readonly worker: EstimatorWorker;

  constructor(sliceMs = 1_000) {
    this.worker = new EstimatorWorker((message) => this.posted.push(message), { sliceMs, schedule: (callback) => this.queue.push(callback) });
  }

  send(message: ToWorker): this {
    this.worker.handle(message);
    return this;
  }

  /** Runs the next scheduled slice; false when none is scheduled. */
  step(): boolean {
    const next = this.queue.shift();
    next?.();
    return next !== undefined;
  }

  /** Runs the scheduled slices (and those they schedule) until none is left. */
  run(): FromWorker[] {
    while (this.step()) {
      // until idle
    }
    return this.posted;
  }

  of<T extends FromWorker['type']>(type: T): Extract<FromWorker, { type: T }>[] {
    return this.posted.filter((m): m is Extract<FromWorker, { type: T }> => m.type === type);
  }

  summaries(): Extract<FromWorker, { type: 'summary' }>[] {
    return this.of('summary');
  }
}
