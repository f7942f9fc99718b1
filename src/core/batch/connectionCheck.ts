import { BatchClient } from './client';
import type { ConnectionConfig } from './connection';
import { BatchServiceError, OperationCancelledError, toServiceError } from './errors';

/** Why a connection check failed, in the terms a user can act on. */
export type CheckFailureCause =
  /** The endpoint's host name does not resolve (a typo, or no network). */
  | 'hostNotFound'
  /** Nothing listens there (a stopped emulator, a wrong port). */
  | 'refused'
  /** The port is one the Fetch standard blocks (9, 6000, ...): no request is made at all. */
  | 'blockedPort'
  /** The TLS handshake failed: an untrusted, expired or mismatched certificate (a proxy, a wrong host). */
  | 'tls'
  /** The service answered 401 or 403: a wrong key, a key of another resource, or no access. */
  | 'unauthorized'
  /** The service answered 404: not an Azure OpenAI endpoint, or the api-version is not served there. */
  | 'notFound'
  /** No answer in time. */
  | 'timeout'
  /** Anything else (a 5xx, an unexpected answer). */
  | 'other';

/** The step of the add/edit flow that holds the value to fix. */
export type CheckStep = 'endpoint' | 'credential';

export interface CheckFailure {
  readonly cause: CheckFailureCause;
  /** The step to return to. */
  readonly step: CheckStep;
  /** The service's or the socket's own message (already free of secrets). */
  readonly detail: string;
  readonly status?: number;
}

const dnsCodes = /^(ENOTFOUND|EAI_AGAIN|EAI_NONAME|EAI_FAIL)$/;
const refusedCodes = /^(ECONNREFUSED)$/;
/** Connect and header timeouts of the socket or undici: no answer in time, like the client's own timeout. */
const timeoutCodes = /^(ETIMEDOUT|ESOCKETTIMEDOUT|UND_ERR_CONNECT_TIMEOUT|UND_ERR_HEADERS_TIMEOUT|UND_ERR_BODY_TIMEOUT)$/;
const tlsCodes = /^(ERR_TLS_.*|ERR_SSL_.*|CERT_.*|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_.*|ERR_OSSL_.*|HOSTNAME_MISMATCH)$/;

/** Sorts a failed check's error into a {@link CheckFailure}: by HTTP status, else by the socket, resolver or TLS error codes. */
export function classifyCheckFailure(error: unknown): CheckFailure {
  const failure = error instanceof BatchServiceError ? error : toServiceError(error);
  const detail = failure.message;
  if (!(failure instanceof BatchServiceError)) {
    return { cause: 'other', step: 'endpoint', detail };
  }
  const status = failure.status;
  if (status === 401 || status === 403) {
    return { cause: 'unauthorized', step: 'credential', detail, status };
  }
  if (status === 404) {
    return { cause: 'notFound', step: 'endpoint', detail, status };
  }
  if (status !== undefined) {
    return { cause: 'other', step: 'endpoint', detail, status };
  }
  const codes = failure.causeCodes;
  if (codes.some((code) => tlsCodes.test(code))) {
    return { cause: 'tls', step: 'endpoint', detail };
  }
  if (codes.some((code) => dnsCodes.test(code))) {
    return { cause: 'hostNotFound', step: 'endpoint', detail };
  }
  if (codes.some((code) => refusedCodes.test(code))) {
    return { cause: 'refused', step: 'endpoint', detail };
  }
  if (failure.code === 'network' && /\bbad port\b/i.test(detail)) {
    return { cause: 'blockedPort', step: 'endpoint', detail };
  }
  if (failure.code === 'timeout' || codes.some((code) => timeoutCodes.test(code))) {
    return { cause: 'timeout', step: 'endpoint', detail };
  }
  return { cause: 'other', step: 'endpoint', detail };
}

export interface CheckOptions {
  readonly signal?: AbortSignal;
  /** How long one answer may take (a check, not a job: well under the SDK's default). */
  readonly timeoutMs?: number;
}

/**
 * Checks a connection with one list call: undefined when it works, else why not. A cancelled check throws
 * {@link OperationCancelledError}.
 */
export async function checkConnection(config: ConnectionConfig, options: CheckOptions = {}): Promise<CheckFailure | undefined> {
  try {
    await new BatchClient({ ...config, timeoutMs: options.timeoutMs ?? 20_000 }, { retries: 1, baseDelayMs: 500, maxDelayMs: 2000 }).listBatches({ limit: 1, signal: options.signal });
    return undefined;
  } catch (error) {
    if (error instanceof OperationCancelledError || options.signal?.aborted) {
      throw error instanceof OperationCancelledError ? error : new OperationCancelledError();
    }
    return classifyCheckFailure(error);
  }
}
