import { isObject, notRunCodes, tokenCount } from './resultRow';

export { notRunCodes };

/** One line of a batch output or error file, reduced to what joining and summaries need. */
export interface ResultLine {
  readonly customId: string;
  /** The HTTP status of the request, when the service answered it. */
  readonly statusCode: number | undefined;
  readonly succeeded: boolean;
  /**
   * False for a request the batch never ran: the line has no response and an error such as `batch_expired`
   * (what the error file of an expired or cancelled batch says of the rows left over).
   */
  readonly ran: boolean;
  /** The response body (the chat completion, or the error body of a failed request). */
  readonly body: unknown;
  /** `error` of the line, or the error inside a failed response's body. */
  readonly error: { code?: string; message?: string } | undefined;
  /** Token usage of a successful request. */
  readonly promptTokens: number;
  readonly completionTokens: number;
  /** The model the response names (`body.model`), which prices its tokens. */
  readonly model: string | undefined;
}

/** Why a line of a result file could not be used. */
export class MalformedResultLine extends Error {}

/**
 * Why a line is not JSON, quoting none of it: `JSON.parse` quotes part of the line in its message, and a line
 * of a service's file may hold anything (a key it echoed), so only where parsing stopped is kept.
 */
export function notJsonReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const position = /\bposition (\d+)/.exec(message)?.[1];
  if (position !== undefined) {
    return `not JSON (at character ${Number(position) + 1})`;
  }
  return /^Unexpected end of JSON input$/.test(message) ? 'not JSON (it ends too early)' : 'not JSON';
}

/**
 * Parses one line of an output or error file, in Azure's shape:
 * `{"custom_id", "response": {"status_code", "request_id", "body"} | null, "error": {"code", "message"} | null}`.
 */
export function parseResultLine(text: string): ResultLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new MalformedResultLine(notJsonReason(error));
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MalformedResultLine('not a JSON object');
  }
  const line = value as { custom_id?: unknown; response?: unknown; error?: unknown };
  if (typeof line.custom_id !== 'string' || line.custom_id.length === 0) {
    throw new MalformedResultLine('no custom_id');
  }
  const response = isObject(line.response) ? line.response : undefined;
  const statusCode = typeof response?.status_code === 'number' ? response.status_code : undefined;
  const body = response?.body;
  const lineError = isObject(line.error) ? (line.error as { code?: unknown; message?: unknown }) : undefined;
  const bodyError = isObject(body) && isObject(body.error) ? (body.error as { code?: unknown; message?: unknown }) : undefined;
  const error = lineError ?? bodyError;
  const succeeded = lineError === undefined && statusCode !== undefined && statusCode >= 200 && statusCode < 300;
  const code = lineError ? codeText(lineError.code) : undefined;
  const ran = !(response === undefined && code !== undefined && notRunCodes.has(code));
  const usage = succeeded && isObject(body) && isObject(body.usage) ? body.usage : undefined;
  return {
    customId: line.custom_id,
    statusCode,
    succeeded,
    ran,
    body,
    error: error ? { code: codeText(error.code), message: typeof error.message === 'string' ? error.message : undefined } : undefined,
    promptTokens: tokenCount(usage?.prompt_tokens) ?? tokenCount(usage?.input_tokens) ?? 0,
    completionTokens: tokenCount(usage?.completion_tokens) ?? tokenCount(usage?.output_tokens) ?? 0,
    model: isObject(body) && typeof body.model === 'string' && body.model.length > 0 ? body.model : undefined,
  };
}

/**
 * The one wording of why a request failed, wherever failures are counted or shown (`NAME.summary.md`, the results
 * viewer's code column, filter and header, the CLI): its error code, else `HTTP NNN`, else `unknown`. A code that
 * only repeats the status (`"500"` with status 500) reads as the status.
 */
export function failureCode(statusCode: number | undefined, errorCode: string | undefined): string {
  if (errorCode && errorCode !== String(statusCode)) {
    return errorCode;
  }
  return statusCode !== undefined ? `HTTP ${statusCode}` : 'unknown';
}

/** {@link failureCode} of a parsed output or error line. */
export function failureKey(line: ResultLine): string {
  return failureCode(line.statusCode, line.error?.code);
}

/**
 * An error code as text. `String` can throw on parsed JSON: on an object whose `toString` is not a
 * function (`{"toString": 1}`), or on arrays nested thousands deep; such a code is dropped.
 */
function codeText(code: unknown): string | undefined {
  if (code === undefined || code === null) {
    return undefined;
  }
  try {
    return String(code);
  } catch {
    return undefined;
  }
}


/** Failure counts as a list, most common first (ties by key), as summaries show them. */
export function rankFailures(counts: ReadonlyMap<string, number>): { key: string; count: number }[] {
  return [...counts].map(([key, count]) => ({ key, count })).sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
}
