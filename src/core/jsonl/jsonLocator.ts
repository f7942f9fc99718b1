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

interface Frame {
  readonly kind: 'object' | 'array';
  /** True when the path leading to this container is a prefix of the wanted path. */
  readonly onPath: boolean;
  index: number;
  key: string | undefined;
  keySpan: Span | undefined;
}

/**
 * Finds where the value at `path` sits in one line of valid JSON. Only called for lines with a problem,
 * so it favours robustness over speed: it walks tokens with an explicit stack (no recursion on deep
 * nesting) and, like `JSON.parse`, lets a repeated key win over earlier ones.
 */
export function locate(text: string, path: JsonPath): Located | undefined {
  const s = scanner(text);
  const frames: Frame[] = [];
  let found: Located | undefined;
  let openTarget: { start: number; depth: number; key?: Span } | undefined;
  let expectKey = false;

  const segmentOf = (frame: Frame): string | number | undefined => (frame.kind === 'object' ? frame.key : frame.index);
  // Whether the value that starts now is at `path`, and whether it lies on the way there.
  const position = (): { isTarget: boolean; onPath: boolean } => {
    const top = frames[frames.length - 1];
    if (top === undefined) {
      return { isTarget: path.length === 0, onPath: true };
    }
    const depth = frames.length; // the path length of the value that starts now
    const onPath = top.onPath && depth <= path.length && segmentOf(top) === path[depth - 1];
    return { isTarget: onPath && depth === path.length, onPath };
  };

  for (;;) {
    const kind = nextSignificant(s);
    if (kind === Token.EOF) {
      return found;
    }
    const offset = s.getTokenOffset();
    const length = s.getTokenLength();
    const top = frames[frames.length - 1];
    if (top?.kind === 'object' && expectKey) {
      if (kind === Token.String) {
        top.key = s.getTokenValue();
        top.keySpan = { start: offset, end: offset + length };
        nextSignificant(s); // the colon
        expectKey = false;
      } else if (kind === Token.CloseBrace) {
        closeFrame(offset);
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
        closeFrame(offset);
        continue;
      case Token.OpenBrace:
      case Token.OpenBracket: {
        const { isTarget, onPath } = position();
        if (isTarget) {
          openTarget = { start: offset, depth: frames.length + 1, key: top?.kind === 'object' ? top.keySpan : undefined };
        }
        frames.push({ kind: kind === Token.OpenBrace ? 'object' : 'array', onPath, index: 0, key: undefined, keySpan: undefined });
        expectKey = kind === Token.OpenBrace;
        continue;
      }
      default:
        if (position().isTarget) {
          found = { key: top?.kind === 'object' ? top.keySpan : undefined, value: { start: offset, end: offset + length } };
        }
        continue;
    }
  }

  function closeFrame(offset: number): void {
    if (openTarget && openTarget.depth === frames.length) {
      found = { key: openTarget.key, value: { start: openTarget.start, end: offset + 1 } };
      openTarget = undefined;
    }
    frames.pop();
    expectKey = false;
  }
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
  const s = scanner(text);
  const found = new Map<string, Located>();
  interface Container {
    readonly kind: 'object' | 'array';
    /** The container's own path key, when it is no deeper than `maxDepth`. */
    readonly path: string | undefined;
    readonly start: number;
    readonly keySpan: Span | undefined;
    index: number;
    key: string | undefined;
    memberKeySpan: Span | undefined;
  }
  const frames: Container[] = [];
  let expectKey = false;
  // The path key of the value that starts now, when it is no deeper than `maxDepth`.
  const pathHere = (top: Container | undefined): string | undefined => {
    if (top === undefined) {
      return '';
    }
    if (frames.length > maxDepth) {
      return undefined;
    }
    return top.path! + segmentKey(top.kind === 'object' ? (top.key as string) : top.index);
  };
  for (;;) {
    const kind = nextSignificant(s);
    if (kind === Token.EOF) {
      return found;
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
          path: pathHere(top),
          start: offset,
          keySpan: top?.kind === 'object' ? top.memberKeySpan : undefined,
          index: 0,
          key: undefined,
          memberKeySpan: undefined,
        });
        expectKey = kind === Token.OpenBrace;
        continue;
      default: {
        const path = pathHere(top);
        if (path !== undefined) {
          found.set(path, { key: top?.kind === 'object' ? top.memberKeySpan : undefined, value: { start: offset, end: offset + length } });
        }
        continue;
      }
    }
  }

  function close(offset: number): void {
    const frame = frames.pop();
    if (frame?.path !== undefined) {
      found.set(frame.path, { key: frame.keySpan, value: { start: frame.start, end: offset + 1 } });
    }
    expectKey = false;
  }
}

/** The span of a line's content without surrounding whitespace (at least one character). */
export function trimmedSpan(text: string): Span {
  const start = text.length - text.trimStart().length;
  const end = Math.max(text.trimEnd().length, start + 1);
  return { start, end };
}
