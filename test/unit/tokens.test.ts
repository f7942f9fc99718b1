import * as assert from 'node:assert/strict';
import { estimateLine, type RequestEstimate } from '../../src/core/tokens/estimate';
import { ModelResolver } from '../../src/core/tokens/models';
import { countChatPrompt, countEmbeddingsInput, countResponsesInput, countTools, maxOutputTokens } from '../../src/core/tokens/requestTokens';
import { countText, encodeText, truncateToTokens, type EncodingName } from '../../src/core/tokens/tokenizer';
import { request } from './helpers';

// gpt-tokenizer's own helpers, as independent references (loaded the way the package documents them).
interface ChatMessage {
  role?: string;
  name?: string;
  content: string;
}
interface ModelModule {
  encodeChat(chat: readonly ChatMessage[], model?: string): number[];
  countChatCompletionTokens?: (request: { messages: readonly ChatMessage[] }) => number;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const gpt4o = require('gpt-tokenizer/model/gpt-4o') as ModelModule;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const gpt4Turbo = require('gpt-tokenizer/model/gpt-4-turbo') as ModelModule;

// OpenAI cookbook, "How to count tokens with tiktoken" (examples/How_to_count_tokens_with_tiktoken.ipynb): the
// example conversation the notebook sends to the API, which reported 129 prompt tokens for gpt-3.5-turbo,
// gpt-4-0613 and gpt-4 (cl100k_base) and 124 for gpt-4o and gpt-4o-mini (o200k_base).
const cookbookMessages: ChatMessage[] = [
  { role: 'system', content: 'You are a helpful, pattern-following assistant that translates corporate jargon into plain English.' },
  { role: 'system', name: 'example_user', content: 'New synergies will help drive top-line growth.' },
  { role: 'system', name: 'example_assistant', content: 'Things working well together will increase revenue.' },
  { role: 'system', name: 'example_user', content: "Let's circle back when we have more bandwidth to touch base on opportunities for increased leverage." },
  { role: 'system', name: 'example_assistant', content: "Let's talk later when we're less busy about how to do better." },
  { role: 'user', content: "This late pivot means we don't have time to boil the ocean for the client deliverable." },
];

// The same notebook's tool example: 105 prompt tokens (gpt-3.5-turbo, gpt-4) and 101 (gpt-4o, gpt-4o-mini) per the API.
const cookbookTools = [
  {
    type: 'function',
    function: {
      name: 'get_current_weather',
      description: 'Get the current weather in a given location',
      parameters: {
        type: 'object',
        properties: {
          location: { type: 'string', description: 'The city and state, e.g. San Francisco, CA' },
          unit: { type: 'string', description: 'The unit of temperature to return', enum: ['celsius', 'fahrenheit'] },
        },
        required: ['location'],
      },
    },
  },
];
const cookbookToolMessages = [
  { role: 'system', content: 'You are a helpful assistant that can answer to questions about the weather.' },
  { role: 'user', content: "What's the weather like in San Francisco?" },
];

describe('tokens: text counts against published figures', () => {
  // The notebook's sections 3 and 5 list the token ids of these strings per encoding.
  const published: { text: string; cl100k: number[]; o200k: number[] }[] = [
    { text: 'tiktoken is great!', cl100k: [83, 1609, 5963, 374, 2294, 0], o200k: [83, 8251, 2488, 382, 2212, 0] },
    { text: 'antidisestablishmentarianism', cl100k: [519, 85342, 34500, 479, 8997, 2191], o200k: [493, 129901, 376, 160388, 21203, 2367] },
    { text: '2 + 2 = 4', cl100k: [17, 489, 220, 17, 284, 220, 19], o200k: [17, 659, 220, 17, 314, 220, 19] },
    { text: 'お誕生日おめでとう', cl100k: [33334, 45918, 243, 21990, 9080, 33334, 62004, 16556, 78699], o200k: [8930, 9697, 243, 128225, 8930, 17693, 4344, 48669] },
  ];
  for (const { text, cl100k, o200k } of published) {
    it(`"${text}": ${cl100k.length} tokens in cl100k_base, ${o200k.length} in o200k_base, with the published ids`, () => {
      assert.equal(countText(text, 'cl100k_base'), cl100k.length);
      assert.equal(countText(text, 'o200k_base'), o200k.length);
      assert.deepEqual(encodeText(text, 'cl100k_base'), cl100k);
      assert.deepEqual(encodeText(text, 'o200k_base'), o200k);
    });
  }

  it('counts special-token text as ordinary text instead of throwing', () => {
    assert.equal(countText('a <|endoftext|> b'), 9);
    assert.equal(countText(''), 0);
  });

  it('truncates to a number of tokens', () => {
    const cut = truncateToTokens('tiktoken is great!', 3);
    assert.deepEqual(cut, { text: 'tiktoken', tokens: 3, truncated: true });
    assert.deepEqual(truncateToTokens('2 + 2 = 4', 100, 'cl100k_base'), { text: '2 + 2 = 4', tokens: 7, truncated: false });
  });
});

describe('tokens: chat prompts', () => {
  it('matches the API counts of the cookbook conversation: 129 (cl100k_base), 124 (o200k_base)', () => {
    assert.equal(countChatPrompt(cookbookMessages, undefined, 'cl100k_base'), 129);
    assert.equal(countChatPrompt(cookbookMessages, undefined, 'o200k_base'), 124);
  });

  it('matches the API counts of the cookbook tool example: 105 (cl100k_base), 101 (o200k_base)', () => {
    assert.equal(countChatPrompt(cookbookToolMessages, cookbookTools, 'cl100k_base'), 105);
    assert.equal(countChatPrompt(cookbookToolMessages, cookbookTools, 'o200k_base'), 101);
    // Responses-style function tools (flat) count the same.
    const flat = cookbookTools.map((t) => ({ type: 'function', ...t.function }));
    assert.equal(countTools(flat, 'o200k_base'), countTools(cookbookTools, 'o200k_base'));
  });

  it("matches the Azure docs' sample: 27 prompt tokens on gpt-4o", () => {
    // The sample answer for this prompt in the Azure OpenAI docs reports "prompt_tokens": 27 (the figure
    // test/unit/emulator.test.ts relies on too).
    const messages = [
      { role: 'system', content: 'You are an AI assistant that helps people find information.' },
      { role: 'user', content: 'When was Microsoft founded?' },
    ];
    assert.equal(countChatPrompt(messages), 27);
  });

  it("agrees with gpt-tokenizer's countChatCompletionTokens (same cookbook rule) on both encodings", () => {
    assert.equal(countChatPrompt(cookbookMessages, undefined, 'o200k_base'), gpt4o.countChatCompletionTokens!({ messages: cookbookMessages }));
    assert.equal(countChatPrompt(cookbookMessages, undefined, 'cl100k_base'), gpt4Turbo.countChatCompletionTokens!({ messages: cookbookMessages }));
  });

  it("equals the length of gpt-tokenizer's encodeChat (the rendered ChatML) for messages without names", () => {
    const cases: ChatMessage[][] = [
      [{ role: 'user', content: 'Hello' }],
      [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Café, naïve, 日本語 and emoji 😀 👩‍💻' },
        { role: 'assistant', content: 'Sure.' },
        { role: 'developer', content: 'Line one\nline two\ttabbed "quoted" \\ backslash' },
      ],
    ];
    for (const messages of cases) {
      assert.equal(countChatPrompt(messages, undefined, 'o200k_base'), gpt4o.encodeChat(messages, 'gpt-4o').length);
      assert.equal(countChatPrompt(messages, undefined, 'cl100k_base'), gpt4Turbo.encodeChat(messages, 'gpt-4-turbo').length);
    }
  });

  it('counts content parts, images and tool calls', () => {
    const text = countText('Describe the picture.');
    const parts = [{ role: 'user', content: [{ type: 'text', text: 'Describe the picture.' }, { type: 'image_url', image_url: { url: 'https://x/y.png', detail: 'low' } }] }];
    assert.equal(countChatPrompt(parts), 3 + 3 + countText('user') + text + 85);
    const high = [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] }];
    assert.equal(countChatPrompt(high), 3 + 3 + 1 + 765);
    const calls = [{ type: 'function', id: 'call_1', function: { name: 'f', arguments: '{}' } }];
    const withCalls = [{ role: 'assistant', content: null, tool_calls: calls }];
    assert.equal(countChatPrompt(withCalls), 3 + 3 + countText('assistant') + countText(JSON.stringify(calls)));
  });
});

