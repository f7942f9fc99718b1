import { DiagnosticCodes, type DiagnosticCode } from './codes';
import type { EndpointKind } from './endpoints';
import { lineLocator, type JsonPath, type Located, type Span } from './jsonLocator';
import { bodySchemas, modelKindOf, parameterAliases, type JsonType, type ModelKind, type Shape } from './requestSchema';
import { describeJson, isPlainObject } from './lineAnalysis';
import { message, type Message } from './types';

/** Reports one problem on the line. */
export type ReportProblem = (code: DiagnosticCode, span: Span, m: Message) => void;

/** A parameter of a body that its model rejects. */
export interface UnsupportedParameter {
  readonly key: string;
  /** Set when the model accepts the parameter only with this (default) value. */
  readonly allowed?: string | number | boolean;
  /** The parameter to use instead, when there is one. */
  readonly replacement?: string;
}

/**
 * The top-level body parameters the deployment's model rejects (`max_tokens` on a reasoning model), in body
 * order. Empty when the name gives no hint of the model.
 */
export function unsupportedParameters(body: Record<string, unknown>, kind: EndpointKind, model: string | undefined): UnsupportedParameter[] {
  const modelKind = model === undefined ? undefined : cachedModelKind(model);
  const found: UnsupportedParameter[] = [];
  if (modelKind === undefined) {
    return found;
  }
  const schema = schemas[kind];
  for (const key in body) {
    const shape = Object.hasOwn(schema, key) ? schema[key] : undefined;
    const rejection = shape && rejectionOf(shape, body[key], modelKind);
    if (rejection) {
      found.push({ key, allowed: rejection.allowed, replacement: rejection.replacement });
    }
  }
  return found;
}

function rejectionOf(shape: Shape, value: unknown, modelKind: ModelKind) {
  if (shape.restrictions === undefined || value === null || value === undefined) {
    return undefined;
  }
  return shape.restrictions.find((r) => r.models === modelKind && (r.allowed === undefined || r.allowed !== value));
}

const normalized = new WeakMap<Shape, Shape>();

/**
 * The same shape with every field present in one order, recursively. The tables build shapes with spreads, so
 * their objects have many hidden classes; the checks read a dozen fields per value, and on one class those
 * reads are monomorphic (this halves the cost of the checks on a typical body).
 */
function normalize(shape: Shape): Shape {
  const known = normalized.get(shape);
  if (known !== undefined) {
    return known;
  }
  const out: Record<keyof Shape, unknown> = {
    doc: shape.doc,
    types: shape.types,
    enum: shape.enum,
    minimum: shape.minimum,
    maximum: shape.maximum,
    minItems: shape.minItems,
    maxItems: shape.maxItems,
    items: undefined,
    properties: undefined,
    required: shape.required,
    values: undefined,
    keys: shape.keys,
    maxProperties: shape.maxProperties,
    pattern: shape.pattern,
    variants: undefined,
    format: shape.format,
    restrictions: shape.restrictions,
    deprecated: shape.deprecated,
    checkedElsewhere: shape.checkedElsewhere,
  };
  normalized.set(shape, out as unknown as Shape);
  out.items = shape.items && normalize(shape.items);
  out.values = shape.values && normalize(shape.values);
  out.properties = shape.properties && normalizeAll(shape.properties);
  out.variants = shape.variants && {
    key: shape.variants.key,
    shapes: normalizeAll(shape.variants.shapes),
    fallback: shape.variants.fallback,
    open: shape.variants.open,
  };
  return out as unknown as Shape;
}

function normalizeAll(shapes: Readonly<Record<string, Shape>>): Record<string, Shape> {
  const out: Record<string, Shape> = {};
  for (const [key, shape] of Object.entries(shapes)) {
    out[key] = normalize(shape);
  }
  return out;
}

const schemas: Readonly<Record<EndpointKind, Readonly<Record<string, Shape>>>> = {
  chat: normalizeAll(bodySchemas.chat),
  responses: normalizeAll(bodySchemas.responses),
  embeddings: normalizeAll(bodySchemas.embeddings),
};

