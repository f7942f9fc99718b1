import { endpointKind, type EndpointKind } from '../jsonl/endpoints';
import { bodySchemas, lineKeys, type Shape } from '../jsonl/requestSchema';
import { decodeString, tokenAt, type LineToken } from './lineTokens';

export type PathSegment = string | number;

/** One object or array open at the cursor, with what the line says about it (read to its end). */
export interface OpenContainer {
  readonly kind: 'object' | 'array';
  /** Its path from the line's root; undefined where the line is too broken to tell. */
  readonly path: readonly PathSegment[] | undefined;
  /** Objects: the keys present, in order. */
  readonly keys: string[];
  /** Objects: the start of each string member's value (up to 200 characters), for discriminators (`role`, `type`, `url`). */
  readonly strings: Map<string, string>;
}

/** Where the cursor is, in terms of the request. */
export type CursorContext =
  | {
      /** Where a key is or may be written in the object `container`. */
      readonly kind: 'key';
      readonly container: OpenContainer;
      /** The key string the cursor is in (quotes included), if any. */
      readonly token: LineToken | undefined;
      /** The key the token holds (the whole key, not only the part before the cursor). */
      readonly name: string | undefined;
      /** What is typed before the cursor in the key (no quote). */
      readonly prefix: string;
      /** A comma is missing before the key (the cursor follows a value). */
      readonly needsCommaBefore: boolean;
      /** The token after the key, or after the cursor when there is none. */
      readonly next: LineToken | undefined;
      readonly stack: readonly OpenContainer[];
      /** The cursor's column. */
      readonly cursor: number;
    }
  | {
      /** Where the value of `key` (an object member) or of an array item is or may be written. */
      readonly kind: 'value';
      /** The path of the value. */
      readonly path: readonly PathSegment[];
      /** The string or word the cursor is in, if any. */
      readonly token: LineToken | undefined;
      readonly prefix: string;
      readonly next: LineToken | undefined;
      readonly stack: readonly OpenContainer[];
      readonly cursor: number;
    }
  | { readonly kind: 'empty' }
  | { readonly kind: 'none' };

type State = 'key' | 'colon' | 'value' | 'after';

interface Frame extends OpenContainer {
  state: State;
  key: string | undefined;
  index: number;
}

/**
 * What the cursor at `offset` is on, in one line of a batch file: a key position in an object, a value
 * position, an empty line, or nothing useful. Reads the one line only, to its end (the keys and discriminators
 * of the open objects may follow the cursor); works on broken lines as they are typed.
 */
export function cursorContext(text: string, offset: number): CursorContext {
  if (text.trim() === '') {
    return { kind: 'empty' };
  }
  const frames: Frame[] = [];
  let context: (() => CursorContext) | undefined;
  let pos = 0;
  for (let token = tokenAt(text, pos); ; token = tokenAt(text, pos)) {
    if (context === undefined) {
      if (token === undefined || offset <= token.start) {
        context = between(frames, offset, token);
      } else if (offset < token.end || (offset === token.end && (token.kind === 'word' || (token.kind === 'string' && !token.terminated)))) {
        context = inside(frames, offset, token, text);
      }
    }
    if (token === undefined) {
      break;
    }
    advance(frames, token, text);
    pos = token.end;
  }
  return context ? context() : { kind: 'none' };
}

function advance(frames: Frame[], token: LineToken, text: string): void {
  const top = frames[frames.length - 1];
  switch (token.kind) {
    case '{':
    case '[': {
      const path = top === undefined ? [] : childPath(top);
      if (top) {
        top.state = 'after';
      }
      frames.push({ kind: token.kind === '{' ? 'object' : 'array', path, keys: [], strings: new Map(), state: token.kind === '{' ? 'key' : 'value', key: undefined, index: 0 });
      return;
    }
    case '}':
    case ']':
      frames.pop();
      return;
    case ',':
      if (top?.kind === 'array') {
        top.index++;
        top.state = 'value';
      } else if (top) {
        top.state = 'key';
        top.key = undefined;
      }
      return;
    case ':':
      if (top?.kind === 'object' && top.state === 'colon') {
        top.state = 'value';
      }
      return;
    case 'string':
      if (top?.kind === 'object' && (top.state === 'key' || top.state === 'after')) {
        top.key = decodeString(text, token, 200).value;
        top.keys.push(top.key);
        top.state = 'colon';
      } else if (top) {
        if (top.kind === 'object' && top.key !== undefined && top.state === 'value') {
          top.strings.set(top.key, decodeString(text, token, 200).value);
        }
        top.state = 'after';
      }
      return;
    default:
      if (top) {
        top.state = 'after';
      }
  }
}

/**
 * Containers nested deeper than this have no path: no request shape goes that deep, and copying the path at every
 * level would cost memory quadratic in the nesting of a line like `[[[[...`.
 */
const maxPathDepth = 64;

function childPath(frame: Frame): readonly PathSegment[] | undefined {
  if (frame.path === undefined || frame.path.length >= maxPathDepth) {
    return undefined;
  }
  if (frame.kind === 'array') {
    return frame.state === 'value' ? [...frame.path, frame.index] : undefined;
  }
  return frame.state === 'value' && frame.key !== undefined ? [...frame.path, frame.key] : undefined;
}

