import type { Restriction, Shape } from '../jsonl/requestSchema';
import { cursorContext, lineEndpoint, shapeAt, type PathSegment } from './lineContext';
import type { EndpointKind } from '../jsonl/endpoints';

/** What a hover on a key of a request line documents. */
export interface KeyDoc {
  /** The key, as written. */
  readonly name: string;
  /** Its path in the line (`body.response_format.type` is `['body', 'response_format', 'type']`). */
  readonly path: readonly PathSegment[];
  /** The columns of the key, quotes included. */
  readonly range: { readonly start: number; readonly end: number };
  /** The endpoint the line's `url` names (chat by default). */
  readonly endpoint: EndpointKind;
  /** The key's description, or undefined for a key the endpoint does not define. */
  readonly shape: Shape | undefined;
  /** The key is an object member the schema describes (an unknown key's siblings are known). */
  readonly inDescribedObject: boolean;
}

/**
 * The key under the cursor at `offset` in one line, with its description from the request schema; undefined
 * when the cursor is not on a key. Reads the one line only.
 */
export function keyDocAt(text: string, offset: number): KeyDoc | undefined {
  const context = cursorContext(text, offset);
  if (context.kind !== 'key' || context.token === undefined || context.name === undefined || context.container.path === undefined) {
    return undefined;
  }
  const path = [...context.container.path, context.name];
  const parent = shapeAt(context.stack, context.container.path);
  const shape = shapeAt(context.stack, path);
  return {
    name: context.name,
    path,
    range: { start: context.token.start, end: context.token.end },
    endpoint: lineEndpoint(context.stack),
    shape,
    inDescribedObject: parent !== undefined && (parent.properties !== undefined || parent.variants !== undefined) && parent.values === undefined,
  };
}

/** A shape's JSON types as a reader says them: `integer or null`. */
export function typeSummary(shape: Shape): string {
  return shape.types.join(' | ');
}

/** The bounds of a value in words (`0 to 2`, `at least 1`, `at most 4 items`), or undefined. */
export function rangeSummary(shape: Shape): string | undefined {
  const { minimum, maximum, minItems, maxItems, maxProperties } = shape;
  const parts: string[] = [];
  if (minimum !== undefined && maximum !== undefined) {
    parts.push(`${minimum} to ${maximum}`);
  } else if (minimum !== undefined) {
    parts.push(`at least ${minimum}`);
  } else if (maximum !== undefined) {
    parts.push(`at most ${maximum}`);
  }
  if (minItems !== undefined && maxItems !== undefined) {
    parts.push(`${minItems} to ${maxItems} items`);
  } else if (maxItems !== undefined) {
    parts.push(`at most ${maxItems} items`);
  } else if (minItems !== undefined) {
    parts.push(`at least ${minItems} item${minItems === 1 ? '' : 's'}`);
  }
  if (maxProperties !== undefined) {
    parts.push(`at most ${maxProperties} keys`);
  }
  return parts.length > 0 ? parts.join(', ') : undefined;
}

/** The restrictions of a parameter by model kind (reasoning models reject `max_tokens`, ...). */
export function restrictionsOf(shape: Shape): readonly Restriction[] {
  return shape.restrictions ?? [];
}

/** A note under a key's documentation: a model kind that rejects it, or its deprecation. */
export type KeyNote =
  | { readonly kind: 'rejected'; readonly restriction: Restriction }
  /** `replacement` is left out when another note (or the line's diagnostic) already names it. */
  | { readonly kind: 'deprecated'; readonly replacement?: string };

/**
 * The notes a key's documentation shows, each piece of advice once (the doc strings leave them to these notes):
 * a deprecation whose replacement a restriction names is only "deprecated". With `rejectedOnLine` (the line's
 * model rejects the key, and its diagnostic, shown in the same hover, says so and names any replacement) the
 * restrictions are left out and so is the replacement.
 */
export function keyNotes(shape: Shape, rejectedOnLine = false): KeyNote[] {
  const notes: KeyNote[] = [];
  const restrictions = restrictionsOf(shape);
  if (!rejectedOnLine) {
    for (const restriction of restrictions) {
      notes.push({ kind: 'rejected', restriction });
    }
  }
  if (shape.deprecated !== undefined) {
    const named = rejectedOnLine ? restrictions.some((r) => r.replacement !== undefined) : notes.some((n) => n.kind === 'rejected' && n.restriction.replacement === shape.deprecated);
    notes.push(named ? { kind: 'deprecated' } : { kind: 'deprecated', replacement: shape.deprecated });
  }
  return notes;
}