// After this many lookups on one line, one walk indexes every path (a line with many problems stays O(line)).
const directLookups = 4;
const indexedDepth = 256;
// The problems one line gets from these checks at most: a pathological schema could otherwise yield millions.
const maxProblemsPerLine = 200;

/**
 * A value to check. Its path is a chain of segments, turned into an array only for a problem: valid bodies
 * allocate no paths.
 */
interface Work {
  readonly value: unknown;
  readonly shape: Shape;
  readonly segment: string | number;
  readonly up: Work | undefined;
  /** The object holding the value (for a JSON Schema: its sibling `strict`). */
  readonly parent?: Record<string, unknown>;
}

const bodyRoot: Work = { value: undefined, shape: { doc: '', types: [] }, segment: 'body', up: undefined };

function pathOf(work: Work): JsonPath {
  const path: (string | number)[] = [];
  for (let w: Work | undefined = work; w !== undefined; w = w.up) {
    path.push(w.segment);
  }
  return path.reverse();
}

/**
 * Checks the parameters of one request body against the endpoint's description: types, ranges and enums
 * (`invalid_parameter`), JSON Schemas (`invalid_schema`), parameters the deployment's model rejects
 * (`unsupported_parameter`) and keys the endpoint does not define (`unknown_parameter`). Costs one walk of the
 * body's values; positions are looked up only for problems.
 */
export function checkParameters(text: string, body: Record<string, unknown>, kind: EndpointKind, model: string | undefined, report: ReportProblem): void {
  const schema = schemas[kind];
  const modelKind = model === undefined ? undefined : cachedModelKind(model);
  let find: ((path: JsonPath) => Located | undefined) | undefined;
  let reported = 0;
  const add = (code: DiagnosticCode, path: JsonPath, m: Message, on: 'key' | 'value' = 'value') => {
    if (reported++ >= maxProblemsPerLine) {
      return;
    }
    find ??= lineLocator(text, directLookups, indexedDepth);
    const located = find(path);
    const span = (on === 'key' ? located?.key : undefined) ?? located?.value ?? find(['body'])?.value ?? { start: 0, end: Math.max(1, text.length) };
    report(code, span, m);
  };

  const work: Work[] = [];
  for (const key in body) {
    const value = body[key];
    const shape = Object.hasOwn(schema, key) ? schema[key] : undefined;
    if (shape === undefined) {
      const suggestion = closestParameter(key, kind);
      add(
        DiagnosticCodes.unknownParameter,
        ['body', key],
        suggestion === undefined
          ? message('Unknown parameter "{0}": {1} requests do not define it, so Azure rejects or ignores it.', key, endpointName(kind))
          : message('Unknown parameter "{0}": {1} requests do not define it. Did you mean "{2}"?', key, endpointName(kind), suggestion),
        'key',
      );
      continue;
    }
    if (modelKind !== undefined) {
      const rejection = rejectionOf(shape, value, modelKind);
      if (rejection !== undefined) {
        add(DiagnosticCodes.unsupportedParameter, ['body', key], unsupportedMessage(key, rejection, modelKind, model!), rejection.allowed === undefined ? 'key' : 'value');
      }
    }
    if (!validLeaf(value, shape)) {
      work.push({ value, shape, segment: key, up: bodyRoot, parent: body });
    }
  }

  while (work.length > 0) {
    const item = work.pop()!;
    const { value, shape } = item;
    const type = jsonTypeOf(value);
    if (!accepts(shape.types, type)) {
      const path = pathOf(item);
      if (value === null && item.segment === 'content') {
        add(DiagnosticCodes.invalidParameter, path, message('"{0}" is null: Azure rejects null content except on an assistant message. Give the message its text.', pathText(path)));
      } else if (!(shape.checkedElsewhere === 'value' || (shape.checkedElsewhere === 'null' && value === null))) {
        add(DiagnosticCodes.invalidParameter, path, message('"{0}" must be {1}; it is {2}.', pathText(path), expectedTypes(shape.types), describeJson(value)));
      }
      continue;
    }
    switch (type) {
      case 'string':
        checkString(value as string, shape, item, add);
        break;
      case 'integer':
      case 'number':
        checkNumber(value as number, shape, item, add);
        break;
      case 'array':
        checkArray(value as unknown[], shape, item, add, work);
        break;
      case 'object':
        checkObject(value as Record<string, unknown>, shape, item, add, work);
        break;
      default:
        break;
    }
  }
}

