import { DiagnosticCodes, type DiagnosticCode } from './codes';
import { batchEndpoints, chatRoles, endpointKind } from './endpoints';
import { lineLocator, trimmedSpan, type JsonPath, type Span } from './jsonLocator';
import { locateSyntaxError } from './jsonSyntax';
import { isPlaceholderModel } from './placeholders';
import { checkParameters } from './parameterChecks';
import { message, type Message } from './types';

/** A problem confined to one line; columns are 0-based UTF-16 offsets into the line. */
export interface LineProblem extends Span {
  readonly code: DiagnosticCode;
  readonly message: Message;
}

/** What one line contributes to the file: its own problems and the values other lines are checked against. */
export interface LineInfo {
  readonly kind: 'blank' | 'invalid' | 'request';
  /** A usable (non-empty string) `custom_id`. */
  readonly customId?: string;
  /** A `url` that is a batch endpoint. */
  readonly url?: string;
  /** A `body.model` that names a deployment (not empty, not a placeholder). */
  readonly model?: string;
  readonly problems: readonly LineProblem[];
}

const knownFields: ReadonlySet<string> = new Set(['custom_id', 'method', 'url', 'body']);
const acceptedEndpoints = batchEndpoints.join(', ');
const roleList = [...chatRoles].join(', ');
const blank: LineInfo = { kind: 'blank', problems: [] };
const whitespaceOnly = /^\s*$/;

/** True for an empty or whitespace-only line. */
export function isBlankLine(text: string): boolean {
  return text.length === 0 || whitespaceOnly.test(text);
}

/**
 * Checks one line of a batch input file on its own. Valid lines cost one `JSON.parse` and a few property
 * reads; positions are looked up only for lines that have a problem.
 */
export function analyzeLine(text: string): LineInfo {
  if (isBlankLine(text)) {
    return blank;
  }
  let value: unknown;
  // A broken line throws; without a stack trace to capture the throw costs half as much, which counts in a
  // file of a million broken rows. Nothing runs in between that could want one.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    value = JSON.parse(text);
  } catch (error) {
    Error.stackTraceLimit = stackTraceLimit;
    const syntax = locateSyntaxError(text, error instanceof Error ? error.message : String(error));
    return { kind: 'invalid', problems: [{ code: DiagnosticCodes.invalidJsonLine, start: syntax.start, end: syntax.end, message: syntax.message }] };
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
  if (!isPlainObject(value)) {
    return {
      kind: 'invalid',
      problems: [
        {
          code: DiagnosticCodes.invalidRequest,
          ...trimmedSpan(text),
          message: message(
            'Each line must be a JSON object with custom_id, method, url and body; this line is {0}.',
            describeJson(value),
          ),
        },
      ],
    };
  }
  return checkRequest(text, value);
}

function checkRequest(text: string, request: Record<string, unknown>): LineInfo {
  const problems: LineProblem[] = [];
  // Positions are looked up only when a problem is reported: valid lines pay nothing for them.
  const openingBrace = (): Span => {
    const start = trimmedSpan(text).start;
    return { start, end: start + 1 };
  };
  // Most lines with a problem have one: one walk for it, an index of every path after that.
  const find = lineLocator(text, 1, deepestProblemPath);
  const valueSpan = (path: JsonPath): Span => find(path)?.value ?? trimmedSpan(text);
  const keySpan = (key: string): Span => find([key])?.key ?? openingBrace();
  const add = (code: DiagnosticCode, span: Span, m: Message) => problems.push({ code, start: span.start, end: span.end, message: m });

  let customId: string | undefined;
  const rawId = request.custom_id;
  if (rawId === undefined) {
    add(DiagnosticCodes.missingCustomId, openingBrace(), message('The request has no "custom_id". Add a unique string id so its result can be matched to it.'));
  } else if (typeof rawId !== 'string') {
    add(DiagnosticCodes.missingCustomId, valueSpan(['custom_id']), message('"custom_id" must be a string; it is {0}.', describeJson(rawId)));
  } else if (rawId.length === 0) {
    add(DiagnosticCodes.missingCustomId, valueSpan(['custom_id']), message('"custom_id" is empty. Give every request a unique, non-empty id.'));
  } else {
    customId = rawId;
  }

  const method = request.method;
  if (method === undefined) {
    add(DiagnosticCodes.invalidMethod, openingBrace(), message('The request has no "method". Add "method": "POST".'));
  } else if (method !== 'POST') {
    add(DiagnosticCodes.invalidMethod, valueSpan(['method']), message('"method" must be "POST"; it is {0}.', describeJson(method)));
  }

  let url: string | undefined;
  const rawUrl = request.url;
  const accepted = acceptedEndpoints;
  if (rawUrl === undefined) {
    add(DiagnosticCodes.invalidUrl, openingBrace(), message('The request has no "url". Use one of the batch endpoints: {0}.', accepted));
  } else if (typeof rawUrl !== 'string' || endpointKind(rawUrl) === undefined) {
    add(DiagnosticCodes.invalidUrl, valueSpan(['url']), message('{0} is not a batch endpoint. Use one of: {1}.', describeJson(rawUrl), accepted));
  } else {
    url = rawUrl;
  }

  let model: string | undefined;
  const body = request.body;
  if (body === undefined) {
    add(DiagnosticCodes.missingBody, openingBrace(), message('The request has no "body". Add the request body as a JSON object, including "model".'));
  } else if (!isPlainObject(body)) {
    add(DiagnosticCodes.missingBody, valueSpan(['body']), message('"body" must be a JSON object; it is {0}.', describeJson(body)));
  } else {
    model = checkModel(body, valueSpan, keySpan, add);
    checkBody(body, url, valueSpan, keySpan, add);
    if (url !== undefined) {
      checkParameters(text, body, endpointKind(url)!, model, add);
    }
  }

  for (const key of Object.keys(request)) {
    if (!knownFields.has(key)) {
      add(DiagnosticCodes.unknownField, keySpan(key), message('Unknown field "{0}": a request line has only custom_id, method, url and body. Azure may reject or ignore it.', key));
    }
  }
  return { kind: 'request', customId, url, model, problems };
}

