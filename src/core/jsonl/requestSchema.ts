import { modelFamily } from '../tokens/models';
import type { EndpointKind } from './endpoints';

/**
 * A data description of the request lines of a batch file and of the request bodies per endpoint, taken from
 * the `openai` package's types (their doc comments give the `doc` strings) and Azure's batch documentation.
 * The validator checks bodies against it (see parameterChecks.ts); completion and hover list keys, enum values
 * and docs from it. Only what a batch request can carry is described: streaming-only and conversation-state
 * parameters are listed so they are known, but are not described in depth.
 */

/** The JSON types a value may have. `integer` is a number with no fraction. */
export type JsonType = 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array' | 'null';

/** The kinds of model whose parameters differ: reasoning models (o-series, GPT-5) and the rest. */
export type ModelKind = 'reasoning' | 'nonReasoning';

/** A parameter a model kind rejects: always, or unless it has its default value. */
export interface Restriction {
  /** The model kind that rejects the parameter. */
  readonly models: ModelKind;
  /** The one value the models accept (the default), when any other value is rejected. Absent: rejected whatever its value. */
  readonly allowed?: string | number | boolean;
  /** The parameter to use instead, when there is one. */
  readonly replacement?: string;
}

/** The description of one value: a parameter, a nested property or an array item. */
export interface Shape {
  /** One line of documentation. */
  readonly doc: string;
  /** The JSON types the value may have. */
  readonly types: readonly JsonType[];
  /** The only strings allowed (when the value is a string). */
  readonly enum?: readonly string[];
  /** Inclusive bounds of a number. */
  readonly minimum?: number;
  readonly maximum?: number;
  /** Bounds of an array's length. */
  readonly minItems?: number;
  readonly maxItems?: number;
  /** The shape of every item of an array. */
  readonly items?: Shape;
  /** The known properties of an object. */
  readonly properties?: Readonly<Record<string, Shape>>;
  /** Properties an object must have. */
  readonly required?: readonly string[];
  /** The shape of every value of a map-like object (`logit_bias`, `metadata`). */
  readonly values?: Shape;
  /** What every key of a map-like object must look like, with words for messages. */
  readonly keys?: { readonly pattern: RegExp; readonly description: string };
  /** At most this many keys (map-like objects). */
  readonly maxProperties?: number;
  /** A string pattern, with words for messages. */
  readonly pattern?: { readonly regex: RegExp; readonly description: string };
  /**
   * An object that is one of several shapes, told apart by the string at `key` (`type` of a content part,
   * `role` of a message). A value with another or no discriminator is reported with the list of `shapes`.
   */
  readonly variants?: {
    readonly key: string;
    readonly shapes: Readonly<Record<string, Shape>>;
    /** The shape of a value without the discriminator (an input message has no `type`). */
    readonly fallback?: string;
    /** Other discriminator values are allowed and not checked (the many item types of the Responses API). */
    readonly open?: boolean;
  };
  /** A check that needs code: an image URL, or a JSON Schema (strict mode rules when the sibling `strict` is true). */
  readonly format?: 'imageUrl' | 'jsonSchema';
  /** Model kinds that reject the parameter. */
  readonly restrictions?: readonly Restriction[];
  /** Deprecated in favour of another parameter (docs only). */
  readonly deprecated?: string;
  /**
   * What the structural rules of lineAnalysis.ts already report, so it is not reported twice: `value`, a wrong
   * type or discriminator of this value (`model`, `messages` and each message's `role`; what is inside is still
   * checked); `null`, only a null value (`input`, which they report as missing).
   */
  readonly checkedElsewhere?: 'value' | 'null';
}

