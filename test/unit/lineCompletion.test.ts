import * as assert from 'node:assert/strict';
import { boundedParse, Clipped, Omitted } from '../../src/core/intellisense/boundedParse';
import { keyDocAt, keyNotes } from '../../src/core/intellisense/keyDoc';
import { bodySchemas } from '../../src/core/jsonl/requestSchema';
import { lineCompletions, type LineCompletion } from '../../src/core/intellisense/lineCompletion';
import { requestPreview } from '../../src/core/intellisense/requestPreview';

/** A line with `|` at the cursor: the text without it and the cursor's column. */
function at(marked: string): { text: string; offset: number } {
  const offset = marked.indexOf('|');
  assert.ok(offset >= 0, marked);
  return { text: marked.slice(0, offset) + marked.slice(offset + 1), offset };
}

function complete(marked: string): LineCompletion[] {
  const { text, offset } = at(marked);
  return lineCompletions(text, offset);
}

/** The snippet as inserted with every placeholder at its default (first choice, its text, or nothing). */
function expand(snippet: string): string {
  return snippet
    .replace(/\$\{\d+\|([^|]*)\|\}/g, (_, choices: string) => choices.split(/(?<!\\),/)[0]!.replace(/\\([,|$}\\])/g, '$1'))
    .replace(/\$\{\d+:([^}]*)\}/g, '$1')
    .replace(/\$\d+/g, '')
    .replace(/\\([$}\\])/g, '$1');
}

function applied(marked: string, candidate: LineCompletion): string {
  const { text } = at(marked);
  return text.slice(0, candidate.range.start) + expand(candidate.insertText) + text.slice(candidate.range.end);
}

const labels = (items: readonly LineCompletion[]): string[] => items.map((i) => i.label);

