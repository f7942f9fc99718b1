import { endpointKind, type EndpointKind } from '../jsonl/endpoints';
import { boundedParse, Clipped, Omitted, type BoundedValue } from './boundedParse';

/** One piece of a message as the preview shows it. */
export type PreviewPart =
  | { readonly kind: 'text'; readonly text: string; readonly clipped: boolean }
  | { readonly kind: 'image'; readonly detail: string | undefined; readonly source: string }
  | { readonly kind: 'audio'; readonly format: string | undefined }
  | { readonly kind: 'file'; readonly name: string | undefined }
  | { readonly kind: 'other'; readonly type: string };

/** One turn of the conversation: a message, or the instructions of a responses request. */
export interface PreviewTurn {
  readonly role: string;
  readonly parts: readonly PreviewPart[];
  /** Names of the functions an assistant turn called. */
  readonly toolCalls: readonly string[];
}

/** A readable summary of one request line. */
export interface RequestPreview {
  readonly customId: string | undefined;
  readonly endpoint: EndpointKind;
  readonly model: string | undefined;
  readonly turns: readonly PreviewTurn[];
  /** Turns left out after `maxTurns`. */
  readonly omittedTurns: number;
  /** The other body parameters, each as short JSON (`temperature: 0.2`). */
  readonly parameters: readonly { readonly key: string; readonly value: string }[];
}

export interface PreviewOptions {
  /** The most characters of text shown per part. */
  readonly textChars: number;
  /** The most turns shown (the first ones). */
  readonly maxTurns: number;
}

const defaults: PreviewOptions = { textChars: 500, maxTurns: 12 };
const conversationKeys = new Set(['messages', 'input', 'instructions', 'model']);

/**
 * The preview of a request line: its messages as a conversation (system, user, assistant turns; images as
 * their detail and source, not their data), the deployment and the other parameters. Undefined when the line is
 * not a JSON object. Long strings are clipped while the line is parsed ({@link boundedParse}), never after.
 */