type AddAt = (code: DiagnosticCode, path: JsonPath, m: Message, on?: 'key' | 'value') => void;

function checkString(value: string, shape: Shape, item: Work, add: AddAt): void {
  if (shape.enum !== undefined && !shape.enum.includes(value)) {
    const path = pathOf(item);
    add(DiagnosticCodes.invalidParameter, path, message('"{0}" must be one of {1}; it is {2}.', pathText(path), shape.enum.map((v) => JSON.stringify(v)).join(', '), describeJson(value)));
  } else if (shape.pattern !== undefined && !shape.pattern.regex.test(value)) {
    const path = pathOf(item);
    add(DiagnosticCodes.invalidParameter, path, message('"{0}" must be {1}; it is {2}.', pathText(path), shape.pattern.description, describeJson(value)));
  } else if (shape.format === 'imageUrl') {
    const problem = imageUrlProblem(value, pathText(pathOf(item)));
    if (problem !== undefined) {
      add(DiagnosticCodes.invalidParameter, pathOf(item), problem);
    }
  }
}

function checkNumber(value: number, shape: Shape, item: Work, add: AddAt): void {
  const { minimum, maximum } = shape;
  if ((minimum !== undefined && value < minimum) || (maximum !== undefined && value > maximum)) {
    const path = pathOf(item);
    add(DiagnosticCodes.invalidParameter, path, message('"{0}" must be {1}; it is {2}.', pathText(path), rangeText(shape), value));
  }
}

function checkArray(value: unknown[], shape: Shape, item: Work, add: AddAt, work: Work[]): void {
  if (shape.minItems !== undefined && value.length < shape.minItems) {
    const path = pathOf(item);
    add(DiagnosticCodes.invalidParameter, path, message('"{0}" must have at least {1} items; it has {2}.', pathText(path), shape.minItems, value.length));
  } else if (shape.maxItems !== undefined && value.length > shape.maxItems) {
    const path = pathOf(item);
    add(DiagnosticCodes.invalidParameter, path, message('"{0}" may have at most {1} items; it has {2}.', pathText(path), shape.maxItems, value.length));
  }
  if (shape.items !== undefined) {
    for (let i = value.length - 1; i >= 0; i--) {
      if (!validLeaf(value[i], shape.items)) {
        work.push({ value: value[i], shape: shape.items, segment: i, up: item });
      }
    }
  }
}

function checkObject(value: Record<string, unknown>, shape: Shape, item: Work, add: AddAt, work: Work[]): void {
  let effective = shape;
  if (shape.variants !== undefined) {
    const { key, shapes, fallback, open } = shape.variants;
    const tag = value[key];
    if (tag === undefined && fallback !== undefined) {
      effective = shapes[fallback]!;
    } else if (typeof tag === 'string' && Object.hasOwn(shapes, tag)) {
      effective = shapes[tag]!;
    } else if (open && typeof tag === 'string') {
      return;
    } else {
      if (shape.checkedElsewhere !== 'value') {
        const path = pathOf(item);
        const names = Object.keys(shapes);
        add(
          DiagnosticCodes.invalidParameter,
          tag === undefined ? path : [...path, key],
          tag === undefined
            ? message('"{0}" needs "{1}": one of {2}.', pathText(path), key, quoted(names))
            : message('"{0}" must be one of {1}; it is {2}.', pathText([...path, key]), quoted(names), describeJson(tag)),
        );
      }
      return;
    }
  }
  if (effective.required !== undefined) {
    for (const name of effective.required) {
      if (value[name] === undefined) {
        const path = pathOf(item);
        add(DiagnosticCodes.invalidParameter, path, message('"{0}" needs "{1}".', pathText(path), name));
      }
    }
  }
  const properties = effective.properties;
  if (properties !== undefined) {
    for (const name in value) {
      const property = value[name];
      const propertyShape = Object.hasOwn(properties, name) ? properties[name] : undefined;
      if (propertyShape !== undefined && property !== undefined && !validLeaf(property, propertyShape)) {
        work.push({ value: property, shape: propertyShape, segment: name, up: item, parent: value });
      }
    }
  }
  if (effective.values !== undefined || effective.keys !== undefined || effective.maxProperties !== undefined) {
    checkMap(value, effective, item, add, work);
  }
  if (effective.format === 'jsonSchema') {
    checkJsonSchema(value, pathOf(item), item.parent?.strict === true, add);
  }
}

