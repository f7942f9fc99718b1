// The BPE encodings behind every count, loaded on first use: each takes ~100-200 ms and tens of MB to build, so
// neither the extension's activation nor the CLI's other commands pay for one they do not use.

/** The encodings of the models Azure OpenAI Batch runs: o200k_base (GPT-4o and later), cl100k_base (GPT-4, GPT-3.5, embeddings). */
export type EncodingName = 'o200k_base' | 'cl100k_base';

export const encodingNames: readonly EncodingName[] = ['o200k_base', 'cl100k_base'];

export const defaultEncoding: EncodingName = 'o200k_base';

/** The part of a gpt-tokenizer encoding module used here. */
interface EncodingModule {
  countTokens(text: string, options?: EncodeOptions): number;
  encode(text: string, options?: EncodeOptions): number[];
  decode(tokens: Iterable<number>): string;
}

interface EncodeOptions {
  disallowedSpecial?: Set<string>;
}

// Special-token text in a prompt (`<|endoftext|>`) is counted as ordinary text, as the service does: with an empty
// disallowed set gpt-tokenizer neither throws on it nor encodes it as one special token.
const asText: EncodeOptions = { disallowedSpecial: new Set<string>() };

const loaded = new Map<EncodingName, EncodingModule>();

function load(name: EncodingName): EncodingModule {
  // Literal paths, so the bundler includes them; `require` defers the cost to the first count.
  switch (name) {
    case 'cl100k_base':
      return require('gpt-tokenizer/encoding/cl100k_base') as EncodingModule;
    case 'o200k_base':
      return require('gpt-tokenizer/encoding/o200k_base') as EncodingModule;
  }
}

function encoding(name: EncodingName): EncodingModule {
  let module = loaded.get(name);
  if (module === undefined) {
    module = load(name);
    loaded.set(name, module);
  }
  return module;
}

/** Whether an encoding is loaded already (its first use costs a one-off load). */
export function isEncodingLoaded(name: EncodingName): boolean {
  return loaded.has(name);
}

/** Loads an encoding now, for callers that prefer to pay the load up front. */
export function loadEncoding(name: EncodingName): void {
  encoding(name);
}

/** Tokens of a plain text. */
export function countText(text: string, name: EncodingName = defaultEncoding): number {
  return text.length === 0 ? 0 : encoding(name).countTokens(text, asText);
}

/** The token ids of a text (special-token text encoded as ordinary text). */
export function encodeText(text: string, name: EncodingName = defaultEncoding): number[] {
  return encoding(name).encode(text, asText);
}

/** The first `max` tokens of `text`, and whether it was cut. */
export function truncateToTokens(text: string, max: number, name: EncodingName = defaultEncoding): { text: string; tokens: number; truncated: boolean } {
  const module = encoding(name);
  const tokens = module.encode(text, asText);
  if (tokens.length <= max) {
    return { text, tokens: tokens.length, truncated: false };
  }
  const kept = Math.max(0, max);
  return { text: module.decode(tokens.slice(0, kept)), tokens: kept, truncated: true };
}

/** True when `name` is an encoding this module can load. */
export function isEncodingName(name: unknown): name is EncodingName {
  return name === 'o200k_base' || name === 'cl100k_base';
}