// Builders keep the tables below short.
const str = (doc: string, extra: Partial<Shape> = {}): Shape => ({ doc, types: ['string'], ...extra });
const oneOf = (doc: string, values: readonly string[], nullable = false): Shape => ({ doc, types: nullable ? ['string', 'null'] : ['string'], enum: values });
const bool = (doc: string, nullable = true): Shape => ({ doc, types: nullable ? ['boolean', 'null'] : ['boolean'] });
const num = (doc: string, minimum?: number, maximum?: number, extra: Partial<Shape> = {}): Shape => ({ doc, types: ['number', 'null'], minimum, maximum, ...extra });
const int = (doc: string, minimum?: number, maximum?: number, extra: Partial<Shape> = {}): Shape => ({ doc, types: ['integer', 'null'], minimum, maximum, ...extra });
const obj = (doc: string, properties: Record<string, Shape>, required: readonly string[] = [], extra: Partial<Shape> = {}): Shape => ({
  doc,
  types: ['object'],
  properties,
  required,
  ...extra,
});
const arr = (doc: string, items: Shape, extra: Partial<Shape> = {}): Shape => ({ doc, types: ['array'], items, ...extra });
const any = (doc: string, extra: Partial<Shape> = {}): Shape => ({ doc, types: ['string', 'number', 'boolean', 'object', 'array', 'null'], ...extra });
const typeTag = (value: string): Shape => ({ doc: `Always "${value}".`, types: ['string'], enum: [value] });

const reasoningDefault = (allowed: string | number | boolean): Restriction => ({ models: 'reasoning', allowed });

const metadata: Shape = {
  doc: 'Up to 16 key-value pairs (keys up to 64 characters, values up to 512) attached to the object.',
  types: ['object', 'null'],
  values: str('A metadata value: a string of up to 512 characters.'),
  maxProperties: 16,
};

const functionName = { regex: /^[a-zA-Z0-9_-]{1,64}$/, description: 'a-z, A-Z, 0-9, underscores and dashes, at most 64 characters' };

const jsonSchemaObject: Shape = {
  doc: 'The schema for the response format, described as a JSON Schema object.',
  types: ['object'],
  format: 'jsonSchema',
};

const jsonSchemaFormat = obj(
  'Structured Outputs configuration options, including a JSON Schema.',
  {
    name: str('The name of the response format: a-z, A-Z, 0-9, underscores and dashes, at most 64 characters.', { pattern: functionName }),
    description: str('What the response format is for, used by the model to determine how to respond in the format.'),
    schema: jsonSchemaObject,
    strict: bool('Whether to enable strict schema adherence: every property required and additionalProperties false at every level.'),
  },
  ['name'],
);

const responseFormat: Shape = {
  doc: 'An object specifying the format that the model must output: text, json_object or json_schema (Structured Outputs).',
  types: ['object'],
  variants: {
    key: 'type',
    shapes: {
      text: obj('Default response format. Used to generate text responses.', { type: typeTag('text') }),
      json_object: obj('JSON mode: the model generates valid JSON. The messages must ask for JSON.', { type: typeTag('json_object') }),
      json_schema: obj('Structured Outputs: the model follows the JSON Schema given.', { type: typeTag('json_schema'), json_schema: jsonSchemaFormat }, ['json_schema']),
    },
  },
};

const functionParameters: Shape = {
  doc: 'The parameters the function accepts, described as a JSON Schema object.',
  types: ['object'],
  format: 'jsonSchema',
};

const chatFunction = obj(
  'A function the model may call.',
  {
    name: str('The name of the function: a-z, A-Z, 0-9, underscores and dashes, at most 64 characters.', { pattern: functionName }),
    description: str('What the function does, used by the model to choose when and how to call it.'),
    parameters: functionParameters,
    strict: bool('Whether to enable strict schema adherence when generating the function call.'),
  },
  ['name'],
);

const chatTools = arr(
  'A list of tools the model may call: functions (at most 128) or custom tools.',
  {
    doc: 'A tool the model may call.',
    types: ['object'],
    variants: {
      key: 'type',
      shapes: {
        function: obj('A function tool.', { type: typeTag('function'), function: chatFunction }, ['function']),
        custom: obj(
          'A custom tool that processes input in a format you specify.',
          {
            type: typeTag('custom'),
            custom: obj('Properties of the custom tool.', { name: str('The name of the custom tool.'), description: str('What the tool does.'), format: any('The input format: text or a grammar.') }, ['name']),
          },
          ['custom'],
        ),
      },
    },
  },
  { maxItems: 128 },
);

