import type { Shape } from '../jsonl/requestSchema';
import { cursorContext, ownShape, propertiesOf, shapeAt, type CursorContext } from './lineContext';

/** One completion candidate for the line under the cursor. */
export interface LineCompletion {
  /** What the list shows: a key or a value as it reads (`temperature`, `"POST"`). */
  readonly label: string;
  readonly kind: 'key' | 'value' | 'line';
  /** The text that replaces `range`, in snippet syntax (`$1`, `${1|a,b|}`). */
  readonly insertText: string;
  /** What the typed text in `range` is matched against. */
  readonly filterText: string;
  /** The columns replaced: from `start` to `end` (the cursor, or the end of the word or string it is in). */
  readonly range: { readonly start: number; readonly end: number };
  /** The shape of the key or value, for its documentation. */
  readonly shape?: Shape;
  /** Sorted in this order. */
  readonly order: number;
  /** A required key, or the discriminator of an object: shown first. */
  readonly preferred?: boolean;
}

/** Keys the schema knows but that a batch line should not get (streaming is refused in a batch). */
const notOffered = new Set(['stream', 'stream_options']);

/**
 * Completion candidates at `offset` in one line of a batch file (the line under the cursor only): keys not yet
 * present at the top level, in `body` (by the line's endpoint) and in the nested objects the schema describes
 * (messages, content parts, response_format, text.format, ...), enum values, `url` and `method` values, and a
 * whole request on an empty line. `body.model` values are left to the deployment completion. The insert text
 * keeps the line valid JSON: quotes, colon, a value placeholder, a comma where one is missing.
 */
export function lineCompletions(text: string, offset: number): LineCompletion[] {
  const context = cursorContext(text, offset);
  switch (context.kind) {
    case 'empty':
      return requestLineSnippets(text);
    case 'key':
      return keyCompletions(context);
    case 'value':
      return valueCompletions(context);
    case 'none':
      return [];
  }
}

function keyCompletions(context: Extract<CursorContext, { kind: 'key' }>): LineCompletion[] {
  const { container, token, stack, next } = context;
  if (container.path === undefined) {
    return [];
  }
  const shape = shapeAt(stack, container.path);
  const properties = shape && propertiesOf(shape, container.strings);
  if (!shape || !properties) {
    return [];
  }
  const range = token ? { start: token.start, end: token.end } : { start: context.cursor, end: context.cursor };
  // A key being typed in quotes keeps what follows it when that is already its colon.
  const colonFollows = token !== undefined && next?.kind === ':';
  const memberFollows = !colonFollows && (next?.kind === 'string' || (token === undefined && next?.kind === '{'));
  const present = new Set(container.keys.filter((key) => key !== context.name));
  const discriminator = shape.variants?.key;
  const required = new Set(propertiesRequired(shape, container.strings));
  const items: LineCompletion[] = [];
  let order = 0;
  for (const [key, value] of Object.entries(properties)) {
    if (present.has(key) || notOffered.has(key)) {
      continue;
    }
    const before = context.needsCommaBefore ? ', ' : '';
    const member = colonFollows ? quote(key) : `${quote(key)}: ${valueSnippet(value, key, { n: 1 })}`;
    items.push({
      label: key,
      kind: 'key',
      insertText: `${before}${member}${memberFollows ? ', ' : ''}`,
      filterText: token ? quote(key) : key,
      range,
      shape: value,
      order: order++,
      preferred: key === discriminator || required.has(key),
    });
  }
  return items;
}

function propertiesRequired(shape: Shape, strings: ReadonlyMap<string, string>): readonly string[] {
  const tag = shape.variants ? strings.get(shape.variants.key) : undefined;
  const chosen = tag !== undefined && shape.variants ? ownShape(shape.variants.shapes, tag) : undefined;
  return [...(shape.required ?? []), ...(chosen?.required ?? [])];
}

