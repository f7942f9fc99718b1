import type { DiagnosticCode, Severity } from './codes';

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

/** What a whole-file validation reports. */
export interface ValidationResult {
  readonly requests: number;
  readonly bytes: number;
  readonly diagnostics: readonly BatchDiagnostic[];
  /** The file's url (the first valid row's), if any row has one. */
  readonly endpoint?: string;
  /** The file's deployment (the first valid row's `body.model`), if any. */
  readonly deployment?: string;
}

/** Formats `{0}`-style templates, the same convention `vscode.l10n.t` uses. */
export function message(template: string, ...args: (string | number)[]): Message {
  const text = template.replace(/\{(\d+)\}/g, (whole, index: string) => {
    const value = args[Number(index)];
    return value === undefined ? whole : String(value);
  });
  return { text, template, args };
}