const chatToolChoice: Shape = {
  doc: 'Controls which (if any) tool is called by the model: "none", "auto", "required", or a named tool.',
  types: ['string', 'object'],
  enum: ['none', 'auto', 'required'],
  variants: {
    key: 'type',
    shapes: {
      function: obj('Forces the model to call this function.', { type: typeTag('function'), function: obj('The function to call.', { name: str('The name of the function to call.') }, ['name']) }, ['function']),
      custom: obj('Forces the model to call this custom tool.', { type: typeTag('custom'), custom: obj('The custom tool to call.', { name: str('The name of the custom tool to call.') }, ['name']) }, ['custom']),
      allowed_tools: obj(
        'Restricts the tools the model may call to a subset.',
        {
          type: typeTag('allowed_tools'),
          allowed_tools: obj('The allowed tools.', { mode: oneOf('"auto" lets the model pick among the tools or none; "required" makes it call one.', ['auto', 'required']), tools: arr('The tool definitions the model may call.', any('A tool definition.')) }, ['mode', 'tools']),
        },
        ['allowed_tools'],
      ),
    },
  },
};

const logitBias: Shape = {
  doc: 'Maps token ids (as strings) to a bias from -100 to 100 added to the logits before sampling.',
  types: ['object', 'null'],
  keys: { pattern: /^(0|[1-9][0-9]*)$/, description: 'a token id (a whole number, as a string)' },
  values: { doc: 'A bias from -100 to 100.', types: ['number'], minimum: -100, maximum: 100 },
};

const stop: Shape = {
  doc: 'Up to 4 sequences where the API will stop generating further tokens. Not supported with o3 and o4-mini.',
  types: ['string', 'array', 'null'],
  items: str('A stop sequence.'),
  maxItems: 4,
};

const imageUrl = obj(
  'The image: a URL or base64-encoded image data.',
  {
    url: str('Either an http(s) URL of the image or a data:image/...;base64, URL with the image data.', { format: 'imageUrl' }),
    detail: oneOf('The detail level of the image: low, high or auto (the default).', ['auto', 'low', 'high', 'original']),
  },
  ['url'],
);

const textPart = obj('A text content part.', { type: typeTag('text'), text: str('The text content.') }, ['text']);
const userContentParts: Readonly<Record<string, Shape>> = {
  text: textPart,
  image_url: obj('An image content part (multimodal models only).', { type: typeTag('image_url'), image_url: imageUrl }, ['image_url']),
  input_audio: obj(
    'An audio input content part.',
    {
      type: typeTag('input_audio'),
      input_audio: obj('The audio.', { data: str('Base64 encoded audio data.'), format: oneOf('The format of the encoded audio data.', ['wav', 'mp3']) }, ['data', 'format']),
    },
    ['input_audio'],
  ),
  file: obj(
    'A file content part.',
    { type: typeTag('file'), file: obj('The file.', { file_data: str('The base64 encoded file data.'), file_id: str('The id of an uploaded file.'), filename: str('The name of the file.') }) },
    ['file'],
  ),
};

const contentOf = (doc: string, parts: Readonly<Record<string, Shape>>, nullable = false): Shape => ({
  doc,
  types: nullable ? ['string', 'array', 'null'] : ['string', 'array'],
  items: { doc: 'A content part.', types: ['object'], variants: { key: 'type', shapes: parts } },
});

const messageName = str('An optional name for the participant, to tell participants of the same role apart.');
const toolCall = obj(
  'A tool call the model made.',
  {
    id: str('The id of the tool call.'),
    type: oneOf('The type of the tool.', ['function', 'custom']),
    function: obj('The function the model called.', { name: str('The name of the function.'), arguments: str('The arguments, as JSON text.') }, ['name', 'arguments']),
  },
  ['id', 'type'],
);

