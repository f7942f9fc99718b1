// The encoding names alone, without the tokenizer: the model table and the editor's host use them and must not
// pull the BPE counter in with them (the host counts nothing itself, see estimatorClient.ts).

/** The encodings of the models Azure OpenAI Batch runs: o200k_base (GPT-4o and later), cl100k_base (GPT-4, GPT-3.5, embeddings). */
export type EncodingName = 'o200k_base' | 'cl100k_base';

export const defaultEncoding: EncodingName = 'o200k_base';

/** True when `name` is an encoding the tokenizer can load. */
export function isEncodingName(name: unknown): name is EncodingName {
  return name === 'o200k_base' || name === 'cl100k_base';
}
