import { endpointKind } from './endpoints';
import { locate, locateMembers, trimmedSpan, type Located, type Span } from './jsonLocator';
import { isBlankLine } from './lineAnalysis';
import { unsupportedParameters, type UnsupportedParameter } from './parameterChecks';

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
    // A repeated key: the value JSON.parse keeps (the last) is set and the others go, so one edit fixes the row.
    const members = locateMembers(text, [...path, key]);
    const last = members[members.length - 1];
    if (last === undefined) {
      return undefined;
    }
    return lineEditOf(line, combine(text, [() => ({ ...last.value, newText: json }), ...removalsOf(members.slice(0, -1))]));
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

/** Shifts an edit computed on a line without its byte order mark back onto the line. */
function withBom(line: number, text: string, compute: (text: string) => LineEdit | undefined): LineEdit | undefined {
  const shift = bomShift(line, text);
  const edit = compute(shift > 0 ? text.slice(shift) : text);
  return edit && shift > 0 ? { ...edit, startColumn: edit.startColumn + shift, endColumn: edit.endColumn + shift } : edit;
}

const scalarValue = /-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|true|false|null/y;

/**
 * Every member `key` of the object at `path` (see `locateMembers`), for a line already known (parsed) to have it.
 * When the quoted key occurs once in the text and no `\u` escape could spell it differently, that occurrence is
 * the member, and a scalar value after it is read in place: a fix over 100,000 rows then skips the token walk.
 */
function findMembers(json: string, path: readonly string[], key: string): Located[] {
  const quoted = JSON.stringify(key);
  const at = json.indexOf(quoted);
  if (at >= 0 && json.indexOf(quoted, at + 1) < 0 && !json.includes('\\u')) {
    let colon = at + quoted.length;
    while (colon < json.length && isSpace(json.charCodeAt(colon))) {
      colon++;
    }
    if (json.charCodeAt(colon) === 0x3a) {
      let start = colon + 1;
      while (start < json.length && isSpace(json.charCodeAt(start))) {
        start++;
      }
      scalarValue.lastIndex = start;
      const value = scalarValue.exec(json);
      if (value !== null) {
        return [{ key: { start: at, end: at + quoted.length }, value: { start, end: start + value[0].length } }];
      }
    }
  }
  return locateMembers(json, [...path, key]);
}

/** A replacement within one line's text. */
interface TextEdit extends Span {
  readonly newText: string;
}

type EditStep = (current: string) => TextEdit | undefined;

/**
 * Applies steps one after another, each computed on the text the ones before left, and returns them as one edit
 * of the original text. Each step must change only text before what the earlier steps changed (right to left),
 * so the positions it was given still hold.
 */
function combine(text: string, steps: readonly EditStep[]): TextEdit | undefined {
  let current = text;
  let start = Number.POSITIVE_INFINITY;
  let end = -1;
  for (const step of steps) {
    const edit = step(current);
    if (edit === undefined) {
      continue;
    }
    current = current.slice(0, edit.start) + edit.newText + current.slice(edit.end);
    start = Math.min(start, edit.start);
    // The first step is the rightmost: its end is a position in the original text.
    end = Math.max(end, edit.end);
  }
  return end < 0 ? undefined : { start, end, newText: current.slice(start, current.length - (text.length - end)) };
}

function lineEditOf(line: number, edit: TextEdit | undefined): LineEdit | undefined {
  return edit && replaceOn(line, edit.start, edit.end, edit.newText);
}

/** Steps that delete `members` (in text order) right to left, each with the comma that separates it. */
function removalsOf(members: readonly Located[]): EditStep[] {
  return members
    .filter((member) => member.key !== undefined)
    .reverse()
    .map((member) => (current: string) => ({ ...memberSpan(current, member.key!.start, member.value.end), newText: '' }));
}

/**
 * What deleting the member from `keyStart` to `valueEnd` takes: the member with the comma after it, or for the
 * last member the comma before it (if any), and the spaces between.
 */
function memberSpan(json: string, keyStart: number, valueEnd: number): Span {
  let end = valueEnd;
  while (end < json.length && isSpace(json.charCodeAt(end))) {
    end++;
  }
  if (json.charCodeAt(end) === 0x2c) {
    end++;
    while (end < json.length && isSpace(json.charCodeAt(end))) {
      end++;
    }
    return { start: keyStart, end };
  }
  let start = keyStart;
  let before = start - 1;
  while (before >= 0 && isSpace(json.charCodeAt(before))) {
    before--;
  }
  if (json.charCodeAt(before) === 0x2c) {
    start = before;
  }
  return { start, end: valueEnd };
}

/**
 * Deletes `key` of the JSON object at `path` on one line, with the comma that separates it from its
 * neighbours; a repeated key goes with all its copies, so the row is fixed in one edit. Undefined when the line
 * has no such property.
 */
export function removePropertyEdit(line: number, text: string, path: readonly string[], key: string, known = false): LineEdit | undefined {
  return withBom(line, text, (json) => {
    const members = known ? findMembers(json, path, key) : locateMembers(json, [...path, key]);
    return lineEditOf(line, combine(json, removalsOf(members)));
  });
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0d || code === 0x0a;
}

/**
 * The request of a line (BOM skipped) when its text mentions `needle`: a cheap test before the parse. A line with
 * `\u` escapes is parsed all the same, since a key may be written escaped (`"max\u005ftokens"`).
 */
function requestMentioning(line: number, text: string, needle: string): Record<string, unknown> | undefined {
  return text.includes(needle) || text.includes('\\u') ? parseObject(text.slice(bomShift(line, text))) : undefined;
}

