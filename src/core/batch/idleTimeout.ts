import { Readable } from 'node:stream';
import { BatchServiceError } from './errors';

/**
 * The SDK's per-request timeout ends when the answer's headers arrive and covers the whole request body
 * before that: a service that sends headers and then stalls would be waited for forever, and a large upload
 * over a slow link would time out however steadily it progressed. These guards time out on silence instead.
 */

export { maxTimerMs } from './retry';

/** The error of a transfer in which nothing moved for `idleMs`: retryable, and saying what was waited for. */
export function stalledError(what: string, idleMs: number): BatchServiceError {
  return new BatchServiceError(`The service stopped ${what}: nothing moved for ${Math.round(idleMs / 1000)} s.`, undefined, 'timeout', true);
}

/**
 * `source`, failing with `idleError()` (and destroyed, which closes the connection) when no chunk arrives
 * for `idleMs`. Time the consumer spends on a chunk does not count.
 */
export function failWhenIdle(source: Readable, idleMs: number, idleError: () => Error): Readable {
  async function* guarded(): AsyncGenerator<Buffer> {
    const chunks = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    try {
      for (;;) {
        let timer: NodeJS.Timeout | undefined;
        const idle = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(idleError()), idleMs);
        });
        try {
          const next = await Promise.race([chunks.next(), idle]);
          if (next.done) {
            return;
          }
          yield next.value;
        } finally {
          clearTimeout(timer);
        }
      }
    } finally {
      source.destroy();
    }
  }
  return Readable.from(guarded(), { objectMode: false });
}

/**
 * A watchdog for a request whose body is sent from a stream: {@link IdleWatchdog.touch} on every chunk
 * sent (and once after the last, so the wait for the answer is bounded too); after `idleMs` without one,
 * {@link IdleWatchdog.signal} aborts. `signal` also follows the caller's own.
 */
export class IdleWatchdog {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  readonly signal: AbortSignal;

  constructor(
    private readonly idleMs: number,
    callerSignal: AbortSignal | undefined,
  ) {
    this.signal = callerSignal ? AbortSignal.any([callerSignal, this.controller.signal]) : this.controller.signal;
    this.touch();
  }

  /** Whether the watchdog (not the caller) aborted. */
  get fired(): boolean {
    return this.controller.signal.aborted;
  }

  touch(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.controller.abort(), this.idleMs);
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}
