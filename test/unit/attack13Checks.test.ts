// Hostile and huge request lines (issue 13): the parameter checks, the fixes and the line IntelliSense must stay
// correct, linear and bounded whatever a line holds: prototype keys, deep nesting, huge arrays, escapes.
import * as assert from 'node:assert/strict';
import { renameParameterEdits, type LineSource } from '../../src/core/jsonl/fixes';
import { closestParameter } from '../../src/core/jsonl/parameterChecks';
import { validateText } from '../../src/core/jsonl/streamValidator';
import { keyDocAt } from '../../src/core/intellisense/keyDoc';
import { lineCompletions } from '../../src/core/intellisense/lineCompletion';
import { cursorContext } from '../../src/core/intellisense/lineContext';
import { requestPreview } from '../../src/core/intellisense/requestPreview';
import { escapeMarkdown, markdownCode } from '../../src/core/markdown';
import { apply, request } from './helpers';

const chat = (body: Record<string, unknown>, model = 'gpt-4o-batch') => request({}, { model, ...body });
const source = (lines: readonly string[]): LineSource => ({ lineCount: lines.length, lineText: (i) => lines[i]! });

/** Runs `f` and fails when it took longer than `ms`. */
function within<T>(ms: number, what: string, f: () => T): T {
  const started = Date.now();
  const result = f();
  assert.ok(Date.now() - started < ms, `${what} took ${Date.now() - started} ms`);
  return result;
}

describe('attack 13: parameter checks on hostile bodies', () => {
  it('suggests no Object member for keys like __proto__, constructor or toString', () => {
    for (const key of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
      assert.equal(closestParameter(key, 'chat'), undefined, key);
    }
    const line = `{"custom_id":"a","method":"POST","url":"/chat/completions","body":{"model":"gpt-4o-batch","messages":[{"role":"user","content":"x"}],"__proto__":{"temperature":9},"constructor":1}}`;
    const messages = validateText(line).diagnostics.filter((d) => d.code === 'unknown_parameter').map((d) => d.message.text);
    assert.equal(messages.length, 2);
    for (const m of messages) {
      assert.doesNotMatch(m, /Did you mean|\[object|native code/, m);
    }
  });

  it('stays linear on 100,000 messages, 1,000,000 logit_bias keys and 100,000 schema properties', () => {
    const messages = Array.from({ length: 100_000 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: 'hi' }));
    assert.deepEqual(within(10_000, '100,000 messages', () => validateText(chat({ messages })).diagnostics), []);
    const logitBias: Record<string, number> = {};
    for (let i = 0; i < 1_000_000; i++) {
      logitBias[i] = 1;
    }
    within(15_000, '1,000,000 logit_bias keys', () => validateText(chat({ logit_bias: logitBias })));
    const properties: Record<string, unknown> = {};
    for (let i = 0; i < 100_000; i++) {
      properties[`p${i}`] = { type: 'string' };
    }
    const schema = { type: 'object', properties, required: Object.keys(properties), additionalProperties: false };
    const format = { type: 'json_schema', json_schema: { name: 'answer', strict: true, schema } };
    within(10_000, '100,000 schema properties', () => validateText(chat({ response_format: format })));
  });

  it('ends on $ref cycles and deep schemas', () => {
    const cycle = { type: 'object', properties: { a: { $ref: '#/$defs/A' } }, required: ['a'], additionalProperties: false, $defs: { A: { $ref: '#/$defs/B' }, B: { $ref: '#/$defs/A' } } };
    within(2_000, 'a $ref cycle', () => validateText(chat({ response_format: { type: 'json_schema', json_schema: { name: 'x', strict: true, schema: cycle } } })));
    let deep: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < 1000; i++) {
      deep = { type: 'object', properties: { a: deep }, required: ['a'], additionalProperties: false };
    }
    within(5_000, 'a schema 1000 levels deep', () => validateText(chat({ response_format: { type: 'json_schema', json_schema: { name: 'x', strict: true, schema: deep } } })));
  });

  it('reports 1e309, -1e309 and 1.0000000000000002 where an integer or range is required, and takes -0', () => {
    const line = (value: string) => chat({ temperature: '__T__', max_tokens: '__M__' }).replace('"__T__"', value).replace('"__M__"', value);
    const problems = (value: string) => validateText(line(value)).diagnostics.filter((d) => d.code === 'invalid_parameter').map((d) => d.message.text);
    assert.equal(problems('1e309').length, 2);
    assert.equal(problems('-1e309').length, 2);
    assert.deepEqual(problems('1.0000000000000002').length, 1);
    assert.match(problems('-0').join(), /max_tokens.*at least 1/);
  });
});

