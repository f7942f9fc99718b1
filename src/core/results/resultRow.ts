// What the results grid shows of one request and its response: the prompt, the answer and the usage, read from
// the shapes of chat completions, the Responses API and embeddings. Everything here tolerates any JSON value.

/** What a row needs of its input request. */
export interface RequestFacts {
  /** The last user message (or the `input`), text parts joined, images as "[image]". */
  readonly prompt: string;
  /** `body.model`: the deployment the request was sent to. */
  readonly deployment: string | undefined;
}

/** What a row needs of a response body. */
export interface ResponseFacts {
  /** The first choice's content (or its tool calls), the Responses output text, or an embedding's size. */
  readonly answer: string;
  /** `model` of the response (the model that answered, e.g. `gpt-4o-2024-08-06`). */
  readonly model: string | undefined;
  readonly inputTokens: number | undefined;
  readonly outputTokens: number | undefined;
  readonly reasoningTokens: number | undefined;
}

type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A usage figure the service could have reported: a whole, non-negative, safe number. Anything else (negative,
 * 1e308, a string) is unknown, so that one hostile line cannot make totals negative or infinite.
 */
export function tokenCount(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

/** What a row of the viewer is, whichever shape its line has (see {@link rowOutcome}). */
export interface RowOutcome {
  readonly status: 'succeeded' | 'failed' | 'missing';
  /** The HTTP status of the request; undefined when the service did not answer it. */
  readonly statusCode: number | undefined;
  /** The response body: the completion of a success, the error body of a failure. */
  readonly body: unknown;
  /** The line's `error`, else the error in the response body. */
  readonly error: Json | undefined;
}

/** Error codes of rows a batch never ran (it expired or was cancelled first): such rows are `missing`, not failed. */
export const notRunCodes: ReadonlySet<string> = new Set(['batch_expired', 'batch_cancelled']);
const known: readonly unknown[] = ['succeeded', 'failed', 'missing'];

/**
 * A row's outcome from a line of either shape the viewer opens: a line of `NAME.results.jsonl` (`status`,
 * `status_code`, `response` = the body, `error`), or a line of an Azure output or error file as downloaded from
 * the portal, with nothing joined (`response: {status_code, request_id, body}`, `error`). A raw line succeeded
 * with a 2xx response and no error, failed with another response or an error, and is missing when the batch
 * never ran it (`batch_expired`, `batch_cancelled` and no response) or the line says nothing of it.
 */
export function rowOutcome(line: Json): RowOutcome {
  const response = line.response;
  const raw = !known.includes(line.status) && isObject(response) && ('status_code' in response || 'body' in response);
  const body = raw ? response.body : response;
  const code = raw ? response.status_code : line.status_code;
  const statusCode = typeof code === 'number' && Number.isInteger(code) && code >= 0 ? code : undefined;
  const lineError = isObject(line.error) ? line.error : undefined;
  const error = lineError ?? (isObject(body) && isObject(body.error) ? body.error : undefined);
  if (known.includes(line.status)) {
    return { status: line.status as RowOutcome['status'], statusCode, body, error };
  }
  let status: RowOutcome['status'];
  if (raw || lineError !== undefined) {
    const answered = raw && statusCode !== undefined;
    status = !answered && lineError !== undefined && typeof lineError.code === 'string' && notRunCodes.has(lineError.code) ? 'missing' : lineError !== undefined ? 'failed' : !answered ? 'missing' : statusCode >= 200 && statusCode < 300 ? 'succeeded' : 'failed';
  } else {
    // A line of neither shape: what its status code says.
    status = statusCode === undefined ? 'missing' : statusCode >= 200 && statusCode < 300 ? 'succeeded' : 'failed';
  }
  return { status, statusCode, body, error };
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The request body of an input line (`{custom_id, method, url, body}`), if it has one. */
export function requestBody(request: unknown): Json | undefined {
  return isObject(request) && isObject(request.body) ? request.body : undefined;
}

export function requestFacts(request: unknown): RequestFacts {
  const body = requestBody(request);
  if (body === undefined) {
    return { prompt: '', deployment: undefined };
  }
  return { prompt: promptOf(body), deployment: stringOf(body.model) };
}

function promptOf(body: Json): string {
  if (Array.isArray(body.messages)) {
    return lastUserText(body.messages);
  }
  const input = body.input ?? body.prompt;
  if (typeof input === 'string') {
    return input;
  }
  if (Array.isArray(input)) {
    // Embeddings take a list of strings or of token ids; Responses a list of messages and items.
    if (input.every((item) => typeof item === 'string')) {
      return input.join('\n');
    }
    if (input.every((item) => typeof item === 'number' || (Array.isArray(item) && item.every((x) => typeof x === 'number')))) {
      return `[${input.length} token ${input.every((item) => typeof item === 'number') ? 'ids' : 'lists'}]`;
    }
    return lastUserText(input);
  }
  return '';
}

/** The text of the last message with role `user`; the last message when none has that role. */
function lastUserText(messages: readonly unknown[]): string {
  let chosen: Json | undefined;
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i];
    if (isObject(message) && message.role === 'user') {
      chosen = message;
      break;
    }
    chosen ??= isObject(message) ? message : undefined;
  }
  return chosen === undefined ? '' : contentText(chosen.content);
}

