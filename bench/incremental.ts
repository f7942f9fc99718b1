import { readFileSync } from 'node:fs';
import { DocumentValidator } from '../src/core/jsonl/documentValidator';
import { defaultLimits, type BatchDiagnostic } from '../src/core/jsonl/types';
import { Prng } from './prng';

export type EditKind = 'content' | 'duplicate' | 'syntax' | 'split';

export interface IncrementalResult {
  readonly lines: number;
  /** reset + flush of the whole document. */
  readonly loadMs: number;
  /** The first diagnostics() after the load. */
  readonly firstDiagnosticsMs: number;
  /** Per single-line edit (splice(line, 1, 1) + flush + diagnostics), in ms: change and revert alike. */
  readonly edits: readonly number[];
  readonly byKind: ReadonlyMap<EditKind, number[]>;
  /** Edits whose diagnostics were not what the edit should produce. */
  readonly mismatches: readonly string[];
}

interface Edit {
  readonly kind: EditKind;
  readonly line: number;
  /** Replacement lines for [line, line + deleteCount). */
  readonly texts: readonly string[];
  readonly deleteCount: number;
  readonly expected: number;
}

const userContent = '"role":"user","content":"';

/**
 * Loads a file into a {@link DocumentValidator} the way the editor does (one state per document line,
 * including the empty line after the final line break), then edits lines near the middle and revalidates
 * after each edit. Edits come in pairs, change then revert, so the document is valid between pairs:
 * - content: text inserted into the user message (still valid);
 * - duplicate: the line's custom_id becomes the one of line 1 (one duplicate_custom_id), then is fixed;
 * - syntax: the closing brace is deleted, as while typing (one invalid_json_line), then restored;
 * - split (reported apart, not a one-line edit): Enter pressed inside the line, then the break removed, so
 *   every later line is renumbered.
 */
export function benchIncremental(path: string, options: { edits: number; warmup: number; seed: number }): IncrementalResult {
  const lines = readFileSync(path, 'utf8').split('\n');
  const readLine = (line: number): string => lines[line]!;
  const validator = new DocumentValidator();

  let started = performance.now();
  validator.reset(lines.length);
  validator.flush(readLine);
  const loadMs = performance.now() - started;
  started = performance.now();
  const baseline = validator.diagnostics();
  const firstDiagnosticsMs = performance.now() - started;
  const mismatches: string[] = [];
  if (baseline.length !== 0) {
    mismatches.push(`the loaded document has ${baseline.length} diagnostics (${describe(baseline)}); expected none`);
  }

  const rng = new Prng(options.seed);
  const middle = Math.floor(lines.length / 2);
  const spread = Math.min(1000, Math.floor(lines.length / 4));
  const kinds: readonly EditKind[] = ['content', 'duplicate', 'syntax'];
  const edits: number[] = [];
  const byKind = new Map<EditKind, number[]>([['content', []], ['duplicate', []], ['syntax', []], ['split', []]]);
  // Splitting a line adds a request, which trips the request limit in a document that is at it.
  const splitExpected = 2 + (validator.requestCount + 1 > defaultLimits.maxRequests ? 1 : 0);
  const firstId = /"custom_id":"([^"]*)"/.exec(lines[0]!)?.[1] ?? 'task-0';

  const apply = (edit: Edit, record: boolean): void => {
    const t0 = performance.now();
    lines.splice(edit.line, edit.deleteCount, ...edit.texts);
    validator.splice(edit.line, edit.deleteCount, edit.texts.length);
    validator.flush(readLine);
    const diagnostics = validator.diagnostics();
    const ms = performance.now() - t0;
    if (diagnostics.length !== edit.expected && mismatches.length < 10) {
      mismatches.push(`${edit.kind} edit on line ${edit.line + 1}: ${diagnostics.length} diagnostics (${describe(diagnostics)}), expected ${edit.expected}`);
    }
    if (record) {
      byKind.get(edit.kind)!.push(ms);
      if (edit.kind !== 'split') {
        edits.push(ms);
      }
    }
  };

  const total = options.warmup + options.edits;
  for (let n = 0; n < total; n += 2) {
    const record = n >= options.warmup;
    const line = middle - spread + rng.int(0, 2 * spread);
    const original = lines[line]!;
    const kind = n % 16 === 14 ? 'split' : kinds[(n / 2) % kinds.length]!;
    switch (kind) {
      case 'content': {
        const at = original.indexOf(userContent) + userContent.length;
        const changed = `${original.slice(0, at)}Edit ${n}: please answer in one sentence. ${original.slice(at)}`;
        apply({ kind, line, texts: [changed], deleteCount: 1, expected: 0 }, record);
        apply({ kind, line, texts: [original], deleteCount: 1, expected: 0 }, record);
        break;
      }
      case 'duplicate': {
        const changed = original.replace(/"custom_id":"[^"]*"/, `"custom_id":"${firstId}"`);
        apply({ kind, line, texts: [changed], deleteCount: 1, expected: 1 }, record);
        apply({ kind, line, texts: [original], deleteCount: 1, expected: 0 }, record);
        break;
      }
      case 'syntax': {
        apply({ kind, line, texts: [original.slice(0, -1)], deleteCount: 1, expected: 1 }, record);
        apply({ kind, line, texts: [original], deleteCount: 1, expected: 0 }, record);
        break;
      }
      case 'split': {
        const at = original.indexOf(userContent) + userContent.length + 10;
        apply({ kind, line, texts: [original.slice(0, at), original.slice(at)], deleteCount: 1, expected: splitExpected }, record);
        apply({ kind, line, texts: [original], deleteCount: 2, expected: 0 }, record);
        break;
      }
    }
  }
  return { lines: lines.length, loadMs, firstDiagnosticsMs, edits, byKind, mismatches };
}

function describe(diagnostics: readonly BatchDiagnostic[]): string {
  return diagnostics
    .slice(0, 3)
    .map((d) => `${d.code}@${d.line + 1}`)
    .join(', ');
}
