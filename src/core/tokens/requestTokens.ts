import { countText, defaultEncoding, type EncodingName } from './tokenizer';

// How a request body turns into prompt tokens. The chat rule is the one in OpenAI's cookbook ("How to count
// tokens with tiktoken"), checked there against the API's usage: every message costs 3 tokens of framing
// (`<|im_start|>`, `<|im_sep|>`, `<|im_end|>`) plus the tokens of its role and content, a name costs its tokens
// plus 1, and the reply is primed with `<|im_start|>assistant<|im_sep|>` (3 tokens). gpt-tokenizer's `encodeChat`
// renders the same frame, and its `countChatCompletionTokens` applies the same constants. Function tools follow the
// cookbook's tool rule (also checked against the API there). Everything else (images, non-function tools, other
// item types) is approximate.

// Rough vision costs (GPT-4o: 85 tokens for a low-detail image, a few 170-token tiles for the rest).
const lowDetailImageTokens = 85;
const imageTokens = 765;

const messageFraming = 3;
const nameOverhead = 1;
const replyPriming = 3;

// Short strings (roles, names, tool names) repeat on every line: remember their counts.
const smallCache = new Map<string, number>();
const smallCacheLimit = 4096;

function countSmall(text: string, encoding: EncodingName): number {
  if (text.length > 32) {
    return countText(text, encoding);
  }
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

function countRepeated(text: string, encoding: EncodingName, count: () => number = () => countText(text, encoding)): number {
  if (text.length > repeatedMaxLength) {
    return count();
  }
  const key = encoding === 'o200k_base' ? text : `${encoding}\u0000${text}`;
  let tokens = repeatedCache.get(key);
  if (tokens === undefined) {
    tokens = count();
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

/** Tokens of a message `content`: a string, or an array of text / image / audio / file parts. */
export function countContent(content: unknown, encoding: EncodingName = defaultEncoding): number {
  if (typeof content === 'string') {
    return countText(content, encoding);
  }
  if (!Array.isArray(content)) {
    return content === null || content === undefined ? 0 : countText(JSON.stringify(content), encoding);
  }
  let total = 0;
  for (const part of content) {
    if (typeof part === 'string') {
      total += countText(part, encoding);
    } else if (isObject(part)) {
      if (typeof part.text === 'string') {
        total += countText(part.text, encoding);
      } else if (part.type === 'image_url' || part.type === 'input_image') {
        const detail = (isObject(part.image_url) ? part.image_url.detail : part.detail) ?? 'auto';
        total += detail === 'low' ? lowDetailImageTokens : imageTokens;
      } else {
        total += countText(JSON.stringify(part), encoding);
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
export function countChatPrompt(messages: unknown, tools?: unknown, encoding: EncodingName = defaultEncoding): number {
  let total = replyPriming;
  if (Array.isArray(messages)) {
    for (const entry of messages) {
      if (!isObject(entry)) {
        continue;
      }
      const role = typeof entry.role === 'string' ? entry.role : 'user';
      const content =
        typeof entry.content === 'string' && (role === 'system' || role === 'developer') ? countRepeated(entry.content, encoding) : countContent(entry.content, encoding);
      total += messageFraming + countSmall(role, encoding) + content;
      if (typeof entry.name === 'string') {
        total += countSmall(entry.name, encoding) + nameOverhead;
      }
      if (entry.tool_calls !== undefined) {
        total += countText(JSON.stringify(entry.tool_calls), encoding);
      }
    }
  }
  return total + countTools(tools, encoding);
}

/**
 * Input tokens of a responses request: `instructions` as a system message, then `input` as one user message (a
 * string) or as items (messages are counted like chat messages, other items such as function call outputs as
 * their JSON text).
 */
export function countResponsesInput(input: unknown, instructions?: unknown, tools?: unknown, encoding: EncodingName = defaultEncoding): number {
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
        items += messageFraming + countText(JSON.stringify(item), encoding);
      } else {
        messages.push(item);
      }
    }
  }
  return countChatPrompt(messages, tools, encoding) + items;
}

/** Tokens of an embeddings `input`: a string, strings, a token array or token arrays. No framing. */
export function countEmbeddingsInput(input: unknown, encoding: EncodingName = defaultEncoding): number {
  if (typeof input === 'string') {
    return countText(input, encoding);
  }
  if (!Array.isArray(input)) {
    return 0;
  }
  if (input.every((x) => typeof x === 'number')) {
    return input.length;
  }
  let total = 0;
  for (const item of input) {
    total += typeof item === 'string' ? countText(item, encoding) : Array.isArray(item) ? item.length : 0;
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
  if (!Array.isArray(tools) || tools.length === 0) {
    return 0;
  }
  return countRepeated(`tools\u0000${JSON.stringify(tools)}`, encoding, () => countToolList(tools, encoding));
}

function countToolList(tools: readonly unknown[], encoding: EncodingName): number {
  const k = toolConstants[encoding];
  let total = 0;
  let functions = 0;
  for (const tool of tools) {
    if (!isObject(tool)) {
      continue;
    }
    const fn = isObject(tool.function) ? tool.function : tool.type === 'function' ? tool : undefined;
    if (fn === undefined || typeof fn.name !== 'string') {
      total += countText(JSON.stringify(tool), encoding);
      continue;
    }
    functions++;
    total += k.functionStart + countText(`${fn.name}:${withoutFinalPeriod(fn.description)}`, encoding);
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
          total += k.enumItem + countText(typeof item === 'string' ? item : JSON.stringify(item), encoding);
        }
      }
      const type = typeof property.type === 'string' ? property.type : JSON.stringify(property.type ?? 'object');
      total += countText(`${key}:${type}:${withoutFinalPeriod(property.description)}`, encoding);
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
