import { endpointKind } from '../core/jsonl/endpoints';
import { hash32, hashHex, hashUnit, ids, seededRandom } from './random';
import { imageRatesFor } from '../core/tokens/imageTokens';
import { countChatPrompt, countEmbeddingsInput, countResponsesInput, countText, maxOutputTokens, truncateToTokens } from './tokens';

export interface ExecutorSettings {
  readonly seed: number;
  readonly failureRate: number;
  readonly failureMarker: string;
  /**
   * Rows already failed once by the transient marker (`[[fail-once]]`), keyed by custom_id and prompt: their next
   * attempt succeeds, as a retried transient error does on the real service. Kept for the emulator's lifetime.
   */
  readonly failedOnce?: Set<string>;
  /** The model version behind a deployment name. */
  readonly modelOf: (deployment: string) => string;
}

/** One executed row: the JSON line for the output file (`ok`) or the error file. */
export interface RowOutcome {
  readonly ok: boolean;
  readonly line: string;
}

const subjects = ['The emulator', 'This reply', 'The batch', 'Your request', 'The model', 'A local test', 'Every row', 'The answer'];
const verbs = ['returns', 'keeps', 'checks', 'shows', 'brings', 'finds', 'describes', 'summarises', 'explains', 'follows'];
const adjectives = ['simple', 'clear', 'short', 'useful', 'careful', 'steady', 'quiet', 'plain', 'exact', 'helpful', 'calm', 'brief'];
const nouns = ['answer', 'result', 'value', 'detail', 'token', 'sample', 'response', 'summary', 'record', 'idea', 'request', 'reply'];
const prepositions = ['for', 'with', 'about', 'from', 'after', 'before', 'through', 'within'];
/** Single words, for schema strings. */
const words = [...adjectives, ...nouns];

const safe = { filtered: false, severity: 'safe' } as const;
const contentFilterResults = () => ({ hate: { ...safe }, self_harm: { ...safe }, sexual: { ...safe }, violence: { ...safe } });
const promptFilterResults = () => [
  { prompt_index: 0, content_filter_results: { hate: { ...safe }, jailbreak: { filtered: false, detected: false }, self_harm: { ...safe }, sexual: { ...safe }, violence: { ...safe } } },
];

/** A reproducible reply of one to four plain sentences, derived from the seed and the prompt. */
export function replyText(seed: number, key: string): string {
  const random = seededRandom(hash32(seed, 'reply', key));
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const count = 1 + Math.floor(random() * 4);
  const sentences: string[] = [];
  for (let i = 0; i < count; i++) {
    sentences.push(`${pick(subjects)} ${pick(verbs)} the ${pick(adjectives)} ${pick(nouns)} ${pick(prepositions)} the ${pick(adjectives)} ${pick(nouns)}.`);
  }
  return sentences.join(' ');
}

/** A value that fits a JSON schema (objects with their properties, one array item, the first enum value). */
function sampleFromSchema(schema: unknown, random: () => number, depth = 0): unknown {
  if (typeof schema !== 'object' || schema === null || depth > 8) {
    return null;
  }
  const s = schema as Record<string, unknown>;
  if (Array.isArray(s.enum) && s.enum.length > 0) {
    return s.enum[0];
  }
  if ('const' in s) {
    return s.const;
  }
  for (const key of ['anyOf', 'oneOf', 'allOf']) {
    if (Array.isArray(s[key]) && (s[key] as unknown[]).length > 0) {
      return sampleFromSchema((s[key] as unknown[])[0], random, depth + 1);
    }
  }
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      const props = typeof s.properties === 'object' && s.properties !== null ? (s.properties as Record<string, unknown>) : {};
      for (const [name, sub] of Object.entries(props)) {
        out[name] = sampleFromSchema(sub, random, depth + 1);
      }
      return out;
    }
    case 'array':
      return [sampleFromSchema(s.items, random, depth + 1)];
    case 'string':
      return words[Math.floor(random() * words.length)];
    case 'integer':
      return Math.floor(random() * 100);
    case 'number':
      return Math.round(random() * 10000) / 100;
    case 'boolean':
      return random() < 0.5;
    default:
      return null;
  }
}

function structuredReply(format: unknown, seed: number, key: string): string | undefined {
  if (typeof format !== 'object' || format === null) {
    return undefined;
  }
  const f = format as Record<string, unknown>;
  const random = seededRandom(hash32(seed, 'json', key));
  if (f.type === 'json_object') {
    return JSON.stringify({ answer: replyText(seed, key) });
  }
  if (f.type === 'json_schema') {
    // Chat: {type, json_schema: {name, schema}}; responses: {type, name, schema}.
    const holder = typeof f.json_schema === 'object' && f.json_schema !== null ? (f.json_schema as Record<string, unknown>) : f;
    return JSON.stringify(sampleFromSchema(holder.schema, random));
  }
  return undefined;
}

