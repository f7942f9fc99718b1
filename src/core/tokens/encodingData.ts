// gpt-tokenizer's tables and encodings, behind one module that tokenizer.ts requires on its first count: the bundles
// keep this module in a file of its own (dist/tokenizerData.js, see esbuild.mjs), so the megabytes of rank tables
// are neither parsed nor evaluated by a process that never counts. Each table is still built only when asked for.
import type { RankTable } from './bpe';
import type { EncodingName } from './encodings';

/** The part of a gpt-tokenizer encoding module used here (to encode and decode; counts go through BpeCounter). */
export interface EncodingModule {
  encode(text: string, options?: { disallowedSpecial?: Set<string> }): number[];
  decode(tokens: Iterable<number>): string;
}

interface SplitExpressions {
  O200K_TOKEN_SPLIT_REGEX: RegExp;
  CL100K_TOKEN_SPLIT_REGEX: RegExp;
}

// Literal paths throughout, so the bundler includes them.
/* eslint-disable @typescript-eslint/no-require-imports */

/** gpt-tokenizer's encoder and decoder for `name`. */
export function encodingModule(name: EncodingName): EncodingModule {
  switch (name) {
    case 'cl100k_base':
      return require('gpt-tokenizer/encoding/cl100k_base') as EncodingModule;
    case 'o200k_base':
      return require('gpt-tokenizer/encoding/o200k_base') as EncodingModule;
  }
}

/** The rank table of `name` and its pre-token expression (the same modules gpt-tokenizer's encodings are built from). */
export function rankTable(name: EncodingName): { ranks: RankTable; split: RegExp } {
  const expressions = require('gpt-tokenizer/encodingParams/constants') as SplitExpressions;
  switch (name) {
    case 'cl100k_base':
      return { ranks: (require('gpt-tokenizer/bpeRanks/cl100k_base') as { default: RankTable }).default, split: expressions.CL100K_TOKEN_SPLIT_REGEX };
    case 'o200k_base':
      return { ranks: (require('gpt-tokenizer/bpeRanks/o200k_base') as { default: RankTable }).default, split: expressions.O200K_TOKEN_SPLIT_REGEX };
  }
}
