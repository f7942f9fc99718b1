import { isObject } from './resultRow';

/** The JSON schema a request asked its answer to follow: what the grid needs of it. */
export interface AnswerSchema {
  /** Top-level property names, in the schema's order. */
  readonly properties: readonly string[];
  readonly required: readonly string[];
}

/** How a structured answer turned out: it parsed with every required field, did not parse, or misses fields. */
export type StructuredState = 'ok' | 'invalid' | 'missingFields';

export interface StructuredCheck {
  readonly state: StructuredState;
  /** Why the answer is not `ok` (in English, for the grid's tooltip and the CSV). */
  readonly reason?: string;
  /** The answer's top-level fields when it parsed as a JSON object. */
  readonly fields?: Readonly<Record<string, unknown>>;
}

/**
 * The schema of a request that asks for structured output: chat `response_format: {type: 'json_schema',
 * json_schema: {schema}}`, or Responses `text.format: {type: 'json_schema', schema}`. Undefined otherwise.
 */
export function answerSchemaOf(body: Readonly<Record<string, unknown>> | undefined): AnswerSchema | undefined {
  if (body === undefined) {
    return undefined;
  }
  let schema: unknown;
  const chat = body.response_format;
  if (isObject(chat) && chat.type === 'json_schema') {
    schema = isObject(chat.json_schema) ? chat.json_schema.schema : undefined;
  } else {
    const text = body.text;
    const format = isObject(text) ? text.format : undefined;
    if (!isObject(format) || format.type !== 'json_schema') {
      return undefined;
    }
    schema = format.schema;
  }
  if (!isObject(schema)) {
    // Asked for a schema without giving a usable one: answers are still parsed, with no fields required.
    return { properties: [], required: [] };
  }
  const properties = isObject(schema.properties) ? Object.keys(schema.properties) : [];
  const required = Array.isArray(schema.required) ? schema.required.filter((name): name is string => typeof name === 'string') : [];
  return { properties, required };
}

/** Parses an answer that should follow `schema`, and says whether it does (top-level fields only). */
export function checkStructuredAnswer(answer: string, schema: AnswerSchema): StructuredCheck {
  if (answer.trim().length === 0) {
    return { state: 'invalid', reason: 'the answer is empty' };
  }
  let value: unknown;
  try {
    value = JSON.parse(answer);
  } catch (error) {
    return { state: 'invalid', reason: `the answer is not JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  if (!isObject(value)) {
    return { state: 'invalid', reason: 'the answer is not a JSON object' };
  }
  const missing = schema.required.filter((name) => !Object.hasOwn(value, name));
  if (missing.length > 0) {
    return { state: 'missingFields', reason: `missing required ${missing.length === 1 ? 'field' : 'fields'} ${missing.join(', ')}`, fields: value };
  }
  return { state: 'ok', fields: value };
}
