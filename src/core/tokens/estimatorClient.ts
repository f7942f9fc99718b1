import { Worker } from 'node:worker_threads';
import type { EstimateSummary } from './estimate';
import type { EstimatorSettings, FromWorker, LineEdit, LineEstimateReply, ToWorker } from './estimatorProtocol';
import type { EstimatorWorker, EstimatorWorkerOptions } from './estimatorWorker';

export interface EstimatorClientOptions {
  /** The worker thread's script (dist/tokenWorker.js); without one, counting runs in this thread. */
  readonly workerPath?: string;
  /** Restarts after the worker died; one more failure and counting moves into this thread. */
  readonly maxRestarts?: number;
  /** Slices of the in-thread fallback: short, since they hold this thread (the host). */
  readonly inThread?: EstimatorWorkerOptions;
  /** Told why the worker was restarted or given up on (no document text in it). */
  readonly log?: (message: string) => void;
}

/** Where counting runs. */
export type EstimatorMode = 'idle' | 'worker' | 'inThread';

/** What the client knows of a document: what it sent last, by revision, and the version that is (none: a part). */
interface ClientDocument {
  version: number | undefined;
  revision: number;
  /** The revision of its last open: a failure from before it is of a text the counter no longer has. */
  opened: number;
  /** Why counting it failed: the counter forgot it, so nothing is sent until it is opened again. */
  failed: string | undefined;
}

interface PendingRequest {
  readonly message: Extract<ToWorker, { type: 'lineEstimate' }>;
  readonly resolve: (reply: LineEstimateReply | undefined) => void;
}

export interface SummaryEvent {
  readonly id: string;
  readonly version: number;
  readonly summary: EstimateSummary;
}

export interface ProgressEvent {
  readonly id: string;
  readonly version: number;
  readonly fraction: number;
}

export interface FailureEvent {
  readonly id: string;
  readonly version: number;
  /** The error's name and message (no document text). */
  readonly reason: string;
}

type Listener<E> = (event: E) => void;

/**
 * The host's side of token counting: forwards documents and their edits to a worker thread running
 * {@link EstimatorWorker} and reports its results for the document versions they are for, dropping stale ones.
 * The thread starts on the first open. If it dies, it is restarted; if it cannot start, or dies too often, counting
 * goes on in this thread with the same logic, so estimates always work. Either way the new counter has no
 * documents: {@link onRestart} asks the owner to open them again (the client keeps no copy of their text, which
 * would double the host's memory for a large file).
 */
export class EstimatorClient {
  private readonly documents = new Map<string, ClientDocument>();
  private readonly requests = new Map<number, PendingRequest>();
  private readonly summaryListeners = new Set<Listener<SummaryEvent>>();
  private readonly progressListeners = new Set<Listener<ProgressEvent>>();
  private readonly restartListeners = new Set<Listener<readonly string[]>>();
  private readonly failureListeners = new Set<Listener<FailureEvent>>();
  private worker: Worker | undefined;
  private workerReady = false;
  private local: EstimatorWorker | undefined;
  private restarts = 0;
  private nextRequestId = 1;
  private disposed = false;

  constructor(private readonly options: EstimatorClientOptions = {}) {}

  get mode(): EstimatorMode {
    return this.local !== undefined ? 'inThread' : this.worker !== undefined ? 'worker' : 'idle';
  }

  onSummary(listener: Listener<SummaryEvent>): { dispose(): void } {
    this.summaryListeners.add(listener);
    return { dispose: () => this.summaryListeners.delete(listener) };
  }

  onProgress(listener: Listener<ProgressEvent>): { dispose(): void } {
    this.progressListeners.add(listener);
    return { dispose: () => this.progressListeners.delete(listener) };
  }

  /**
   * Counting a document failed at this version: no summary comes for it. An edit that changes lines asks for the
   * document again ({@link onRestart}), so it is counted afresh; a version without changes fails at once, and so
   * does the rest of a text sent in parts that failed part way (asking for it again would only fail again).
   */
  onFailure(listener: Listener<FailureEvent>): { dispose(): void } {
    this.failureListeners.add(listener);
    return { dispose: () => this.failureListeners.delete(listener) };
  }

