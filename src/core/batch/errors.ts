import { sdkFor } from './sdk';

/** What is known about whether a failed request reached the service. */
export interface DeliveryFacts {
  /** The request provably never left this machine (connection refused, name not resolved, TLS refused). */
  readonly notSent?: boolean;
  /** The service itself answered with its JSON error (not a gateway, not an HTML page, not silence). */
  readonly serviceAnswered?: boolean;
  /** The error codes along the original error's cause chain (`ENOTFOUND`, `DEPTH_ZERO_SELF_SIGNED_CERT`...). */
  readonly causeCodes?: readonly string[];
}

/** What went wrong talking to the service, in one shape for the extension and the CLI. */
export class BatchServiceError extends Error {
  /** The request provably never reached the service, so it had no effect there. */
  readonly notSent: boolean;
  /** The service answered with its own error body (as opposed to a gateway or no answer). */
  readonly serviceAnswered: boolean;
  /** The socket, resolver or TLS error codes behind a network failure (empty when the service answered). */
  readonly causeCodes: readonly string[];

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
    facts: DeliveryFacts = {},
  ) {
    super(redactSecrets(message));
    this.name = 'BatchServiceError';
    this.notSent = facts.notSent === true;
    this.serviceAnswered = facts.serviceAnswered === true;
    this.causeCodes = facts.causeCodes ?? [];
  }

  /**
   * True when the request may or may not have taken effect: no answer (timeout, connection lost after
   * sending), a gateway's 502/504 or 408, or a 5xx that is not the service's own error. A 500 or 503
   * carrying the service's JSON error is a clear failure; a request that never left is clear too.
   */
  get ambiguous(): boolean {
    if (this.notSent) {
      return false;
    }
    const status = this.status;
    if (status === undefined || status === 408 || status === 502 || status === 504) {
      return true;
    }
    return status >= 500 && !this.serviceAnswered;
  }
}

/**
 * A create had no clear answer and the job could not be found over the lookup window: it may exist.
 * The submission is never created again automatically; the user looks again or submits anew.
 */
export class SubmissionMayExistError extends BatchServiceError {
  constructor(
    readonly submissionId: string,
    /** When the create was first sent (ms since the epoch). */
    readonly attemptedAt: number,
    /** The unclear answer (timeout, lost connection, 504...). */
    readonly unclearAnswer: BatchServiceError,
    /** Why looking stopped early, when a lookup itself failed. */
    readonly lookupError?: BatchServiceError,
  ) {
    super(
      `The service gave no clear answer to creating the job (${clause(unclearAnswer.message)}) and no job with the submission id ${submissionId} was found` +
        `${lookupError ? ` (looking failed: ${clause(lookupError.message)})` : ''}. The job may exist: look again before submitting anew.`,
      undefined,
      'submission_may_exist',
      false,
    );
    this.name = 'SubmissionMayExistError';
  }
}

/** A message as a clause inside a sentence: no final period, lower-case first letter (unless an acronym). */
function clause(message: string): string {
  const trimmed = message.replace(/\.$/, '');
  return /^[A-Z][a-z]/.test(trimmed) ? trimmed[0]!.toLowerCase() + trimmed.slice(1) : trimmed;
}

/** A redirect the client refused to follow (to another origin, or from https to http). */
export class RedirectRefusedError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'RedirectRefusedError';
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

// Socket and resolver errors raised before a single byte of the request was written.
const notSentCodes = /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EAI_NONAME|EAI_FAIL|EHOSTUNREACH|ENETUNREACH|EADDRNOTAVAIL|UND_ERR_CONNECT_TIMEOUT|ERR_TLS_.*|CERT_.*|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_.*)$/;
const networkCodes = /^(ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|UND_ERR_SOCKET|UND_ERR_CLOSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|UND_ERR_CONNECT_TIMEOUT|ERR_STREAM_PREMATURE_CLOSE)$/;

/** True for the SDK's abort (`APIUserAbortError`) and an aborted fetch or stream (`AbortError`). */
export function isAbort(error: unknown): boolean {
  if (error instanceof Error && error.name === 'AbortError') {
    return true;
  }
  const sdk = sdkFor(error);
  return sdk !== undefined && error instanceof sdk.APIUserAbortError;
}