const statusErrors: Readonly<Record<number, { code: string; type: string; message: string }>> = {
  400: { code: 'invalid_request', type: 'invalid_request_error', message: 'The request was rejected.' },
  408: { code: 'timeout', type: 'server_error', message: 'The request timed out.' },
  429: { code: '429', type: 'rate_limit_error', message: 'Requests to the batch deployment have exceeded the token rate limit. Please retry later.' },
  500: { code: 'server_error', type: 'server_error', message: 'The server had an error while processing your request. Sorry about that!' },
  503: { code: 'service_unavailable', type: 'server_error', message: 'The service is temporarily unable to process your request. Please retry later.' },
};

/** The error body a failed row carries in the error file. */
export function errorBody(status: number, reason: string): { error: { code: string; message: string; param: null; type: string } } {
  const known = statusErrors[status] ?? { code: String(status), type: status < 500 ? 'invalid_request_error' : 'server_error', message: `The request failed with status ${status}.` };
  return { error: { code: known.code, message: `${known.message} (${reason})`, param: null, type: known.type } };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Finds the failure marker in a prompt: `[[fail]]` (500) or `[[fail:NNN]]`. */
export function markerStatus(marker: string, prompt: string): number | undefined {
  if (marker.length === 0) {
    return undefined;
  }
  if (marker.endsWith(']]')) {
    const pattern = new RegExp(`${escapeRegExp(marker.slice(0, -2))}(?::(\\d{3}))?\\]\\]`);
    const match = pattern.exec(prompt);
    if (match === null) {
      return undefined;
    }
    const status = match[1] === undefined ? 500 : Number(match[1]);
    return status >= 400 && status <= 599 ? status : 500;
  }
  return prompt.includes(marker) ? 500 : undefined;
}

/**
 * The transient form of the failure marker: `[[fail-once]]` or `[[fail-once:NNN]]` for the default `[[fail]]`
 * (the marker with `-once` before its closing brackets). Undefined for a marker that is not bracketed.
 */
export function onceMarkerStatus(marker: string, prompt: string): number | undefined {
  return marker.endsWith(']]') ? markerStatus(`${marker.slice(0, -2)}-once]]`, prompt) : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unixNow(): number {
  return Math.floor(Date.now() / 1000);
}

function chatBody(body: Record<string, unknown>, model: string, seed: number): Record<string, unknown> {
  const promptKey = JSON.stringify(body.messages ?? null);
  const max = maxOutputTokens(body);
  const n = typeof body.n === 'number' && Number.isInteger(body.n) && body.n >= 1 && body.n <= 16 ? body.n : 1;
  let completionTokens = 0;
  const choices = Array.from({ length: n }, (_, index) => {
    const key = `${model}\u0000${promptKey}\u0000${index}`;
    const full = structuredReply(body.response_format, seed, key) ?? replyText(seed, key);
    const reply = max === undefined ? { text: full, tokens: countText(full), truncated: false } : truncateToTokens(full, max);
    completionTokens += reply.tokens;
    return {
      index,
      message: { role: 'assistant', content: reply.text, refusal: null },
      finish_reason: reply.truncated ? 'length' : 'stop',
      logprobs: null,
      content_filter_results: contentFilterResults(),
    };
  });
  const promptTokens = countChatPrompt(body.messages, body.tools, undefined, { images: imageRatesFor(model) });
  return {
    id: ids.chatCompletion(),
    object: 'chat.completion',
    created: unixNow(),
    model,
    choices,
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    },
    prompt_filter_results: promptFilterResults(),
    system_fingerprint: `fp_${hashHex(10, 'fingerprint', model)}`,
  };
}

const embeddingSizes: Readonly<Record<string, number>> = {
  'text-embedding-3-small': 1536,
  'text-embedding-3-large': 3072,
  'text-embedding-ada-002': 1536,
};

function embedding(seed: number, text: string, dimensions: number): number[] {
  const random = seededRandom(hash32(seed, 'embedding', text));
  const raw = Array.from({ length: dimensions }, () => random() * 2 - 1);
  const norm = Math.sqrt(raw.reduce((sum, x) => sum + x * x, 0)) || 1;
  return raw.map((x) => Math.round((x / norm) * 1e7) / 1e7);
}

function embeddingsBody(body: Record<string, unknown>, model: string, seed: number): Record<string, unknown> {
  const inputs = Array.isArray(body.input) && !body.input.every((x) => typeof x === 'number') ? body.input : [body.input];
  const dimensions = typeof body.dimensions === 'number' && Number.isInteger(body.dimensions) && body.dimensions > 0 ? body.dimensions : (embeddingSizes[model] ?? 16);
  const tokens = countEmbeddingsInput(body.input);
  return {
    object: 'list',
    data: inputs.map((input, index) => ({ object: 'embedding', index, embedding: embedding(seed, JSON.stringify(input), dimensions) })),
    model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}

function responsesBody(body: Record<string, unknown>, model: string, seed: number): Record<string, unknown> {
  const key = `${model}\u0000${JSON.stringify(body.input ?? null)}\u0000${JSON.stringify(body.instructions ?? null)}`;
  const text = typeof body.text === 'object' && body.text !== null ? (body.text as Record<string, unknown>) : undefined;
  const full = structuredReply(text?.format, seed, key) ?? replyText(seed, key);
  const max = maxOutputTokens(body);
  const reply = max === undefined ? { text: full, tokens: countText(full), truncated: false } : truncateToTokens(full, max);
  const inputTokens = countResponsesInput(body.input, body.instructions, body.tools, undefined, { images: imageRatesFor(model) });
  return {
    id: ids.response(),
    object: 'response',
    created_at: unixNow(),
    status: reply.truncated ? 'incomplete' : 'completed',
    error: null,
    incomplete_details: reply.truncated ? { reason: 'max_output_tokens' } : null,
    instructions: body.instructions ?? null,
    max_output_tokens: max ?? null,
    model,
    output: [
      {
        id: ids.message(),
        type: 'message',
        status: reply.truncated ? 'incomplete' : 'completed',
        role: 'assistant',
        content: [{ type: 'output_text', text: reply.text, annotations: [] }],
      },
    ],
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: body.previous_response_id ?? null,
    reasoning: { effort: null, summary: null },
    temperature: body.temperature ?? 1,
    text: text ?? { format: { type: 'text' } },
    tool_choice: body.tool_choice ?? 'auto',
    tools: body.tools ?? [],
    top_p: body.top_p ?? 1,
    truncation: body.truncation ?? 'disabled',
    usage: {
      input_tokens: inputTokens,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: reply.tokens,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: inputTokens + reply.tokens,
    },
    user: body.user ?? null,
    metadata: body.metadata ?? {},
  };
}

/** The text searched for the failure marker: what the user wrote, not the envelope. */
function promptText(body: Record<string, unknown>): string {
  return JSON.stringify([body.messages ?? null, body.input ?? null, body.instructions ?? null, body.prompt ?? null]);
}

function line(customId: string | null, status: number, body: unknown): string {
  return JSON.stringify({ id: ids.batchRequest(), custom_id: customId, response: { status_code: status, request_id: ids.request(), body }, error: null });
}

/**
 * Runs one input row: a deterministic reply, or a failure. The failure marker fails the row on every attempt
 * (a permanent error), its `-once` form only on the first attempt (a transient one); the failure rate draws afresh for each `attempt` (the batch and the row's place in it),
 * like the transient server errors of the real service, so a retry in a new batch can succeed.
 */
export function executeRow(raw: string, settings: ExecutorSettings, attempt: string = ''): RowOutcome {
  let request: unknown;
  try {
    request = JSON.parse(raw);
  } catch {
    return { ok: false, line: line(null, 400, errorBody(400, 'the input line is not valid JSON')) };
  }
  if (!isObject(request) || !isObject(request.body)) {
    return { ok: false, line: line(null, 400, errorBody(400, 'the input line has no body')) };
  }
  const customId = typeof request.custom_id === 'string' ? request.custom_id : null;
  const body = request.body;
  const prompt = promptText(body);
  const marked = markerStatus(settings.failureMarker, prompt);
  if (marked !== undefined) {
    return { ok: false, line: line(customId, marked, errorBody(marked, `emulated failure: the prompt contains the failure marker`)) };
  }
  const once = settings.failedOnce ? onceMarkerStatus(settings.failureMarker, prompt) : undefined;
  if (once !== undefined) {
    const key = hashHex(32, customId ?? '', prompt);
    if (!settings.failedOnce!.has(key)) {
      settings.failedOnce!.add(key);
      return { ok: false, line: line(customId, once, errorBody(once, 'emulated transient failure: the prompt contains the fail-once marker; a retry succeeds')) };
    }
  }
  if (settings.failureRate > 0 && hashUnit(settings.seed, 'failure', attempt, customId ?? '', prompt) < settings.failureRate) {
    return { ok: false, line: line(customId, 500, errorBody(500, 'emulated transient failure: failureRate; a retry may succeed')) };
  }
  const model = settings.modelOf(typeof body.model === 'string' ? body.model : '');
  const kind = typeof request.url === 'string' ? endpointKind(request.url) : undefined;
  const result = kind === 'embeddings' ? embeddingsBody(body, model, settings.seed) : kind === 'responses' ? responsesBody(body, model, settings.seed) : chatBody(body, model, settings.seed);
  return { ok: true, line: line(customId, 200, result) };
}

/** A row the batch never ran (expired), as the error file reports it: `response: null`, `error` set. */
export function notExecutedLine(raw: string, code: string, message: string): string {
  let customId: string | null = null;
  try {
    const request = JSON.parse(raw) as unknown;
    if (isObject(request) && typeof request.custom_id === 'string') {
      customId = request.custom_id;
    }
  } catch {
    // keep null
  }
  return JSON.stringify({ id: ids.batchRequest(), custom_id: customId, response: null, error: { code, message } });
}