  /** The counter was replaced (restarted, or moved into this thread): open these documents again. */
  onRestart(listener: Listener<readonly string[]>): { dispose(): void } {
    this.restartListeners.add(listener);
    return { dispose: () => this.restartListeners.delete(listener) };
  }

  /**
   * Starts counting a document (again, from scratch, when it is open already): its text, or the first part of it
   * with `version` undefined (no result is reported for a part; edits append the rest, the last with its version).
   */
  open(id: string, version: number | undefined, lines: LineEdit['lines'], settings: EstimatorSettings): void {
    const revision = (this.documents.get(id)?.revision ?? 0) + 1;
    this.documents.set(id, { version, revision, opened: revision, failed: undefined });
    this.send({ type: 'open', id, revision, lines, settings });
  }

  /** The document changed to `version` (undefined: a part of its text, see {@link open}) by these line edits, in order. */
  edit(id: string, version: number | undefined, edits: readonly LineEdit[]): void {
    const document = this.documents.get(id);
    if (document === undefined) {
      return;
    }
    // Undefined: the text is on its way in parts, and this is one more (the last has the version).
    const continues = document.version === undefined;
    document.version = version;
    document.revision++;
    if (document.failed === undefined) {
      this.send({ type: 'edit', id, revision: document.revision, edits });
    } else if (!continues && edits.some((edit) => edit.deleteCount > 0 || edit.lines.length > 0)) {
      // The lines changed: perhaps the one that failed. The owner sends the whole text again to count it afresh.
      this.documents.delete(id);
      queueMicrotask(() => emit(this.restartListeners, [id]));
    } else {
      this.reportFailure(id, document);
    }
  }

  /** New prices or deployment mappings: the document is counted again. */
  settings(id: string, settings: EstimatorSettings): void {
    const document = this.documents.get(id);
    if (document === undefined) {
      return;
    }
    document.revision++;
    if (document.failed === undefined) {
      this.send({ type: 'settings', id, revision: document.revision, settings });
    } else {
      this.reportFailure(id, document);
    }
  }

  close(id: string): void {
    if (this.documents.delete(id)) {
      this.send({ type: 'close', id });
    }
  }

  /** One line's estimate at `version` (counted on demand if the background count has not reached it). */
  lineEstimate(id: string, version: number, line: number): Promise<LineEstimateReply | undefined> {
    const document = this.documents.get(id);
    if (document === undefined || document.version === undefined || document.version !== version || this.disposed) {
      return Promise.resolve(undefined);
    }
    const message = { type: 'lineEstimate', requestId: this.nextRequestId++, id, revision: document.revision, line } as const;
    return new Promise((resolve) => {
      this.requests.set(message.requestId, { message, resolve });
      this.send(message);
    });
  }

  /** @internal For tests: the worker thread running now. */
  get workerForTest(): Worker | undefined {
    return this.worker;
  }

  /** @internal For tests: ends the worker thread as a crash would. */
  async crashWorkerForTest(): Promise<void> {
    await this.worker?.terminate();
  }

  dispose(): void {
    this.disposed = true;
    this.stopWorker();
    this.local?.dispose();
    this.local = undefined;
    this.documents.clear();
    for (const { resolve } of this.requests.values()) {
      resolve(undefined);
    }
    this.requests.clear();
    this.summaryListeners.clear();
    this.progressListeners.clear();
    this.restartListeners.clear();
    this.failureListeners.clear();
  }

  private send(message: ToWorker): void {
    if (this.disposed) {
      return;
    }
    if (this.local === undefined && this.worker === undefined) {
      this.start();
    }
    if (this.local !== undefined) {
      // It reports what fails as a 'failed' message; it throws only on a defect of its own, which must not reach the caller.
      try {
        this.local.handle(message);
      } catch (error) {
        this.options.log?.(`Counting tokens failed (${errorText(error)}).`);
        if (message.type !== 'lineEstimate' && message.type !== 'close') {
          this.receive({ type: 'failed', id: message.id, revision: message.revision, reason: errorText(error) }, undefined);
        }
      }
    } else {
      this.worker!.postMessage(message);
    }
  }

