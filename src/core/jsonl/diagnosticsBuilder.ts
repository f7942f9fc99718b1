import { DiagnosticCodes, severityOf } from './codes';
import { isBlankLine, type LineProblem } from './lineAnalysis';
import { locate, type Span } from './jsonLocator';
import { formatBytes, formatCount } from '../format';
import { message, type BatchDiagnostic, type LineSpan, type ValidationLimits } from './types';

// Builders shared by the streaming and the incremental validators, so both report the same words and spans.

/** A line's own problem, placed on `line`. */
export function lineDiagnostic(line: number, problem: LineProblem, shift = 0): BatchDiagnostic {
  return {
    line,
    start: problem.start + shift,
    end: problem.end + shift,
    code: problem.code,
    severity: severityOf(problem.code),
    message: problem.message,
  };
}

export function blankLineDiagnostic(line: number, text: string): BatchDiagnostic {
  return {
    line,
    start: 0,
    end: Math.max(text.length, 1),
    code: DiagnosticCodes.blankLine,
    severity: severityOf(DiagnosticCodes.blankLine),
    message: message('Blank line between requests: remove it, Azure counts every line as a request.'),
  };
}

/** A problem at `at` that involves another line: `related` points at it. */
function relatedDiagnostic(at: LineSpan, code: BatchDiagnostic['code'], m: BatchDiagnostic['message'], related: LineSpan, relatedMessage: BatchDiagnostic['message']): BatchDiagnostic {
  return { ...at, code, severity: severityOf(code), message: m, related: [{ ...related, message: relatedMessage }] };
}

export function duplicateDiagnostic(at: LineSpan, first: LineSpan, id: string): BatchDiagnostic {
  return relatedDiagnostic(
    at,
    DiagnosticCodes.duplicateCustomId,
    message('Duplicate custom_id "{0}": it is first used on line {1}. Every request needs a unique id.', id, first.line + 1),
    first,
    message('First use of "{0}"', id),
  );
}

export function urlMismatchDiagnostic(at: LineSpan, url: string, reference: LineSpan, fileUrl: string): BatchDiagnostic {
  return relatedDiagnostic(
    at,
    DiagnosticCodes.urlMismatch,
    message('"url" is "{0}" but the file uses "{1}" (line {2}): one batch file holds requests for one endpoint only.', url, fileUrl, reference.line + 1),
    reference,
    message('The file\'s url, "{0}"', fileUrl),
  );
}

export function modelMismatchDiagnostic(at: LineSpan, model: string, reference: LineSpan, fileModel: string): BatchDiagnostic {
  return relatedDiagnostic(
    at,
    DiagnosticCodes.modelMismatch,
    message('"body.model" is "{0}" but the file uses the deployment "{1}" (line {2}): every request in a batch file must use the same deployment.', model, fileModel, reference.line + 1),
    reference,
    message('The file\'s deployment, "{0}"', fileModel),
  );
}

export interface FileFacts {
  readonly requests: number;
  readonly bytes: number;
  readonly hasBom: boolean;
  /** The line holding the first request over the request limit, if any. */
  readonly firstExcessLine?: number;
  /** Length of line 1, so file-level problems underline it. */
  readonly firstLineLength: number;
}

/** Problems of the file as a whole; all reported on line 1. */
export function fileDiagnostics(facts: FileFacts, limits: ValidationLimits): BatchDiagnostic[] {
  const line1 = { line: 0, start: 0, end: Math.max(facts.firstLineLength, 1) };
  const result: BatchDiagnostic[] = [];
  const add = (code: BatchDiagnostic['code'], m: BatchDiagnostic['message'], span: LineSpan = line1) =>
    result.push({ ...span, code, severity: severityOf(code), message: m });
  if (facts.hasBom) {
    add(
      DiagnosticCodes.bom,
      message('The file starts with a UTF-8 byte order mark (BOM). Azure rejects it with a misleading "valid model deployment name couldn\'t be extracted" error: save the file as UTF-8 without BOM.'),
      { line: 0, start: 0, end: 1 },
    );
  }
  if (facts.requests === 0) {
    add(DiagnosticCodes.emptyFile, message('The file has no requests: add one JSON request per line.'));
  }
  if (facts.requests > limits.maxRequests) {
    add(
      DiagnosticCodes.tooManyTasks,
      message('The file has {0} requests; a batch file may hold at most {1} (the first one over is on line {2}). Split it into several files.', formatCount(facts.requests), formatCount(limits.maxRequests), (facts.firstExcessLine ?? 0) + 1),
    );
  }
  if (facts.bytes > limits.maxBytes) {
    add(
      DiagnosticCodes.fileTooLarge,
      message('The file is {0}; a batch file may be at most {1}. Split it into several files.', formatBytes(facts.bytes), formatBytes(limits.maxBytes)),
    );
  }
  return result;
}

export function invalidEncodingDiagnostic(line: number, column: number): BatchDiagnostic {
  return {
    line,
    start: column,
    end: column + 1,
    code: DiagnosticCodes.invalidEncoding,
    severity: severityOf(DiagnosticCodes.invalidEncoding),
    message: message('The line is not valid UTF-8 (the first bad byte is at column {0}). Save the file as UTF-8.', column + 1),
  };
}

/** A line too long to read (see `StreamValidator.addOversizedLine`), underlined from its start. */
export function oversizedLineDiagnostic(line: number, bytes: number, limit: number): BatchDiagnostic {
  return {
    line,
    start: 0,
    end: 1,
    code: DiagnosticCodes.invalidRequest,
    severity: severityOf(DiagnosticCodes.invalidRequest),
    message: message('The line is {0}, longer than {1}: too long to be one request of a batch file, so it was not checked.', formatBytes(bytes), formatBytes(limit)),
  };
}

/** The order of diagnostics: by position, then code. */
export function compareDiagnostics(a: BatchDiagnostic, b: BatchDiagnostic): number {
  return a.line - b.line || a.start - b.start || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);
}

/** Orders diagnostics by position, then code, so output is stable. */
export function sortDiagnostics(list: BatchDiagnostic[]): BatchDiagnostic[] {
  return list.sort(compareDiagnostics);
}

/** The span of the `custom_id`, `url` or `body.model` value on a line, or the trimmed line. */
export function valueSpanOn(text: string, path: readonly string[]): Span {
  const found = locate(text, path)?.value;
  if (found) {
    return found;
  }
  const start = text.length - text.trimStart().length;
  return { start, end: Math.max(start + 1, text.trimEnd().length) };
}

export { isBlankLine };

