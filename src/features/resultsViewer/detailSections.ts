// The detail pane of one row, made from its whole request and response (read back by the model): the system
// prompt, every message, tool definitions and calls, the answer, content filter results, usage and the error.
// No `vscode` import: the titles come in as labels, so this is unit-tested without an editor.
import { isObject } from '../../core/results/resultRow';
import type { RowDetail } from '../../core/results/viewModel';
import type { DetailPane, DetailSection } from '../../resultsViewer/protocol';

/** Longest text of one section (a base64 image or an embedding can be megabytes); the rest is cut. */
const maxSectionChars = 100_000;
/**
 * Sections and characters of one column at most: a request of 50,000 messages would be a message of megabytes and
 * a page of 50,000 blocks. What is left out is counted in a last section; the source line has it all.
 */
const maxSections = 200;
const maxColumnChars = 2_000_000;

export interface DetailLabels {
  readonly system: string;
  readonly message: (role: string) => string;
  readonly input: string;
  readonly tools: string;
  readonly toolCalls: string;
  readonly parameters: string;
  readonly responseFormat: string;
  readonly answer: (choice: number) => string;
  readonly refusal: string;
  readonly contentFilter: string;
  readonly promptFilter: string;
  readonly usage: string;
  readonly error: string;
  readonly status: string;
  readonly noRequest: string;
  readonly noResponse: string;
  readonly rawResponse: string;
  /** The last section of a column cut short: how many sections are not shown. */
  readonly moreSections: (count: number) => string;
}

type Json = Record<string, unknown>;

export function detailPane(detail: RowDetail, labels: DetailLabels): DetailPane {
  return {
    index: detail.index,
    customId: detail.customId,
    request: bounded(requestSections(detail.request, labels), labels),
    response: bounded(responseSections(detail.result, labels), labels),
    changed: detail.changed,
    inputLine: detail.inputLine,
  };
}

function bounded(sections: DetailSection[], labels: DetailLabels): DetailSection[] {
  let chars = 0;
  for (let at = 0; at < sections.length; at++) {
    chars += sections[at]!.text.length + sections[at]!.title.length;
    if (at === maxSections || chars > maxColumnChars) {
      return [...sections.slice(0, at), { title: labels.moreSections(sections.length - at), text: '' }];
    }
  }
  return sections;
}

function requestSections(request: unknown, labels: DetailLabels): DetailSection[] {
  const body = isObject(request) && isObject(request.body) ? request.body : undefined;
  if (body === undefined) {
    return [{ title: labels.noRequest, text: '' }];
  }
  const sections: DetailSection[] = [];
  if (typeof body.instructions === 'string') {
    sections.push(text(labels.system, body.instructions));
  }
  const messages = Array.isArray(body.messages) ? body.messages : Array.isArray(body.input) && !body.input.every((item) => typeof item !== 'object') ? body.input : undefined;
  for (const message of messages ?? []) {
    sections.push(...messageSections(message, labels));
  }
  if (messages === undefined && (body.input !== undefined || body.prompt !== undefined)) {
    const input = body.input ?? body.prompt;
    sections.push(typeof input === 'string' ? text(labels.input, input) : json(labels.input, input));
  }
  if (body.tools !== undefined) {
    sections.push(json(labels.tools, body.tools));
  }
  const format = body.response_format ?? (isObject(body.text) ? body.text.format : undefined);
  if (format !== undefined) {
    sections.push(json(labels.responseFormat, format));
  }
  const { messages: _m, input: _i, prompt: _p, tools: _t, instructions: _s, response_format: _f, ...parameters } = body;
  const head = isObject(request) ? { method: request.method, url: request.url } : {};
  sections.push(json(labels.parameters, { ...head, ...parameters }));
  return sections;
}

function messageSections(message: unknown, labels: DetailLabels): DetailSection[] {
  if (!isObject(message)) {
    return [json(labels.message('?'), message)];
  }
  const role = typeof message.role === 'string' ? message.role : typeof message.type === 'string' ? message.type : '?';
  const title = role === 'system' || role === 'developer' ? labels.system : labels.message(typeof message.name === 'string' ? `${role} (${message.name})` : role);
  const sections: DetailSection[] = [];
  if (message.content !== undefined && message.content !== null) {
    sections.push(contentSection(title, message.content));
  } else if (message.role === undefined) {
    // A Responses input item that is not a message (a function call or its output).
    sections.push(json(title, message));
  }
  if (Array.isArray(message.tool_calls) && message.tool_calls.length > 0) {
    sections.push(json(labels.toolCalls, message.tool_calls.map(parsedArguments)));
  }
  if (typeof message.tool_call_id === 'string' && sections.length > 0) {
    sections[0] = { ...sections[0]!, title: `${sections[0]!.title} · ${message.tool_call_id}` };
  }
  return sections;
}