describe('IntelliSense in request lines: completion', () => {
  const table: { line: string; includes: string[]; excludes?: string[] }[] = [
    { line: '{|}', includes: ['custom_id', 'method', 'url', 'body'] },
    { line: '{"custom_id": "a", "method": "POST", |}', includes: ['url', 'body'], excludes: ['custom_id', 'method'] },
    { line: '{"custom_id": "a", "|"}', includes: ['method', 'url', 'body'], excludes: ['custom_id'] },
    { line: '{"url": "/chat/completions", "body": {"|"}}', includes: ['messages', 'max_completion_tokens', 'reasoning_effort', 'response_format', 'tool_choice'], excludes: ['input', 'max_output_tokens', 'stream'] },
    { line: '{"url": "/v1/responses", "body": {"|"}}', includes: ['input', 'instructions', 'max_output_tokens', 'reasoning', 'text'], excludes: ['messages', 'max_completion_tokens'] },
    { line: '{"url": "/embeddings", "body": {"|"}}', includes: ['input', 'dimensions', 'encoding_format'], excludes: ['messages', 'temperature'] },
    { line: '{"body": {"|"}, "url": "/v1/embeddings"}', includes: ['dimensions'], excludes: ['messages'] },
    // No url yet: chat, the common case.
    { line: '{"body": {"model": "x", "|', includes: ['messages', 'temperature'], excludes: ['model'] },
    { line: '{"body": {"messages": [{"|"}]}}', includes: ['role', 'content', 'name'] },
    { line: '{"body": {"messages": [{"role": "tool", "|"}]}}', includes: ['content', 'tool_call_id'], excludes: ['role', 'refusal'] },
    { line: '{"body": {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://x/y.png", |}}]}]}}', includes: ['detail'], excludes: ['url'] },
    { line: '{"body": {"messages": [{"role": "user", "content": [{"type": "text", "|"}]}]}}', includes: ['text'] },
    { line: '{"body": {"response_format": {"type": "json_schema", "json_schema": {"|"}}}}', includes: ['name', 'schema', 'strict', 'description'] },
    { line: '{"url": "/v1/responses", "body": {"text": {"format": {"type": "json_schema", "|"}}}}', includes: ['name', 'schema', 'strict'] },
    { line: '{"url": "/v1/responses", "body": {"reasoning": {"|"}}}', includes: ['effort', 'summary'] },
    { line: '{"url": "/v1/responses", "body": {"input": [{"role": "user", "content": [{"type": "input_image", "|"}]}]}}', includes: ['image_url', 'detail', 'file_id'] },
    // Values.
    { line: '{"method": "|"}', includes: ['"POST"'] },
    { line: '{"method": |}', includes: ['"POST"'] },
    { line: '{"custom_id": "a", "url": "|', includes: ['"/chat/completions"', '"/v1/chat/completions"', '"/v1/responses"', '"/embeddings"'] },
    { line: '{"body": {"reasoning_effort": "|"}}', includes: ['"low"', '"medium"', '"high"'] },
    { line: '{"body": {"messages": [{"role": "|"}]}}', includes: ['"system"', '"user"', '"assistant"', '"tool"'] },
    { line: '{"body": {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "u", "detail": "|"}}]}]}}', includes: ['"low"', '"high"', '"auto"'] },
    { line: '{"body": {"response_format": {"type": "|"}}}', includes: ['"text"', '"json_object"', '"json_schema"'] },
    { line: '{"body": {"response_format": |}}', includes: ['{"type": "json_schema"}', '{"type": "json_object"}'] },
    { line: '{"body": {"tool_choice": |}}', includes: ['"none"', '"auto"', '"required"', '{"type": "function"}'] },
    { line: '{"body": {"logprobs": |}}', includes: ['true', 'false'] },
    { line: '{"body": {"logprobs": tr|}}', includes: ['true', 'false'] },
    { line: '{"body": {"messages": [|]}}', includes: ['{"role": "user"}', '{"role": "system"}'] },
  ];
  for (const { line, includes, excludes = [] } of table) {
    it(`offers ${includes.join(', ')} at ${line}`, () => {
      const found = labels(complete(line));
      for (const label of includes) {
        assert.ok(found.includes(label), `${label} missing from ${found.join(', ')}`);
      }
      for (const label of excludes) {
        assert.ok(!found.includes(label), `${label} offered`);
      }
    });
  }

  it('leaves body.model values to the deployment completion, and offers nothing outside JSON structure', () => {
    assert.deepEqual(complete('{"body": {"model": "|"}}'), []);
    assert.deepEqual(complete('{"body": {"model": |}}'), []);
    assert.deepEqual(complete('{"custom_id": "a"}|'), []);
    assert.deepEqual(complete('{"custom_id"|: "a"}'), []);
    assert.deepEqual(complete('{"body": {"temperature": 0.|5}}'), []);
  });

  // Every candidate, inserted with its defaults, gives a line JSON.parse accepts.
  const valid = [
    '{|}',
    '{"custom_id": "a", |}',
    '{"custom_id": "a", "|"}',
    '{"custom_id": "a" |}',
    '{"custom_id": "a", | "body": {}}',
    '{"url": "/chat/completions", "body": {|}}',
    '{"url": "/chat/completions", "body": {"temperature": 1, "|"}}',
    '{"url": "/v1/responses", "body": {"|"}}',
    '{"url": "/embeddings", "body": {"|"}}',
    '{"body": {"messages": [{|}]}}',
    '{"body": {"messages": [|]}}',
    '{"body": {"response_format": |}}',
    '{"body": {"response_format": {"type": "json_schema", "json_schema": {|}}}}',
    '{"url": "/v1/responses", "body": {"text": {"format": |}}}',
    '{"body": {"tool_choice": |}}',
    '{"body": {"tools": [|]}}',
    '{"method": |}',
    '{"method": "|"}',
    '{"url": "/v1|"}',
    '{"body": {"logprobs": tr|}}',
    '|',
  ];
  for (const line of valid) {
    it(`keeps the line valid JSON when a candidate is taken at ${line}`, () => {
      const items = complete(line);
      assert.ok(items.length > 0, 'candidates');
      for (const item of items) {
        const result = applied(line, item);
        assert.doesNotThrow(() => JSON.parse(result), `${item.label}: ${result}`);
      }
    });
  }

  it('completes the key being typed in quotes without a second colon, and adds the value after a bare key', () => {
    const line = '{"custom_id": "a", "ur": "/chat/completions"}';
    const offset = line.indexOf('ur') + 2;
    const url = lineCompletions(line, offset).find((i) => i.label === 'url')!;
    assert.equal(url.insertText, '"url"');
    assert.equal(url.filterText, '"url"');
    assert.deepEqual(url.range, { start: line.indexOf('"ur"'), end: line.indexOf('"ur"') + 4 });
    const bare = complete('{"custom_id": "a", "me|"}').find((i) => i.label === 'method')!;
    assert.equal(bare.insertText, '"method": "POST"');
  });

  it('writes Structured Outputs strict, with an object schema, and a user message with its content', () => {
    const schema = complete('{"body": {"response_format": |}}').find((i) => i.label === '{"type": "json_schema"}')!;
    const value = JSON.parse(expand(schema.insertText));
    assert.deepEqual(value, { type: 'json_schema', json_schema: { name: '', strict: true, schema: { type: 'object', properties: {}, required: [], additionalProperties: false } } });
    const messages = complete('{"body": {|}}').find((i) => i.label === 'messages')!;
    assert.equal(messages.insertText, '"messages": [{"role": "user", "content": "$1"}]');
    const effort = complete('{"body": {|}}').find((i) => i.label === 'reasoning_effort')!;
    assert.match(effort.insertText, /^"reasoning_effort": "\$\{1\|none,minimal,low,medium,high/);
  });

  it('puts the discriminator and required keys first', () => {
    const items = complete('{"body": {"messages": [{"role": "tool", "|"}]}}');
    assert.ok(items.find((i) => i.label === 'tool_call_id')!.preferred);
    assert.ok(complete('{"body": {"messages": [{|}]}}').find((i) => i.label === 'role')!.preferred);
  });

  it('reads only the line: a 20 MB image on it costs milliseconds', () => {
    const big = 'A'.repeat(20 * 1024 * 1024);
    const line = `{"custom_id": "r", "body": {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:image/png;base64,${big}"}}]}], }}`;
    const flat = line.slice(0); // a flat string, as a document line is
    flat.indexOf('\u0000');
    lineCompletions(flat, flat.length - 3);
    const started = performance.now();
    const items = lineCompletions(flat, flat.length - 3);
    assert.ok(performance.now() - started < 200, `took ${performance.now() - started} ms`);
    assert.ok(labels(items).includes('temperature'));
  });
});

describe('IntelliSense in request lines: key docs', () => {
  it('documents a body key with its range and the models that reject it', () => {
    const line = '{"custom_id": "a", "body": {"temperature": 0.2, "max_tokens": 10}}';
    const temperature = keyDocAt(line, line.indexOf('temperature') + 3)!;
    assert.deepEqual(temperature.path, ['body', 'temperature']);
    assert.equal(temperature.shape?.minimum, 0);
    assert.equal(temperature.shape?.maximum, 2);
    assert.deepEqual(temperature.range, { start: line.indexOf('"temperature"'), end: line.indexOf('"temperature"') + 13 });
    const maxTokens = keyDocAt(line, line.indexOf('max_tokens'))!;
    assert.equal(maxTokens.shape?.restrictions?.[0]?.replacement, 'max_completion_tokens');
  });

  it('answers only on keys, follows the endpoint and the discriminators, and marks unknown keys', () => {
    const line = '{"url": "/v1/responses", "body": {"input": [{"role": "user", "content": [{"type": "input_image", "detail": "low"}]}], "colour": 1}}';
    assert.equal(keyDocAt(line, line.indexOf('"low"') + 2), undefined);
    assert.equal(keyDocAt(line, line.indexOf('/v1')), undefined);
    const detail = keyDocAt(line, line.indexOf('detail'))!;
    assert.deepEqual(detail.path, ['body', 'input', 0, 'content', 0, 'detail']);
    assert.deepEqual(detail.shape?.enum, ['auto', 'low', 'high', 'original']);
    const unknown = keyDocAt(line, line.indexOf('colour'))!;
    assert.equal(unknown.shape, undefined);
    assert.equal(unknown.inDescribedObject, true);
    assert.equal(unknown.endpoint, 'responses');
  });

  it('documents keys of a broken line being typed', () => {
    const line = '{"custom_id": "a", "body": {"reasoning_effort": "hi';
    assert.match(keyDocAt(line, line.indexOf('reasoning'))!.shape!.doc, /reasoning/);
  });
});

describe('IntelliSense in request lines: each piece of advice once', () => {
  it('says once that reasoning models reject max_tokens, and nothing of it when the line\'s diagnostic says so', () => {
    const shape = bodySchemas.chat.max_tokens!;
    assert.deepEqual(keyNotes(shape), [{ kind: 'rejected', restriction: { models: 'reasoning', replacement: 'max_completion_tokens' } }, { kind: 'deprecated' }]);
    assert.deepEqual(keyNotes(shape, true), [{ kind: 'deprecated' }]);
    assert.doesNotMatch(shape.doc, /max_completion_tokens|reasoning/i);
  });

  it('leaves what the notes say out of every doc string, and names a replacement in one note at most', () => {
    for (const [kind, schema] of Object.entries(bodySchemas)) {
      for (const [key, shape] of Object.entries(schema)) {
        const notes = keyNotes(shape);
        const replacements = notes.flatMap((n) => (n.kind === 'rejected' ? [n.restriction.replacement] : [n.replacement])).filter((r) => r !== undefined);
        assert.equal(new Set(replacements).size, replacements.length, `${kind}.${key} names a replacement twice`);
        for (const replacement of replacements) {
          assert.ok(!shape.doc.includes(replacement!), `${kind}.${key}: the doc repeats the replacement ${replacement}`);
        }
        if (shape.restrictions?.some((r) => r.models === 'reasoning')) {
          assert.doesNotMatch(shape.doc, /reasoning models/i, `${kind}.${key}: the doc repeats its restriction`);
        }
        assert.ok(keyNotes(shape, true).every((n) => n.kind === 'deprecated'), `${kind}.${key}: a rejection shown beside its diagnostic`);
      }
    }
  });
});

describe('IntelliSense in request lines: request preview', () => {
  it('shows the messages as a conversation with images by detail and size, and the other parameters', () => {
    const image = `data:image/png;base64,${'A'.repeat(4 * 1024 * 1024)}`;
    const line = JSON.stringify({
      custom_id: 'r1',
      method: 'POST',
      url: '/chat/completions',
      body: {
        model: 'gpt-4o-batch',
        temperature: 0.2,
        messages: [
          { role: 'system', content: 'Be <b>brief</b>' },
          { role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: image, detail: 'high' } }] },
          { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'lookup', arguments: '{}' } }] },
        ],
      },
    });
    const preview = requestPreview(line)!;
    assert.equal(preview.customId, 'r1');
    assert.equal(preview.model, 'gpt-4o-batch');
    assert.deepEqual(
      preview.turns.map((t) => t.role),
      ['system', 'user', 'assistant'],
    );
    assert.deepEqual(preview.turns[0]!.parts, [{ kind: 'text', text: 'Be <b>brief</b>', clipped: false }]);
    assert.deepEqual(preview.turns[1]!.parts[1], { kind: 'image', detail: 'high', source: 'image/png, 3.0 MB' });
    assert.deepEqual(preview.turns[2]!.toolCalls, ['lookup']);
    assert.deepEqual(preview.parameters, [{ key: 'temperature', value: '0.2' }]);
  });

  it('clips long text and many turns, and reads responses and embeddings inputs', () => {
    const long = 'x'.repeat(10_000);
    const chat = requestPreview(JSON.stringify({ body: { messages: Array.from({ length: 20 }, () => ({ role: 'user', content: long })) } }), { textChars: 100, maxTurns: 3 })!;
    assert.equal(chat.turns.length, 3);
    assert.equal(chat.omittedTurns, 17);
    assert.deepEqual(chat.turns[0]!.parts[0], { kind: 'text', text: 'x'.repeat(100), clipped: true });
    const responses = requestPreview(JSON.stringify({ url: '/v1/responses', body: { instructions: 'Sum up.', input: [{ role: 'user', content: [{ type: 'input_text', text: 'Hi' }] }] } }))!;
    assert.equal(responses.endpoint, 'responses');
    assert.deepEqual(
      responses.turns.map((t) => [t.role, t.parts[0]]),
      [
        ['instructions', { kind: 'text', text: 'Sum up.', clipped: false }],
        ['user', { kind: 'text', text: 'Hi', clipped: false }],
      ],
    );
    const embeddings = requestPreview(JSON.stringify({ url: '/embeddings', body: { input: ['a', 'b'] } }))!;
    assert.deepEqual(
      embeddings.turns.map((t) => t.role),
      ['input', 'input'],
    );
    assert.equal(requestPreview('{"custom_id": "a", "body": {'), undefined);
    assert.equal(requestPreview('[1, 2]'), undefined);
  });

  it('previews a line with a 20 MB image without decoding it', () => {
    const line = `{"custom_id": "big", "body": {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,${'B'.repeat(20 * 1024 * 1024)}", "detail": "low"}}]}]}}`;
    requestPreview(line);
    const started = performance.now();
    const preview = requestPreview(line)!;
    assert.ok(performance.now() - started < 200, `took ${performance.now() - started} ms`);
    assert.deepEqual(preview.turns[0]!.parts[0], { kind: 'image', detail: 'low', source: 'image/jpeg, 15.0 MB' });
  });
});