function checkMap(value: Record<string, unknown>, shape: Shape, item: Work, add: AddAt, work: Work[]): void {
  let count = 0;
  const path = pathOf(item);
  for (const name in value) {
    count++;
    if (shape.keys !== undefined && !shape.keys.pattern.test(name)) {
      add(DiagnosticCodes.invalidParameter, [...path, name], message('The keys of "{0}" must be {1}; "{2}" is not.', pathText(path), shape.keys.description, name), 'key');
    }
    if (shape.values !== undefined) {
      work.push({ value: value[name], shape: shape.values, segment: name, up: item });
    }
  }
  if (shape.maxProperties !== undefined && count > shape.maxProperties) {
    add(DiagnosticCodes.invalidParameter, path, message('"{0}" may have at most {1} keys; it has {2}.', pathText(path), shape.maxProperties, count));
  }
}

const jsonSchemaTypes: ReadonlySet<string> = new Set(['string', 'number', 'integer', 'boolean', 'object', 'array', 'null']);
const subschemaMaps = ['properties', '$defs', 'definitions', 'patternProperties'] as const;
const subschemaLists = ['anyOf', 'oneOf', 'allOf', 'prefixItems'] as const;
const subschemas = ['additionalProperties', 'items', 'not', 'if', 'then', 'else', 'contains'] as const;
const countKeywords = ['minLength', 'maxLength', 'minItems', 'maxItems', 'minProperties', 'maxProperties'] as const;
const numberKeywords = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'] as const;

/**
 * Checks that `root` is a JSON Schema, and with `strict` that it keeps Structured Outputs' rules: the root is an
 * object schema, and every object schema lists all its properties in `required` and sets
 * `additionalProperties: false`. Walks with an explicit stack, so deep schemas cannot overflow the call stack.
 */