const chatMessage: Shape = {
  doc: 'A message of the conversation, told apart by its role.',
  types: ['object'],
  checkedElsewhere: 'value',
  variants: {
    key: 'role',
    shapes: {
      system: obj('Instructions the model should follow regardless of user messages (developer on o1 and newer).', { role: typeTag('system'), content: contentOf('The contents of the system message.', { text: textPart }), name: messageName }, ['content']),
      developer: obj('Instructions the model should follow regardless of user messages (o1 models and newer).', { role: typeTag('developer'), content: contentOf('The contents of the developer message.', { text: textPart }), name: messageName }, ['content']),
      user: obj('A message sent by an end user: text, images, audio or files.', { role: typeTag('user'), content: contentOf('The contents of the user message.', userContentParts), name: messageName }, ['content']),
      assistant: obj(
        'A message the model sent earlier in the conversation.',
        {
          role: typeTag('assistant'),
          content: contentOf('The contents of the assistant message; may be null when tool_calls is set.', { text: textPart, refusal: obj('A refusal content part.', { type: typeTag('refusal'), refusal: str('The refusal message.') }, ['refusal']) }, true),
          name: messageName,
          refusal: { doc: 'The refusal message by the assistant.', types: ['string', 'null'] },
          tool_calls: arr('The tool calls the model made.', toolCall),
          audio: { doc: 'Data about an earlier audio response.', types: ['object', 'null'] },
          function_call: { doc: 'Deprecated: replaced by tool_calls.', types: ['object', 'null'] },
        },
      ),
      tool: obj('The result of a tool call.', { role: typeTag('tool'), content: contentOf('The contents of the tool message.', { text: textPart }), tool_call_id: str('The tool call this message answers.') }, ['content', 'tool_call_id']),
      function: obj('Deprecated: the result of a function call.', { role: typeTag('function'), content: { doc: 'The contents of the function message.', types: ['string', 'null'] }, name: str('The name of the function.') }, ['content', 'name']),
    },
  },
};

const reasoningEffort: Shape = {
  doc: 'Constrains effort on reasoning for reasoning models: none, minimal, low, medium, high or xhigh.',
  types: ['string', 'null'],
  enum: ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'],
  restrictions: [{ models: 'nonReasoning' }],
};

const serviceTier = oneOf('The processing type used for serving the request.', ['auto', 'default', 'flex', 'scale', 'priority', 'fast'], true);
const streamShape: Shape = { doc: 'Batch requests cannot stream: leave it out or set it to false.', types: ['boolean', 'null'] };
const promptCacheKey: Shape = { doc: 'Used to cache responses for similar requests to optimize cache hit rates.', types: ['string', 'null'] };
const safetyIdentifier: Shape = { doc: 'A stable identifier used to help detect users of your application that may be violating usage policies.', types: ['string', 'null'] };
const user = str('A unique identifier of your end user; prompt_cache_key takes over its role in caching.', { deprecated: 'safety_identifier' });
const temperature = num('What sampling temperature to use, between 0 and 2.', 0, 2, { restrictions: [reasoningDefault(1)] });
const topP = num('Nucleus sampling: the model considers the tokens with top_p probability mass, between 0 and 1.', 0, 1, {
  restrictions: [reasoningDefault(1)],
});
const topLogprobs = int('An integer between 0 and 20: the number of most likely tokens to return at each position.', 0, 20, {
  restrictions: [{ models: 'reasoning' }],
});