function valueCompletions(context: Extract<CursorContext, { kind: 'value' }>): LineCompletion[] {
  const { path, token, stack, next } = context;
  // The deployment completion answers inside "model".
  if (path.length === 2 && path[0] === 'body' && path[1] === 'model') {
    return [];
  }
  const shape = shapeAt(stack, path);
  if (!shape) {
    return [];
  }
  const cursor = context.cursor;
  const inString = token?.kind === 'string';
  const range = inString ? { start: token.start + 1, end: token.terminated ? token.end - 1 : token.end } : token ? { start: token.start, end: token.end } : { start: cursor, end: cursor };
  const after = !inString && next?.kind === 'string' ? ', ' : '';
  const close = inString && !token.terminated ? '"' : '';
  const items: LineCompletion[] = [];
  let order = 0;
  const add = (label: string, json: string, plain: string | undefined, member?: Shape): void => {
    // In a string only strings are offered, without their quotes.
    if (inString && plain === undefined) {
      return;
    }
    const insertText = inString ? escapeSnippet(plain!) + close : `${json}${after}`;
    items.push({ label, kind: 'value', insertText, filterText: inString ? plain! : label, range, shape: member ?? shape, order: order++ });
  };
  for (const value of shape.enum ?? []) {
    add(JSON.stringify(value), escapeSnippet(JSON.stringify(value)), value);
  }
  if (shape.enum === undefined && shape.types.includes('boolean')) {
    add('true', 'true', undefined);
    add('false', 'false', undefined);
  }
  if (!inString) {
    for (const skeleton of skeletons(shape, path)) {
      add(skeleton.label, skeleton.snippet, undefined, skeleton.shape);
    }
  }
  return items;
}

/** Object and array values worth writing whole: one per variant of an object, an array with its first item. */
function skeletons(shape: Shape, path: readonly (string | number)[]): { label: string; snippet: string; shape: Shape }[] {
  const key = typeof path[path.length - 1] === 'string' ? (path[path.length - 1] as string) : '';
  if (shape.types.includes('object') && shape.variants) {
    return Object.entries(shape.variants.shapes).map(([tag, variant]) => ({ label: `{"${shape.variants!.key}": "${tag}"}`, snippet: variantSnippet(shape, tag, variant, { n: 1 }, 0, key, false), shape: variant }));
  }
  if (shape.types.includes('object') && shape.properties && !shape.values) {
    return [{ label: '{…}', snippet: valueSnippet(shape, key, { n: 1 }), shape }];
  }
  if (shape.types.includes('array') && shape.items && (shape.items.variants || shape.items.properties)) {
    return [{ label: '[…]', snippet: valueSnippet({ ...shape, types: ['array'] }, key, { n: 1 }), shape }];
  }
  return [];
}

interface Counter {
  n: number;
}

// A few parameters whose placeholder is better than the generic one.
const placeholders: Readonly<Record<string, string>> = { max_tokens: '1000', max_completion_tokens: '1000', max_output_tokens: '1000', temperature: '1', top_p: '1', n: '1', dimensions: '1536' };
// Optional keys a skeleton includes beside the required ones, by the key of the object: Structured Outputs are
// written strict, with an object schema that strict mode accepts.
const skeletonExtras: Readonly<Record<string, readonly string[]>> = { json_schema: ['strict', 'schema'], format: ['strict'] };
const strictSchema = '{"type": "object", "properties": {$N}, "required": [], "additionalProperties": false}';
// Variants an item skeleton starts with, when there is no better guess.
const preferredVariants = ['user', 'message', 'text', 'input_text', 'function', 'json_schema'];

/**
 * A snippet for the value of a key, after its colon: a choice of the enum values, quotes for a string,
 * a placeholder number, braces or brackets with the required keys of a described object.
 */
