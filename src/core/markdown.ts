import { showInvisibleMarks } from './invisibleMarks';

/**
 * Escapes text from files or the service before it goes into markdown (tooltips, summaries): every
 * character markdown could read as syntax gets a backslash, and line breaks and other control characters
 * become spaces, so a value cannot end a table row, start a heading or open an HTML tag. Invisible marks
 * (bidi controls, zero-width characters) show as `\uXXXX`, so a row cannot display other than it reads.
 */
export function escapeMarkdown(text: string): string {
  // Last: the backslash of `\uXXXX` is meant as text (markdown keeps `\u` as it is).
  return showInvisibleMarks(text.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').replace(/[\\`*_{}[\]()#+\-.!|<>~&]/g, (c) => `\\${c}`));
}