export function requestPreview(text: string, options: Partial<PreviewOptions> = {}): RequestPreview | undefined {
  const { textChars, maxTurns } = { ...defaults, ...options };
  const line = boundedParse(text);
  if (!isObject(line)) {
    return undefined;
  }
  const url = plain(line.url);
  const endpoint = (url !== undefined ? endpointKind(url) : undefined) ?? 'chat';
  const body = isObject(line.body) ? line.body : {};
  const turns: PreviewTurn[] = [];
  const clip = (value: BoundedValue | undefined): PreviewPart => {
    const whole = value instanceof Clipped ? value.text : typeof value === 'string' ? value : JSON.stringify(toJson(value)) ?? '';
    return { kind: 'text', text: whole.length > textChars ? whole.slice(0, textChars) : whole, clipped: whole.length > textChars || value instanceof Clipped };
  };
  const partsOf = (content: BoundedValue | undefined): PreviewPart[] => {
    if (content === undefined || content === null) {
      return [];
    }
    if (!Array.isArray(content)) {
      return [clip(content)];
    }
    return content.map((part): PreviewPart => {
      if (part instanceof Omitted) {
        return { kind: 'other', type: `${part.count} more` };
      }
      if (!isObject(part)) {
        return clip(part);
      }
      const type = plain(part.type) ?? (part.text !== undefined ? 'text' : 'unknown');
      switch (type) {
        case 'text':
        case 'input_text':
        case 'output_text':
          return clip(part.text);
        case 'refusal':
          return clip(part.refusal);
        case 'image_url': {
          const image = isObject(part.image_url) ? part.image_url : {};
          return { kind: 'image', detail: plain(image.detail), source: imageSource(image.url) };
        }
        case 'input_image':
          return { kind: 'image', detail: plain(part.detail), source: part.file_id !== undefined && part.file_id !== null ? 'file' : imageSource(part.image_url) };
        case 'input_audio': {
          const audio = isObject(part.input_audio) ? part.input_audio : {};
          return { kind: 'audio', format: plain(audio.format) };
        }
        case 'file':
          return { kind: 'file', name: isObject(part.file) ? plain(part.file.filename) : undefined };
        case 'input_file':
          return { kind: 'file', name: plain(part.filename) };
        default:
          return { kind: 'other', type };
      }
    });
  };
  const addMessages = (messages: BoundedValue | undefined): void => {
    if (!Array.isArray(messages)) {
      if (messages !== undefined && !isObject(messages)) {
        turns.push({ role: 'user', parts: [clip(messages)], toolCalls: [] });
      }
      return;
    }
    for (const message of messages) {
      if (message instanceof Omitted) {
        turns.push({ role: '…', parts: [{ kind: 'other', type: `${message.count} more` }], toolCalls: [] });
        continue;
      }
      if (!isObject(message)) {
        turns.push({ role: 'user', parts: [clip(message)], toolCalls: [] });
        continue;
      }
      const calls = Array.isArray(message.tool_calls) ? message.tool_calls.flatMap((call) => (isObject(call) && isObject(call.function) ? [plain(call.function.name) ?? '?'] : [])) : [];
      const role = plain(message.role) ?? plain(message.type) ?? '?';
      turns.push({ role, parts: partsOf(message.content ?? (message.output !== undefined ? message.output : undefined)), toolCalls: calls });
    }
  };
  if (endpoint === 'responses') {
    if (body.instructions !== undefined && body.instructions !== null) {
      turns.push({ role: 'instructions', parts: [clip(body.instructions)], toolCalls: [] });
    }
    addMessages(body.input);
  } else if (endpoint === 'embeddings') {
    const inputs = Array.isArray(body.input) ? body.input : body.input !== undefined ? [body.input] : [];
    for (const input of inputs) {
      turns.push({ role: 'input', parts: [input instanceof Omitted ? { kind: 'other', type: `${input.count} more` } : clip(input)], toolCalls: [] });
    }
  } else {
    addMessages(body.messages);
  }
  const parameters = Object.entries(body)
    .filter(([key]) => !conversationKeys.has(key))
    .map(([key, value]) => {
      const json = JSON.stringify(toJson(value)) ?? '';
      return { key, value: json.length > 80 ? `${json.slice(0, 79)}…` : json };
    });
  return {
    customId: plain(line.custom_id),
    endpoint,
    model: plain(body.model),
    turns: turns.slice(0, maxTurns),
    omittedTurns: Math.max(0, turns.length - maxTurns),
    parameters,
  };
}

function isObject(value: BoundedValue | undefined): value is { [key: string]: BoundedValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Clipped) && !(value instanceof Omitted);
}

function plain(value: BoundedValue | undefined): string | undefined {
  return typeof value === 'string' ? value : value instanceof Clipped ? `${value.text}…` : undefined;
}

// An image as the preview names it: its http(s) address (cut), or a data URL by its type and size.
function imageSource(url: BoundedValue | undefined): string {
  const text = url instanceof Clipped ? url.text : typeof url === 'string' ? url : '';
  const length = url instanceof Clipped ? url.length : text.length;
  const data = /^data:([^;,]*)/.exec(text);
  if (data) {
    return `${data[1] || 'data'}, ${formatSize(Math.floor((length * 3) / 4))}`;
  }
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}

function formatSize(bytes: number): string {
  if (bytes >= 1024 * 1024) {
    return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  }
  return bytes >= 1024 ? `${Math.round(bytes / 1024)} KB` : `${bytes} B`;
}

// The value as JSON could write it: clipped strings end in an ellipsis, omitted items are counted.
function toJson(value: BoundedValue | undefined): unknown {
  if (value instanceof Clipped) {
    return `${value.text}…`;
  }
  if (value instanceof Omitted) {
    return `… ${value.count} more`;
  }
  if (Array.isArray(value)) {
    return value.map(toJson);
  }
  if (isObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJson(v)]));
  }
  return value;
}