export function valueSnippet(shape: Shape, key: string, counter: Counter, depth = 0): string {
  if (shape.format === 'jsonSchema' && key === 'schema') {
    return strictSchema.replace('$N', `$${counter.n++}`);
  }
  const types = shape.types.filter((t) => t !== 'null');
  const first = types[0];
  if (shape.enum && shape.enum.length > 0 && (first === 'string' || types.includes('string'))) {
    return shape.enum.length === 1 ? escapeSnippet(JSON.stringify(shape.enum[0])) : `"\${${counter.n++}|${shape.enum.map(choiceText).join(',')}|}"`;
  }
  switch (first) {
    case 'string':
      return `"$${counter.n++}"`;
    case 'number':
    case 'integer':
      return `\${${counter.n++}:${placeholders[key] ?? String(shape.minimum !== undefined && shape.minimum > 0 ? shape.minimum : 0)}}`;
    case 'boolean':
      return `\${${counter.n++}|true,false|}`;
    case 'array': {
      if (depth < 3 && shape.items && (shape.items.variants || (shape.items.properties && shape.items.required?.length))) {
        return `[${valueSnippet(shape.items, '', counter, depth + 1)}]`;
      }
      return `[$${counter.n++}]`;
    }
    case 'object': {
      if (depth < 3 && shape.variants) {
        const tags = Object.keys(shape.variants.shapes);
        const tag = preferredVariants.find((t) => tags.includes(t)) ?? tags[0]!;
        return variantSnippet(shape, tag, shape.variants.shapes[tag]!, counter, depth, key, true);
      }
      const required = withExtras(shape.required ?? [], key).filter((k) => shape.properties?.[k] !== undefined);
      if (depth < 3 && required.length > 0) {
        return `{${required.map((k) => `${quote(k)}: ${valueSnippet(shape.properties![k]!, k, counter, depth + 1)}`).join(', ')}}`;
      }
      return `{$${counter.n++}}`;
    }
    default:
      return `$${counter.n++}`;
  }
}

// An object of one variant: the discriminator fixed with the variant's required keys, or (`choice`) a choice among
// the variants that need nothing else.
function variantSnippet(shape: Shape, tag: string, variant: Shape, counter: Counter, depth: number, parentKey: string, choice: boolean): string {
  const key = shape.variants!.key;
  const required = withExtras(variant.required ?? [], tag === 'json_schema' ? parentKey : '').filter((k) => k !== key && variant.properties?.[k] !== undefined);
  if (required.length === 0) {
    const tags = Object.keys(shape.variants!.shapes).filter((t) => (shape.variants!.shapes[t]!.required ?? []).every((k) => k === key));
    const written = choice && tags.length > 1 ? `"\${${counter.n++}|${[tag, ...tags.filter((t) => t !== tag)].map(choiceText).join(',')}|}"` : escapeSnippet(JSON.stringify(tag));
    return `{${quote(key)}: ${written}}`;
  }
  const members = required.map((k) => `${quote(k)}: ${valueSnippet(variant.properties![k]!, k, counter, depth + 1)}`);
  return `{${quote(key)}: ${escapeSnippet(JSON.stringify(tag))}, ${members.join(', ')}}`;
}

function withExtras(required: readonly string[], key: string): string[] {
  return [...required, ...(skeletonExtras[key] ?? []).filter((k) => !required.includes(k))];
}

function requestLineSnippets(text: string): LineCompletion[] {
  const range = { start: 0, end: text.length };
  const lines: { label: string; url: string; body: string }[] = [
    { label: 'chat request', url: '/chat/completions', body: '{"model": "${2:deployment}", "messages": [{"role": "system", "content": "$3"}, {"role": "user", "content": "$4"}], "max_tokens": ${5:1000}}' },
    { label: 'responses request', url: '/v1/responses', body: '{"model": "${2:deployment}", "input": "$3", "max_output_tokens": ${4:1000}}' },
    { label: 'embeddings request', url: '/embeddings', body: '{"model": "${2:deployment}", "input": "$3"}' },
  ];
  return lines.map((line, order) => ({
    label: line.label,
    kind: 'line',
    insertText: `{"custom_id": "\${1:request-1}", "method": "POST", "url": "${line.url}", "body": ${line.body}}`,
    filterText: line.label,
    range,
    order,
  }));
}

function quote(key: string): string {
  return escapeSnippet(JSON.stringify(key));
}

/** Text kept as it is in a snippet: `$`, `}` and `\` escaped. */
export function escapeSnippet(text: string): string {
  return text.replace(/[$}\\]/g, (c) => `\\${c}`);
}

function choiceText(value: string): string {
  return JSON.stringify(value).slice(1, -1).replace(/[$}\\,|]/g, (c) => `\\${c}`);
}