describe('attack 13: fixes touch only the body key', () => {
  const rename = (line: string) => apply(line, renameParameterEdits(source([line]), 'max_tokens', 'max_completion_tokens'));

  it('renames the body key, not the same text in a string value or a nested object', () => {
    const inString = `{"custom_id":"a","body":{"messages":[{"role":"user","content":"\\"max_tokens\\": 3"}],"max_tokens":5}}`;
    assert.deepEqual(JSON.parse(rename(inString)).body, { messages: [{ role: 'user', content: '"max_tokens": 3' }], max_completion_tokens: 5 });
    const nested = `{"custom_id":"a","body":{"metadata":{"max_tokens":"1"},"max_tokens":5}}`;
    assert.deepEqual(JSON.parse(rename(nested)).body, { metadata: { max_tokens: '1' }, max_completion_tokens: 5 });
    const onlyNested = `{"custom_id":"a","body":{"metadata":{"max_tokens":"1"}}}`;
    assert.equal(rename(onlyNested), onlyNested);
  });

  it('renames a key written with \\u escapes and a key on a line with a byte order mark', () => {
    assert.deepEqual(JSON.parse(rename(`{"custom_id":"a","body":{"max\\u005ftokens":5}}`)).body, { max_completion_tokens: 5 });
    const bom = rename(`\uFEFF{"custom_id":"a","body":{"max_tokens":5}}`);
    assert.ok(bom.startsWith('\uFEFF'));
    assert.deepEqual(JSON.parse(bom.slice(1)).body, { max_completion_tokens: 5 });
  });
});

describe('attack 13: line IntelliSense on hostile lines', () => {
  const weird = [
    '{"custom_id":"a","body":{"__proto__":{"',
    '{"body":{"constructor":',
    '{"body":{"toString":{"',
    '{"body":{"messages":[{"role":"constructor","',
    '{"body":{"messages":[{"role":"user","content":[{"type":"__proto__","',
    '{"url":"/v1/responses","body":{"input":[{"content":[{"type":"input_image","image_url":"data:',
    '{"\\',
    '{"a\\u00',
    '"',
    '{',
    '[[[[[[',
    '{"body":{"messages":[{"role":"',
    '{"custom_id":"x","method":"POST","url":"/chat/completions","body":{"model":"m","messages":[{"role":"user","content":"x"}],"__proto__":1,"constructor":{"a":1}}}',
  ];

  it('never throws at any offset of broken and prototype-keyed lines', () => {
    for (const text of weird) {
      for (let offset = 0; offset <= text.length; offset++) {
        assert.doesNotThrow(() => {
          cursorContext(text, offset);
          lineCompletions(text, offset);
          keyDocAt(text, offset);
          requestPreview(text);
        }, `${JSON.stringify(text)} at ${offset}`);
      }
    }
  });

  it('answers a line nested 200,000 levels deep in bounded time and memory (no path copied per level)', () => {
    const deep = '{"body":' + '['.repeat(200_000);
    within(5_000, 'completions at the end of [[[...', () => {
      cursorContext(deep, deep.length);
      lineCompletions(deep, deep.length);
      keyDocAt(deep, deep.length);
    });
    within(2_000, 'a preview of a closed deep line', () => requestPreview(`${deep}${']'.repeat(200_000)}}`));
  });

  it('answers on a 20 MB line at its start, middle and end quickly', () => {
    const big = `{"custom_id":"a","method":"POST","url":"/chat/completions","body":{"model":"m","messages":[{"role":"user","content":"${'x'.repeat(20_000_000)}"}],"temperature":1}}`;
    for (const offset of [3, 100, 10_000_000, big.length - 5, big.length]) {
      within(2_000, `offset ${offset}`, () => {
        cursorContext(big, offset);
        lineCompletions(big, offset);
        keyDocAt(big, offset);
      });
    }
    const preview = within(2_000, 'the preview', () => requestPreview(big));
    assert.equal(preview?.turns[0]?.parts[0]?.kind, 'text');
  });

  it('escapes HTML and command links of the preview text so the hover cannot run or link anything', () => {
    const hostile = '<img src=x onerror=alert(1)> [run](command:workbench.action.terminal.new) ![i](https://x/y.png) <a href="command:x">a</a>';
    const preview = requestPreview(`{"custom_id":"a","body":{"model":"m","messages":[{"role":"user","content":${JSON.stringify(hostile)}}]}}`)!;
    const text = (preview.turns[0]!.parts[0] as { text: string }).text;
    const escaped = escapeMarkdown(text);
    // No markdown link, image or HTML tag survives: every bracket, parenthesis and angle bracket is escaped.
    assert.doesNotMatch(escaped, /(^|[^\\])[[\]()<>]/);
    assert.ok(escaped.includes('\\[run\\]\\(command:workbench\\.action\\.terminal\\.new\\)'));
    // A key becomes a code span (not a link) or, with a backtick, escaped text.
    assert.equal(markdownCode('[x](command:y)'), '`[x](command:y)`');
    assert.doesNotMatch(markdownCode('a`](command:y)'), /(^|[^\\])[[\]()`]/);
  });
});
