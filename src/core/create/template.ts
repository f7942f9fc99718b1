// The batch template (`NAME.batch-template.json`): how rows of data become requests. Documented in the README
// ("Create a batch file from data") and described by media/batch-template.schema.json for the editor's IntelliSense.
import { resolve } from 'node:path';
import { endpointKind, type EndpointKind } from '../jsonl/endpoints';
import { modelFamily } from '../tokens/models';
import { compilePrompt, PromptTemplateError, type CompiledPrompt } from './prompt';
import { csvDelimiters, type DataFormat } from './readers';

/** The file name ending of templates. */
export const templateSuffix = '.batch-template.json';

/** The generated custom_id: `row-1`, `row-2`, ... in data order (rows that cannot be read keep their number). */
export const generatedIds = 'row-N';

/** A template as written in its file. */
export interface BatchTemplate {
  /** The data file, relative to the template's folder. */
  readonly data?: string;
  /** The request `url`: `/chat/completions`, `/v1/responses`, `/embeddings`, ... */
  readonly endpoint: string;
  /** The deployment name (`body.model`). */
  readonly model: string;
  /** A system message (chat) or `instructions` (responses). */
  readonly system?: string;
  /** The user message (chat), `input` (responses, embeddings), with `{{column}}` and `{{column|json}}` placeholders. */
  readonly prompt: string;
  /** `{ "column": "id" }`: custom_id from a column (must be unique); `"row-N"` (the default): generated. */
  readonly customId?: { readonly column: string } | typeof generatedIds;
  readonly maxTokens?: number;
  readonly temperature?: number;
  /** A JSON Schema file (relative to the template) the answer must follow (structured outputs, strict). */
  readonly responseFormat?: string;
  /** The data format when its extension does not say it. */
  readonly format?: DataFormat;
  /** The CSV delimiter when it should not be detected. */
  readonly delimiter?: string;
  /** Write the rows that convert and report the others, instead of writing nothing when a row cannot be converted. */
  readonly skipInvalidRows?: boolean;
}

/** A template checked and compiled, ready to convert rows. */
export interface CompiledTemplate {
  readonly template: BatchTemplate;
  readonly url: string;
  readonly kind: EndpointKind;
  readonly prompt: CompiledPrompt;
  readonly system?: CompiledPrompt;
  readonly idColumn?: string;
  /** `max_tokens`, or `max_completion_tokens` for reasoning models, or `max_output_tokens` for responses. */
  readonly maxTokensField: 'max_tokens' | 'max_completion_tokens' | 'max_output_tokens';
  /** The JSON schema of structured outputs, read from `responseFormat`. */
  readonly schema?: { readonly name: string; readonly schema: Record<string, unknown> };
}

/** A template that cannot be used; the message is one sentence naming the field. */
export class TemplateError extends Error {
  constructor(
    message: string,
    /** For a malformed placeholder: the field and the offset in its text. */
    readonly at?: { readonly field: 'prompt' | 'system'; readonly offset: number },
  ) {
    super(message);
    this.name = 'TemplateError';
  }
}

const knownKeys = new Set(['$schema', 'data', 'endpoint', 'model', 'system', 'prompt', 'customId', 'maxTokens', 'temperature', 'responseFormat', 'format', 'delimiter', 'skipInvalidRows']);

/** Reasoning models reject `max_tokens` on chat completions: they take `max_completion_tokens`. */
function isReasoningModel(deployment: string): boolean {
  const family = modelFamily(deployment) ?? '';
  return /^(o\d|gpt-5)/.test(family);
}

