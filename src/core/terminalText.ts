// Text from the service (ids, statuses, messages, metadata) is printed by the CLI. Raw, an escape sequence
// in it could clear the screen, move the cursor, set the window title or forge a line of output.
import { invisibleMarks, showInvisibleMarks } from './invisibleMarks';

/** ESC-introduced sequences: CSI (`ESC [ ... final`), OSC/DCS/SOS/PM/APC strings (to BEL or ST), and two-byte escapes. */
const escapeSequence = /\x1b(?:\[[0-?]*[ -/]*[@-~]?|[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\?)?|[ -/]*[0-~]?)/g;
/** The same introduced by their 8-bit C1 forms (CSI U+009B, OSC U+009D, DCS U+0090, ...). */
const c1Sequence = /\u009b[0-?]*[ -/]*[@-~]?|[\u009d\u0090\u0098\u009e\u009f][^\x07\u009c\x1b]*(?:\x07|\u009c)?/g;
/** Line and column breaks: kept as one space, so a message cannot fake a line of output. */
const breaks = /[\t\n\v\f\r\u0085\u2028\u2029]/g;
/** Every other C0 and C1 control, and DEL. */
const controls = /[\x00-\x1f\x7f-\x9f]/g;

/**
 * `text` with escape sequences and control characters removed (breaks become spaces) and invisible marks
 * (bidi controls, zero-width characters) shown as `\uXXXX`: safe to print on one line, and reads as it is.
 */
export function terminalSafe(text: unknown): string {
  return showInvisibleMarks(String(text).replace(escapeSequence, '').replace(c1Sequence, '').replace(breaks, ' ').replace(controls, ''));
}

/** Characters `JSON.stringify` leaves as they are but a terminal would act on, or would not show. */
const unescapedByJson = new RegExp(`[\\x7f-\\x9f\\u2028\\u2029]|${invisibleMarks.source}`, 'g');

/**
 * `JSON.stringify(value)` safe to print: every control character is a `\uXXXX` escape (JSON.stringify
 * already escapes C0; this adds DEL, C1 and the reordering marks), so the text parses to the same value.
 */
export function terminalJson(value: unknown): string {
  return JSON.stringify(value).replace(unescapedByJson, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