function checkJsonSchema(root: Record<string, unknown>, rootPath: JsonPath, strict: boolean, add: AddAt): void {
  const stack: { schema: unknown; step: PathStep | undefined }[] = [{ schema: root, step: undefined }];
  let reported = 0;
  const bad = (path: JsonPath, m: Message) => {
    reported++;
    add(DiagnosticCodes.invalidSchema, path, m);
  };
  if (strict && root.type !== 'object' && root.anyOf === undefined) {
    bad(rootPath, message('In strict mode the schema at "{0}" must be an object schema ("type": "object").', pathText(rootPath)));
  }
  // Past the line's cap nothing more is shown: stop walking rather than build messages (and paths) for nothing.
  while (stack.length > 0 && reported < maxProblemsPerLine) {
    const { schema, step } = stack.pop()!;
    // The path is built only when a problem is reported: copying it at every level made deep schemas quadratic.
    let built: JsonPath | undefined;
    const path = (): JsonPath => (built ??= pathOfStep(rootPath, step));
    if (typeof schema === 'boolean') {
      if (strict) {
        bad(path(), message('In strict mode "{0}" must be a schema object, not {1}.', pathText(path()), String(schema)));
      }
      continue;
    }
    if (!isPlainObject(schema)) {
      bad(path(), message('"{0}" must be a JSON Schema (an object); it is {1}.', pathText(path()), describeJson(schema)));
      continue;
    }
    const type = schema.type;
    const typeList = Array.isArray(type) ? type : type === undefined ? [] : [type];
    if (type !== undefined && (typeList.length === 0 || typeList.some((t) => typeof t !== 'string' || !jsonSchemaTypes.has(t)))) {
      bad([...path(), 'type'], message('"{0}" must be one of {1} (or an array of them); it is {2}.', pathText([...path(), 'type']), quoted([...jsonSchemaTypes]), describeJson(type)));
    }
    const required = schema.required;
    if (required !== undefined && (!Array.isArray(required) || required.some((r) => typeof r !== 'string'))) {
      bad([...path(), 'required'], message('"{0}" must be an array of property names.', pathText([...path(), 'required'])));
    }
    if (schema.enum !== undefined && !Array.isArray(schema.enum)) {
      bad([...path(), 'enum'], message('"{0}" must be an array of the allowed values.', pathText([...path(), 'enum'])));
    }
    if (schema.$ref !== undefined && typeof schema.$ref !== 'string') {
      bad([...path(), '$ref'], message('"{0}" must be a string (a reference like "#/$defs/name").', pathText([...path(), '$ref'])));
    }
    if (schema.pattern !== undefined && !isRegExp(schema.pattern)) {
      bad([...path(), 'pattern'], message('"{0}" must be a regular expression.', pathText([...path(), 'pattern'])));
    }
    for (const keyword of countKeywords) {
      const n = schema[keyword];
      if (n !== undefined && !(typeof n === 'number' && Number.isInteger(n) && n >= 0)) {
        bad([...path(), keyword], message('"{0}" must be a non-negative integer; it is {1}.', pathText([...path(), keyword]), describeJson(n)));
      }
    }
    for (const keyword of numberKeywords) {
      const n = schema[keyword];
      if (n !== undefined && typeof n !== 'number') {
        bad([...path(), keyword], message('"{0}" must be a number; it is {1}.', pathText([...path(), keyword]), describeJson(n)));
      }
    }
    for (const keyword of subschemaMaps) {
      const map = schema[keyword];
      if (map === undefined) {
        continue;
      }
      if (!isPlainObject(map)) {
        bad([...path(), keyword], message('"{0}" must be an object of schemas; it is {1}.', pathText([...path(), keyword]), describeJson(map)));
        continue;
      }
      for (const name in map) {
        stack.push({ schema: map[name], step: { up: { up: step, key: keyword }, key: name } });
      }
    }
    for (const keyword of subschemaLists) {
      const list = schema[keyword];
      if (list === undefined) {
        continue;
      }
      if (!Array.isArray(list) || list.length === 0) {
        bad([...path(), keyword], message('"{0}" must be a non-empty array of schemas.', pathText([...path(), keyword])));
        continue;
      }
      list.forEach((entry, i) => stack.push({ schema: entry, step: { up: { up: step, key: keyword }, key: i } }));
    }
    for (const keyword of subschemas) {
      const sub = schema[keyword];
      if (sub === undefined) {
        continue;
      }
      if (keyword === 'items' && Array.isArray(sub)) {
        sub.forEach((entry, i) => stack.push({ schema: entry, step: { up: { up: step, key: keyword }, key: i } }));
      } else if (!(keyword === 'additionalProperties' && typeof sub === 'boolean')) {
        stack.push({ schema: sub, step: { up: step, key: keyword } });
      }
    }
    if (strict && (typeList.includes('object') || isPlainObject(schema.properties))) {
      checkStrictObject(schema, path, bad);
    }
  }
}

