// Prompt templates: text with `{{column}}` (the value as text) and `{{column|json}}` (the value as JSON) placeholders.
// A name is a column of the data or a dot path into a nested JSON field (`{{author.name}}`). No `vscode` here.

/** One `{{...}}` of a template. */
export interface Placeholder {
  /** The column or dot path, trimmed. */
  readonly name: string;
  readonly json: boolean;
  /** Offset of the `{{` in the template text. */
  readonly offset: number;
}

/** A template split into literal text and placeholders, ready to fill row after row. */
export interface CompiledPrompt {
  readonly text: string;
  /** Literal pieces: `literals[i]` comes before `placeholders[i]`; one more literal than placeholders. */
  readonly literals: readonly string[];
  readonly placeholders: readonly Placeholder[];
}

/** A malformed `{{...}}` in a template, at `offset` in its text. */
export class PromptTemplateError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'PromptTemplateError';
  }
}

/** Where an offset of a template's text is, as people count: `column N`, or `line L, column N` in a text of several lines. */
function position(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const column = offset - lineStart + 1;
  if (!text.includes('\n')) {
    return `column ${column}`;
  }
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
  }
  return `line ${line}, column ${column}`;
}

const placeholderPattern = /\{\{([^{}]*)\}\}/g;

/**
 * Splits `text` into literals and placeholders; throws {@link PromptTemplateError} for an empty name, an unknown
 * filter, or a `{{` that is not closed (which would otherwise go into every request as literal text).
 */
export function compilePrompt(text: string): CompiledPrompt {
  const literals: string[] = [];
  const placeholders: Placeholder[] = [];
  let last = 0;
  for (const match of text.matchAll(placeholderPattern)) {
    const inner = match[1]!;
    const bar = inner.indexOf('|');
    const name = (bar < 0 ? inner : inner.slice(0, bar)).trim();
    const filter = bar < 0 ? undefined : inner.slice(bar + 1).trim();
    if (name.length === 0) {
      throw new PromptTemplateError(`"${match[0]}" names no column (write {{column}} or {{column|json}})`, match.index!);
    }
    if (filter !== undefined && filter !== 'json') {
      throw new PromptTemplateError(`"${match[0]}" has the unknown filter "${filter}" (the only filter is |json)`, match.index!);
    }
    unclosed(text, last, match.index!);
    literals.push(text.slice(last, match.index));
    placeholders.push({ name, json: filter === 'json', offset: match.index! });
    last = match.index! + match[0].length;
  }
  unclosed(text, last, text.length);
  literals.push(text.slice(last));
  return { text, literals, placeholders };
}

/** Throws for a `{{` in the literal text from `start` to `end` (a placeholder without its `}}`). */
function unclosed(text: string, start: number, end: number): void {
  const open = text.indexOf('{{', start);
  // Both braces in the literal: in `{{{x}}}` the first `{` is text and the placeholder starts at the second.
  if (open >= 0 && open + 1 < end) {
    throw new PromptTemplateError(`"{{" at ${position(text, open)} is not closed (write {{column}})`, open);
  }
}

/** The distinct names a template uses, in order of first use. */
export function placeholderNames(prompt: CompiledPrompt): string[] {
  return [...new Set(prompt.placeholders.map((p) => p.name))];
}

/**
 * The value of `name` in a row: the key itself when the row has it (a CSV header may contain dots), else the
 * dot path into nested objects (`a.b.c`; an array index is a number: `items.0`). Undefined when absent.
 */
export function lookup(row: Readonly<Record<string, unknown>>, name: string): unknown {
  if (Object.hasOwn(row, name)) {
    return row[name];
  }
  if (!name.includes('.')) {
    return undefined;
  }
  let value: unknown = row;
  for (const key of name.split('.')) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) {
      return undefined;
    }
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** The text a value takes in `{{name}}`: strings as they are, numbers and booleans printed, objects and arrays as JSON. */
function asText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** What filling a template gave: the text, or the names the row lacks (absent or null; `|json` takes null). */
export type Filled = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly missing: readonly string[] };

/** Fills the template from one row. A row without a value for a placeholder yields the missing names, never half a text. */
export function fillPrompt(prompt: CompiledPrompt, row: Readonly<Record<string, unknown>>): Filled {
  if (prompt.placeholders.length === 0) {
    return { ok: true, text: prompt.text };
  }
  let text = prompt.literals[0]!;
  let missing: string[] | undefined;
  for (let i = 0; i < prompt.placeholders.length; i++) {
    const placeholder = prompt.placeholders[i]!;
    const value = lookup(row, placeholder.name);
    if (value === undefined || (value === null && !placeholder.json)) {
      (missing ??= []).includes(placeholder.name) || missing.push(placeholder.name);
      continue;
    }
    if (missing === undefined) {
      text += (placeholder.json ? JSON.stringify(value) : asText(value)) + prompt.literals[i + 1]!;
    }
  }
  return missing === undefined ? { ok: true, text } : { ok: false, missing };
}
