import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { unauthorized } from './errors';

// Who may talk to the emulator: requests naming this machine in `Host`, carrying the key or the token.

const loopbackNames: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * True when a `Host` header names this machine: `localhost`, `127.0.0.1`, `[::1]` or the address the emulator
 * listens on, with any port. Anything else is refused, so a web page whose name was rebound to 127.0.0.1 (DNS
 * rebinding) cannot talk to the emulator from the browser. No header (HTTP/1.0) is allowed: browsers always send one.
 */
export function hostAllowed(host: string | undefined, listenHost: string): boolean {
  if (host === undefined) {
    return true;
  }
  const match = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/i.exec(host.trim());
  if (match === null) {
    return false;
  }
  const name = match[1]!.toLowerCase();
  const listening = listenHost.includes(':') ? `[${listenHost.toLowerCase()}]` : listenHost.toLowerCase();
  return loopbackNames.has(name) || name === listening;
}

/** Compares a presented secret with the expected one in constant time (hashes of equal length). */
export function sameSecret(presented: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

/**
 * The `api-key` header must carry the key. A bearer token is accepted when it is the configured token, a token the
 * local issuer handed out for the data plane (`issued`), or
 * the key itself (the OpenAI client on the v1 paths sends the key that way, which Azure accepts); without a
 * configured token no other bearer token is. Throws a 401 otherwise.
 */
export function authenticate(
  req: IncomingMessage,
  secrets: { readonly apiKey: string; readonly token: string | undefined },
  issued?: (token: string) => boolean,
): void {
  const key = req.headers['api-key'];
  if (typeof key === 'string') {
    if (!sameSecret(key, secrets.apiKey)) {
      throw unauthorized();
    }
    return;
  }
  const authorization = req.headers.authorization;
  const bearer = typeof authorization === 'string' ? /^Bearer\s+(\S.*)$/i.exec(authorization.trim())?.[1] : undefined;
  if (bearer === undefined) {
    throw unauthorized();
  }
  const isToken = (secrets.token !== undefined && sameSecret(bearer, secrets.token)) || issued?.(bearer) === true;
  if (!isToken && !sameSecret(bearer, secrets.apiKey)) {
    throw unauthorized();
  }
}