function bodyOf(request: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  const body = request?.body;
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
}

/**
 * Renames the body parameter `from` to `to` on the given rows (every line when omitted); a row that already
 * has `to` loses `from` instead, so no key is written twice. A row where `from` is repeated keeps one `to`: the
 * last copy (the one `JSON.parse` reads) is renamed and the others are removed, in one edit.
 */
export function renameParameterEdits(source: LineSource, from: string, to: string, rows?: Iterable<number>): LineEdit[] {
  const edits: LineEdit[] = [];
  const needle = JSON.stringify(from);
  for (const line of rows ?? range(source.lineCount)) {
    const text = source.lineText(line);
    const body = bodyOf(requestMentioning(line, text, needle));
    if (body === undefined || body[from] === undefined) {
      continue;
    }
    const edit =
      body[to] !== undefined
        ? removePropertyEdit(line, text, ['body'], from, true)
        : withBom(line, text, (json) => {
            // A repeated key: the copy JSON.parse keeps (the last) is renamed and the others go.
            const members = findMembers(json, ['body'], from);
            const key = members[members.length - 1]?.key;
            return key && lineEditOf(line, combine(json, [() => ({ ...key, newText: JSON.stringify(to) }), ...removalsOf(members.slice(0, -1))]));
          });
    if (edit) {
      edits.push(edit);
    }
  }
  return edits;
}

/** Removes the body parameter `key` on the given rows where the row's model rejects it (see `unsupportedParameters`). */
export function removeUnsupportedEdits(source: LineSource, key: string, rows?: Iterable<number>): LineEdit[] {
  const edits: LineEdit[] = [];
  const needle = JSON.stringify(key);
  for (const line of rows ?? range(source.lineCount)) {
    const text = source.lineText(line);
    const request = requestMentioning(line, text, needle);
    const body = bodyOf(request);
    const kind = typeof request?.url === 'string' ? endpointKind(request.url) : undefined;
    if (body === undefined || kind === undefined) {
      continue;
    }
    const model = typeof body.model === 'string' ? body.model : undefined;
    if (unsupportedParameters(body, kind, model).some((p) => p.key === key)) {
      const edit = removePropertyEdit(line, text, ['body'], key, true);
      if (edit) {
        edits.push(edit);
      }
    }
  }
  return edits;
}

/**
 * The parameter its model rejects whose key or value covers `column` on a line (what an `unsupported_parameter`
 * diagnostic points at), or undefined.
 */
export function unsupportedParameterAt(line: number, text: string, column: number): UnsupportedParameter | undefined {
  const shift = bomShift(line, text);
  const json = shift > 0 ? text.slice(shift) : text;
  const request = parseObject(json);
  const body = bodyOf(request);
  const kind = typeof request?.url === 'string' ? endpointKind(request.url) : undefined;
  if (body === undefined || kind === undefined) {
    return undefined;
  }
  const at = column - shift;
  return unsupportedParameters(body, kind, typeof body.model === 'string' ? body.model : undefined).find((p) => {
    const found = locate(json, ['body', p.key]);
    return found !== undefined && ((found.key !== undefined && found.key.start <= at && at <= found.key.end) || (found.value.start <= at && at <= found.value.end));
  });
}

/** Removes the top-level field `key` on the given rows (every line when omitted). */
export function removeFieldEdits(source: LineSource, key: string, rows?: Iterable<number>): LineEdit[] {
  const edits: LineEdit[] = [];
  const needle = JSON.stringify(key);
  for (const line of rows ?? range(source.lineCount)) {
    const text = source.lineText(line);
    if (requestMentioning(line, text, needle)?.[key] !== undefined) {
      const edit = removePropertyEdit(line, text, [], key, true);
      if (edit) {
        edits.push(edit);
      }
    }
  }
  return edits;
}

/** Sets `body.stream` to false on the given rows that stream (every line when omitted). */
export function streamOffEdits(source: LineSource, rows?: Iterable<number>): LineEdit[] {
  const edits: LineEdit[] = [];
  for (const line of rows ?? range(source.lineCount)) {
    const text = source.lineText(line);
    if (bodyOf(requestMentioning(line, text, '"stream"'))?.stream === true) {
      const edit = setPropertyEdit(line, text, ['body'], 'stream', false);
      if (edit) {
        edits.push(edit);
      }
    }
  }
  return edits;
}

/**
 * Gives every request line without a usable `custom_id` (missing, empty or not a string) the id `request-N`,
 * N its 1-based line number, skipping ids already taken in the file.
 */
export function missingCustomIdEdits(source: LineSource): LineEdit[] {
  const taken = new Set<string>();
  const missing: number[] = [];
  for (let line = 0; line < source.lineCount; line++) {
    const text = source.lineText(line);
    const request = parseObject(text.slice(bomShift(line, text)));
    if (request === undefined) {
      continue;
    }
    const id = request.custom_id;
    if (typeof id === 'string' && id.length > 0) {
      taken.add(id);
    } else {
      missing.push(line);
    }
  }
  const edits: LineEdit[] = [];
  for (const line of missing) {
    let id = `request-${line + 1}`;
    for (let n = 2; taken.has(id); n++) {
      id = `request-${line + 1}-${n}`;
    }
    taken.add(id);
    const edit = setPropertyEdit(line, source.lineText(line), [], 'custom_id', id);
    if (edit) {
      edits.push(edit);
    }
  }
  return edits;
}

function* range(n: number): Iterable<number> {
  for (let i = 0; i < n; i++) {
    yield i;
  }
}
