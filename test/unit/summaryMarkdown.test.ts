import * as assert from 'node:assert/strict';
import { escapeMarkdown, markdownCode } from '../../src/core/markdown';
import type { JoinSummary } from '../../src/core/results/join';
import { summaryMarkdown } from '../../src/core/results/summaryMarkdown';

// Values in a results summary come from the input and the service; none may end a table row, start a heading,
// add a line, or open a tag.
const hostile = ['a|b', 'x\ny', 'x\r\n| forged | 1 |', '# heading', '<img src=x onerror=alert(1)>', '`code`', '**bold**', '_em_', '~~s~~', '&amp;', 'line\u2028sep', '[link](http://x)', '\\|'];

/** The cells of a table row, split on the pipes markdown reads (not on escaped ones). */
function cells(row: string): string[] {
  return row.split(/(?<!\\)\|/).slice(1, -1);
}

function summaryWith(value: string): JoinSummary {
  return {
    total: 3, succeeded: 1, failed: 1, missing: 1, promptTokens: 10, completionTokens: 5,
    failuresByCode: [{ key: value, count: 1 }],
    repeatedIds: { count: 1, first: [value] },
    malformed: [{ file: value, line: 2, reason: value }],
    unknownIds: [{ file: 'out.jsonl', line: 3, customId: value }],
    unfinishedIds: [],
  } as unknown as JoinSummary;
}

describe('results summary markdown', () => {
  it('escapes every hostile value so the tables and lines keep their shape', () => {
    const plain = summaryMarkdown('in.jsonl', summaryWith('plain')).split('\n');
    for (const value of hostile) {
      const lines = summaryMarkdown(value, summaryWith(value)).split('\n');
      assert.equal(lines.length, plain.length, `${JSON.stringify(value)} changed the number of lines`);
      assert.equal(lines.filter((line) => line.startsWith('#')).length, plain.filter((line) => line.startsWith('#')).length, JSON.stringify(value));
      const codeRow = lines[lines.indexOf('|---|---:|') + 1];
      assert.equal(cells(codeRow).length, 2, `${JSON.stringify(value)}: ${codeRow}`);
      assert.ok(!/(?<!\\)</.test(lines.join('\n')), `${JSON.stringify(value)} left an unescaped <`);
    }
  });

  it('writes ids as code spans that copy as they are, and escapes an id a code span cannot hold', () => {
    assert.equal(markdownCode('batch_558c5699-d9b7'), '`batch_558c5699-d9b7`');
    assert.equal(markdownCode('a`b'), 'a\\`b');
    assert.equal(markdownCode('a|b'), 'a\\|b');
    assert.equal(markdownCode('<script>'), '`<script>`', 'a code span shows HTML as text');
  });

  it('keeps the text readable: escaping adds backslashes, turns line breaks into spaces, and removes nothing else', () => {
    assert.equal(escapeMarkdown('a|b'), 'a\\|b');
    assert.equal(escapeMarkdown('x\r\ny'), 'x y');
    assert.equal(escapeMarkdown('plain text 42'), 'plain text 42');
    for (const value of hostile) {
      const unescaped = escapeMarkdown(value).replace(/\\(.)/g, '$1');
      assert.equal(unescaped, value.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' '), JSON.stringify(value));
    }
  });
});
