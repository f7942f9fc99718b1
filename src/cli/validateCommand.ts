import { validateFile } from '../core/jsonl/fileValidator';
import type { BatchDiagnostic, ValidationResult } from '../core/jsonl/types';
import { defaultLimits } from '../core/jsonl/types';
import { checkInputFile, numberOption, parseArgs, UsageError } from './args';

import { usages } from './usage';

export const validateUsage = usages.validate;

/** The `--json` output shape: lines and columns are 1-based, `endColumn` is one past the last character. */
export interface JsonDiagnostic {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  severity: 'error' | 'warning' | 'info';
  code: string;
  message: string;
}

export function toJsonDiagnostic(d: BatchDiagnostic): JsonDiagnostic {
  return {
    line: d.line + 1,
    column: d.start + 1,
    endLine: d.line + 1,
    endColumn: d.end + 1,
    severity: d.severity,
    code: d.code,
    message: d.message.text,
  };
}

/** `validate`: exit 0 without errors, 1 with errors, 2 when the file cannot be read. */
export async function runValidate(argv: readonly string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const args = parseArgs(argv, ['max-requests', 'max-size-mb'], ['json']);
  if (args.positionals.length !== 1) {
    throw new UsageError(`usage: ${validateUsage}`);
  }
  const file = args.positionals[0]!;
  const limits = {
    maxRequests: numberOption(args, 'max-requests', defaultLimits.maxRequests),
    maxBytes: numberOption(args, 'max-size-mb', defaultLimits.maxBytes / (1024 * 1024)) * 1024 * 1024,
  };
  if (!(await checkInputFile(file, err))) {
    return 2;
  }
  let result: ValidationResult;
  try {
    result = await validateFile(file, { limits });
  } catch (error) {
    err.write(`error: cannot read ${file}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
  if (args.options.has('json')) {
    out.write(JSON.stringify({ file, requests: result.requests, diagnostics: result.diagnostics.map(toJsonDiagnostic) }) + '\n');
  } else {
    out.write(formatListing(file, result));
  }
  return errors > 0 ? 1 : 0;
}

/** A compiler-style listing, `FILE:LINE:COL: error code: message`, and a summary line. */
export function formatListing(file: string, result: ValidationResult): string {
  const lines = result.diagnostics.map((d) => `${file}:${d.line + 1}:${d.start + 1}: ${d.severity} ${d.code}: ${d.message.text}`);
  const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = result.diagnostics.filter((d) => d.severity === 'warning').length;
  const plural = (n: number, word: string) => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
  lines.push(`${file}: ${plural(result.requests, 'request')}, ${plural(errors, 'error')}, ${plural(warnings, 'warning')}`);
  return lines.join('\n') + '\n';
}
