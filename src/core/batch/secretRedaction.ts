// A service (or a proxy in front of it) may echo what it was sent: "invalid key 1a2b..." in a 401, a sign-in
// page quoting the header, the key copied into a job's metadata. Whatever comes back is shown to people, so
// the credential a request carried is removed from every answer before anything reads it.

/** What replaces a credential found in an answer. */
export const REDACTED = '***';

/** Credentials shorter than this are not searched for: replacing them would garble ordinary text. */
const minSecretLength = 4;

/** The credentials a request carries: the `api-key` header and the token of `Authorization: Bearer`. */
export function requestSecrets(headers: ConstructorParameters<typeof Headers>[0]): string[] {
  const all = new Headers(headers);
  const secrets = [all.get('api-key'), all.get('authorization')?.replace(/^\s*bearer\s+/i, '')];
  return secrets.filter((secret): secret is string => typeof secret === 'string' && secret.trim().length >= minSecretLength);
}

/** `text` with every occurrence of each secret replaced by {@link REDACTED}. */
export function redactKnown(text: string, secrets: readonly string[]): string {
  let result = text;
  // Longest first, so a secret that contains another is removed whole.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret.length >= minSecretLength) {
      result = result.split(secret).join(REDACTED);
    }
  }
  return result;
}

/** Streamed as they come: a file's content (`GET .../files/{id}/content`) that succeeded and is not a web page. */
function isFileContent(url: URL, response: Response): boolean {
  return /\/files\/[^/]+\/content$/.test(url.pathname) && response.ok && !/\btext\/html\b/i.test(response.headers.get('content-type') ?? '');
}

/**
 * A fetch whose answers never contain the credentials their request carried (and `extraSecrets`): the body
 * of every answer but a file's content is read and redacted, and so is the message of a failure (a refused
 * redirect names the host of its `Location`). A file's content is streamed as it is, since it can be large.
 */
export function secretRedactingFetch(base: typeof globalThis.fetch, extraSecrets: readonly string[] = []): typeof globalThis.fetch {
  return async (input, init) => {
    const secrets = [...extraSecrets, ...requestSecrets(init?.headers ?? (input instanceof Request ? input.headers : undefined))];
    let response: Response;
    try {
      response = await base(input, init);
    } catch (error) {
      // Redacted in place, so the error stays what it is (an abort, a timeout, a refused redirect that must not be
      // retried): a copy as a plain Error read as a network failure, and a redirect to a host named after the key
      // was tried six times.
      if (error instanceof Error && redactKnown(error.message, secrets) !== error.message) {
        error.message = redactKnown(error.message, secrets);
        error.stack = error.stack === undefined ? undefined : redactKnown(error.stack, secrets);
      }
      throw error;
    }
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (secrets.length === 0 || isFileContent(url, response)) {
      return response;
    }
    const text = await response.text();
    const headers = new Headers();
    for (const [name, value] of response.headers) {
      // The body is decoded (and may change): its old length and encoding no longer describe it.
      if (name !== 'content-length' && name !== 'content-encoding') {
        headers.append(name, redactKnown(value, secrets));
      }
    }
    const body = nullBodyStatuses.has(response.status) ? null : redactKnown(text, secrets);
    return new Response(body, { status: response.status, statusText: redactKnown(response.statusText, secrets), headers });
  };
}

const nullBodyStatuses = new Set([101, 204, 205, 304]);

/**
 * `chunks` with every occurrence of each secret replaced by {@link REDACTED}, also one split across chunks:
 * the last bytes of each chunk that could start a secret wait for the next. For a file's content, which is
 * streamed rather than read whole: a service echoing the key into an output line must not put it on disk,
 * in a summary or in a log.
 */
export async function* redactChunks(chunks: AsyncIterable<Buffer | Uint8Array | string>, secrets: readonly string[]): AsyncGenerator<Buffer> {
  const needles = [...new Set(secrets)].filter((secret) => secret.length >= minSecretLength).map((secret) => Buffer.from(secret)).sort((a, b) => b.length - a.length);
  if (needles.length === 0) {
    for await (const chunk of chunks) {
      yield Buffer.from(chunk);
    }
    return;
  }
  const keep = needles[0]!.length - 1;
  let held: Buffer = Buffer.alloc(0);
  for await (const chunk of chunks) {
    const redacted = redactBytes(Buffer.concat([held, Buffer.from(chunk)]), needles);
    // A secret not yet whole starts within the last `keep` bytes (a whole one was replaced above).
    const cut = Math.max(0, redacted.length - keep);
    held = redacted.subarray(cut);
    if (cut > 0) {
      yield redacted.subarray(0, cut);
    }
  }
  if (held.length > 0) {
    yield held;
  }
}

const redactedBytes = Buffer.from(REDACTED);

function redactBytes(bytes: Buffer, needles: readonly Buffer[]): Buffer {
  let result: Buffer = bytes;
  for (const needle of needles) {
    let at = result.indexOf(needle);
    if (at < 0) {
      continue;
    }
    const parts: Buffer[] = [];
    let from = 0;
    while (at >= 0) {
      parts.push(result.subarray(from, at), redactedBytes);
      from = at + needle.length;
      at = result.indexOf(needle, from);
    }
    parts.push(result.subarray(from));
    result = Buffer.concat(parts);
  }
  return result;
}