describe('IntelliSense in request lines: bounded parse', () => {
  const table: { text: string; limits?: Partial<{ stringChars: number; arrayItems: number; objectKeys: number; depth: number }> }[] = [
    { text: '{"a": [1, 2.5, -3e2, true, false, null, "s\\n\\u00e9\\"x"], "b": {}}' },
    { text: '[]' },
    { text: '"plain"' },
    { text: '{"a": 1, "a": 2}' },
  ];
  for (const { text } of table) {
    it(`parses ${text} as JSON.parse does`, () => {
      assert.deepEqual(boundedParse(text), JSON.parse(text));
    });
  }

  it('clips strings, cuts long arrays and deep nesting, and refuses what JSON.parse refuses', () => {
    const clipped = boundedParse('"abcdefghij"', { stringChars: 4, arrayItems: 10, objectKeys: 10, depth: 10 });
    assert.ok(clipped instanceof Clipped);
    assert.equal(clipped.text, 'abcd');
    assert.equal(clipped.length, 10);
    const cut = boundedParse('[1,2,3,4,5]', { stringChars: 4, arrayItems: 2, objectKeys: 10, depth: 10 }) as unknown[];
    assert.deepEqual(cut.slice(0, 2), [1, 2]);
    assert.ok(cut[2] instanceof Omitted && cut[2].count === 3);
    const deep = boundedParse('[[[[1]]]]', { stringChars: 4, arrayItems: 10, objectKeys: 10, depth: 2 }) as unknown[][];
    assert.ok(deep[0]![0] instanceof Omitted);
    for (const bad of ['{"a": 1,}', '{"a" 1}', '[1 2]', '{"a": tru}', '"open', '{}x', '', '{"a": 1']) {
      assert.equal(boundedParse(bad), undefined, bad);
    }
  });
});
