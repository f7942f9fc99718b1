/** Stable diagnostic codes. They are part of the public interface (CLI output, README table, quick fixes). */
export const DiagnosticCodes = {
  invalidJsonLine: 'invalid_json_line',
  invalidRequest: 'invalid_request',
  missingCustomId: 'missing_custom_id',
  duplicateCustomId: 'duplicate_custom_id',
  invalidMethod: 'invalid_method',
  invalidUrl: 'invalid_url',
  urlMismatch: 'url_mismatch',
  missingBody: 'missing_body',
  missingModel: 'missing_model',
  placeholderModel: 'placeholder_model',
  modelMismatch: 'model_mismatch',
  unknownDeployment: 'unknown_deployment',
  notBatchDeployment: 'not_batch_deployment',
  invalidBody: 'invalid_body',
  emptyFile: 'empty_file',
  tooManyTasks: 'too_many_tasks',
  fileTooLarge: 'file_too_large',
  bom: 'bom',
  invalidEncoding: 'invalid_encoding',
  blankLine: 'blank_line',
  unknownField: 'unknown_field',
  invalidParameter: 'invalid_parameter',
  invalidSchema: 'invalid_schema',
  unsupportedParameter: 'unsupported_parameter',
  unknownParameter: 'unknown_parameter',
} as const;

export type DiagnosticCode = (typeof DiagnosticCodes)[keyof typeof DiagnosticCodes];
export type Severity = 'error' | 'warning' | 'info';

const warnings: ReadonlySet<DiagnosticCode> = new Set([DiagnosticCodes.blankLine, DiagnosticCodes.unknownField, DiagnosticCodes.unknownParameter]);

/** The severity each code always has. */
export function severityOf(code: DiagnosticCode): Severity {
  return warnings.has(code) ? 'warning' : 'error';
}

/** Every code, in the order of the README table. */
export const allDiagnosticCodes: readonly DiagnosticCode[] = Object.values(DiagnosticCodes);

/** Where the README documents the code; used as each diagnostic's `codeDescription`. */
export const DOCS_URL = 'https://github.com/azure-openai-batch/vscode-azure-openai-batch/blob/main/README.md';
export function docsUrlFor(code: DiagnosticCode): string {
  return `${DOCS_URL}#${code.replace(/_/g, '-')}`;
}