function checkStrictObject(schema: Record<string, unknown>, path: () => JsonPath, bad: (path: JsonPath, m: Message) => void): void {
  if (schema.additionalProperties !== false) {
    bad(
      schema.additionalProperties === undefined ? path() : [...path(), 'additionalProperties'],
      message('In strict mode every object schema needs "additionalProperties": false; "{0}" {1}.', pathText(path()), schema.additionalProperties === undefined ? 'has none' : 'allows more'),
    );
  }
  const properties = isPlainObject(schema.properties) ? Object.keys(schema.properties) : [];
  const required = Array.isArray(schema.required) ? new Set(schema.required) : new Set<unknown>();
  const missing = properties.filter((name) => !required.has(name));
  if (missing.length > 0) {
    bad(
      Array.isArray(schema.required) ? [...path(), 'required'] : path(),
      message('In strict mode every property must be required: "{0}" does not list {1} in "required".', pathText(path()), quoted(missing)),
    );
  }
}

/** A step down a schema, linked to the one above it: a path shared by every schema below, never copied. */
interface PathStep {
  readonly up: PathStep | undefined;
  readonly key: string | number;
}

function pathOfStep(root: JsonPath, step: PathStep | undefined): JsonPath {
  const keys: (string | number)[] = [];
  for (let at = step; at; at = at.up) {
    keys.push(at.key);
  }
  return [...root, ...keys.reverse()];
}

function isRegExp(pattern: unknown): boolean {
  if (typeof pattern !== 'string') {
    return false;
  }
  try {
    new RegExp(pattern, 'u');
    return true;
  } catch {
    return false;
  }
}

const httpUrl = /^https?:\/\/[^\s/?#]+/i;
const dataImagePrefix = /^data:image\/[a-z0-9.+-]+;base64,/i;
// One pass of the regex engine over the data: a 20 MB image checks in milliseconds.
const base64Data = /^[A-Za-z0-9+/]*={0,2}$/;
const notBase64 = /[^A-Za-z0-9+/=]/;

/** Why `url` (at `where`) is not an http(s) URL or a well-formed base64 image data URL; undefined when it is one. */
export function imageUrlProblem(url: string, where: string): Message | undefined {
  if (httpUrl.test(url)) {
    return undefined;
  }
  if (!url.startsWith('data:')) {
    return message('"{0}" must be an http(s) URL or a data:image/...;base64, URL; it starts with {1}.', where, describeJson(url.slice(0, 24)));
  }
  const prefix = dataImagePrefix.exec(url.slice(0, 256));
  if (prefix === null) {
    return message('"{0}" is a data URL but does not start with data:image/TYPE;base64, (for example data:image/png;base64,).', where);
  }
  const data = url.slice(prefix[0].length);
  if (data.length === 0) {
    return message('"{0}" has no image data after "base64,".', where);
  }
  if (!base64Data.test(data)) {
    const at = notBase64.exec(data);
    return at === null
      ? message('"{0}" has "=" padding before the end of its base64 data.', where)
      : message('"{0}" has {1} at character {2}, which base64 data does not use.', where, describeJson(at[0]), prefix[0].length + at.index + 1);
  }
  if (data.length % 4 !== 0) {
    return message('"{0}" has base64 data of {1} characters, not a multiple of 4: it is cut short or its padding is missing.', where, data.length);
  }
  return undefined;
}

/** The known parameter closest to `key`: an alias users mix up, or a spelling at most a few edits away. */
export function closestParameter(key: string, kind: EndpointKind): string | undefined {
  // Own keys only: `constructor` or `__proto__` is not an alias of anything.
  const alias = Object.hasOwn(parameterAliases[kind], key) ? parameterAliases[kind][key] : undefined;
  if (alias !== undefined) {
    return alias;
  }
  if (key.length > 64) {
    return undefined;
  }
  const lower = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(key.length / 3)) + 1;
  for (const name of Object.keys(bodySchemas[kind])) {
    const distance = editDistance(lower, name, bestDistance);
    if (distance < bestDistance) {
      best = name;
      bestDistance = distance;
    }
  }
  return best;
}

// Levenshtein distance, giving up (returning `limit`) once it cannot be below `limit`.
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) >= limit) {
    return limit;
  }
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      const d = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      current.push(d);
      rowMin = Math.min(rowMin, d);
    }
    if (rowMin >= limit) {
      return limit;
    }
    previous = current;
  }
  return previous[b.length]!;
}

