// The BPE encodings behind every count, loaded on first use: each takes ~100-200 ms and tens of MB to build, so
// neither the extension's activation nor the CLI's other commands pay for one they do not use. Counts go through
// BpeCounter (linear in the text, see bpe.ts), built from gpt-tokenizer's published rank tables and pre-token
// expressions; encoding to token ids and decoding (the emulator's replies) use gpt-tokenizer itself.
import { BpeCounter, defaultStepLength } from './bpe';
import type { EncodingModule } from './encodingData';

import { defaultEncoding, type EncodingName } from './encodings';

export { defaultEncoding, isEncodingName, type EncodingName } from './encodings';

interface EncodeOptions {
  disallowedSpecial?: Set<string>;
}

// Special-token text in a prompt (`<|endoftext|>`) is counted as ordinary text, as the service does: with an empty
// disallowed set gpt-tokenizer neither throws on it nor encodes it as one special token.
const asText: EncodeOptions = { disallowedSpecial: new Set<string>() };

type EncodingData = typeof import('./encodingData');
let data: EncodingData | undefined;

/** The tables, required on first use: a static import would load them with whoever imports this module. */
function encodingData(): EncodingData {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred on purpose
  data ??= require('./encodingData') as EncodingData;
  return data;
}

const loaded = new Map<EncodingName, EncodingModule>();

function encoding(name: EncodingName): EncodingModule {
  let module = loaded.get(name);
  if (module === undefined) {
    module = encodingData().encodingModule(name);
    loaded.set(name, module);
  }
  return module;
}

const counters = new Map<EncodingName, BpeCounter>();

function counter(name: EncodingName): BpeCounter {
  let built = counters.get(name);
  if (built === undefined) {
    const { ranks, split } = encodingData().rankTable(name);
    built = new BpeCounter(ranks, split);
    counters.set(name, built);
  }
  return built;
}

/**
 * Tokens of a plain text, in time linear in its length. Exactly gpt-tokenizer's count, except for a pre-token
 * longer than 4,096 UTF-16 units (a run with no break, such as one repeated character), counted in pieces: about one
 * token of difference per 4,096 characters of such a run (see bpe.ts).
 */
export function countText(text: string, name: EncodingName = defaultEncoding): number {
  return text.length === 0 ? 0 : counter(name).count(text);
}

/** Texts at most this long are counted in one step by {@link countTextSteps}. */
export const textStepLength = defaultStepLength;

/** {@link countText} in bounded steps: yields about every {@link textStepLength} UTF-16 units, to stop and resume at a deadline. */
export function* countTextSteps(text: string, name: EncodingName = defaultEncoding): Generator<void, number, void> {
  if (text.length <= textStepLength) {
    return countText(text, name);
  }
  return yield* counter(name).countSteps(text);
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