describe('tokens: responses and embeddings inputs', () => {
  it('counts instructions as a system message and a string input as a user message', () => {
    assert.equal(
      countResponsesInput('When was Microsoft founded?', 'You are an AI assistant that helps people find information.'),
      countChatPrompt([
        { role: 'system', content: 'You are an AI assistant that helps people find information.' },
        { role: 'user', content: 'When was Microsoft founded?' },
      ]),
    );
  });

  it('counts message items like chat messages and other items as their JSON', () => {
    const items = [
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Hi there' }] },
      { type: 'function_call_output', call_id: 'c1', output: '{"temperature": 21}' },
    ];
    const expected = 3 + (3 + countText('user') + countText('Hi there')) + (3 + countText(JSON.stringify(items[1])));
    assert.equal(countResponsesInput(items), expected);
  });

  it('counts embeddings inputs without framing: strings, string arrays, token arrays', () => {
    assert.equal(countEmbeddingsInput('tiktoken is great!', 'cl100k_base'), 6);
    assert.equal(countEmbeddingsInput(['tiktoken is great!', '2 + 2 = 4'], 'cl100k_base'), 13);
    assert.equal(countEmbeddingsInput([1, 2, 3]), 3);
    assert.equal(countEmbeddingsInput([[1, 2], [3]]), 3);
    assert.equal(countEmbeddingsInput(undefined), 0);
  });

  it('reads the output limit from max_completion_tokens, max_tokens or max_output_tokens', () => {
    assert.equal(maxOutputTokens({ max_tokens: 100 }), 100);
    assert.equal(maxOutputTokens({ max_completion_tokens: 50, max_tokens: 100 }), 50);
    assert.equal(maxOutputTokens({ max_output_tokens: 70.9 }), 70);
    assert.equal(maxOutputTokens({ max_tokens: -1 }), undefined);
    assert.equal(maxOutputTokens({ max_tokens: '100' }), undefined);
    assert.equal(maxOutputTokens({}), undefined);
  });
});

