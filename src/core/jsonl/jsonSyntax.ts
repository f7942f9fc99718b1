import { message, type Message } from './types';
import { nextSignificant, ScanError, scanner, Token } from './jsonTokens';

export interface SyntaxError {
  readonly start: number;
  readonly end: number;
  readonly message: Message;
}

type Expect = 'value' | 'keyOrClose' | 'key' | 'colon' | 'commaOrCloseObject' | 'commaOrCloseArray' | 'end';

const nonJsonWords: Record<string, string> = {
  NaN: 'NaN',
  Infinity: 'Infinity',
  '-Infinity': '-Infinity',
  undefined: 'undefined',
};

/**
 * Finds where a line that `JSON.parse` rejected goes wrong, with a message that says how to fix it.
 * Iterative (an explicit stack), so deeply nested input cannot overflow the call stack.
 */
export function locateSyntaxError(text: string, parseErrorText: string): SyntaxError {
  const s = scanner(text);
  const stack: ('object' | 'array')[] = [];
  let expect: Expect = 'value';
  let afterComma = false;
  const at = (m: Message, end?: number): SyntaxError => {
    const start = s.getTokenOffset();
    // The scanner counts one character past the end of the line for an unclosed block comment.
    return { start, end: Math.max(Math.min(end ?? start + s.getTokenLength(), text.length), start + 1), message: m };
  };
  for (;;) {
    const kind = nextSignificant(s);
    if (kind === Token.LineComment || kind === Token.BlockComment) {
      return at(message('Comments are not allowed in JSON Lines; remove the comment.'));
    }
    if (kind === Token.EOF) {
      if (expect === 'end') {
        break;
      }
      const start = s.getTokenOffset();
      const missing = stack.length > 0 ? (stack[stack.length - 1] === 'object' ? '}' : ']') : 'a value';
      return {
        start: Math.max(0, start - 1),
        end: Math.max(start, 1),
        message: message('The line ends before the JSON is complete (expected {0}); it looks truncated.', missing),
      };
    }
    const followsComma = afterComma;
    afterComma = kind === Token.Comma;
    const tokenError = s.getTokenError();
    if (tokenError !== ScanError.None) {
      return at(scanErrorMessage(tokenError));
    }
    if (kind === Token.Unknown) {
      const word = s.getTokenValue();
      if (word in nonJsonWords) {
        return at(message("'{0}' is not valid JSON; use null or a number.", word));
      }
      if (word.startsWith("'")) {
        return at(message('JSON strings must use double quotes.'));
      }
      return at(message("Unexpected character '{0}'.", word.slice(0, 20)));
    }
    switch (expect) {
      case 'end':
        return at(
          message('Unexpected text after the end of the JSON object: each line must hold exactly one JSON object.'),
          text.trimEnd().length,
        );
      case 'colon':
        if (kind !== Token.Colon) {
          return at(message("Expected ':' after the property name."));
        }
        expect = 'value';
        continue;
      case 'key':
      case 'keyOrClose':
        if (kind === Token.CloseBrace && expect === 'keyOrClose') {
          stack.pop();
          expect = afterValue(stack);
          continue;
        }
        if (kind !== Token.String) {
          return at(
            kind === Token.CloseBrace && followsComma
              ? message('Trailing commas are not allowed in JSON; remove the last comma.')
              : message('Expected a property name in double quotes.'),
          );
        }
        expect = 'colon';
        continue;
      case 'commaOrCloseObject':
      case 'commaOrCloseArray': {
        const close = expect === 'commaOrCloseObject' ? Token.CloseBrace : Token.CloseBracket;
        if (kind === Token.Comma) {
          expect = expect === 'commaOrCloseObject' ? 'key' : 'value';
          continue;
        }
        if (kind === close) {
          stack.pop();
          expect = afterValue(stack);
          continue;
        }
        return at(
          expect === 'commaOrCloseObject'
            ? message("Expected ',' or '}' after the property value.")
            : message("Expected ',' or ']' after the array element."),
        );
      }
      case 'value':
        if (kind === Token.OpenBrace) {
          stack.push('object');
          expect = 'keyOrClose';
          continue;
        }
        if (kind === Token.OpenBracket) {
          stack.push('array');
          expect = 'value';
          // An empty array closes at once.
          const peekOffset = s.getPosition();
          const next = nextSignificant(s);
          if (next === Token.CloseBracket) {
            stack.pop();
            expect = afterValue(stack);
          } else {
            s.setPosition(peekOffset);
          }
          continue;
        }
        if (
          kind === Token.String ||
          kind === Token.Number ||
          kind === Token.Null ||
          kind === Token.True ||
          kind === Token.False
        ) {
          expect = afterValue(stack);
          continue;
        }
        if ((kind === Token.CloseBracket || kind === Token.CloseBrace) && followsComma) {
          return at(message('Trailing commas are not allowed in JSON; remove the last comma.'));
        }
        return at(stack.length === 0 ? message('Expected a JSON object.') : message('Expected a JSON value.'));
    }
  }
  // The token grammar accepted what JSON.parse rejected (rare: e.g. a number form the scanner tolerates).
  const trimmedStart = text.length - text.trimStart().length;
  return {
    start: trimmedStart,
    end: Math.max(text.trimEnd().length, trimmedStart + 1),
    message: message('The line is not valid JSON: {0}', parseErrorText),
  };
}

function afterValue(stack: readonly ('object' | 'array')[]): Expect {
  if (stack.length === 0) {
    return 'end';
  }
  return stack[stack.length - 1] === 'object' ? 'commaOrCloseObject' : 'commaOrCloseArray';
}

function scanErrorMessage(error: number): Message {
  switch (error) {
    case ScanError.UnexpectedEndOfString:
      return message('The string is not closed: add the missing double quote.');
    case ScanError.UnexpectedEndOfNumber:
      return message('The number is incomplete.');
    case ScanError.InvalidUnicode:
      return message('Invalid \\u escape: it needs four hexadecimal digits.');
    case ScanError.InvalidEscapeCharacter:
      return message('Invalid escape sequence in a string.');
    case ScanError.InvalidCharacter:
      return message('Control characters must be escaped inside JSON strings (for example \\n or \\t).');
    default:
      return message('The comment is not closed.');
  }
}