type Add = (code: DiagnosticCode, span: Span, m: Message) => void;

// The longest path a problem is placed on: ["body", "messages", index, "role"].
const deepestProblemPath = 4;

function checkModel(body: Record<string, unknown>, valueSpan: (p: JsonPath) => Span, keySpan: (k: string) => Span, add: Add): string | undefined {
  const model = body.model;
  if (model === undefined || model === null) {
    add(DiagnosticCodes.missingModel, keySpan('body'), message('"body.model" is missing: set it to the name of your Global Batch or Data Zone Batch deployment.'));
    return undefined;
  }
  if (typeof model !== 'string') {
    add(DiagnosticCodes.missingModel, valueSpan(['body', 'model']), message('"body.model" must be a deployment name (a string); it is {0}.', describeJson(model)));
    return undefined;
  }
  if (model.trim().length === 0) {
    add(DiagnosticCodes.missingModel, valueSpan(['body', 'model']), message('"body.model" is empty: set it to the name of your Global Batch or Data Zone Batch deployment.'));
    return undefined;
  }
  if (isPlaceholderModel(model)) {
    add(DiagnosticCodes.placeholderModel, valueSpan(['body', 'model']), message('"{0}" is a placeholder, not a deployment name: replace it with the name of your batch deployment.', model));
    return undefined;
  }
  return model;
}

function checkBody(body: Record<string, unknown>, url: string | undefined, valueSpan: (p: JsonPath) => Span, keySpan: (k: string) => Span, add: Add): void {
  if (body.stream === true) {
    add(DiagnosticCodes.invalidBody, valueSpan(['body', 'stream']), message('Batch requests cannot stream: remove "stream" or set it to false.'));
  }
  const kind = url === undefined ? undefined : endpointKind(url);
  if (kind === 'chat') {
    const messages = body.messages;
    if (!Array.isArray(messages)) {
      add(
        DiagnosticCodes.invalidBody,
        messages === undefined ? keySpan('body') : valueSpan(['body', 'messages']),
        message('A chat completions request needs "body.messages", a non-empty array of messages.'),
      );
      return;
    }
    if (messages.length === 0) {
      add(DiagnosticCodes.invalidBody, valueSpan(['body', 'messages']), message('"body.messages" is empty: add at least one message.'));
      return;
    }
    messages.forEach((entry: unknown, index) => {
      if (!isPlainObject(entry)) {
        add(DiagnosticCodes.invalidBody, valueSpan(['body', 'messages', index]), message('Message {0} must be an object with "role" and "content".', index + 1));
        return;
      }
      const role = entry.role;
      if (typeof role !== 'string' || !chatRoles.has(role)) {
        add(
          DiagnosticCodes.invalidBody,
          role === undefined ? valueSpan(['body', 'messages', index]) : valueSpan(['body', 'messages', index, 'role']),
          role === undefined
            ? message('Message {0} has no "role". Use one of: {1}.', index + 1, roleList)
            : message('Message {0} has the role {1}; use one of: {2}.', index + 1, describeJson(role), roleList),
        );
      }
    });
  } else if (kind === 'responses' || kind === 'embeddings') {
    if (body.input === undefined || body.input === null) {
      add(
        DiagnosticCodes.invalidBody,
        keySpan('body'),
        kind === 'responses'
          ? message('A responses request needs "body.input".')
          : message('An embeddings request needs "body.input" (a string or an array of strings).'),
      );
    }
  }
}

/** True for a JSON object (not an array, not null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A short description of a JSON value for messages: `"GET"`, `42`, `an array`, `null`. */
export function describeJson(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  if (Array.isArray(value)) {
    return 'an array';
  }
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
    case 'number':
    case 'boolean':
      return String(value);
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}