describe('tokens: one request line', () => {
  const resolver = new ModelResolver();
  const asRequest = (text: string): RequestEstimate => {
    const estimate = estimateLine(text, resolver);
    assert.equal(estimate.kind, 'request');
    return estimate as RequestEstimate;
  };

  it('counts a chat line with the encoding of its deployment and bounds the output by max_tokens × n', () => {
    const messages = cookbookMessages;
    const onGpt4o = asRequest(request({}, { model: 'gpt-4o-batch', messages, max_tokens: 100 }));
    assert.deepEqual(onGpt4o, { kind: 'request', endpoint: 'chat', deployment: 'gpt-4o-batch', inputTokens: 124, outputTokens: 100, outputLimit: 'max_tokens', unbounded: false });
    const onGpt4 = asRequest(request({}, { model: 'gpt-4-batch', messages, max_completion_tokens: 30, n: 3 }));
    assert.equal(onGpt4.inputTokens, 129, 'gpt-4 deployments are counted with cl100k_base');
    assert.equal(onGpt4.outputTokens, 90);
    assert.equal(onGpt4.outputLimit, 'max_completion_tokens');
  });

  it('marks requests without an output limit', () => {
    const estimate = asRequest(request({}, { max_tokens: undefined }));
    assert.equal(estimate.unbounded, true);
    assert.equal(estimate.outputTokens, 0);
  });

  it('counts responses and embeddings lines; embeddings have no output', () => {
    const responses = asRequest(JSON.stringify({ custom_id: 'r', method: 'POST', url: '/v1/responses', body: { model: 'o4-mini-batch', input: 'tiktoken is great!', max_output_tokens: 500 } }));
    assert.equal(responses.inputTokens, 3 + 3 + 1 + 6);
    assert.equal(responses.outputTokens, 500);
    const embeddings = asRequest(JSON.stringify({ custom_id: 'e', method: 'POST', url: '/embeddings', body: { model: 'text-embedding-3-small', input: ['tiktoken is great!', 'お誕生日おめでとう'] } }));
    assert.deepEqual(embeddings, { kind: 'request', endpoint: 'embeddings', deployment: 'text-embedding-3-small', inputTokens: 6 + 9, outputTokens: 0, outputLimit: undefined, unbounded: false });
  });

  it('skips lines that are not requests and ignores blank lines', () => {
    for (const text of ['{"custom_id":', '[1,2]', '"text"', request({ url: '/v1/completions' }), request({ body: 'x' }), request({}, { messages: undefined }), JSON.stringify({ url: '/embeddings', body: { model: 'e' } })]) {
      assert.deepEqual(estimateLine(text, resolver), { kind: 'skipped' }, text);
    }
    assert.deepEqual(estimateLine('', resolver), { kind: 'blank' });
    assert.deepEqual(estimateLine('  \t', resolver), { kind: 'blank' });
  });

  it('ignores a byte order mark and a missing model (estimated for the default model)', () => {
    const line = request({}, { max_tokens: 10 });
    assert.deepEqual(estimateLine('\ufeff' + line, resolver), estimateLine(line, resolver));
    const noModel = asRequest(request({}, { model: undefined }));
    assert.equal(noModel.deployment, '');
    assert.equal(noModel.inputTokens, countChatPrompt([{ role: 'user', content: 'Hello' }]));
  });

  it('uses the encoding the settings give a deployment', () => {
    const text = request({}, { model: 'prod-chat', messages: cookbookMessages });
    const encodings: [ModelResolver, EncodingName, number][] = [
      [new ModelResolver(), 'o200k_base', 124],
      [new ModelResolver({ deploymentModels: { 'prod-chat': 'gpt-35-turbo' } }), 'cl100k_base', 129],
    ];
    for (const [r, encoding, tokens] of encodings) {
      assert.equal(r.resolve('prod-chat').encoding, encoding);
      assert.equal((estimateLine(text, r) as RequestEstimate).inputTokens, tokens);
    }
  });
});
