// The pure half of the command boundary: what an error means for the user (nothing, when it is a
// cancellation; one sentence otherwise) and what goes to the log. No `vscode` import, so it is unit-tested.
import { isAbort, OperationCancelledError, redactSecrets } from '../core/batch/errors';

/** A button on an error notification. */
export interface ErrorAction {
  readonly title: string;
  run(): unknown;
}

/** An error meant for the user as it is, with the buttons that help (e.g. "Show Problems"). */
export class UserFacingError extends Error {
  constructor(
    message: string,
    readonly actions: readonly ErrorAction[] = [],
    options?: { readonly cause?: unknown },
  ) {
    super(message, options);
    this.name = 'UserFacingError';
  }
}

/** How the boundary treats one error. */
export type ErrorReport =
  | { readonly kind: 'cancelled' }
  | {
      readonly kind: 'error';
      /** One sentence for the notification: no stack, no secrets; empty when the error said nothing. */
      readonly message: string;
      /** Everything known (stack, causes), secrets removed, for the log. */
      readonly details: string;
      readonly actions: readonly ErrorAction[];
    };

/**
 * True for every way work says "the user cancelled": the core's {@link OperationCancelledError}, the SDK's
 * abort, an aborted fetch or stream (`AbortError`), and VS Code's `CancellationError` (named `Canceled`).
 */
export function isCancellation(error: unknown): boolean {
  if (error instanceof OperationCancelledError || isAbort(error)) {
    return true;
  }
  if (typeof error !== 'object' || error === null) {
    return false;
  }
  const { name, message } = error as { name?: unknown; message?: unknown };
  return name === 'AbortError' || (name === 'Canceled' && message === 'Canceled');
}

/** Sorts an error into silent cancellation or a one-sentence message with details for the log. */
export function classifyError(error: unknown): ErrorReport {
  if (isCancellation(error)) {
    return { kind: 'cancelled' };
  }
  // Nothing thrown (undefined, null) says nothing: the boundary shows its own sentence then.
  const text = error instanceof Error ? error.message : error === undefined || error === null ? '' : safeString(error);
  return {
    kind: 'error',
    message: firstSentence(redactSecrets(text)),
    details: errorDetails(error),
    actions: error instanceof UserFacingError ? error.actions : [],
  };
}

/** Longest notification text before it is cut at a word. */
const maxSentenceLength = 300;

/**
 * The first sentence of a message, on one line: it ends at `.`, `!` or `?` followed by a space and a capital
 * letter, digit or quote (so `e.g. this`, `v1.2` and `127.0.0.1` do not end it). Long text is cut at a word.
 */
export function firstSentence(text: string): string {
  const line = text.trim().split(/\r?\n/, 1)[0]!.trim();
  const end = /[.!?](?=\s+["'“(]?[\p{Lu}\d])/u.exec(line);
  const sentence = end ? line.slice(0, end.index + 1) : line;
  if (sentence.length <= maxSentenceLength) {
    return sentence;
  }
  const cut = sentence.slice(0, maxSentenceLength);
  const space = cut.lastIndexOf(' ');
  return `${(space > maxSentenceLength / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:]+$/, '')}…`;
}

/** The stack (or name and message) of an error and of each cause under it, secrets removed. */
export function errorDetails(error: unknown): string {
  const lines: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 8 && (depth === 0 || (current !== undefined && current !== null)); depth++) {
    const prefix = depth === 0 ? '' : 'Caused by: ';
    if (current instanceof Error) {
      lines.push(prefix + (current.stack ?? `${current.name}: ${current.message}`));
      current = (current as { cause?: unknown }).cause;
    } else {
      lines.push(prefix + safeString(current));
      break;
    }
  }
  return redactSecrets(lines.join('\n'));
}

function safeString(value: unknown): string {
  if (typeof value === 'string') {
    return value;
  }
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
