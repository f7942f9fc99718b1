import { locate, trimmedSpan } from './jsonLocator';
import { isBlankLine } from './lineAnalysis';

/** A replacement of the text between two positions (0-based lines, UTF-16 columns). */
export interface LineEdit {
  readonly startLine: number;
  readonly startColumn: number;
  readonly endLine: number;
  readonly endColumn: number;
  readonly newText: string;
}

/** Read access to a document's lines, so fixes work on VS Code documents and plain strings alike. */
export interface LineSource {
  readonly lineCount: number;
  lineText(line: number): string;
}

export function linesOf(text: string): LineSource {
  const lines = text.split(/\r?\n/);
  return { lineCount: lines.length, lineText: (line) => lines[line]! };
}

function parseObject(text: string): Record<string, unknown> | undefined {
  if (isBlankLine(text)) {
    return undefined;
  }
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const replaceOn = (line: number, start: number, end: number, newText: string): LineEdit => ({
  startLine: line,
  startColumn: start,
  endLine: line,
  endColumn: end,
  newText,
});

/**
 * Columns to skip on `line`: 1 when line 1 starts with a byte order mark character, which the validators
 * skip too (the row after it is checked, and must be fixed, as the JSON it is).
 */
function bomShift(line: number, text: string): number {
  return line === 0 && text.charCodeAt(0) === 0xfeff ? 1 : 0;
}

/**
 * Sets `key` of the JSON object at `path` (the top level when empty) to `value` on one line: replaces
 * the existing value or inserts the property first in the object. Undefined when the line is not a JSON
 * object, the target object does not exist, or the value is already right.
 */
export function setPropertyEdit(line: number, text: string, path: readonly string[], key: string, value: unknown): LineEdit | undefined {
  const shift = bomShift(line, text);
  const edit = propertyEdit(line, shift > 0 ? text.slice(shift) : text, path, key, value);
  return edit && shift > 0 ? { ...edit, startColumn: edit.startColumn + shift, endColumn: edit.endColumn + shift } : edit;
}

function propertyEdit(line: number, text: string, path: readonly string[], key: string, value: unknown): LineEdit | undefined {
  const request = parseObject(text);
  if (!request) {
    return undefined;
  }
  let target: unknown = request;
  for (const segment of path) {
    target = (target as Record<string, unknown> | undefined)?.[segment];
  }
  if (typeof target !== 'object' || target === null || Array.isArray(target)) {
    return undefined;
  }
  const json = JSON.stringify(value);
  const current = (target as Record<string, unknown>)[key];
  if (current !== undefined) {
    if (serializesTo(current, json)) {
      return undefined;
    }
    const span = locate(text, [...path, key])?.value;
    return span ? replaceOn(line, span.start, span.end, json) : undefined;
  }
  const objectSpan = path.length === 0 ? trimmedSpan(text) : locate(text, path)?.value;
  if (!objectSpan) {
    return undefined;
  }
  const empty = Object.keys(target).length === 0;
  const insertAt = objectSpan.start + 1;
  return replaceOn(line, insertAt, insertAt, `${JSON.stringify(key)}: ${json}${empty ? '' : ', '}`);
}

/** Whether `value` is written as `json`. A value nested too deeply for `JSON.stringify` (which recurses) is not. */
function serializesTo(value: unknown, json: string): boolean {
  try {
    return JSON.stringify(value) === json;
  } catch {
    return false;
  }
}

/** Sets `body.model` to `deployment` on every request line that has a body object. */
export function setDeploymentEdits(source: LineSource, deployment: string): LineEdit[] {
  const edits: LineEdit[] = [];
  for (let line = 0; line < source.lineCount; line++) {
    const edit = setPropertyEdit(line, source.lineText(line), ['body'], 'model', deployment);
    if (edit) {
      edits.push(edit);
    }
  }
  return edits;
}

/**
 * Renames every repeated `custom_id` (the first use keeps its id) to `ID-2`, `ID-3`, ..., skipping
 * names already taken anywhere in the file.
 */
export function uniqueCustomIdEdits(source: LineSource): LineEdit[] {
  const ids: (string | undefined)[] = [];
  const taken = new Set<string>();
  for (let line = 0; line < source.lineCount; line++) {
    const text = source.lineText(line);
    const id = parseObject(text.slice(bomShift(line, text)))?.custom_id;
    ids.push(typeof id === 'string' && id.length > 0 ? id : undefined);
    if (typeof id === 'string') {
      taken.add(id);
    }
  }
  const seen = new Set<string>();
  const edits: LineEdit[] = [];
  ids.forEach((id, line) => {
    if (id === undefined) {
      return;
    }
    if (!seen.has(id)) {
      seen.add(id);
      return;
    }
    let n = 2;
    while (taken.has(`${id}-${n}`)) {
      n++;
    }
    const renamed = `${id}-${n}`;
    taken.add(renamed);
    seen.add(renamed);
    const edit = setPropertyEdit(line, source.lineText(line), [], 'custom_id', renamed);
    if (edit) {
      edits.push(edit);
    }
  });
  return edits;
}

/** Deletes every blank line, keeping the final line break of the file. */
export function removeBlankLineEdits(source: LineSource): LineEdit[] {
  const edits: LineEdit[] = [];
  const last = source.lineCount - 1;
  let line = 0;
  while (line <= last) {
    if (!isBlankLine(source.lineText(line)) || (line === last && source.lineText(line) === '')) {
      line++;
      continue;
    }
    let end = line;
    while (end + 1 <= last && isBlankLine(source.lineText(end + 1)) && !(end + 1 === last && source.lineText(end + 1) === '')) {
      end++;
    }
    if (end < last) {
      edits.push({ startLine: line, startColumn: 0, endLine: end + 1, endColumn: 0, newText: '' });
    } else if (line > 0) {
      // Blank lines at the very end with no line break after them: remove them with the break before.
      edits.push({ startLine: line - 1, startColumn: source.lineText(line - 1).length, endLine: end, endColumn: source.lineText(end).length, newText: '' });
    } else {
      edits.push({ startLine: line, startColumn: 0, endLine: end, endColumn: source.lineText(end).length, newText: '' });
    }
    line = end + 1;
  }
  return edits;
}

/** Removes a byte order mark character at the start of the text. */
export function removeBomEdit(source: LineSource): LineEdit | undefined {
  return source.lineCount > 0 && source.lineText(0).charCodeAt(0) === 0xfeff ? replaceOn(0, 0, 1, '') : undefined;
}