/** Text of a message's content: a string, or parts (chat `text`/`image_url`, Responses `input_text`/`input_image`). */
function contentText(content: unknown): string {
  if (typeof content === 'string') {
    return content;
  }
  if (!Array.isArray(content)) {
    return '';
  }
  const parts: string[] = [];
  for (const part of content) {
    if (typeof part === 'string') {
      parts.push(part);
    } else if (isObject(part)) {
      const text = stringOf(part.text);
      if (text !== undefined) {
        parts.push(text);
      } else if (part.type === 'image_url' || part.type === 'input_image' || part.type === 'image') {
        parts.push('[image]');
      } else if (part.type === 'input_audio') {
        parts.push('[audio]');
      } else if (part.type === 'file' || part.type === 'input_file') {
        parts.push('[file]');
      }
    }
  }
  return parts.join('\n');
}

export function responseFacts(response: unknown): ResponseFacts {
  if (!isObject(response)) {
    return { answer: '', model: undefined, inputTokens: undefined, outputTokens: undefined, reasoningTokens: undefined };
  }
  const usage = isObject(response.usage) ? response.usage : {};
  const details = isObject(usage.completion_tokens_details) ? usage.completion_tokens_details : isObject(usage.output_tokens_details) ? usage.output_tokens_details : {};
  return {
    answer: answerOf(response),
    model: stringOf(response.model),
    inputTokens: tokenCount(usage.prompt_tokens) ?? tokenCount(usage.input_tokens),
    outputTokens: tokenCount(usage.completion_tokens) ?? tokenCount(usage.output_tokens),
    reasoningTokens: tokenCount(details.reasoning_tokens),
  };
}

function answerOf(response: Json): string {
  if (Array.isArray(response.choices)) {
    const choice = response.choices[0];
    return isObject(choice) ? choiceText(choice) : '';
  }
  if (typeof response.output_text === 'string') {
    return response.output_text;
  }
  if (Array.isArray(response.output)) {
    return responsesOutputText(response.output);
  }
  if (Array.isArray(response.data)) {
    return embeddingsText(response.data);
  }
  return '';
}

function choiceText(choice: Json): string {
  const message = isObject(choice.message) ? choice.message : undefined;
  if (message === undefined) {
    return stringOf(choice.text) ?? '';
  }
  const content = contentText(message.content);
  if (content.length > 0) {
    return content;
  }
  if (Array.isArray(message.tool_calls) && message.tool_calls.length > 0) {
    return message.tool_calls.map((call) => (isObject(call) && isObject(call.function) ? callText(call.function.name, call.function.arguments) : '[tool call]')).join('\n');
  }
  if (isObject(message.function_call)) {
    return callText(message.function_call.name, message.function_call.arguments);
  }
  const refusal = stringOf(message.refusal);
  return refusal !== undefined && refusal.length > 0 ? `[refusal] ${refusal}` : '';
}

/** A tool call as `name(arguments)`. */
function callText(name: unknown, args: unknown): string {
  return `${stringOf(name) ?? 'tool'}(${typeof args === 'string' ? args : ''})`;
}

/** The `output_text` parts of a Responses object's messages, else its function calls. */
function responsesOutputText(output: readonly unknown[]): string {
  const texts: string[] = [];
  const calls: string[] = [];
  for (const item of output) {
    if (!isObject(item)) {
      continue;
    }
    if (item.type === 'message' && Array.isArray(item.content)) {
      for (const part of item.content) {
        if (isObject(part) && part.type === 'output_text' && typeof part.text === 'string') {
          texts.push(part.text);
        } else if (isObject(part) && part.type === 'refusal' && typeof part.refusal === 'string') {
          texts.push(`[refusal] ${part.refusal}`);
        }
      }
    } else if (item.type === 'function_call') {
      calls.push(callText(item.name, item.arguments));
    }
  }
  return texts.length > 0 ? texts.join('') : calls.join('\n');
}

function embeddingsText(data: readonly unknown[]): string {
  const first = data[0];
  if (!isObject(first)) {
    return '';
  }
  const dimensions = Array.isArray(first.embedding) ? first.embedding.length : typeof first.embedding === 'string' ? base64Floats(first.embedding) : undefined;
  if (dimensions === undefined) {
    return '';
  }
  return data.length === 1 ? `[embedding: ${dimensions} dimensions]` : `[${data.length} embeddings: ${dimensions} dimensions]`;
}

/** How many float32 values (four bytes each) a base64 embedding (`encoding_format: "base64"`) holds. */
function base64Floats(text: string): number {
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  return Math.floor((Math.floor((text.length * 3) / 4) - padding) / 4);
}
