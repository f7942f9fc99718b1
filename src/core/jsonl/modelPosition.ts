import { locate } from './jsonLocator';

/** The text inside the quotes of a `"model"` value on one line: columns [start, end), end before the closing quote. */
export interface ModelValueSpan {
  readonly start: number;
  readonly end: number;
  /** What is typed so far, from `start` to the cursor. */
  readonly prefix: string;
}

const modelKey = /"model"\s*:\s*"/g;

/**
 * Where the cursor at `column` sits inside the string value of `body.model` on one request line, for
 * completion. Reads that one line only: a complete line through the JSON locator, a line still being typed
 * (an unterminated string, a missing brace) by finding `"model": "` before the cursor.
 */
export function modelValueAt(text: string, column: number): ModelValueSpan | undefined {
  const located = locate(text, ['body', 'model'])?.value;
  if (located && text.charCodeAt(located.start) === 34 && located.end - located.start >= 2 && text.charCodeAt(located.end - 1) === 34) {
    const start = located.start + 1;
    const end = located.end - 1;
    return column >= start && column <= end ? { start, end, prefix: text.slice(start, column) } : undefined;
  }
  modelKey.lastIndex = 0;
  for (let match = modelKey.exec(text); match !== null; match = modelKey.exec(text)) {
    const start = match.index + match[0].length;
    if (start > column) {
      return undefined;
    }
    const end = closingQuote(text, start);
    if (column <= end) {
      return { start, end, prefix: text.slice(start, column) };
    }
  }
  return undefined;
}

/** The column of the quote that ends the string starting at `start` (or the end of the line when it is not closed). */
function closingQuote(text: string, start: number): number {
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 92) {
      i++;
    } else if (c === 34) {
      return i;
    }
  }
  return text.length;
}