  /** Starts counting somewhere; the caller sends what the new place needs. */
  private start(): void {
    const path = this.options.workerPath;
    if (path === undefined) {
      this.startInThread();
      return;
    }
    let worker: Worker;
    try {
      worker = new Worker(path);
    } catch (error) {
      this.options.log?.(`The token worker could not start (${errorText(error)}): counting tokens in the extension host.`);
      this.startInThread();
      return;
    }
    // The thread must not keep a process alive that has nothing else to do (the CLI, tests).
    worker.unref();
    this.worker = worker;
    this.workerReady = false;
    worker.on('message', (message: FromWorker) => this.receive(message, worker));
    worker.on('error', (error) => this.failed(worker, errorText(error)));
    worker.on('exit', (code) => this.failed(worker, `exit code ${code}`));
  }

  private startInThread(): void {
    // Loaded only now: the worker's logic brings the tokenizer, which the host otherwise never loads.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred on purpose
    const { EstimatorWorker: InThread } = require('./estimatorWorker') as typeof import('./estimatorWorker');
    const local = new InThread((message) => queueMicrotask(() => this.receive(message, undefined)), { sliceMs: 8, ...this.options.inThread });
    this.local = local;
  }

  /** The worker died: start another and give it the documents again, or count in this thread. */
  private failed(worker: Worker, reason: string): void {
    if (worker !== this.worker || this.disposed) {
      return;
    }
    const wasReady = this.workerReady;
    this.stopWorker();
    if (wasReady && this.restarts < (this.options.maxRestarts ?? 2)) {
      this.restarts++;
      this.options.log?.(`The token worker stopped (${reason}): restarting it.`);
      this.start();
    } else {
      this.options.log?.(`The token worker ${wasReady ? 'failed again' : 'could not start'} (${reason}): counting tokens in the extension host.`);
      this.startInThread();
    }
    this.forgetAll();
  }

  private stopWorker(): void {
    const worker = this.worker;
    this.worker = undefined;
    this.workerReady = false;
    // Its listeners stay: they ignore a worker that is not the current one (and a late error is not thrown).
    void worker?.terminate();
  }

  /** The new counter has no documents: forget them, answer the open questions with nothing, and ask for them again. */
  private forgetAll(): void {
    const ids = [...this.documents.keys()];
    this.documents.clear();
    for (const { resolve } of this.requests.values()) {
      resolve(undefined);
    }
    this.requests.clear();
    emit(this.restartListeners, ids);
  }

  private receive(message: FromWorker, from: Worker | undefined): void {
    if (from !== this.worker || this.disposed) {
      return;
    }
    switch (message.type) {
      case 'ready':
        this.workerReady = true;
        return;
      case 'lineEstimate': {
        const request = this.requests.get(message.requestId);
        this.requests.delete(message.requestId);
        request?.resolve(message.reply);
        return;
      }
      case 'failed': {
        // Whatever revision since the last open it was at, the counter has forgotten the document.
        const document = this.documents.get(message.id);
        if (document !== undefined && message.revision >= document.opened) {
          document.failed = message.reason;
          this.options.log?.(`Counting tokens failed for a document (${message.reason}): its estimate is unavailable until it changes.`);
          this.reportFailure(message.id, document);
        }
        return;
      }
      case 'summary':
      case 'progress': {
        const document = this.documents.get(message.id);
        const version = document?.version;
        if (version === undefined || document!.revision !== message.revision) {
          return;
        }
        if (message.type === 'summary') {
          emit(this.summaryListeners, { id: message.id, version, summary: message.summary });
        } else {
          emit(this.progressListeners, { id: message.id, version, fraction: message.fraction });
        }
      }
    }
  }

  /** Tells the failure for the version the document is at (none while it is sent in parts: the last part has one). */
  private reportFailure(id: string, document: ClientDocument): void {
    const { version, failed } = document;
    if (version !== undefined && failed !== undefined) {
      queueMicrotask(() => {
        if (this.documents.get(id) === document && document.version === version && !this.disposed) {
          emit(this.failureListeners, { id, version, reason: failed });
        }
      });
    }
  }
}

function emit<E>(listeners: ReadonlySet<Listener<E>>, event: E): void {
  for (const listener of [...listeners]) {
    listener(event);
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
