import { gpt4oImageRates, imagePartTokens, type ImageTokenRates } from './imageTokens';
import { countText, countTextSteps, defaultEncoding, textStepLength, type EncodingName } from './tokenizer';

// How a request body turns into prompt tokens. The chat rule is the one in OpenAI's cookbook ("How to count
// tokens with tiktoken"), checked there against the API's usage: every message costs 3 tokens of framing
// (`<|im_start|>`, `<|im_sep|>`, `<|im_end|>`) plus the tokens of its role and content, a name costs its tokens
// plus 1, and the reply is primed with `<|im_start|>assistant<|im_sep|>` (3 tokens). gpt-tokenizer's `encodeChat`
// renders the same frame, and its `countChatCompletionTokens` applies the same constants. Function tools follow the
// cookbook's tool rule (also checked against the API there). Everything else (images, non-function tools, other
// item types) is approximate. Images are counted by Azure's image-token rules (imageTokens.ts).
//
// Every count has a step form (`...Steps`, a generator) that yields between bounded pieces of work, so the editor
// can count one huge request across several time slices; the plain functions run the same steps to the end.

/** A count in steps: `next()` until done; each step is bounded whatever the input. */
export type Steps<T> = Generator<void, T, void>;

/** Runs steps to the end. */
export function runSteps<T>(steps: Steps<T>): T {
  let step = steps.next();
  while (!step.done) {
    step = steps.next();
  }
  return step.value;
}

const messageFraming = 3;
const nameOverhead = 1;
const replyPriming = 3;

// Short strings (roles, names, tool names) repeat on every line: remember their counts.
const smallCache = new Map<string, number>();
const smallCacheLimit = 4096;

const smallLength = 32;

/** A short string's tokens (at most {@link smallLength} units), cached. */
function countSmall(text: string, encoding: EncodingName): number {
  const key = encoding === 'o200k_base' ? text : `${encoding}\u0000${text}`;
  let count = smallCache.get(key);
  if (count === undefined) {
    count = countText(text, encoding);
    if (smallCache.size >= smallCacheLimit) {
      smallCache.clear();
    }
    smallCache.set(key, count);
  }
  return count;
}

// System prompts, developer messages, instructions and tool lists usually repeat on every line of a batch file:
// their counts are remembered, so 100,000 rows sharing one system prompt tokenize it once. (User content is
// mostly unique and is not cached.)
const repeatedCache = new Map<string, number>();
const repeatedCacheLimit = 256;
const repeatedMaxLength = 16 * 1024; // UTF-16 units: the cache holds at most ~8 MB of text

