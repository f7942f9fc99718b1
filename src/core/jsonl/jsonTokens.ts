import { createScanner, type JSONScanner } from 'jsonc-parser';

/**
 * jsonc-parser declares its token kinds as `const enum`s, which a bundler cannot inline from a `.d.ts`;
 * these mirror its numeric values.
 */
export const Token = {
  OpenBrace: 1,
  CloseBrace: 2,
  OpenBracket: 3,
  CloseBracket: 4,
  Comma: 5,
  Colon: 6,
  Null: 7,
  True: 8,
  False: 9,
  String: 10,
  Number: 11,
  LineComment: 12,
  BlockComment: 13,
  LineBreak: 14,
  Trivia: 15,
  Unknown: 16,
  EOF: 17,
} as const;

export const ScanError = {
  None: 0,
  UnexpectedEndOfComment: 1,
  UnexpectedEndOfString: 2,
  UnexpectedEndOfNumber: 3,
  InvalidUnicode: 4,
  InvalidEscapeCharacter: 5,
  InvalidCharacter: 6,
} as const;

/** A scanner that skips whitespace but reports comments, so callers can reject them. */
export function scanner(text: string): JSONScanner {
  return createScanner(text, false);
}

/** Scans the next token that is not whitespace or a line break. */
export function nextSignificant(s: JSONScanner): number {
  for (;;) {
    const kind = s.scan();
    if (kind !== Token.Trivia && kind !== Token.LineBreak) {
      return kind;
    }
  }
}
