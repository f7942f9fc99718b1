// Token counting lives in src/core/tokens (shared with the estimates): the emulator bills what the estimate counts.
export { countText, truncateToTokens } from '../core/tokens/tokenizer';
export { countChatPrompt, countEmbeddingsInput, countResponsesInput, maxOutputTokens } from '../core/tokens/requestTokens';
