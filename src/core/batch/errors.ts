import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';

/** What went wrong talking to the service, in one shape for the extension and the CLI. */
export class BatchServiceError extends Error {
  constructor(
    message: string,
    /** HTTP status, or undefined for network failures and timeouts. */
    readonly status: number | undefined,
    /** The service's error code (`"404"`, `token_limit_exceeded`, ...) or `network` / `timeout`. */
    readonly code: string | undefined,
    /** Whether trying the same request again may succeed. */
    readonly retryable: boolean,
    /** Seconds the service asked us to wait (`Retry-After`). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'BatchServiceError';
  }

  /** True when the request may or may not have taken effect (no clear answer came back). */
  get ambiguous(): boolean {
    return this.status === undefined || this.status >= 500 || this.status === 408;
  }
}

/** Thrown when the user (or a caller's AbortSignal) cancelled the operation. */
export class OperationCancelledError extends Error {
  constructor() {
    super('The operation was cancelled.');
    this.name = 'OperationCancelledError';
  }
}

const retryableStatuses = new Set([408, 409, 429, 500, 502, 503, 504]);

/** Converts an SDK or network error into a {@link BatchServiceError} carrying the service's message and code. */
export function toServiceError(error: unknown): BatchServiceError | OperationCancelledError {
  if (error instanceof BatchServiceError || error instanceof OperationCancelledError) {
    return error;
  }
  if (error instanceof APIUserAbortError || (error instanceof Error && error.name === 'AbortError')) {
    return new OperationCancelledError();
  }
  if (error instanceof APIConnectionTimeoutError) {
    return new BatchServiceError('The service did not answer in time.', undefined, 'timeout', true);
  }
  if (error instanceof APIConnectionError) {
    const cause = (error as { cause?: unknown }).cause;
    const detail = cause instanceof Error ? `: ${cause.message}` : '';
    return new BatchServiceError(`Could not reach the service${detail}.`, undefined, 'network', true);
  }
  if (error instanceof APIError) {
    const body = error.error as { code?: unknown; message?: unknown } | undefined;
    const code = body?.code !== undefined && body.code !== null ? String(body.code) : error.code !== undefined && error.code !== null ? String(error.code) : undefined;
    const serviceMessage = typeof body?.message === 'string' ? body.message : error.message;
    const status = error.status;
    return new BatchServiceError(
      status === undefined ? serviceMessage : `${serviceMessage} (HTTP ${status}${code && code !== String(status) ? `, ${code}` : ''})`,
      status,
      code,
      status !== undefined && retryableStatuses.has(status),
      retryAfterSeconds(error.headers),
    );
  }
  if (error instanceof Error) {
    // A body stream cut off midway surfaces from fetch as `TypeError: terminated` with the socket error as cause.
    const cause = (error as { cause?: unknown }).cause;
    const code = (error as NodeJS.ErrnoException).code ?? (cause instanceof Error ? (cause as NodeJS.ErrnoException).code : undefined);
    const network =
      (code !== undefined && /^(ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|UND_ERR_SOCKET|UND_ERR_CLOSED|ENOTFOUND|EAI_AGAIN|ERR_STREAM_PREMATURE_CLOSE)$/.test(code)) ||
      (error.name === 'TypeError' && /^(terminated|fetch failed)$/.test(error.message));
    return new BatchServiceError(network ? `The connection to the service was interrupted (${code ?? error.message}).` : error.message, undefined, network ? 'network' : code, network);
  }
  return new BatchServiceError(String(error), undefined, undefined, false);
}

function retryAfterSeconds(headers: Headers | undefined): number | undefined {
  const raw = headers?.get('retry-after-ms');
  if (raw) {
    const ms = Number(raw);
    return Number.isFinite(ms) ? ms / 1000 : undefined;
  }
  const value = headers?.get('retry-after');
  if (!value) {
    return undefined;
  }
  const seconds = Number(value);
  if (Number.isFinite(seconds)) {
    return seconds;
  }
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - Date.now()) / 1000);
}