function* countRepeated(text: string, encoding: EncodingName, count: () => Steps<number> = () => countTextSteps(text, encoding)): Steps<number> {
  if (text.length > repeatedMaxLength) {
    return yield* count();
  }
  const key = encoding === 'o200k_base' ? text : `${encoding}\u0000${text}`;
  let tokens = repeatedCache.get(key);
  if (tokens === undefined) {
    tokens = yield* count();
    if (repeatedCache.size >= repeatedCacheLimit) {
      repeatedCache.clear();
    }
    repeatedCache.set(key, tokens);
  }
  return tokens;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Options of the request counts. */
export interface CountOptions {
  /** What images cost the request's model (GPT-4o's by default). */
  readonly images?: ImageTokenRates;
}

/** Tokens of a message `content`: a string, or an array of text / image / audio / file parts. */
export function countContent(content: unknown, encoding: EncodingName = defaultEncoding, options: CountOptions = {}): number {
  return runSteps(countContentSteps(content, encoding, options));
}

/** {@link countContent} in steps. */
export function* countContentSteps(content: unknown, encoding: EncodingName = defaultEncoding, options: CountOptions = {}): Steps<number> {
  if (typeof content === 'string') {
    return content.length <= textStepLength ? countText(content, encoding) : yield* countTextSteps(content, encoding);
  }
  if (!Array.isArray(content)) {
    return content === null || content === undefined ? 0 : yield* countTextSteps(JSON.stringify(content), encoding);
  }
  let total = 0;
  for (const part of content) {
    if (typeof part === 'string') {
      total += yield* countTextSteps(part, encoding);
    } else if (isObject(part)) {
      if (typeof part.text === 'string') {
        total += yield* countTextSteps(part.text, encoding);
      } else if (part.type === 'image_url' || part.type === 'input_image') {
        // Never the URL's text: a data URL is the image itself, billed by its size.
        total += imagePartTokens(part, options.images ?? gpt4oImageRates);
      } else {
        total += yield* countTextSteps(JSON.stringify(part), encoding);
      }
    }
  }
  return total;
}

/**
 * Prompt tokens of a chat completions request: the cookbook rule for messages (3 per message + role + content,
 * name + 1, 3 to prime the reply), tool calls of assistant messages as their JSON text, and function tools by the
 * cookbook's tool rule.
 */
export function countChatPrompt(messages: unknown, tools?: unknown, encoding: EncodingName = defaultEncoding, options: CountOptions = {}): number {
  return runSteps(countChatPromptSteps(messages, tools, encoding, options));
}

/** {@link countChatPrompt} in steps. */
export function* countChatPromptSteps(messages: unknown, tools?: unknown, encoding: EncodingName = defaultEncoding, options: CountOptions = {}): Steps<number> {
  let total = replyPriming;
  if (Array.isArray(messages)) {
    for (const entry of messages) {
      if (!isObject(entry)) {
        continue;
      }
      const role = typeof entry.role === 'string' ? entry.role : 'user';
      const content =
        typeof entry.content === 'string' && (role === 'system' || role === 'developer')
          ? yield* countRepeated(entry.content, encoding)
          : yield* countContentSteps(entry.content, encoding, options);
      total += messageFraming + (role.length <= smallLength ? countSmall(role, encoding) : yield* countTextSteps(role, encoding)) + content;
      if (typeof entry.name === 'string') {
        total += (entry.name.length <= smallLength ? countSmall(entry.name, encoding) : yield* countTextSteps(entry.name, encoding)) + nameOverhead;
      }
      if (entry.tool_calls !== undefined) {
        total += yield* countTextSteps(JSON.stringify(entry.tool_calls), encoding);
      }
    }
  }
  return total + (yield* countToolsSteps(tools, encoding));
}

/**
 * Input tokens of a responses request: `instructions` as a system message, then `input` as one user message (a
 * string) or as items (messages are counted like chat messages, other items such as function call outputs as
 * their JSON text).
 */
export function countResponsesInput(input: unknown, instructions?: unknown, tools?: unknown, encoding: EncodingName = defaultEncoding, options: CountOptions = {}): number {
  return runSteps(countResponsesInputSteps(input, instructions, tools, encoding, options));
}

/** {@link countResponsesInput} in steps. */
export function* countResponsesInputSteps(
  input: unknown,
  instructions?: unknown,
  tools?: unknown,
  encoding: EncodingName = defaultEncoding,
  options: CountOptions = {},
): Steps<number> {
  const messages: unknown[] = [];
  let items = 0;
  if (typeof instructions === 'string') {
    messages.push({ role: 'system', content: instructions });
  }
  if (typeof input === 'string') {
    messages.push({ role: 'user', content: input });
  } else if (Array.isArray(input)) {
    for (const item of input) {
      if (isObject(item) && item.role === undefined && typeof item.type === 'string' && item.type !== 'message') {
        items += messageFraming + (yield* countTextSteps(JSON.stringify(item), encoding));
      } else {
        messages.push(item);
      }
    }
  }
  return (yield* countChatPromptSteps(messages, tools, encoding, options)) + items;
}

/** Tokens of an embeddings `input`: a string, strings, a token array or token arrays. No framing. */
export function countEmbeddingsInput(input: unknown, encoding: EncodingName = defaultEncoding): number {
  return runSteps(countEmbeddingsInputSteps(input, encoding));
}

/** {@link countEmbeddingsInput} in steps. */
export function* countEmbeddingsInputSteps(input: unknown, encoding: EncodingName = defaultEncoding): Steps<number> {
  if (typeof input === 'string') {
    return yield* countTextSteps(input, encoding);
  }
  if (!Array.isArray(input)) {
    return 0;
  }
  if (input.every((x) => typeof x === 'number')) {
    return input.length;
  }
  let total = 0;
  for (const item of input) {
    total += typeof item === 'string' ? yield* countTextSteps(item, encoding) : Array.isArray(item) ? item.length : 0;
  }
  return total;
}

/** The completion budget a request asks for (`max_completion_tokens`, `max_tokens` or `max_output_tokens`), if any. */
export function maxOutputTokens(body: Record<string, unknown>): number | undefined {
  for (const key of ['max_completion_tokens', 'max_tokens', 'max_output_tokens']) {
    const value = body[key];
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) {
      return Math.floor(value);
    }
  }
  return undefined;
}

