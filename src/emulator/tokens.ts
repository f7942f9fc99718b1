import { decode, encode } from 'gpt-tokenizer';

// gpt-tokenizer's default encoding is o200k_base (GPT-4o, GPT-4.1, o-series). Special-token text in prompts is
// counted as ordinary text, as the service does.
const encodeOptions = { disallowedSpecial: new Set<string>() };

export function countText(text: string): number {
  return text.length === 0 ? 0 : encode(text, encodeOptions).length;
}

/** The first `max` tokens of `text`, and whether it was cut. */
export function truncateToTokens(text: string, max: number): { text: string; tokens: number; truncated: boolean } {
  const tokens = encode(text, encodeOptions);
  if (tokens.length <= max) {
    return { text, tokens: tokens.length, truncated: false };
  }
  return { text: decode(tokens.slice(0, Math.max(0, max))), tokens: Math.max(0, max), truncated: true };
}

// Rough vision costs (GPT-4o: 85 tokens for a low-detail image, a few tiles for the rest).
const lowDetailImageTokens = 85;
const imageTokens = 765;

/** Tokens of a message `content`: a string, or an array of text / image / audio parts. */
function countContent(content: unknown): number {
  if (typeof content === 'string') {
    return countText(content);
  }
  if (!Array.isArray(content)) {
    return content === null || content === undefined ? 0 : countText(JSON.stringify(content));
  }
  let total = 0;
  for (const part of content) {
    if (typeof part === 'string') {
      total += countText(part);
    } else if (typeof part === 'object' && part !== null) {
      const p = part as Record<string, unknown>;
      if (typeof p.text === 'string') {
        total += countText(p.text);
      } else if (p.type === 'image_url' || p.type === 'input_image') {
        const detail = (typeof p.image_url === 'object' && p.image_url !== null ? (p.image_url as Record<string, unknown>).detail : p.detail) ?? 'auto';
        total += detail === 'low' ? lowDetailImageTokens : imageTokens;
      } else {
        total += countText(JSON.stringify(p));
      }
    }
  }
  return total;
}

/**
 * Prompt tokens of a chat request, counted the way the service bills them for o200k models: per message
 * `<|im_start|>role<|im_sep|>content<|im_end|>` (3 tokens of framing plus the role), a name costs its tokens
 * plus one, and the reply is primed with `<|im_start|>assistant<|im_sep|>` (3 tokens). Tool definitions and tool
 * calls are counted as their JSON text.
 */
export function countChatPrompt(messages: unknown, tools?: unknown): number {
  let total = 3;
  if (Array.isArray(messages)) {
    for (const entry of messages) {
      if (typeof entry !== 'object' || entry === null) {
        continue;
      }
      const m = entry as Record<string, unknown>;
      total += 3 + countText(typeof m.role === 'string' ? m.role : 'user') + countContent(m.content);
      if (typeof m.name === 'string') {
        total += countText(m.name) + 1;
      }
      if (m.tool_calls !== undefined) {
        total += countText(JSON.stringify(m.tool_calls));
      }
    }
  }
  if (Array.isArray(tools) && tools.length > 0) {
    total += countText(JSON.stringify(tools)) + 10;
  }
  return total;
}

/** Input tokens of a responses request: `input` as a string (one user message) or as message items. */
export function countResponsesInput(input: unknown, instructions?: unknown, tools?: unknown): number {
  const messages: unknown[] = [];
  if (typeof instructions === 'string') {
    messages.push({ role: 'system', content: instructions });
  }
  if (typeof input === 'string') {
    messages.push({ role: 'user', content: input });
  } else if (Array.isArray(input)) {
    messages.push(...input);
  }
  return countChatPrompt(messages, tools);
}

/** Tokens of an embeddings `input`: a string, strings, or token arrays. */
export function countEmbeddingsInput(input: unknown): number {
  if (typeof input === 'string') {
    return countText(input);
  }
  if (!Array.isArray(input)) {
    return 0;
  }
  if (input.every((x) => typeof x === 'number')) {
    return input.length;
  }
  return input.reduce<number>((sum, item) => sum + (typeof item === 'string' ? countText(item) : Array.isArray(item) ? item.length : 0), 0);
}

/** The completion budget a request asks for, if any. */
export function maxOutputTokens(body: Record<string, unknown>): number | undefined {
  for (const key of ['max_completion_tokens', 'max_tokens', 'max_output_tokens']) {
    const value = body[key];
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) {
      return Math.floor(value);
    }
  }
  return undefined;
}