// The context is built once the line is read (the open containers fill up after the cursor); the frames are
// copied as they are at the cursor, and keep the same container objects.
function between(frames: Frame[], cursor: number, next: LineToken | undefined): () => CursorContext {
  const top = frames[frames.length - 1];
  const stack = [...frames];
  if (top === undefined) {
    return () => ({ kind: 'none' });
  }
  if (top.kind === 'object' && (top.state === 'key' || top.state === 'after')) {
    const needsCommaBefore = top.state === 'after';
    return () => ({ kind: 'key', container: top, token: undefined, name: undefined, prefix: '', needsCommaBefore, next, stack, cursor });
  }
  const path = childPath(top);
  if (path === undefined) {
    return () => ({ kind: 'none' });
  }
  return () => ({ kind: 'value', path, token: undefined, prefix: '', next, stack, cursor });
}

function inside(frames: Frame[], offset: number, token: LineToken, text: string): () => CursorContext {
  const top = frames[frames.length - 1];
  const stack = [...frames];
  if (top === undefined) {
    return () => ({ kind: 'none' });
  }
  const next = tokenAt(text, token.end);
  if (token.kind === 'string' && top.kind === 'object' && (top.state === 'key' || top.state === 'after')) {
    const name = decodeString(text, token, 200).value;
    const prefix = decodeString(text, token, 200, offset).value;
    const needsCommaBefore = top.state === 'after';
    return () => ({ kind: 'key', container: top, token, name, prefix, needsCommaBefore, next, stack, cursor: offset });
  }
  if (token.kind !== 'string' && token.kind !== 'word') {
    return () => ({ kind: 'none' });
  }
  const path = childPath(top);
  if (path === undefined) {
    return () => ({ kind: 'none' });
  }
  const prefix = token.kind === 'string' ? decodeString(text, token, 200, offset).value : text.slice(token.start, offset);
  return () => ({ kind: 'value', path, token, prefix, next, stack, cursor: offset });
}

/**
 * The member `key` of a table of shapes, own members only: a key or tag the line gives (`constructor`,
 * `__proto__`, `toString`) never reaches the object's prototype.
 */
export function ownShape(shapes: Readonly<Record<string, Shape>> | undefined, key: string): Shape | undefined {
  return shapes !== undefined && Object.hasOwn(shapes, key) ? shapes[key] : undefined;
}

/** The endpoint a line's `url` names; chat when it names none (the common case, and a line being typed). */
export function lineEndpoint(stack: readonly OpenContainer[]): EndpointKind {
  const url = stack[0]?.strings.get('url');
  return (url !== undefined ? endpointKind(url) : undefined) ?? 'chat';
}

const rootShape: Shape = { doc: 'A request line.', types: ['object'], properties: lineKeys };

/** The shape of an object in the chosen variant, by the discriminator its members give (or undefined: not known yet). */
export function selectVariant(shape: Shape, strings: ReadonlyMap<string, string> | undefined): Shape | undefined {
  const variants = shape.variants;
  if (!variants) {
    return shape;
  }
  const tag = strings?.get(variants.key);
  return (tag !== undefined ? ownShape(variants.shapes, tag) : undefined) ?? (tag === undefined && variants.fallback !== undefined ? variants.shapes[variants.fallback] : undefined);
}

/** The known properties of an object shape: of its variant, or of all variants (discriminator first) when none is chosen. */
export function propertiesOf(shape: Shape, strings: ReadonlyMap<string, string> | undefined): Readonly<Record<string, Shape>> | undefined {
  const chosen = selectVariant(shape, strings);
  if (chosen && chosen !== shape) {
    return { ...shape.properties, ...chosen.properties };
  }
  if (shape.variants && !chosen) {
    const variants = shape.variants;
    const all: Record<string, Shape> = {};
    all[variants.key] = { doc: `Which kind of value this is: ${Object.keys(variants.shapes).join(', ')}.`, types: ['string'], enum: Object.keys(variants.shapes) };
    for (const variant of Object.values(variants.shapes)) {
      for (const [key, value] of Object.entries(variant.properties ?? {})) {
        if (key !== variants.key && all[key] === undefined) {
          all[key] = value;
        }
      }
    }
    return { ...shape.properties, ...all };
  }
  return shape.properties;
}

/**
 * The shape at `path` of the line whose open containers are `stack` (the discriminators of the objects on the
 * way come from them); undefined for values the schema does not describe.
 */
export function shapeAt(stack: readonly OpenContainer[], path: readonly PathSegment[]): Shape | undefined {
  let shape: Shape | undefined = rootShape;
  for (let depth = 0; depth < path.length && shape; depth++) {
    const segment = path[depth]!;
    const strings = stack[depth]?.path?.length === depth ? stack[depth]!.strings : undefined;
    if (depth === 0 && segment === 'body') {
      shape = { ...lineKeys.body, properties: bodySchemas[lineEndpoint(stack)] };
    } else if (typeof segment === 'number') {
      shape = shape.items;
    } else {
      shape = ownShape(propertiesOf(shape, strings), segment) ?? shape.values;
    }
  }
  return shape;
}
