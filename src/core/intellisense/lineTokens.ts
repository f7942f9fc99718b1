/**
 * A tolerant tokenizer for one line of JSON being typed: it never throws, reads unterminated strings and stray
 * characters as tokens, and skips a string by searching for its closing quote (a native `indexOf`), so a line
 * with a 20 MB base64 image costs a few searches, not a character loop. Strings are decoded on demand and only
 * up to a limit ({@link decodeString}).
 */

export type LineTokenKind = '{' | '}' | '[' | ']' | ',' | ':' | 'string' | 'word' | 'other';

export interface LineToken {
  readonly kind: LineTokenKind;
  /** The first character of the token. */
  readonly start: number;
  /** After its last character. */
  readonly end: number;
  /** Strings only: false when the line ends before the closing quote. */
  readonly terminated: boolean;
}

const wordChar = /[A-Za-z0-9+\-.]/;

/** The token that starts at or after `from`, or undefined at the end of the line. */
export function tokenAt(text: string, from: number): LineToken | undefined {
  let i = from;
  while (i < text.length && isSpace(text.charCodeAt(i))) {
    i++;
  }
  if (i >= text.length) {
    return undefined;
  }
  const c = text[i]!;
  switch (c) {
    case '{':
    case '}':
    case '[':
    case ']':
    case ',':
    case ':':
      return { kind: c, start: i, end: i + 1, terminated: true };
    case '"': {
      const close = closingQuote(text, i + 1);
      return close < 0 ? { kind: 'string', start: i, end: text.length, terminated: false } : { kind: 'string', start: i, end: close + 1, terminated: true };
    }
    default: {
      if (!wordChar.test(c)) {
        return { kind: 'other', start: i, end: i + 1, terminated: true };
      }
      let j = i + 1;
      while (j < text.length && wordChar.test(text[j]!)) {
        j++;
      }
      return { kind: 'word', start: i, end: j, terminated: true };
    }
  }
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13;
}

/** The index of the quote that closes a string whose content starts at `from`, or -1 when the line ends first. */
export function closingQuote(text: string, from: number): number {
  let at = from;
  for (;;) {
    const quote = text.indexOf('"', at);
    if (quote < 0) {
      return -1;
    }
    let backslashes = 0;
    for (let k = quote - 1; k >= from && text.charCodeAt(k) === 92; k--) {
      backslashes++;
    }
    if (backslashes % 2 === 0) {
      return quote;
    }
    at = quote + 1;
  }
}

const escapes: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/**
 * The value of a string token, decoded from its start up to `end` (the cursor, for a prefix) and at most
 * `limit` characters of the result; `clipped` tells that more followed. Bad escapes are kept as written.
 */
export function decodeString(text: string, token: LineToken, limit: number, end = token.terminated ? token.end - 1 : token.end): { value: string; clipped: boolean } {
  const from = token.start + 1;
  const stop = Math.min(end, text.length);
  // The common case: no escape in the part read (searched in that part only: the string may be megabytes long).
  const head = text.slice(from, Math.min(stop, from + limit));
  if (!head.includes('\\')) {
    return { value: head, clipped: stop - from > limit };
  }
  let out = '';
  let i = from;
  while (i < stop && out.length < limit) {
    const c = text[i]!;
    if (c !== '\\' || i + 1 >= stop) {
      out += c;
      i++;
      continue;
    }
    const next = text[i + 1]!;
    if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
      out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
      i += 6;
    } else if (escapes[next] !== undefined) {
      out += escapes[next];
      i += 2;
    } else {
      out += c;
      i++;
    }
  }
  return { value: out, clipped: i < stop };
}