/** The parameters of a chat completions body (`/chat/completions`). */
export const chatCompletionsBody: Readonly<Record<string, Shape>> = {
  messages: arr('A list of messages comprising the conversation so far.', chatMessage, { checkedElsewhere: 'value' }),
  model: str('The name of your Global Batch or Data Zone Batch deployment.', { checkedElsewhere: 'value' }),
  audio: { doc: 'Parameters for audio output (requires modalities ["audio"]).', types: ['object', 'null'] },
  frequency_penalty: num('Number between -2.0 and 2.0: positive values penalize tokens by their frequency so far.', -2, 2, {
    restrictions: [reasoningDefault(0)],
  }),
  function_call: { doc: 'Controls which function is called by the model: "none", "auto", or a named function.', types: ['string', 'object'], enum: ['none', 'auto'], properties: { name: str('The name of the function to call.') }, required: ['name'], deprecated: 'tool_choice' },
  functions: arr('A list of functions the model may call.', chatFunction, { deprecated: 'tools', maxItems: 128 }),
  logit_bias: logitBias,
  logprobs: { ...bool('Whether to return log probabilities of the output tokens.'), restrictions: [reasoningDefault(false)] },
  max_completion_tokens: int('An upper bound for the number of tokens that can be generated, including visible output and reasoning tokens.', 1),
  max_tokens: int('The maximum number of tokens to generate.', 1, undefined, {
    deprecated: 'max_completion_tokens',
    restrictions: [{ models: 'reasoning', replacement: 'max_completion_tokens' }],
  }),
  metadata,
  modalities: { doc: 'Output types the model should generate: ["text"] (the default) or ["text", "audio"].', types: ['array', 'null'], items: oneOf('An output type.', ['text', 'audio']) },
  n: int('How many chat completion choices to generate for each input message, at least 1.', 1, 128),
  parallel_tool_calls: bool('Whether to enable parallel function calling during tool use.', false),
  prediction: { doc: 'Configuration for a Predicted Output: content known ahead of time.', types: ['object', 'null'] },
  presence_penalty: num('Number between -2.0 and 2.0: positive values penalize tokens that already appeared.', -2, 2, {
    restrictions: [reasoningDefault(0)],
  }),
  prompt_cache_key: promptCacheKey,
  prompt_cache_retention: oneOf('Deprecated: the retention policy for the prompt cache.', ['in_memory', '24h'], true),
  reasoning_effort: reasoningEffort,
  response_format: responseFormat,
  safety_identifier: safetyIdentifier,
  seed: int('Deprecated (beta): the system makes a best effort to sample deterministically for the same seed.'),
  service_tier: serviceTier,
  stop,
  store: bool('Whether to store the output of this request for model distillation or evals.'),
  stream: { ...streamShape, doc: 'Batch requests cannot stream: leave it out or set it to false.' },
  stream_options: { doc: 'Options for streaming responses (only with stream: true, which batches do not allow).', types: ['object', 'null'] },
  temperature,
  tool_choice: chatToolChoice,
  tools: chatTools,
  top_logprobs: topLogprobs,
  top_p: topP,
  user,
  verbosity: oneOf('Constrains the verbosity of the response: low, medium or high.', ['low', 'medium', 'high'], true),
  web_search_options: { doc: 'Options for the web search tool.', types: ['object'] },
};

const inputImage = obj(
  'An image input (multimodal models only).',
  {
    type: typeTag('input_image'),
    image_url: { doc: 'An http(s) URL of the image or a data:image/...;base64, URL with the image data.', types: ['string', 'null'], format: 'imageUrl' },
    file_id: { doc: 'The id of an uploaded image file.', types: ['string', 'null'] },
    detail: oneOf('The detail level of the image: low, high or auto.', ['auto', 'low', 'high', 'original']),
  },
  ['detail'],
);
const inputContentParts: Readonly<Record<string, Shape>> = {
  input_text: obj('A text input.', { type: typeTag('input_text'), text: str('The text input to the model.') }, ['text']),
  input_image: inputImage,
  input_file: obj('A file input.', { type: typeTag('input_file'), file_data: str('The content of the file.'), file_id: { doc: 'The id of an uploaded file.', types: ['string', 'null'] }, file_url: str('The URL of the file.'), filename: str('The name of the file.') }),
  input_audio: obj('An audio input.', { type: typeTag('input_audio'), input_audio: obj('The audio.', { data: str('Base64 encoded audio data.'), format: oneOf('The format of the audio data.', ['mp3', 'wav']) }, ['data', 'format']) }, ['input_audio']),
  output_text: obj('Text the model produced earlier (assistant messages).', { type: typeTag('output_text'), text: str('The text output.'), annotations: arr('Annotations of the text.', any('An annotation.')) }, ['text']),
  refusal: obj('A refusal the model produced earlier.', { type: typeTag('refusal'), refusal: str('The refusal explanation.') }, ['refusal']),
};
const inputMessage = obj(
  'A message input to the model; instructions in developer or system messages take precedence over user messages.',
  {
    type: typeTag('message'),
    role: oneOf('The role of the message input.', ['user', 'assistant', 'system', 'developer']),
    content: contentOf('Text, image or file inputs: a string or a list of content parts.', inputContentParts),
  },
  ['role', 'content'],
);

