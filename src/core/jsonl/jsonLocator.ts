import { nextSignificant, scanner, Token } from './jsonTokens';

export type JsonPath = readonly (string | number)[];

export interface Span {
  readonly start: number;
  readonly end: number;
}

export interface Located {
  /** The property name including its quotes (only for object members). */
  readonly key?: Span;
  /** The value, from its first to its last character. */
  readonly value: Span;
}

/** An object or array being walked, as {@link walk} hands it to its callbacks. */
interface Frame<T> {
  readonly kind: 'object' | 'array';
  /** What `tagOf` gave the container itself. */
  readonly tag: T;
  readonly start: number;
  /** The container's own key in the object holding it. */
  readonly keySpan: Span | undefined;
  /** The index of the current element (arrays). */
  index: number;
  /** The key and key span of the current member (objects). */
  key: string | undefined;
  memberKeySpan: Span | undefined;
}

/** The segment that leads from `frame` to the value starting in it now: a key or an index. */
function segmentOf<T>(frame: Frame<T>): string | number | undefined {
  return frame.kind === 'object' ? frame.key : frame.index;
}

/**
 * Walks the values of one line of valid JSON with an explicit stack (no recursion on deep nesting). `tagOf` is
 * asked, as each value starts, for a tag from its container (undefined at the top) and its depth (its path
 * length); `visit` gets every value with its tag, key, span and container, leaves at once and containers when
 * they close. Repeated keys are all visited, in order.
 */
function walk<T>(
  text: string,
  tagOf: (container: Frame<T> | undefined, depth: number) => T,
  visit: (tag: T, key: Span | undefined, value: Span, container: Frame<T> | undefined) => void,
): void {
  const s = scanner(text);
  const frames: Frame<T>[] = [];
  let expectKey = false;
  for (;;) {
    const kind = nextSignificant(s);
    if (kind === Token.EOF) {
      return;
    }
    const offset = s.getTokenOffset();
    const length = s.getTokenLength();
    const top = frames[frames.length - 1];
    if (top?.kind === 'object' && expectKey) {
      if (kind === Token.String) {
        top.key = s.getTokenValue();
        top.memberKeySpan = { start: offset, end: offset + length };
        nextSignificant(s); // the colon
        expectKey = false;
      } else if (kind === Token.CloseBrace) {
        close(offset);
      }
      continue;
    }
    switch (kind) {
      case Token.Comma:
        if (top?.kind === 'array') {
          top.index++;
        } else if (top?.kind === 'object') {
          expectKey = true;
        }
        continue;
      case Token.CloseBrace:
      case Token.CloseBracket:
        close(offset);
        continue;
      case Token.OpenBrace:
      case Token.OpenBracket:
        frames.push({
          kind: kind === Token.OpenBrace ? 'object' : 'array',
          tag: tagOf(top, frames.length),
          start: offset,
          keySpan: top?.kind === 'object' ? top.memberKeySpan : undefined,
          index: 0,
          key: undefined,
          memberKeySpan: undefined,
        });
        expectKey = kind === Token.OpenBrace;
        continue;
      default:
        visit(tagOf(top, frames.length), top?.kind === 'object' ? top.memberKeySpan : undefined, { start: offset, end: offset + length }, top);
        continue;
    }
  }

  function close(offset: number): void {
    const frame = frames.pop();
    if (frame !== undefined) {
      visit(frame.tag, frame.keySpan, { start: frame.start, end: offset + 1 }, frames[frames.length - 1]);
    }
    expectKey = false;
  }
}

/**
 * A tag for {@link walk}: the depth of a value that lies on `path` (a prefix of it or the value at it), -1 for
 * one off it.
 */
function onPath(path: JsonPath): (container: Frame<number> | undefined, depth: number) => number {
  return (container, depth) => {
    if (container === undefined) {
      return 0;
    }
    return container.tag >= 0 && depth <= path.length && segmentOf(container) === path[depth - 1] ? depth : -1;
  };
}

/**
 * Finds where the value at `path` sits in one line of valid JSON. Only called for lines with a problem,
 * so it favours robustness over speed: like `JSON.parse`, it lets a repeated key win over earlier ones.
 */
export function locate(text: string, path: JsonPath): Located | undefined {
  let found: Located | undefined;
  walk(text, onPath(path), (depth, key, value) => {
    if (depth === path.length) {
      found = { key, value };
    }
  });
  return found;
}

/**
 * Every member at `path` (at least one segment) in the object that `JSON.parse` reads there, in text order: one
 * per occurrence of a repeated key, the last being the one {@link locate} finds. Empty when there is none.
 */
export function locateMembers(text: string, path: JsonPath): Located[] {
  const found: { readonly located: Located; readonly container: unknown }[] = [];
  walk(text, onPath(path), (depth, key, value, container) => {
    if (depth === path.length && path.length > 0) {
      found.push({ located: { key, value }, container });
    }
  });
  // Earlier copies of a repeated container on the path are dropped by JSON.parse, and their members with them.
  const last = found[found.length - 1]?.container;
  return found.filter((member) => member.container === last).map((member) => member.located);
}

/** A key for a path in the maps {@link locateAll} returns: `.3:key` for a property, `[2]` for an index. */
export function pathKey(path: JsonPath): string {
  let key = '';
  for (const segment of path) {
    key += segmentKey(segment);
  }
  return key;
}

function segmentKey(segment: string | number): string {
  return typeof segment === 'number' ? `[${segment}]` : `.${segment.length}:${segment}`;
}

/**
 * What {@link locate} finds for every path of at most `maxDepth` segments, in one walk over the line:
 * a map from {@link pathKey} to the location. For lines where many values have to be located (one per
 * unknown key, one per bad message), where calling `locate` for each would be quadratic.
 */
export function locateAll(text: string, maxDepth: number): Map<string, Located> {
  const found = new Map<string, Located>();
  walk<string | undefined>(
    text,
    // The path key of the value that starts now, when it is no deeper than `maxDepth`.
    (container, depth) => {
      if (container === undefined) {
        return '';
      }
      return depth > maxDepth || container.tag === undefined ? undefined : container.tag + segmentKey(segmentOf(container)!);
    },
    (path, key, value) => {
      if (path !== undefined) {
        found.set(path, { key, value });
      }
    },
  );
  return found;
}

/**
 * Locates values on one line, as {@link locate} would: the first `directLookups` lookups walk the line once each
 * (most lines with a problem have one or two); later ones use an index of every path up to `indexedDepth`
 * segments built in one more walk, so a line with thousands of problems costs a few walks, not one per problem.
 */
export function lineLocator(text: string, directLookups: number, indexedDepth: number): (path: JsonPath) => Located | undefined {
  let lookups = 0;
  let index: Map<string, Located> | undefined;
  return (path) => {
    if (++lookups <= directLookups || path.length > indexedDepth) {
      return locate(text, path);
    }
    index ??= locateAll(text, indexedDepth);
    return index.get(pathKey(path));
  };
}

/** The span of a line's content without surrounding whitespace (at least one character). */
export function trimmedSpan(text: string): Span {
  const start = text.length - text.trimStart().length;
  const end = Math.max(text.trimEnd().length, start + 1);
  return { start, end };
}
