import { allDiagnosticCodes, severityOf, type DiagnosticCode, type Severity } from './codes';

/**
 * A user-visible sentence kept with its template, so hosts that localise (the extension, through
 * `vscode.l10n.t`) can translate the template and fill in the same arguments.
 */
export interface Message {
  readonly text: string;
  readonly template: string;
  readonly args: readonly (string | number)[];
}

/** A span on one line: 0-based line, 0-based UTF-16 columns, end exclusive. */
export interface LineSpan {
  readonly line: number;
  readonly start: number;
  readonly end: number;
}

export interface RelatedLocation extends LineSpan {
  readonly message: Message;
}

/** One problem in a batch input file. Lines and columns are 0-based here; the CLI prints them 1-based. */
export interface BatchDiagnostic extends LineSpan {
  readonly code: DiagnosticCode;
  readonly severity: Severity;
  readonly message: Message;
  readonly related?: readonly RelatedLocation[];
}

/** Limits Azure applies per input file; both are settings in the extension. */
export interface ValidationLimits {
  readonly maxRequests: number;
  readonly maxBytes: number;
}

export const defaultLimits: ValidationLimits = {
  maxRequests: 100_000,
  maxBytes: 200 * 1024 * 1024,
};

/** The service a file goes to; its per-file limits differ. */
export type BatchService = 'azure' | 'openai';

/** The per-file limits each service documents: Azure 100,000 requests, OpenAI 50,000; both 200 MB. */
export const serviceLimits: Readonly<Record<BatchService, ValidationLimits>> = {
  azure: defaultLimits,
  openai: { maxRequests: 50_000, maxBytes: 200 * 1024 * 1024 },
};

/** How many diagnostics a validation keeps by default (the rest are counted, not kept). */
export const defaultMaxDiagnostics = 1_000;

/** The number of problems found per code, including those a capped validation did not keep. */
export type DiagnosticCounts = Partial<Record<DiagnosticCode, number>>;

/** What a whole-file validation reports. */
export interface ValidationResult {
  readonly requests: number;
  readonly bytes: number;
  /** The problems in file order: all of them, or only the first `maxDiagnostics` when {@link truncated}. */
  readonly diagnostics: readonly BatchDiagnostic[];
  /** Every problem found, per code (also those left out of `diagnostics`). */
  readonly counts: DiagnosticCounts;
  /** Problems found in all: the sum of `counts`. */
  readonly total: number;
  /** True when `diagnostics` holds fewer problems than were found. */
  readonly truncated: boolean;
  /** True when the first non-blank line is shaped like a line of an output or results file (see `isOutputLine`). */
  readonly startsWithOutputLine: boolean;
  /** The file's url (the first valid row's), if any row has one. */
  readonly endpoint?: string;
  /** The file's deployment (the first valid row's `body.model`), if any. */
  readonly deployment?: string;
}

/** Formats `{0}`-style templates, the same convention `vscode.l10n.t` uses. */
export function message(template: string, ...args: (string | number)[]): Message {
  return { text: args.length === 0 ? template : fill(template, args), template, args };
}

// `{N}` → `args[N]` (left as it is when there is no such argument). A plain scan: a file of a million broken
// rows formats a few million messages, and a replace with a callback costs several times more.
function fill(template: string, args: readonly (string | number)[]): string {
  let text = '';
  let copied = 0;
  for (let open = template.indexOf('{'); open >= 0; open = template.indexOf('{', open + 1)) {
    let end = open + 1;
    while (end < template.length && template.charCodeAt(end) >= 48 && template.charCodeAt(end) <= 57) {
      end++;
    }
    if (end === open + 1 || template.charCodeAt(end) !== 125) {
      continue;
    }
    const value = args[Number(template.slice(open + 1, end))];
    if (value !== undefined) {
      text += template.slice(copied, open) + String(value);
      copied = end + 1;
    }
    open = end;
  }
  return copied === 0 ? template : text + template.slice(copied);
}

/** Errors, warnings and infos among per-code counts. */
export function countBySeverity(counts: DiagnosticCounts): Record<Severity, number> {
  const result: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const [code, n] of Object.entries(counts) as [DiagnosticCode, number][]) {
    result[severityOf(code)] += n;
  }
  return result;
}

/** The number of errors among per-code counts, leaving out the codes in `except`. */
export function errorCount(counts: DiagnosticCounts, except: ReadonlySet<string> = new Set()): number {
  let errors = 0;
  for (const [code, n] of Object.entries(counts) as [DiagnosticCode, number][]) {
    if (severityOf(code) === 'error' && !except.has(code)) {
      errors += n;
    }
  }
  return errors;
}

/** The same counts with the codes in the README's order (stable output). */
export function orderedCounts(counts: DiagnosticCounts): DiagnosticCounts {
  const ordered: DiagnosticCounts = {};
  for (const code of allDiagnosticCodes) {
    const n = counts[code];
    if (n !== undefined && n > 0) {
      ordered[code] = n;
    }
  }
  return ordered;
}

/** Per-code counts of a list of diagnostics. */
export function countCodes(diagnostics: readonly BatchDiagnostic[]): DiagnosticCounts {
  const counts: DiagnosticCounts = {};
  for (const d of diagnostics) {
    counts[d.code] = (counts[d.code] ?? 0) + 1;
  }
  return orderedCounts(counts);
}