// The cookbook's tool constants ("Counting tokens for chat completions with tool calls"): per function 7 tokens
// for o200k models (10 for cl100k), 3 to open the properties, 3 per property, -3 + 3 per item for an enum, and
// 12 to close the list.
const toolConstants = {
  o200k_base: { functionStart: 7, propertiesStart: 3, property: 3, enumStart: -3, enumItem: 3, end: 12 },
  cl100k_base: { functionStart: 10, propertiesStart: 3, property: 3, enumStart: -3, enumItem: 3, end: 12 },
} as const;

/**
 * Tokens the `tools` of a request add to its prompt. Function tools, in the chat shape
 * (`{type, function: {name, description, parameters}}`) or the responses shape (`{type, name, ...}`), follow the
 * cookbook's rule; other tools (built-in ones) count as their JSON text.
 */
export function countTools(tools: unknown, encoding: EncodingName = defaultEncoding): number {
  return runSteps(countToolsSteps(tools, encoding));
}

/** {@link countTools} in steps. */
export function* countToolsSteps(tools: unknown, encoding: EncodingName = defaultEncoding): Steps<number> {
  if (!Array.isArray(tools) || tools.length === 0) {
    return 0;
  }
  return yield* countRepeated(`tools\u0000${JSON.stringify(tools)}`, encoding, () => countToolList(tools, encoding));
}

function* countToolList(tools: readonly unknown[], encoding: EncodingName): Steps<number> {
  const k = toolConstants[encoding];
  let total = 0;
  let functions = 0;
  for (const tool of tools) {
    if (!isObject(tool)) {
      continue;
    }
    const fn = isObject(tool.function) ? tool.function : tool.type === 'function' ? tool : undefined;
    if (fn === undefined || typeof fn.name !== 'string') {
      total += (yield* countTextSteps(JSON.stringify(tool), encoding));
      continue;
    }
    functions++;
    total += k.functionStart + (yield* countTextSteps(`${fn.name}:${withoutFinalPeriod(fn.description)}`, encoding));
    const properties = isObject(fn.parameters) && isObject(fn.parameters.properties) ? fn.parameters.properties : undefined;
    if (properties === undefined || Object.keys(properties).length === 0) {
      continue;
    }
    total += k.propertiesStart;
    for (const [key, raw] of Object.entries(properties)) {
      total += k.property;
      const property = isObject(raw) ? raw : {};
      if (Array.isArray(property.enum)) {
        total += k.enumStart;
        for (const item of property.enum) {
          total += k.enumItem + (yield* countTextSteps(typeof item === 'string' ? item : JSON.stringify(item), encoding));
        }
      }
      const type = typeof property.type === 'string' ? property.type : JSON.stringify(property.type ?? 'object');
      total += (yield* countTextSteps(`${key}:${type}:${withoutFinalPeriod(property.description)}`, encoding));
    }
  }
  return functions > 0 ? total + k.end : total;
}

function withoutFinalPeriod(text: unknown): string {
  if (typeof text !== 'string') {
    return '';
  }
  return text.endsWith('.') ? text.slice(0, -1) : text;
}