function unsupportedMessage(key: string, rejection: { allowed?: string | number | boolean; replacement?: string }, modelKind: ModelKind, model: string): Message {
  if (modelKind === 'nonReasoning') {
    return message('"{0}" is only for reasoning models (o-series, GPT-5); the deployment "{1}" is not one, so Azure rejects it. Remove it.', key, model);
  }
  if (rejection.replacement !== undefined) {
    return message('Reasoning models (o-series, GPT-5) reject "{0}" (deployment "{1}"): use "{2}" instead.', key, model, rejection.replacement);
  }
  if (rejection.allowed !== undefined) {
    return message('Reasoning models (o-series, GPT-5) accept "{0}" only with its default value {1} (deployment "{2}"): remove it or set it to {1}.', key, JSON.stringify(rejection.allowed), model);
  }
  return message('Reasoning models (o-series, GPT-5) reject "{0}" (deployment "{1}"): remove it.', key, model);
}

const modelKinds = new Map<string, ModelKind | undefined>();
const maxCachedModels = 1_000;

// A file names one deployment (or a few): its kind is worked out once, not per line.
function cachedModelKind(model: string): ModelKind | undefined {
  if (modelKinds.has(model)) {
    return modelKinds.get(model);
  }
  if (modelKinds.size >= maxCachedModels) {
    modelKinds.clear();
  }
  const kind = modelKindOf(model);
  modelKinds.set(model, kind);
  return kind;
}

/**
 * True for a string, number, boolean or null that the shape accepts as it is: most values of a valid body, which
 * are then checked without queuing them.
 */
function validLeaf(value: unknown, shape: Shape): boolean {
  switch (typeof value) {
    case 'string':
      return shape.format === undefined && shape.pattern === undefined && shape.types.includes('string') && (shape.enum === undefined || shape.enum.includes(value));
    case 'number':
      return (
        accepts(shape.types, Number.isInteger(value) ? 'integer' : 'number') &&
        (shape.minimum === undefined || value >= shape.minimum) &&
        (shape.maximum === undefined || value <= shape.maximum)
      );
    case 'boolean':
      return shape.types.includes('boolean');
    default:
      return value === null && shape.types.includes('null');
  }
}

function jsonTypeOf(value: unknown): JsonType {
  if (value === null) {
    return 'null';
  }
  if (Array.isArray(value)) {
    return 'array';
  }
  switch (typeof value) {
    case 'number':
      return Number.isInteger(value) ? 'integer' : 'number';
    case 'string':
      return 'string';
    case 'boolean':
      return 'boolean';
    default:
      return 'object';
  }
}

function accepts(types: readonly JsonType[], type: JsonType): boolean {
  return types.includes(type) || (type === 'integer' && types.includes('number'));
}

const typeWords: Record<JsonType, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array',
  null: 'null',
};

function expectedTypes(types: readonly JsonType[]): string {
  const words = types.map((t) => typeWords[t]);
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`;
}

function rangeText(shape: Shape): string {
  const what = shape.types.includes('integer') ? 'an integer' : 'a number';
  if (shape.minimum !== undefined && shape.maximum !== undefined) {
    return `${what} from ${shape.minimum} to ${shape.maximum}`;
  }
  return shape.minimum !== undefined ? `${what} of at least ${shape.minimum}` : `${what} of at most ${shape.maximum}`;
}

function endpointName(kind: EndpointKind): string {
  return kind === 'chat' ? 'chat completions' : kind;
}

function quoted(names: readonly string[]): string {
  return names.map((n) => JSON.stringify(n)).join(', ');
}

/** `body.messages[0].content` for a path. */
export function pathText(path: JsonPath): string {
  let text = '';
  for (const segment of path) {
    text += typeof segment === 'number' ? `[${segment}]` : text.length === 0 ? segment : `.${segment}`;
  }
  return text;
}
