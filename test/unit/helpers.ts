import type { LineEdit } from '../../src/core/jsonl/fixes';
import type { BatchDiagnostic } from '../../src/core/jsonl/types';

/** A valid chat completions request line, with fields overridden (undefined removes a field). */
export function request(overrides: Record<string, unknown> = {}, bodyOverrides: Record<string, unknown> = {}): string {
  const body: Record<string, unknown> = { model: 'gpt-4o-batch', messages: [{ role: 'user', content: 'Hello' }], ...bodyOverrides };
  const line: Record<string, unknown> = { custom_id: 'task-1', method: 'POST', url: '/chat/completions', body, ...overrides };
  for (const [key, value] of Object.entries(line)) {
    if (value === undefined) {
      delete line[key];
    }
  }
  for (const [key, value] of Object.entries(body)) {
    if (value === undefined) {
      delete body[key];
    }
  }
  return JSON.stringify(line);
}

/** Requests with ids task-1..task-n. */
export function requests(n: number, bodyOverrides: Record<string, unknown> = {}): string[] {
  return Array.from({ length: n }, (_, i) => request({ custom_id: `task-${i + 1}` }, bodyOverrides));
}

/** A compact `line:col-endcol code` view of diagnostics (1-based lines, 0-based columns) for assertions. */
export function brief(diagnostics: readonly BatchDiagnostic[]): string[] {
  return diagnostics.map((d) => `${d.line + 1}:${d.start}-${d.end} ${d.code}`);
}

export function codes(diagnostics: readonly BatchDiagnostic[]): string[] {
  return diagnostics.map((d) => d.code);
}

/** A small seeded generator of numbers in [0, 1) (a linear congruential one), so random edits repeat from run to run. */
export function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

/** Applies edits (non-overlapping) to a text, last first. */
export function apply(text: string, edits: readonly LineEdit[]): string {
  const lines = text.split('\n');
  const offsetOf = (line: number, column: number) => lines.slice(0, line).reduce((n, l) => n + l.length + 1, 0) + column;
  const sorted = [...edits].sort((a, b) => offsetOf(b.startLine, b.startColumn) - offsetOf(a.startLine, a.startColumn));
  let result = text;
  for (const e of sorted) {
    result = result.slice(0, offsetOf(e.startLine, e.startColumn)) + e.newText + result.slice(offsetOf(e.endLine, e.endColumn));
  }
  return result;
}