/** Checks a template parsed from JSON; throws {@link TemplateError} for the first problem. */
export function checkTemplate(value: unknown): BatchTemplate {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TemplateError('a batch template must be a JSON object');
  }
  const t = value as Record<string, unknown>;
  const unknown = Object.keys(t).find((key) => !knownKeys.has(key));
  if (unknown !== undefined) {
    throw new TemplateError(`"${unknown}" is not a template field (fields: ${[...knownKeys].filter((k) => k !== '$schema').join(', ')})`);
  }
  const text = (key: string, required: boolean) => {
    const v = t[key];
    if (v === undefined && !required) {
      return;
    }
    if (typeof v !== 'string' || (required && v.trim().length === 0)) {
      throw new TemplateError(required ? `"${key}" must be a non-empty string` : `"${key}" must be a string`);
    }
  };
  text('endpoint', true);
  text('model', true);
  text('prompt', true);
  text('data', false);
  text('system', false);
  text('responseFormat', false);
  if (endpointKind(t.endpoint as string) === undefined) {
    throw new TemplateError(`"endpoint" must be a batch endpoint (/chat/completions, /v1/chat/completions, /responses, /v1/responses, /embeddings, /v1/embeddings), not "${String(t.endpoint)}"`);
  }
  const id = t.customId;
  if (id !== undefined && id !== generatedIds) {
    const column = typeof id === 'object' && id !== null ? (id as Record<string, unknown>).column : undefined;
    if (typeof column !== 'string' || column.trim().length === 0 || Object.keys(id as object).length !== 1) {
      throw new TemplateError(`"customId" must be "${generatedIds}" or { "column": "NAME" }`);
    }
  }
  if (t.maxTokens !== undefined && (typeof t.maxTokens !== 'number' || !Number.isInteger(t.maxTokens) || t.maxTokens < 1)) {
    throw new TemplateError('"maxTokens" must be a whole number, 1 or more');
  }
  if (t.temperature !== undefined && (typeof t.temperature !== 'number' || t.temperature < 0 || t.temperature > 2)) {
    throw new TemplateError('"temperature" must be a number from 0 to 2');
  }
  if (t.format !== undefined && t.format !== 'csv' && t.format !== 'json' && t.format !== 'jsonl') {
    throw new TemplateError('"format" must be "csv", "json" or "jsonl"');
  }
  if (t.delimiter !== undefined && (typeof t.delimiter !== 'string' || t.delimiter.length !== 1 || t.delimiter === '"' || t.delimiter === '\n')) {
    throw new TemplateError(`"delimiter" must be one character (${csvDelimiters.map((d) => JSON.stringify(d)).join(', ')}, ...)`);
  }
  if (t.skipInvalidRows !== undefined && typeof t.skipInvalidRows !== 'boolean') {
    throw new TemplateError('"skipInvalidRows" must be true or false');
  }
  const kind = endpointKind(t.endpoint as string)!;
  if (kind === 'embeddings' && (t.system !== undefined || t.maxTokens !== undefined || t.temperature !== undefined || t.responseFormat !== undefined)) {
    throw new TemplateError('an embeddings template takes only "prompt" (no "system", "maxTokens", "temperature" or "responseFormat")');
  }
  return t as unknown as BatchTemplate;
}

/**
 * Compiles a checked template. `schema` is the parsed `responseFormat` file (the caller reads it, relative to the
 * template); its name in the request is the file's base name. Throws {@link TemplateError}.
 */
export function compileTemplate(template: BatchTemplate, schema?: { readonly name: string; readonly schema: unknown }): CompiledTemplate {
  const kind = endpointKind(template.endpoint)!;
  let prompt: CompiledPrompt;
  let system: CompiledPrompt | undefined;
  const compileField = (field: 'prompt' | 'system', text: string) => {
    try {
      return compilePrompt(text);
    } catch (error) {
      throw error instanceof PromptTemplateError ? new TemplateError(`"${field}": ${error.message}`, { field, offset: error.offset }) : error;
    }
  };
  prompt = compileField('prompt', template.prompt);
  system = template.system === undefined || template.system.length === 0 ? undefined : compileField('system', template.system);
  if (template.responseFormat !== undefined && schema === undefined) {
    throw new TemplateError(`"responseFormat" names ${template.responseFormat}, which was not read`);
  }
  if (schema !== undefined && (typeof schema.schema !== 'object' || schema.schema === null || Array.isArray(schema.schema))) {
    throw new TemplateError(`${template.responseFormat ?? schema.name} must hold a JSON Schema object`);
  }
  const maxTokensField = kind === 'responses' ? 'max_output_tokens' : isReasoningModel(template.model) ? 'max_completion_tokens' : 'max_tokens';
  return {
    template,
    url: template.endpoint,
    kind,
    prompt,
    system,
    idColumn: typeof template.customId === 'object' ? template.customId.column.trim() : undefined,
    maxTokensField,
    schema: schema === undefined ? undefined : { name: schemaName(schema.name), schema: schema.schema as Record<string, unknown> },
  };
}

/** A schema name the API accepts (letters, digits, `_` and `-`, up to 64). */
export function schemaName(fileName: string): string {
  const base = fileName.replace(/^.*[\\/]/, '').replace(/(\.schema)?\.json$/i, '');
  return base.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64) || 'response';
}

/** The template file name for a data file: `reviews.csv` → `reviews.batch-template.json`. */
export function templateNameFor(dataFile: string): string {
  return dataFile.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '') + templateSuffix;
}

/** The batch file name for a data file or template: `reviews.csv` / `reviews.batch-template.json` → `reviews.jsonl`. */
export function outputNameFor(file: string): string {
  const base = file.replace(/^.*[\\/]/, '');
  return (base.endsWith(templateSuffix) ? base.slice(0, -templateSuffix.length) : base.replace(/\.[^.]*$/, '')) + '.jsonl';
}

/**
 * Where a batch file goes by default: NAME.jsonl beside the data (NAME from the template when there is one), or
 * NAME.batch.jsonl when that is the data file itself (JSONL data).
 */
export function defaultOutputPath(dataPath: string, templatePath?: string): string {
  const folder = resolve(dataPath, '..');
  const plain = resolve(folder, outputNameFor(templatePath ?? dataPath));
  return plain === resolve(dataPath) ? plain.replace(/\.jsonl$/, '.batch.jsonl') : plain;
}
