/** The error envelope of the Azure OpenAI data plane: `{ "error": { "code", "message", ... } }`. */
export interface AzureErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly param?: string | null;
    readonly type?: string;
  };
}

/** An error answer: HTTP status, body and extra headers. Handlers throw it; the server sends it. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: AzureErrorBody,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(body.error.message);
  }
}

export function azureError(code: string, message: string, param?: string | null): AzureErrorBody {
  return param === undefined ? { error: { code, message } } : { error: { code, message, param } };
}

// Seen live (see the reference README): the exact bodies of 401 and 404.
export const unauthorizedMessage =
  'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.';

export const unauthorized = (): HttpError => new HttpError(401, azureError('401', unauthorizedMessage));

/** Unknown ids, unknown paths, `/deployments/{x}/batches`, and missing or unsupported api-versions. */
export const notFound = (): HttpError => new HttpError(404, azureError('404', 'Resource not found'));

/** A 400 for a request body or form that Azure would reject (`invalidPayload` is the code its files API uses). */
export const badRequest = (message: string, param?: string, code = 'invalidPayload'): HttpError =>
  new HttpError(400, { error: { code, message, ...(param === undefined ? {} : { param }), type: 'invalid_request_error' } });

/** A `Host` header that does not name this machine (DNS rebinding): 421. */
export const misdirected = (): HttpError =>
  new HttpError(421, azureError('MisdirectedRequest', 'The Host header does not name this emulator: use 127.0.0.1, localhost or [::1].'));

/** A state save that failed (disk full, unwritable data dir; `code` is the errno name): a 500, and the emulator keeps serving. */
export const saveFailed = (code: string): HttpError =>
  new HttpError(500, {
    error: { code: 'server_error', message: `The emulator could not save its state (${code}); the change was not acknowledged. Retry later.`, type: 'server_error' },
  });

/** Any other failure inside the emulator. */
export const internalError = (): HttpError => new HttpError(500, azureError('InternalServerError', 'The emulator failed to process the request.'));

/** The answer of a `status` fault, with Azure's words for the statuses it is known to send. */
export function statusFault(status: number, retryAfterSeconds: number): HttpError {
  switch (status) {
    case 429:
      return new HttpError(
        429,
        azureError('429', `Requests to the Batch Operation under Azure OpenAI API have exceeded call rate limit of your current tier. Please retry after ${retryAfterSeconds} seconds.`),
        { 'retry-after': String(Math.ceil(retryAfterSeconds)), 'retry-after-ms': String(Math.round(retryAfterSeconds * 1000)) },
      );
    case 500:
      return new HttpError(500, azureError('InternalServerError', 'The server had an error while processing your request. Sorry about that!'));
    case 503:
      return new HttpError(503, azureError('ServiceUnavailable', 'The service is temporarily unable to process your request. Please try again later.'));
    default:
      return new HttpError(status, azureError(String(status), `Emulated failure with status ${status}.`));
  }
}

/** Thrown when a fault destroyed the connection: nothing is left to answer. */
export class ConnectionDropped extends Error {
  constructor() {
    super('connection dropped by a fault');
  }
}
