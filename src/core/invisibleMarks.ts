// Characters that print as nothing yet change what a reader sees: bidirectional controls (U+061C, U+200E/F,
// U+202A–U+202E, U+2066–U+2069) reorder the rest of a line, and zero-width ones (U+200B–U+200D, U+2060–U+2064,
// U+FEFF) make two different ids look the same. Text from files or the service shows them as `\uXXXX` instead.

/** Every invisible mark (see above); global, for `replace`. */
export const invisibleMarks = /[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;

/** `\uXXXX` for one character: a visible stand-in a reader can audit. */
export function visibleEscape(char: string): string {
  return `\\u${char.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** `text` with every invisible mark shown as its `\uXXXX` escape. */
export function showInvisibleMarks(text: string): string {
  return text.replace(invisibleMarks, visibleEscape);
}
