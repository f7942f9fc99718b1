import * as assert from 'node:assert/strict';
import { escapeMarkdown } from '../../src/core/markdown';
import type { JoinSummary } from '../../src/core/results/join';
import { summaryMarkdown } from '../../src/core/results/summaryMarkdown';
import { terminalJson, terminalSafe } from '../../src/core/terminalText';

// A custom_id or message from a file or the service may hold characters that print as nothing but reorder
// a line (bidi controls) or hide inside it (zero-width): markdown and terminals show them as `\uXXXX`.
const bidi = ['\u061c', '\u200e', '\u200f', '\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069'];
const zeroWidth = ['\u200b', '\u200c', '\u200d', '\u2060', '\ufeff'];
const hex = (char: string) => char.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
const anyMark = /[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/;

describe('invisible marks in text from files and the service', () => {
  for (const [kind, chars] of [['bidi controls', bidi], ['zero-width characters', zeroWidth]] as const) {
    it(`escapeMarkdown shows ${kind} as \\uXXXX`, () => {
      for (const char of chars) {
        const shown = escapeMarkdown(`req${char}-1`);
        assert.ok(!anyMark.test(shown), JSON.stringify(shown));
        assert.equal(shown, `req\\u${hex(char)}\\-1`);
      }
    });

    it(`terminalSafe and terminalJson show ${kind} as \\uXXXX`, () => {
      for (const char of chars) {
        const safe = terminalSafe(`batch${char}_1`);
        assert.equal(safe, `batch\\u${hex(char)}_1`);
        assert.equal(terminalSafe(safe), safe, 'idempotent');
        const json = terminalJson({ id: `b${char}` });
        assert.ok(!anyMark.test(json), json);
        assert.deepEqual(JSON.parse(json), { id: `b${char}` }, 'parses back to the same value');
      }
    });
  }

  it('a summary row shows a reordering custom_id and error message as they are stored', () => {
    const forged = 'ok\u202e1 deliberaté\u200b';
    const summary = {
      total: 1, succeeded: 0, failed: 1, missing: 0, promptTokens: 0, completionTokens: 0,
      failuresByCode: [{ key: forged, count: 1 }],
      repeatedIds: { count: 1, first: [forged] },
      malformed: [{ file: 'out.jsonl', line: 2, reason: forged }],
      unknownIds: [{ file: 'out.jsonl', line: 3, customId: forged }],
      unfinishedIds: [],
    } as unknown as JoinSummary;
    const markdown = summaryMarkdown('in.jsonl', summary);
    assert.ok(!anyMark.test(markdown), 'no invisible mark reaches the summary');
    assert.ok(markdown.includes('ok\\u202E1 deliberaté\\u200B'), markdown);
  });
});
