import { spliceLines, splitLines } from '../documents/incrementalLines';
import { DocumentEstimator } from './documentEstimator';
import { estimateLine } from './estimate';
import type { EstimatorSettings, FromWorker, LineEdit, LineEstimateReply, ToWorker } from './estimatorProtocol';
import { ModelResolver } from './models';

/** One open document: its lines as the host last sent them, and their estimate. */
interface WorkerDocument {
  readonly estimator: DocumentEstimator;
  lines: string[];
  revision: number;
  /** The revision last reported complete (a summary is sent once per revision). */
  reported: number | undefined;
}

export interface EstimatorWorkerOptions {
  /** Counting stops after this long and resumes in the next turn, so messages are answered meanwhile. */
  readonly sliceMs?: number;
  /** At most one progress message per document this often. */
  readonly progressEveryMs?: number;
  readonly now?: () => number;
  /** Runs the next slice after the messages waiting now (setImmediate). */
  readonly schedule?: (callback: () => void) => void;
}

/**
 * The token worker's logic, driven by {@link ToWorker} messages and answering with {@link FromWorker} ones: it keeps
 * a {@link DocumentEstimator} and the lines of each open document, in step with the edits, and counts the pending
 * lines in slices so that it keeps answering (a hover's line is counted at once, out of turn). Runs in a worker
 * thread (tokenWorker.ts) or, when none can start, in the host itself (estimatorClient.ts).
 */
export class EstimatorWorker {
  private readonly documents = new Map<string, WorkerDocument>();
  private readonly sliceMs: number;
  private readonly progressEveryMs: number;
  private readonly now: () => number;
  private readonly schedule: (callback: () => void) => void;
  private scheduled = false;
  private readonly lastProgress = new Map<string, number>();
  private disposed = false;

  constructor(
    private readonly post: (message: FromWorker) => void,
    options: EstimatorWorkerOptions = {},
  ) {
    this.sliceMs = options.sliceMs ?? 20;
    this.progressEveryMs = options.progressEveryMs ?? 200;
    this.now = options.now ?? (() => performance.now());
    this.schedule = options.schedule ?? ((callback) => void setImmediate(callback));
  }

  /** Documents open now (for tests: a closed one is forgotten). */
  get openCount(): number {
    return this.documents.size;
  }

  handle(message: ToWorker): void {
    try {
      this.dispatch(message);
    } catch (error) {
      // One document's failure must neither stop the thread nor leave its owner waiting: it is reported instead.
      if (message.type === 'lineEstimate') {
        this.post({ type: 'lineEstimate', requestId: message.requestId, reply: undefined });
      } else if (message.type !== 'close') {
        this.fail(message.id, message.revision, error);
      }
    }
  }

  private dispatch(message: ToWorker): void {
    switch (message.type) {
      case 'open':
        this.open(message.id, message.revision, linesOf(message.lines), message.settings);
        break;
      case 'edit':
        this.edit(message.id, message.revision, message.edits);
        break;
      case 'settings': {
        const document = this.documents.get(message.id);
        if (document !== undefined) {
          document.estimator.setResolver(resolverOf(message.settings));
          document.revision = message.revision;
        }
        break;
      }
      case 'close':
        this.documents.delete(message.id);
        this.lastProgress.delete(message.id);
        break;
      case 'lineEstimate':
        this.post({ type: 'lineEstimate', requestId: message.requestId, reply: this.lineEstimate(message.id, message.revision, message.line) });
        return;
    }
    this.wake();
  }

  /** Stops counting (the worker is shutting down). */
  dispose(): void {
    this.disposed = true;
    this.documents.clear();
  }

  private open(id: string, revision: number, lines: string[], settings: EstimatorSettings): void {
    const estimator = new DocumentEstimator(resolverOf(settings));
    estimator.reset(lines.length);
    this.documents.set(id, { estimator, lines, revision, reported: undefined });
    this.lastProgress.delete(id);
  }

  private edit(id: string, revision: number, edits: readonly LineEdit[]): void {
    const document = this.documents.get(id);
    if (document === undefined) {
      return;
    }
    for (const { start, deleteCount, lines } of edits) {
      const inserted = linesOf(lines);
      document.lines = spliceLines(document.lines, start, deleteCount, inserted);
      document.estimator.splice(start, deleteCount, inserted.length);
    }
    document.revision = revision;
  }

  private lineEstimate(id: string, revision: number, line: number): LineEstimateReply | undefined {
    const document = this.documents.get(id);
    const text = document?.lines[line];
    if (document === undefined || document.revision !== revision || text === undefined) {
      return undefined;
    }
    const resolver = document.estimator.modelResolver;
    // A line the background count has not reached is counted now, whole: this one line, on a user's request.
    const estimate = document.estimator.lineEstimate(line) ?? estimateLine(text, resolver);
    const model = estimate.kind === 'request' ? resolver.resolve(estimate.deployment, estimate.endpoint === 'embeddings') : undefined;
    return { estimate, model };
  }

  private wake(): void {
    if (!this.scheduled && !this.disposed) {
      this.scheduled = true;
      this.schedule(() => {
        this.scheduled = false;
        this.slice();
      });
    }
  }

  /** Counts for up to {@link sliceMs}, reporting what completes, then yields to the messages waiting. */
  private slice(): void {
    const deadline = this.now() + this.sliceMs;
    for (const [id, document] of this.documents) {
      if (document.reported === document.revision && document.estimator.pendingCount === 0) {
        continue;
      }
      const lines = document.lines;
      let done: boolean;
      try {
        done = document.estimator.flush((line) => lines[line] ?? '', deadline);
      } catch (error) {
        this.fail(id, document.revision, error);
        continue;
      }
      if (done) {
        document.reported = document.revision;
        this.post({ type: 'summary', id, revision: document.revision, summary: document.estimator.summary() });
        continue;
      }
      this.reportProgress(id, document);
      this.wake();
      return;
    }
  }

  /** Forgets a document counting threw on and says so (the error's name and message only, never the text). */
  private fail(id: string, revision: number, error: unknown): void {
    this.documents.delete(id);
    this.lastProgress.delete(id);
    this.post({ type: 'failed', id, revision, reason: reasonOf(error) });
  }

  private reportProgress(id: string, document: WorkerDocument): void {
    const now = this.now();
    const last = this.lastProgress.get(id);
    if (last !== undefined && now - last < this.progressEveryMs) {
      return;
    }
    this.lastProgress.set(id, now);
    const total = Math.max(document.estimator.lineCount, 1);
    this.post({ type: 'progress', id, revision: document.revision, fraction: 1 - document.estimator.pendingCount / total });
  }
}

function reasonOf(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
}

function resolverOf(settings: EstimatorSettings): ModelResolver {
  return new ModelResolver({ prices: settings.prices, deploymentModels: settings.deploymentModels });
}

/** The lines of an edit (sent as one text, or as lines). */
function linesOf(lines: LineEdit['lines']): string[] {
  return typeof lines === 'string' ? splitLines(lines) : [...lines];
}
