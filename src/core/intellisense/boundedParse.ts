import { decodeString, tokenAt, type LineToken } from './lineTokens';

/** A string value cut to its start: `length` is the length of the whole value as written (escapes included). */
export class Clipped {
  constructor(
    readonly text: string,
    readonly length: number,
  ) {}
}

/** A JSON value with long strings clipped, long arrays and objects cut, and deep nesting left out. */
export type BoundedValue = string | Clipped | number | boolean | null | BoundedValue[] | { [key: string]: BoundedValue } | Omitted;

/** What was left out: the items of an array past the limit, a container nested too deep. */
export class Omitted {
  constructor(readonly count: number) {}
}

export interface BoundedLimits {
  /** The most characters decoded of one string. */
  readonly stringChars: number;
  /** The most items kept of one array (the rest become one {@link Omitted}). */
  readonly arrayItems: number;
  /** The most members kept of one object. */
  readonly objectKeys: number;
  /** Containers deeper than this become an {@link Omitted}. */
  readonly depth: number;
}

export const previewLimits: BoundedLimits = { stringChars: 4000, arrayItems: 100, objectKeys: 200, depth: 24 };

class Malformed extends Error {}

/**
 * Parses one line of JSON without ever decoding more than `limits` allow: a 20 MB base64 string costs one
 * search for its closing quote and a slice of its start, so a preview of such a line answers at once.
 * Undefined when the line is not valid JSON (as far as it was read).
 */
export function boundedParse(text: string, limits: BoundedLimits = previewLimits): BoundedValue | undefined {
  let pos = 0;
  const next = (): LineToken => {
    const token = tokenAt(text, pos);
    if (token === undefined) {
      throw new Malformed();
    }
    pos = token.end;
    return token;
  };
  const peek = (): LineToken | undefined => tokenAt(text, pos);

  const skip = (): void => {
    let depth = 1;
    while (depth > 0) {
      const token = next();
      if (token.kind === '{' || token.kind === '[') {
        depth++;
      } else if (token.kind === '}' || token.kind === ']') {
        depth--;
      } else if (token.kind === 'string' && !token.terminated) {
        throw new Malformed();
      }
    }
  };

  const value = (token: LineToken, depth: number): BoundedValue => {
    switch (token.kind) {
      case 'string': {
        if (!token.terminated) {
          throw new Malformed();
        }
        const decoded = decodeString(text, token, limits.stringChars);
        return decoded.clipped ? new Clipped(decoded.value, token.end - token.start - 2) : decoded.value;
      }
      case 'word':
        return word(text.slice(token.start, token.end));
      case '{':
      case '[':
        if (depth >= limits.depth) {
          skip();
          return new Omitted(1);
        }
        return token.kind === '{' ? object(depth + 1) : array(depth + 1);
      default:
        throw new Malformed();
    }
  };

  const object = (depth: number): BoundedValue => {
    const result: { [key: string]: BoundedValue } = {};
    let kept = 0;
    if (peek()?.kind === '}') {
      next();
      return result;
    }
    for (;;) {
      const key = next();
      if (key.kind !== 'string' || !key.terminated || next().kind !== ':') {
        throw new Malformed();
      }
      const member = value(next(), depth);
      if (kept < limits.objectKeys) {
        // Like JSON.parse, a repeated key wins.
        const name = decodeString(text, key, 1000).value;
        if (!(name in result)) {
          kept++;
        }
        Object.defineProperty(result, name, { value: member, enumerable: true, writable: true, configurable: true });
      }
      const separator = next();
      if (separator.kind === '}') {
        return result;
      }
      if (separator.kind !== ',') {
        throw new Malformed();
      }
    }
  };

  const array = (depth: number): BoundedValue => {
    const result: BoundedValue[] = [];
    let left = 0;
    if (peek()?.kind === ']') {
      next();
      return result;
    }
    for (;;) {
      const item = value(next(), depth);
      if (result.length < limits.arrayItems) {
        result.push(item);
      } else {
        left++;
      }
      const separator = next();
      if (separator.kind === ']') {
        if (left > 0) {
          result.push(new Omitted(left));
        }
        return result;
      }
      if (separator.kind !== ',') {
        throw new Malformed();
      }
    }
  };

  try {
    const result = value(next(), 0);
    return peek() === undefined ? result : undefined;
  } catch (error) {
    if (error instanceof Malformed) {
      return undefined;
    }
    throw error;
  }
}

function word(text: string): BoundedValue {
  if (text === 'true') {
    return true;
  }
  if (text === 'false') {
    return false;
  }
  if (text === 'null') {
    return null;
  }
  if (/^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/.test(text)) {
    return Number(text);
  }
  throw new Malformed();
}
