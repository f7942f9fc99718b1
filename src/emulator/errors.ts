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

/** Thrown when a fault destroyed the connection: nothing is left to answer. */
export class ConnectionDropped extends Error {
  constructor() {
    super('connection dropped by a fault');
  }
}