/** Converts an SDK or network error into a {@link BatchServiceError} carrying the service's message and code. */
export function toServiceError(error: unknown): BatchServiceError | OperationCancelledError {
  if (error instanceof BatchServiceError || error instanceof OperationCancelledError) {
    return error;
  }
  if (isAbort(error)) {
    return new OperationCancelledError();
  }
  const redirect = findInCauses(error, (e): e is RedirectRefusedError => e instanceof RedirectRefusedError);
  if (redirect) {
    return new BatchServiceError(redirect.message, redirect.status, 'redirect_refused', false);
  }
  // Only an error the SDK made can be one of its classes; `sdk` is undefined for every other error.
  const sdk = sdkFor(error);
  if (sdk && error instanceof sdk.APIConnectionTimeoutError) {
    return new BatchServiceError('The service did not answer in time.', undefined, 'timeout', true);
  }
  if (sdk && error instanceof sdk.APIConnectionError) {
    const cause = (error as { cause?: unknown }).cause;
    const innermost = deepestCause(cause);
    const detail = innermost instanceof Error && innermost !== cause && innermost.message ? `: ${innermost.message}` : cause instanceof Error ? `: ${cause.message}` : '';
    const codes = causeCodes(error);
    const notSent = codes.some((code) => notSentCodes.test(code));
    return new BatchServiceError(`Could not reach the service${detail}.`, undefined, 'network', true, undefined, { notSent, causeCodes: codes });
  }
  if (sdk && error instanceof sdk.APIError) {
    const body = error.error as { code?: unknown; message?: unknown } | undefined;
    const rawCode = body?.code !== undefined && body.code !== null ? String(body.code) : error.code !== undefined && error.code !== null ? String(error.code) : undefined;
    const code = rawCode === undefined ? undefined : bounded(rawCode, MAX_CODE_CHARS);
    const serviceMessage = bounded(typeof body?.message === 'string' ? body.message : error.message, MAX_SERVICE_MESSAGE_CHARS);
    const status = error.status;
    // The SDK fills `error` from a JSON body; an HTML page or an empty body leaves no message in it.
    const serviceAnswered = typeof body === 'object' && body !== null && typeof body.message === 'string';
    return new BatchServiceError(
      status === undefined ? serviceMessage : `${serviceMessage} (HTTP ${status}${code && code !== String(status) ? `, ${code}` : ''})`,
      status,
      code,
      status !== undefined && retryableStatuses.has(status),
      retryAfterSeconds(error.headers),
      { serviceAnswered },
    );
  }
  if (sdk && error instanceof sdk.OpenAIError) {
    // The SDK's own errors other than APIError come before sending: a token source that failed, bad options.
    return new BatchServiceError(error.message, undefined, undefined, false, undefined, { notSent: true });
  }
  if (error instanceof Error) {
    // A body stream cut off midway surfaces from fetch as `TypeError: terminated` with the socket error as cause.
    const cause = (error as { cause?: unknown }).cause;
    const code = (error as NodeJS.ErrnoException).code ?? (cause instanceof Error ? (cause as NodeJS.ErrnoException).code : undefined);
    const network = (code !== undefined && networkCodes.test(code)) || (error.name === 'TypeError' && /^(terminated|fetch failed)$/.test(error.message));
    const codes = causeCodes(error);
    const notSent = codes.some((c) => notSentCodes.test(c));
    return new BatchServiceError(network ? `The connection to the service was interrupted (${code ?? error.message}).` : error.message, undefined, network ? 'network' : code, network, undefined, { notSent, causeCodes: codes });
  }
  return new BatchServiceError(String(error), undefined, undefined, false);
}

/** The most of a service's error message kept: enough for any real one, not a whole HTML page or a 50 MB string. */
export const MAX_SERVICE_MESSAGE_CHARS = 2_000;
/** The most of a service's error code kept (real codes are a few words). */
export const MAX_CODE_CHARS = 100;

/** `text`, cut to `max` characters and saying how many were left out. */
export function bounded(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}... (${text.length - max} more characters)`;
}

/**
 * Removes credentials from text meant for people: `user:password@` in URLs, and `api-key`, `key`, `sig`,
 * `token` or `code` query parameters.
 */
export function redactSecrets(text: string): string {
  return text
    // The scheme starts only where a run of scheme characters starts: `\b` would let it start inside every
    // run such as `a.a.a.`, each attempt scanning to the run's end (quadratic on a long message).
    .replace(/(?<![a-z0-9+.-])([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"<>]*@/gi, '$1***@')
    .replace(/([?&](?:api[-_]?key|key|sig|signature|token|access_token|code)=)[^&\s#"'<>]+/gi, '$1***');
}

/** The error codes (`ECONNREFUSED`, `UND_ERR_SOCKET`...) along an error's `cause` chain. */
export function causeCodes(error: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') {
      codes.push(code);
    }
    const errors = (current as { errors?: unknown }).errors;
    if (Array.isArray(errors)) {
      // An AggregateError from trying every address of a host (IPv4 and IPv6).
      for (const inner of errors) {
        codes.push(...causeCodes(inner));
      }
    }
    current = (current as { cause?: unknown }).cause;
  }
  return codes;
}

function deepestCause(error: unknown): unknown {
  let current = error;
  for (let depth = 0; depth < 8; depth++) {
    const next = typeof current === 'object' && current !== null ? (current as { cause?: unknown }).cause : undefined;
    if (!(next instanceof Error)) {
      return current;
    }
    current = next;
  }
  return current;
}

function findInCauses<T>(error: unknown, test: (e: unknown) => e is T): T | undefined {
  let current = error;
  for (let depth = 0; depth < 8 && current !== undefined && current !== null; depth++) {
    if (test(current)) {
      return current;
    }
    current = typeof current === 'object' ? (current as { cause?: unknown }).cause : undefined;
  }
  return undefined;
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