const responsesTextFormat: Shape = {
  doc: 'The format the model must output: text, json_object or json_schema (Structured Outputs).',
  types: ['object'],
  variants: {
    key: 'type',
    shapes: {
      text: obj('Plain text responses.', { type: typeTag('text') }),
      json_object: obj('JSON mode: the model generates valid JSON.', { type: typeTag('json_object') }),
      json_schema: obj(
        'Structured Outputs: the model follows the JSON Schema given.',
        {
          type: typeTag('json_schema'),
          name: str('The name of the response format: a-z, A-Z, 0-9, underscores and dashes, at most 64 characters.', { pattern: functionName }),
          description: str('What the response format is for.'),
          schema: jsonSchemaObject,
          strict: bool('Whether to enable strict schema adherence: every property required and additionalProperties false at every level.'),
        },
        ['name', 'schema'],
      ),
    },
  },
};

const responsesTools = arr('An array of tools the model may call while generating a response.', {
  doc: 'A tool: a function, or a built-in tool (web_search, file_search, code_interpreter, mcp, ...).',
  types: ['object'],
  properties: {
    type: str('The type of the tool: function, custom, web_search, file_search, code_interpreter, mcp, image_generation, ...'),
    name: str('The name of the function to call.', { pattern: functionName }),
    description: str('What the function does.'),
    parameters: { ...functionParameters, types: ['object', 'null'] },
    strict: bool('Whether to enforce strict parameter validation.'),
  },
  required: ['type'],
});

const responsesToolChoice: Shape = {
  doc: 'How the model should select which tool (or tools) to use: "none", "auto", "required", or a tool.',
  types: ['string', 'object'],
  enum: ['none', 'auto', 'required'],
  properties: { type: str('The type of tool the model must use: function, allowed_tools, mcp, custom, or a built-in tool.'), name: str('The name of the tool to call.') },
  required: ['type'],
};

/** The parameters of a responses body (`/responses`). */
export const responsesBody: Readonly<Record<string, Shape>> = {
  model: str('The name of your Global Batch or Data Zone Batch deployment.', { checkedElsewhere: 'value' }),
  input: {
    doc: 'Text, image, or file inputs to the model: a string or a list of input items (messages).',
    types: ['string', 'array'],
    checkedElsewhere: 'null',
    items: {
      doc: 'An input item: a message, or an earlier output item (function_call_output, reasoning, ...).',
      types: ['object'],
      variants: { key: 'type', shapes: { message: inputMessage }, fallback: 'message', open: true },
    },
  },
  background: bool('Whether to run the model response in the background.'),
  conversation: { doc: 'The conversation this response belongs to.', types: ['string', 'object', 'null'] },
  include: { doc: 'Additional output data to include in the response.', types: ['array', 'null'], items: str('An includable field, like reasoning.encrypted_content.') },
  instructions: { doc: 'A system (or developer) message inserted into the model context.', types: ['string', 'null'] },
  max_output_tokens: int('An upper bound for the number of tokens that can be generated, including visible output and reasoning tokens.', 16),
  max_tool_calls: int('The maximum number of total calls to built-in tools in a response.', 1),
  metadata,
  parallel_tool_calls: bool('Whether to allow the model to run tool calls in parallel.'),
  previous_response_id: { doc: 'The id of the previous response, for multi-turn conversations.', types: ['string', 'null'] },
  prompt: { doc: 'Reference to a prompt template and its variables.', types: ['object', 'null'] },
  prompt_cache_key: promptCacheKey,
  prompt_cache_retention: oneOf('Deprecated: the retention policy for the prompt cache.', ['in_memory', '24h'], true),
  reasoning: {
    ...obj('Configuration options for reasoning models.', {
      effort: { ...reasoningEffort, restrictions: undefined, doc: 'Constrains effort on reasoning: none, minimal, low, medium, high or xhigh.' },
      summary: oneOf('A summary of the reasoning performed by the model: auto, concise or detailed.', ['auto', 'concise', 'detailed'], true),
      generate_summary: oneOf('Deprecated: use summary.', ['auto', 'concise', 'detailed'], true),
    }),
    types: ['object', 'null'],
    restrictions: [{ models: 'nonReasoning' }],
  },
  safety_identifier: safetyIdentifier,
  service_tier: serviceTier,
  store: bool('Whether to store the generated model response for later retrieval.'),
  stream: streamShape,
  stream_options: { doc: 'Options for streaming responses (only with stream: true, which batches do not allow).', types: ['object', 'null'] },
  temperature,
  text: obj('Configuration options for a text response: its format and verbosity.', {
    format: responsesTextFormat,
    verbosity: oneOf('Constrains the verbosity of the response: low, medium or high.', ['low', 'medium', 'high'], true),
  }),
  tool_choice: responsesToolChoice,
  tools: responsesTools,
  top_logprobs: topLogprobs,
  top_p: topP,
  truncation: oneOf('Deprecated: the truncation strategy, auto or disabled.', ['auto', 'disabled'], true),
  user,
};

