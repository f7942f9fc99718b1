import { BatchServiceError, OperationCancelledError, toServiceError } from './errors';

export interface RetryOptions {
  /** Attempts after the first. */
  readonly retries: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly signal?: AbortSignal;
  /** Called before each wait, for logging and counting. */
  readonly onRetry?: (error: BatchServiceError, attempt: number, delayMs: number) => void;
  /** Overrides which errors are retried (default: {@link BatchServiceError.retryable}). */
  readonly shouldRetry?: (error: BatchServiceError) => boolean;
}

export const defaultRetry: RetryOptions = { retries: 5, baseDelayMs: 500, maxDelayMs: 30_000 };

/**
 * Runs `operation`, retrying on 408/409/429/5xx and network errors with exponential backoff and full
 * jitter, waiting at least as long as a `Retry-After` asks. Never retries 4xx validation errors.
 */
export async function withRetry<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions = defaultRetry): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    throwIfAborted(options.signal);
    try {
      return await operation(attempt);
    } catch (raw) {
      const error = toServiceError(raw);
      if (error instanceof OperationCancelledError || options.signal?.aborted) {
        throw new OperationCancelledError();
      }
      const retry = options.shouldRetry ? options.shouldRetry(error) : error.retryable;
      if (!retry || attempt >= options.retries) {
        throw error;
      }
      const delay = backoffDelay(attempt, options, error.retryAfterSeconds);
      options.onRetry?.(error, attempt + 1, delay);
      await sleep(delay, options.signal);
    }
  }
}

/**
 * The longest `Retry-After` honoured. A larger one (a day, 1e12 s) is read as this much: waiting a day
 * in silence helps nobody, and a delay beyond what a timer holds (about 24.8 days) fires at once, which
 * would turn the service's "wait" into a burst of requests.
 */
export const maxRetryAfterMs = 5 * 60_000;

/** Exponential backoff with full jitter, never shorter than the server's `Retry-After` (up to {@link maxRetryAfterMs}). */
export function backoffDelay(attempt: number, options: Pick<RetryOptions, 'baseDelayMs' | 'maxDelayMs'>, retryAfterSeconds?: number): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** attempt);
  const jittered = ceiling / 2 + Math.random() * (ceiling / 2);
  const asked = retryAfterSeconds !== undefined && !Number.isNaN(retryAfterSeconds) ? retryAfterSeconds * 1000 : 0;
  const floor = Math.min(Math.max(asked, 0), maxRetryAfterMs);
  return Math.min(Math.max(jittered, floor), Math.max(options.maxDelayMs, floor));
}

/** The longest delay a timer holds (about 24.8 days); a longer (or NaN) one would fire at once. */
export const maxTimerMs = 2 ** 31 - 1;

/** Waits `ms` (at most about 24.8 days), or rejects with {@link OperationCancelledError} when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  ms = Number.isNaN(ms) ? 0 : Math.min(ms, maxTimerMs);
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new OperationCancelledError());
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new OperationCancelledError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) {
    throw new OperationCancelledError();
  }
}