/** A message's content: text as it is, parts joined when they are all text, else the parts as JSON. */
function contentSection(title: string, content: unknown): DetailSection {
  if (typeof content === 'string') {
    return text(title, content);
  }
  if (Array.isArray(content) && content.every((part) => isObject(part) && typeof part.text === 'string')) {
    return text(title, content.map((part) => (part as Json).text as string).join('\n'));
  }
  return json(title, content);
}

function responseSections(result: RowDetail['result'], labels: DetailLabels): DetailSection[] {
  if (result === undefined) {
    return [{ title: labels.noResponse, text: '' }];
  }
  const sections: DetailSection[] = [text(labels.status, [result.status, result.status_code ?? ''].filter((part) => part !== '').join(' · '))];
  const response = result.response;
  const body = isObject(response) && isObject(response.body) ? response.body : response;
  const bodyError = isObject(body) && isObject(body.error) ? body.error : undefined;
  // The join copies the response's code and message to the row's error: show the fuller one, once.
  const copied = bodyError !== undefined && isObject(result.error) && result.error.code === bodyError.code && result.error.message === bodyError.message;
  if (result.error !== null && result.error !== undefined && !copied) {
    sections.push(json(labels.error, result.error));
  }
  if (isObject(body)) {
    if (bodyError !== undefined) {
      sections.push(json(labels.error, bodyError));
    }
    const choices = body.choices;
    if (Array.isArray(choices)) {
      choices.forEach((choice, number) => sections.push(...choiceSections(choice, number, choices.length, labels)));
    } else if (typeof body.output_text === 'string') {
      sections.push(text(labels.answer(1), body.output_text));
    } else if (Array.isArray(body.output)) {
      for (const item of body.output) {
        sections.push(...responsesItemSections(item, labels));
      }
    }
    if (body.prompt_filter_results !== undefined) {
      sections.push(json(labels.promptFilter, body.prompt_filter_results));
    }
    if (body.usage !== undefined) {
      sections.push(json(labels.usage, body.usage));
    }
  }
  if (response !== undefined && response !== null) {
    sections.push(json(labels.rawResponse, response));
  }
  return sections;
}

function choiceSections(choice: unknown, number: number, count: number, labels: DetailLabels): DetailSection[] {
  if (!isObject(choice)) {
    return [];
  }
  const title = labels.answer(number + 1) + (count > 1 || typeof choice.finish_reason !== 'string' ? '' : ` · ${choice.finish_reason}`);
  const message = isObject(choice.message) ? choice.message : undefined;
  const sections: DetailSection[] = [];
  if (typeof message?.content === 'string' && /^\s*[{[]/.test(message.content)) {
    sections.push(jsonOrText(title, message.content));
  } else if (message?.content !== undefined && message.content !== null) {
    sections.push(contentSection(title, message.content));
  } else if (typeof choice.text === 'string') {
    sections.push(text(title, choice.text));
  }
  if (typeof message?.refusal === 'string' && message.refusal.length > 0) {
    sections.push(text(labels.refusal, message.refusal));
  }
  if (Array.isArray(message?.tool_calls) && message.tool_calls.length > 0) {
    sections.push(json(labels.toolCalls, message.tool_calls.map(parsedArguments)));
  }
  if (choice.content_filter_results !== undefined) {
    sections.push(json(labels.contentFilter, choice.content_filter_results));
  }
  return sections;
}

function responsesItemSections(item: unknown, labels: DetailLabels): DetailSection[] {
  if (!isObject(item)) {
    return [];
  }
  if (item.type === 'message' && Array.isArray(item.content)) {
    const texts = item.content.filter((part) => isObject(part) && typeof part.text === 'string').map((part) => (part as Json).text as string);
    return texts.length > 0 ? [text(labels.answer(1), texts.join(''))] : [json(labels.answer(1), item.content)];
  }
  if (item.type === 'function_call') {
    return [json(labels.toolCalls, parsedArguments(item))];
  }
  return [];
}

/** A tool call with its `arguments` parsed when they are JSON text, so they are shown pretty-printed. */
function parsedArguments(call: unknown): unknown {
  if (!isObject(call)) {
    return call;
  }
  const target = isObject(call.function) ? call.function : call;
  if (typeof target.arguments !== 'string') {
    return call;
  }
  try {
    const args = JSON.parse(target.arguments) as unknown;
    return target === call ? { ...call, arguments: args } : { ...call, function: { ...target, arguments: args } };
  } catch {
    return call;
  }
}

/** A structured answer (JSON text) pretty-printed; text that only looks like JSON as it is. */
function jsonOrText(title: string, value: string): DetailSection {
  try {
    return json(title, JSON.parse(value));
  } catch {
    return text(title, value);
  }
}

function text(title: string, value: string): DetailSection {
  return { title, text: cutSection(value) };
}

function json(title: string, value: unknown): DetailSection {
  let printed: string;
  try {
    printed = JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    printed = String(value);
  }
  return { title, text: cutSection(printed), code: true };
}

function cutSection(value: string): string {
  return value.length <= maxSectionChars ? value : `${value.slice(0, maxSectionChars)}\n…`;
}