/** The parameters of an embeddings body (`/embeddings`). */
export const embeddingsBody: Readonly<Record<string, Shape>> = {
  input: {
    doc: 'Input text to embed: a string, an array of strings, or tokens (an array of integers or of integer arrays).',
    types: ['string', 'array'],
    checkedElsewhere: 'null',
    minItems: 1,
    maxItems: 2048,
  },
  model: str('The name of your embeddings batch deployment.', { checkedElsewhere: 'value' }),
  dimensions: int('The number of dimensions the output embeddings should have (text-embedding-3 and later), at least 1.', 1),
  encoding_format: oneOf('The format to return the embeddings in: float or base64.', ['float', 'base64']),
  user: str('A unique identifier representing your end user, to help monitor and detect abuse.'),
};

/** The body parameters of each endpoint kind. */
export const bodySchemas: Readonly<Record<EndpointKind, Readonly<Record<string, Shape>>>> = {
  chat: chatCompletionsBody,
  responses: responsesBody,
  embeddings: embeddingsBody,
};

/** The keys of one line of a batch input file. */
export const lineKeys: Readonly<Record<'custom_id' | 'method' | 'url' | 'body', Shape>> = {
  custom_id: str('A unique id for the request, to match its result in the output file (results come back in any order).'),
  method: oneOf('The HTTP method of the request: always "POST".', ['POST']),
  url: oneOf('The endpoint the request goes to; one endpoint for the whole file.', ['/chat/completions', '/v1/chat/completions', '/responses', '/v1/responses', '/embeddings', '/v1/embeddings']),
  body: { doc: 'The request body, as the endpoint expects it; "model" names your batch deployment.', types: ['object'] },
};

const reasoningFamilies: ReadonlySet<string> = new Set(['o1', 'o1-mini', 'o3', 'o3-mini', 'o4-mini', 'gpt-5', 'gpt-5-mini', 'gpt-5-nano']);
const nonReasoningFamilies: ReadonlySet<string> = new Set(['gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'gpt-4.1-mini', 'gpt-4.1-nano', 'gpt-4', 'gpt-35-turbo']);
// GPT-5 chat deployments (`gpt-5-chat`) are not reasoning models.
const gpt5Chat = /gpt[-_. ]?5[-_. 0-9]*chat/;

/**
 * The kind of model a deployment or model name hints at, through the estimator's families; undefined when the
 * name gives no hint (then no parameter is rejected for its model).
 */
export function modelKindOf(name: string): ModelKind | undefined {
  const family = modelFamily(name);
  if (family === undefined) {
    return undefined;
  }
  if (reasoningFamilies.has(family)) {
    return gpt5Chat.test(name.toLowerCase()) ? 'nonReasoning' : 'reasoning';
  }
  return nonReasoningFamilies.has(family) ? 'nonReasoning' : undefined;
}

/** Names users write for a parameter the endpoint calls something else, offered before the closest spelling. */
export const parameterAliases: Readonly<Record<EndpointKind, Readonly<Record<string, string>>>> = {
  chat: { max_output_tokens: 'max_completion_tokens', input: 'messages', instructions: 'messages', text: 'response_format', reasoning: 'reasoning_effort' },
  responses: { max_tokens: 'max_output_tokens', max_completion_tokens: 'max_output_tokens', messages: 'input', response_format: 'text.format', reasoning_effort: 'reasoning.effort' },
  embeddings: { messages: 'input', dimension: 'dimensions' },
};
