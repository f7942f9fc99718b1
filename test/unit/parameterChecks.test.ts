import * as assert from 'node:assert/strict';
import { DocumentValidator } from '../../src/core/jsonl/documentValidator';
import {
  linesOf,
  missingCustomIdEdits,
  removeFieldEdits,
  removePropertyEdit,
  removeUnsupportedEdits,
  renameParameterEdits,
  streamOffEdits,
  unsupportedParameterAt,
  type LineEdit,
} from '../../src/core/jsonl/fixes';
import { analyzeLine } from '../../src/core/jsonl/lineAnalysis';
import { closestParameter, imageUrlProblem } from '../../src/core/jsonl/parameterChecks';
import { bodySchemas, lineKeys, modelKindOf } from '../../src/core/jsonl/requestSchema';
import { validateText } from '../../src/core/jsonl/streamValidator';
import type { BatchDiagnostic } from '../../src/core/jsonl/types';
import { apply, codes, request } from './helpers';

const chat = (body: Record<string, unknown>, model = 'gpt-4o-batch') => request({}, { model, ...body });
const responses = (body: Record<string, unknown>, model = 'gpt-4.1-batch') =>
  request({ url: '/v1/responses' }, { model, messages: undefined, input: 'Hello', ...body });
const embeddings = (body: Record<string, unknown>) => request({ url: '/embeddings' }, { model: 'text-embedding-3-small', messages: undefined, input: 'Hello', ...body });
const schemaFormat = (schema: unknown, strict = true) => ({ type: 'json_schema', json_schema: { name: 'answer', strict, schema } });

/** The diagnostics of the new codes, from the stream validator; the document validator must give the same. */
function parameterDiagnostics(text: string): BatchDiagnostic[] {
  const streamed = validateText(text).diagnostics;
  const document = new DocumentValidator();
  const lines = text.split('\n');
  document.reset(lines.length);
  assert.ok(document.flush((line) => lines[line]!));
  assert.deepEqual(document.diagnostics(), streamed, 'the document validator and the stream validator disagree');
  return streamed.filter((d) => ['invalid_parameter', 'invalid_schema', 'unsupported_parameter', 'unknown_parameter'].includes(d.code));
}


describe('parameter checks: one code per rule, at the exact spot', () => {
  // Each case: the line, the only new code it gets, the text its range covers and a part of its message.
  const cases: { name: string; text: string; code: string; covers: string; says: string }[] = [
    { name: 'temperature as a string', text: chat({ temperature: '0.2' }), code: 'invalid_parameter', covers: '"0.2"', says: 'must be a number or null' },
    { name: 'temperature above 2', text: chat({ temperature: 2.5 }), code: 'invalid_parameter', covers: '2.5', says: 'a number from 0 to 2' },
    { name: 'top_p above 1', text: chat({ top_p: 1.5 }), code: 'invalid_parameter', covers: '1.5', says: 'from 0 to 1' },
    { name: 'n of 0', text: chat({ n: 0 }), code: 'invalid_parameter', covers: '0', says: 'an integer from 1' },
    { name: 'max_tokens not an integer', text: chat({ max_tokens: 10.5 }), code: 'invalid_parameter', covers: '10.5', says: 'an integer or null' },
    { name: 'max_completion_tokens negative', text: chat({ max_completion_tokens: -1 }), code: 'invalid_parameter', covers: '-1', says: 'at least 1' },
    { name: 'five stop sequences', text: chat({ stop: ['a', 'b', 'c', 'd', 'e'] }), code: 'invalid_parameter', covers: '["a","b","c","d","e"]', says: 'at most 4 items' },
    { name: 'a stop sequence that is a number', text: chat({ stop: ['a', 3] }), code: 'invalid_parameter', covers: '3', says: 'body.stop[1]' },
    { name: 'logit_bias out of range', text: chat({ logit_bias: { '50256': -101 } }), code: 'invalid_parameter', covers: '-101', says: 'from -100 to 100' },
    { name: 'logit_bias keyed by a word', text: chat({ logit_bias: { hello: 1 } }), code: 'invalid_parameter', covers: '"hello"', says: 'token id' },
    { name: 'a response_format type', text: chat({ response_format: { type: 'json' } }), code: 'invalid_parameter', covers: '"json"', says: '"json_object"' },
    { name: 'json_schema without a name', text: chat({ response_format: { type: 'json_schema', json_schema: { schema: { type: 'object' } } } }), code: 'invalid_parameter', covers: '{"schema":{"type":"object"}}', says: 'needs "name"' },
    { name: 'a tool of an unknown type', text: chat({ tools: [{ type: 'fn', function: { name: 'f' } }] }), code: 'invalid_parameter', covers: '"fn"', says: '"function", "custom"' },
    { name: 'a function tool without a name', text: chat({ tools: [{ type: 'function', function: { description: 'd' } }] }), code: 'invalid_parameter', covers: '{"description":"d"}', says: 'needs "name"' },
    { name: 'a function name with a space', text: chat({ tools: [{ type: 'function', function: { name: 'get weather' } }] }), code: 'invalid_parameter', covers: '"get weather"', says: 'underscores and dashes' },
    { name: 'tool_choice as a word', text: chat({ tool_choice: 'any' }), code: 'invalid_parameter', covers: '"any"', says: '"none", "auto", "required"' },
    { name: 'content null on a user message', text: chat({ messages: [{ role: 'user', content: null }] }), code: 'invalid_parameter', covers: 'null', says: 'except on an assistant message' },
    { name: 'a user message without content', text: chat({ messages: [{ role: 'user' }] }), code: 'invalid_parameter', covers: '{"role":"user"}', says: 'needs "content"' },
    { name: 'a content part type', text: chat({ messages: [{ role: 'user', content: [{ type: 'picture' }] }] }), code: 'invalid_parameter', covers: '"picture"', says: '"image_url"' },
    { name: 'an image part on a system message', text: chat({ messages: [{ role: 'system', content: [{ type: 'image_url', image_url: { url: 'https://x/a.png' } }] }] }), code: 'invalid_parameter', covers: '"image_url"', says: '"text"' },
    { name: 'an ftp image URL', text: chat({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'ftp://x/a.png' } }] }] }), code: 'invalid_parameter', covers: '"ftp://x/a.png"', says: 'http(s) URL' },
    { name: 'a data URL that is no image', text: chat({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:text/plain;base64,QQ==' } }] }] }), code: 'invalid_parameter', covers: '"data:text/plain;base64,QQ=="', says: 'data:image/TYPE;base64,' },
    { name: 'base64 with a bad character', text: chat({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,QQ*=' } }] }] }), code: 'invalid_parameter', covers: '"data:image/png;base64,QQ*="', says: '"*" at character 25' },
    { name: 'an image detail', text: chat({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/a.png', detail: 'max' } }] }] }), code: 'invalid_parameter', covers: '"max"', says: '"low", "high"' },
    { name: 'a responses image URL', text: responses({ input: [{ role: 'user', content: [{ type: 'input_image', image_url: 'file:///a.png', detail: 'auto' }] }] }), code: 'invalid_parameter', covers: '"file:///a.png"', says: 'body.input[0].content[0].image_url' },
    { name: 'a responses text.format type', text: responses({ text: { format: { type: 'xml' } } }), code: 'invalid_parameter', covers: '"xml"', says: '"json_schema"' },
    { name: 'embeddings encoding_format', text: embeddings({ encoding_format: 'int8' }), code: 'invalid_parameter', covers: '"int8"', says: '"float", "base64"' },
    { name: 'embeddings input empty', text: embeddings({ input: [] }), code: 'invalid_parameter', covers: '[]', says: 'at least 1 items' },
    { name: 'a schema type misspelt', text: chat({ response_format: schemaFormat({ type: 'object', properties: { a: { type: 'strng' } }, required: ['a'], additionalProperties: false }) }), code: 'invalid_schema', covers: '"strng"', says: 'properties.a.type' },
    { name: 'required not an array', text: chat({ response_format: schemaFormat({ type: 'object', properties: {}, required: 'a', additionalProperties: false }, false) }), code: 'invalid_schema', covers: '"a"', says: 'array of property names' },
    { name: 'strict without additionalProperties', text: chat({ response_format: schemaFormat({ type: 'object', properties: { a: { type: 'string' } }, required: ['a'] }) }), code: 'invalid_schema', covers: '{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]}', says: '"additionalProperties": false' },
    { name: 'strict with a property not required', text: chat({ response_format: schemaFormat({ type: 'object', properties: { a: { type: 'string' }, b: { type: 'number' } }, required: ['a'], additionalProperties: false }) }), code: 'invalid_schema', covers: '["a"]', says: 'does not list "b"' },
    { name: 'strict responses format', text: responses({ text: { format: { type: 'json_schema', name: 'a', strict: true, schema: { type: 'object', properties: {}, additionalProperties: true } } } }), code: 'invalid_schema', covers: 'true', says: 'allows more' },
    { name: 'tool parameters not a schema', text: chat({ tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: { a: 5 } } } }] }), code: 'invalid_schema', covers: '5', says: 'must be a JSON Schema' },
    { name: 'max_tokens on o3-mini', text: chat({ max_tokens: 100 }, 'o3-mini-batch'), code: 'unsupported_parameter', covers: '"max_tokens"', says: 'use "max_completion_tokens"' },
    { name: 'temperature 0.2 on GPT-5', text: chat({ temperature: 0.2 }, 'gpt-5-batch'), code: 'unsupported_parameter', covers: '0.2', says: 'default value 1' },
    { name: 'top_p 0.9 on o4-mini', text: chat({ top_p: 0.9 }, 'o4-mini'), code: 'unsupported_parameter', covers: '0.9', says: '"top_p"' },
    { name: 'presence_penalty on o1', text: chat({ presence_penalty: 0.5 }, 'o1-batch'), code: 'unsupported_parameter', covers: '0.5', says: 'default value 0' },
    { name: 'frequency_penalty on o3', text: chat({ frequency_penalty: 1 }, 'o3-global-batch'), code: 'unsupported_parameter', covers: '1', says: '"frequency_penalty"' },
    { name: 'logprobs on gpt-5-mini', text: chat({ logprobs: true }, 'gpt-5-mini-batch'), code: 'unsupported_parameter', covers: 'true', says: 'default value false' },
    { name: 'reasoning_effort on gpt-4o', text: chat({ reasoning_effort: 'low' }, 'gpt-4o-batch'), code: 'unsupported_parameter', covers: '"reasoning_effort"', says: 'only for reasoning models' },
    { name: 'reasoning on gpt-4.1 (responses)', text: responses({ reasoning: { effort: 'low' } }, 'gpt-4.1-batch'), code: 'unsupported_parameter', covers: '"reasoning"', says: 'only for reasoning models' },
    { name: 'temperature on GPT-5 (responses)', text: responses({ temperature: 0 }, 'gpt-5'), code: 'unsupported_parameter', covers: '0', says: 'default value 1' },
    { name: 'a misspelt parameter', text: chat({ temprature: 0.5 }), code: 'unknown_parameter', covers: '"temprature"', says: 'Did you mean "temperature"?' },
    { name: 'max_tokens on responses', text: responses({ max_tokens: 5 }), code: 'unknown_parameter', covers: '"max_tokens"', says: 'Did you mean "max_output_tokens"?' },
    { name: 'messages on embeddings', text: embeddings({ messages: [] }), code: 'unknown_parameter', covers: '"messages"', says: 'Did you mean "input"?' },
    { name: 'a parameter with no close name', text: chat({ zzzzzzzz: 1 }), code: 'unknown_parameter', covers: '"zzzzzzzz"', says: 'rejects or ignores it' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const found = parameterDiagnostics(c.text);
      assert.deepEqual(
        found.map((d) => d.code),
        [c.code],
        found.map((d) => d.message.text).join(' | '),
      );
      const d = found[0]!;
      assert.equal(c.text.slice(d.start, d.end), c.covers);
      assert.ok(d.message.text.includes(c.says), d.message.text);
    });
  }

  it('reports nothing for correct bodies of every endpoint', () => {
    const good = [
      chat({
        temperature: 0.7,
        top_p: 0.9,
        n: 1,
        stop: '\n',
        logit_bias: { '50256': -100 },
        max_tokens: 200,
        seed: 1,
        response_format: schemaFormat({
          type: 'object',
          properties: { a: { type: 'array', items: { type: 'object', properties: { b: { type: ['string', 'null'] } }, required: ['b'], additionalProperties: false } }, c: { $ref: '#/$defs/c' } },
          required: ['a', 'c'],
          additionalProperties: false,
          $defs: { c: { type: 'object', properties: {}, required: [], additionalProperties: false } },
        }),
        tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
        tool_choice: { type: 'function', function: { name: 'get_weather' } },
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' } }] },
          { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] },
          { role: 'tool', tool_call_id: 'c1', content: 'Sunny' },
        ],
      }),
      chat({ max_completion_tokens: 500, reasoning_effort: 'high', temperature: 1 }, 'o3-mini-batch'),
      chat({ reasoning_effort: 'low' }, 'prod-east'),
      chat({ temperature: 0.2, max_tokens: 5 }, 'gpt-5-chat-batch'),
      responses({
        max_output_tokens: 300,
        instructions: 'Be brief.',
        input: [
          { role: 'user', content: [{ type: 'input_text', text: 'Hi' }, { type: 'input_image', image_url: 'https://example.com/a.png', detail: 'high' }] },
          { type: 'function_call_output', call_id: 'c1', output: '42' },
        ],
        text: { format: { type: 'json_schema', name: 'x', strict: true, schema: { type: 'object', properties: { a: { type: 'string' } }, required: ['a'], additionalProperties: false } } },
      }),
      responses({ reasoning: { effort: 'medium', summary: 'auto' } }, 'o4-mini-batch'),
      embeddings({ dimensions: 256, encoding_format: 'float', input: ['a', 'b'] }),
    ];
    for (const line of good) {
      assert.deepEqual(codes(validateText(line).diagnostics), [], line);
    }
  });

  it('does not report twice what the structural rules report', () => {
    assert.deepEqual(codes(validateText(chat({ messages: 'hi' })).diagnostics), ['invalid_body']);
    assert.deepEqual(codes(validateText(chat({ messages: [{ role: 'robot', content: 'x' }] })).diagnostics), ['invalid_body']);
    assert.deepEqual(codes(validateText(chat({ messages: [7] })).diagnostics), ['invalid_body']);
    assert.deepEqual(codes(validateText(chat({ stream: true })).diagnostics), ['invalid_body']);
    assert.deepEqual(codes(validateText(responses({ input: null })).diagnostics), ['invalid_body']);
    assert.deepEqual(codes(validateText(chat({ model: 5 })).diagnostics), ['missing_model']);
    assert.deepEqual(codes(validateText(request({ extra: 1 })).diagnostics), ['unknown_field']);
  });

  it('applies strict mode at every level of a schema, and only with strict', () => {
    const nested = {
      type: 'object',
      properties: {
        level1: {
          type: 'object',
          properties: {
            level2: { type: 'array', items: { type: 'object', properties: { leaf: { type: 'string' }, other: { type: 'string' } }, required: ['leaf'] } },
          },
          required: ['level2'],
          additionalProperties: false,
        },
        choice: { anyOf: [{ type: 'object', properties: { x: { type: 'string' } }, required: ['x'] }, { type: 'null' }] },
      },
      required: ['level1', 'choice'],
      additionalProperties: false,
    };
    const strict = parameterDiagnostics(chat({ response_format: schemaFormat(nested) })).map((d) => d.message.text);
    assert.equal(strict.length, 3, strict.join('\n'));
    assert.ok(strict.some((m) => m.includes('schema.properties.level1.properties.level2.items" has none')));
    assert.ok(strict.some((m) => m.includes('schema.properties.level1.properties.level2.items" does not list "other"')));
    assert.ok(strict.some((m) => m.includes('schema.properties.choice.anyOf[0]" has none')));
    assert.deepEqual(parameterDiagnostics(chat({ response_format: schemaFormat(nested, false) })), []);
  });

  it('checks a 20 MB base64 image line without freezing', () => {
    const data = 'iVBORw0K'.repeat((20 * 1024 * 1024) / 8);
    const image = (url: string) => chat({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url } }] }] });
    const good = image(`data:image/png;base64,${data}`);
    const bad = image(`data:image/png;base64,${data.slice(0, -10)}!${data.slice(-9)}`);
    // The good line costs about one JSON.parse; the bad one a walk more to place the problem. Loose bounds: CI is shared.
    let started = performance.now();
    assert.deepEqual(analyzeLine(good).problems, []);
    const goodMs = performance.now() - started;
    started = performance.now();
    const found = analyzeLine(bad).problems;
    const badMs = performance.now() - started;
    assert.deepEqual(found.map((p) => p.code), ['invalid_parameter']);
    assert.equal(bad.slice(found[0]!.start, found[0]!.start + 23), '"data:image/png;base64,');
    assert.ok(found[0]!.message.text.includes(`"!" at character ${22 + data.length - 9}`), found[0]!.message.text);
    assert.ok(goodMs < 3_000 && badMs < 10_000, `good ${goodMs.toFixed(0)} ms, bad ${badMs.toFixed(0)} ms`);
    assert.deepEqual(codes(parameterDiagnostics(bad)), ['invalid_parameter']);
  });

  it('caps the problems of one pathological line', () => {
    const properties = Object.fromEntries(Array.from({ length: 2_000 }, (_, i) => [`p${i}`, { type: 'nope' }]));
    const found = parameterDiagnostics(chat({ response_format: schemaFormat({ type: 'object', properties }, false) }));
    assert.equal(found.length, 200);
  });
});

describe('request schema', () => {
  it('describes every endpoint with docs, and the line keys', () => {
    for (const [kind, schema] of Object.entries(bodySchemas)) {
      assert.ok(Object.keys(schema).length >= 5, kind);
      for (const [key, shape] of Object.entries(schema)) {
        assert.ok(shape.doc.length > 10, `${kind}.${key} has no doc`);
        assert.ok(shape.types.length > 0, `${kind}.${key} has no type`);
      }
    }
    assert.deepEqual(Object.keys(lineKeys), ['custom_id', 'method', 'url', 'body']);
    assert.deepEqual(bodySchemas.chat.reasoning_effort!.enum?.slice(0, 3), ['none', 'minimal', 'low']);
  });

  it('tells reasoning models from the others by the deployment name', () => {
    const table: [string, string | undefined][] = [
      ['o1', 'reasoning'],
      ['o3-mini-batch', 'reasoning'],
      ['my-o4-mini', 'reasoning'],
      ['gpt-5-batch', 'reasoning'],
      ['gpt5-nano', 'reasoning'],
      ['gpt-5-chat', 'nonReasoning'],
      ['gpt-4o-batch', 'nonReasoning'],
      ['gpt-4.1-mini', 'nonReasoning'],
      ['gpt-35-turbo', 'nonReasoning'],
      ['demo1', undefined],
      ['prod-deployment', undefined],
    ];
    for (const [name, kind] of table) {
      assert.equal(modelKindOf(name), kind, name);
    }
  });

  it('suggests the closest parameter', () => {
    assert.equal(closestParameter('max_token', 'chat'), 'max_tokens');
    assert.equal(closestParameter('Temperature', 'chat'), 'temperature');
    assert.equal(closestParameter('max_completion_tokens', 'responses'), 'max_output_tokens');
    assert.equal(closestParameter('completely_different', 'embeddings'), undefined);
  });

  it('checks image URLs by prefix and charset', () => {
    assert.equal(imageUrlProblem('https://example.com/a.png', 'u'), undefined);
    assert.equal(imageUrlProblem('http://example.com/a.png', 'u'), undefined);
    assert.equal(imageUrlProblem('data:image/jpeg;base64,/9j/4AAQ', 'u'), undefined);
    assert.ok(imageUrlProblem('https://', 'u'));
    assert.ok(imageUrlProblem('data:image/png;base64,', 'u')?.text.includes('no image data'));
    assert.ok(imageUrlProblem('data:image/png;base64,QQ=A', 'u')?.text.includes('padding'));
    assert.ok(imageUrlProblem('data:image/png;base64,QQA', 'u')?.text.includes('multiple of 4'));
    assert.ok(imageUrlProblem('data:image/png,QQA=', 'u')?.text.includes('data:image/TYPE;base64,'));
  });
});

describe('parameter quick fix edits', () => {
  const reasoning = (id: string, body: Record<string, unknown>) => request({ custom_id: id }, { model: 'o3-mini-batch', ...body });

  it('renames max_tokens to max_completion_tokens on every row, keeping an existing max_completion_tokens', () => {
    const text = [reasoning('a', { max_tokens: 10 }), reasoning('b', { max_tokens: 20, max_completion_tokens: 30 }), reasoning('c', {}), '{broken'].join('\n');
    const fixed = apply(text, renameParameterEdits(linesOf(text), 'max_tokens', 'max_completion_tokens'));
    assert.deepEqual(codes(validateText(fixed).diagnostics), ['invalid_json_line']);
    const bodies = fixed.split('\n').slice(0, 3).map((l) => (JSON.parse(l) as { body: Record<string, unknown> }).body);
    assert.deepEqual(bodies.map((b) => [b.max_tokens, b.max_completion_tokens]), [[undefined, 10], [undefined, 30], [undefined, undefined]]);
  });

  it('removes an unsupported parameter only where the model rejects it', () => {
    const text = [
      '\uFEFF' + reasoning('d', { temperature: 0 }),
      reasoning('a', { temperature: 0.2 }),
      reasoning('b', { temperature: 1 }),
      request({ custom_id: 'c' }, { model: 'gpt-4o-batch', temperature: 0.2 }),
      reasoning('e', { temperature: 0.5, tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: { temperature: { type: 'number' } } } } }] }),
    ].join('\n');
    const fixed = apply(text, removeUnsupportedEdits(linesOf(text), 'temperature'));
    const bodies = fixed.split('\n').map((l) => (JSON.parse(l.replace('\uFEFF', '')) as { body: { temperature?: number; tools?: unknown } }).body);
    assert.deepEqual(bodies.map((b) => b.temperature), [undefined, undefined, 1, 0.2, undefined]);
    assert.ok(JSON.stringify(bodies[4]!.tools).includes('"temperature"'), 'the schema property of the same name stays');
    assert.ok(fixed.startsWith('\uFEFF'));
  });

  it('finds the parameter an unsupported_parameter diagnostic points at', () => {
    const line = reasoning('a', { temperature: 0.5, max_tokens: 10 });
    for (const d of validateText(line).diagnostics) {
      const found = unsupportedParameterAt(0, line, d.start);
      assert.ok(found, d.message.text);
      assert.ok(d.message.text.includes(`"${found.key}"`));
    }
    assert.equal(unsupportedParameterAt(0, line, 0), undefined);
  });

  it('removes a property with the right comma, wherever it sits', () => {
    const remove = (text: string, path: string[], key: string) => apply(text, [removePropertyEdit(0, text, path, key)!]);
    assert.equal(remove('{"a": 1, "b": 2, "c": 3}', [], 'a'), '{"b": 2, "c": 3}');
    assert.equal(remove('{"a": 1, "b": 2, "c": 3}', [], 'b'), '{"a": 1, "c": 3}');
    assert.equal(remove('{"a": 1, "b": 2, "c": 3}', [], 'c'), '{"a": 1, "b": 2}');
    assert.equal(remove('{"a": {"x": [1, {"y": 2}]}}', [], 'a'), '{}');
    assert.equal(remove('{"body": {"x": 1 , "y": 2}}', ['body'], 'y'), '{"body": {"x": 1 }}');
    assert.equal(remove('{"y": 0, "body": {"y": 2}}', ['body'], 'y'), '{"y": 0, "body": {}}');
    assert.equal(removePropertyEdit(0, '{"a": 1}', [], 'b'), undefined);
  });

  it('removes an unknown top-level field on the rows given', () => {
    const text = [request({ custom_id: 'a', extra: 1 }), request({ custom_id: 'b', extra: { x: 1 } }), request({ custom_id: 'c' })].join('\n');
    assert.deepEqual(codes(validateText(apply(text, removeFieldEdits(linesOf(text), 'extra'))).diagnostics), []);
    const one = apply(text, removeFieldEdits(linesOf(text), 'extra', [1]));
    assert.deepEqual(codes(validateText(one).diagnostics), ['unknown_field']);
  });

  it('sets stream to false', () => {
    const text = [request({ custom_id: 'a' }, { stream: true }), request({ custom_id: 'b' }, { stream: false }), request({ custom_id: 'c' })].join('\n');
    const edits = streamOffEdits(linesOf(text));
    assert.equal(edits.length, 1);
    assert.deepEqual(codes(validateText(apply(text, edits)).diagnostics), []);
  });

  it('generates missing custom_ids without clashing', () => {
    const text = [request({ custom_id: undefined }), request({ custom_id: 'request-1' }), request({ custom_id: '' }), request({ custom_id: 5 }), ''].join('\n');
    const fixed = apply(text, missingCustomIdEdits(linesOf(text)));
    assert.deepEqual(codes(validateText(fixed).diagnostics), []);
    assert.deepEqual(fixed.split('\n').slice(0, 4).map((l) => (JSON.parse(l) as { custom_id: string }).custom_id), ['request-1-2', 'request-1', 'request-3', 'request-4']);
  });

  it('fixes a row with a repeated key in one application: the copy JSON.parse keeps is fixed, the others removed', () => {
    const head = '{"custom_id": "a", "method": "POST", "url": "/chat/completions", ';
    const msgs = '"messages": [{"role": "user", "content": "Hi"}]';
    type Fix = (source: ReturnType<typeof linesOf>) => LineEdit[];
    const table: { name: string; line: string; fix: Fix; code: string; key: string; expect: (row: { custom_id?: unknown; body: Record<string, unknown> }) => void }[] = [
      {
        name: 'rename max_tokens',
        line: `${head}"body": {"model": "o3-mini-batch", "max_tokens": 10, ${msgs}, "max_tokens": 20}}`,
        fix: (source) => renameParameterEdits(source, 'max_tokens', 'max_completion_tokens'),
        code: 'unsupported_parameter',
        key: '"max_tokens"',
        expect: (row) => assert.equal(row.body.max_completion_tokens, 20, 'the value JSON.parse read'),
      },
      {
        name: 'rename max_tokens, three copies side by side at the end',
        line: `${head}"body": {"model": "o3-mini-batch", ${msgs}, "max_tokens": 1, "max_tokens": 2,"max_tokens":3}}`,
        fix: (source) => renameParameterEdits(source, 'max_tokens', 'max_completion_tokens'),
        code: 'unsupported_parameter',
        key: '"max_tokens"',
        expect: (row) => assert.equal(row.body.max_completion_tokens, 3),
      },
      {
        name: 'rename max_tokens where max_completion_tokens is set',
        line: `${head}"body": {"max_tokens": 10, "model": "o3-mini-batch", "max_completion_tokens": 5, ${msgs}, "max_tokens": 20}}`,
        fix: (source) => renameParameterEdits(source, 'max_tokens', 'max_completion_tokens'),
        code: 'unsupported_parameter',
        key: '"max_tokens"',
        expect: (row) => assert.equal(row.body.max_completion_tokens, 5),
      },
      {
        name: 'remove an unsupported parameter',
        line: `${head}"body": {"temperature": 1, "model": "o3-mini-batch", ${msgs}, "temperature": 0.5}}`,
        fix: (source) => removeUnsupportedEdits(source, 'temperature'),
        code: 'unsupported_parameter',
        key: '"temperature"',
        expect: (row) => assert.equal(row.body.temperature, undefined),
      },
      {
        name: 'remove an unknown field',
        line: `{"extra": 1, "custom_id": "a", "method": "POST", "extra": 2, "url": "/chat/completions", "body": {"model": "m", ${msgs}}, "extra": 3}`,
        fix: (source) => removeFieldEdits(source, 'extra'),
        code: 'unknown_field',
        key: '"extra"',
        expect: (row) => assert.equal((row as Record<string, unknown>).extra, undefined),
      },
      {
        name: 'set stream to false',
        line: `${head}"body": {"stream": false, "model": "m", ${msgs}, "stream": true}}`,
        fix: (source) => streamOffEdits(source),
        code: 'invalid_body',
        key: '"stream"',
        expect: (row) => assert.equal(row.body.stream, false),
      },
      {
        name: 'generate a missing custom_id',
        line: '{"custom_id": "x", "method": "POST", "custom_id": "", "url": "/chat/completions", "body": {"model": "m", ' + msgs + '}}',
        fix: (source) => missingCustomIdEdits(source),
        code: 'missing_custom_id',
        key: '"custom_id"',
        expect: (row) => assert.equal(row.custom_id, 'request-1'),
      },
    ];
    for (const { name, line, fix, code, key, expect } of table) {
      assert.ok(codes(validateText(line).diagnostics).includes(code), `${name}: the row has ${code}`);
      const edits = fix(linesOf(line));
      assert.equal(edits.length, 1, `${name}: one edit per row`);
      const fixed = apply(line, edits);
      assert.ok(!codes(validateText(fixed).diagnostics).includes(code), `${name}: ${fixed}`);
      assert.ok(fixed.split(key).length - 1 <= 1, `${name}: the key is left once at most: ${fixed}`);
      expect(JSON.parse(fixed) as { custom_id?: unknown; body: Record<string, unknown> });
      assert.deepEqual(fix(linesOf(fixed)), [], `${name}: nothing left to fix`);
    }
  });

  it('fixes the body JSON.parse reads when the body itself is repeated, leaving the dropped copy alone', () => {
    const dropped = '"body": {"model": "o3-mini-batch", "max_tokens": 1, "messages": []}';
    const line = `{"custom_id": "a", "method": "POST", "url": "/chat/completions", ${dropped}, "body": {"model": "o3-mini-batch", "max_tokens": 10, "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 20}}`;
    const fixed = apply(line, renameParameterEdits(linesOf(line), 'max_tokens', 'max_completion_tokens'));
    assert.ok(fixed.includes(dropped), fixed);
    assert.deepEqual((JSON.parse(fixed) as { body: Record<string, unknown> }).body, { model: 'o3-mini-batch', max_completion_tokens: 20, messages: [{ role: 'user', content: 'Hi' }] });
  });

  it('fixes 100,000 rows in well under a few seconds', () => {
    const rows = Array.from({ length: 100_000 }, (_, i) => reasoning(`task-${i}`, { max_tokens: 100, temperature: 0.3 }));
    const source = linesOf(rows.join('\n'));
    let started = performance.now();
    const renames = renameParameterEdits(source, 'max_tokens', 'max_completion_tokens');
    const renameMs = performance.now() - started;
    started = performance.now();
    const removals = removeUnsupportedEdits(source, 'temperature');
    const removeMs = performance.now() - started;
    assert.equal(renames.length, 100_000);
    assert.equal(removals.length, 100_000);
    assert.ok(renameMs < 8_000 && removeMs < 8_000, `rename ${renameMs.toFixed(0)} ms, remove ${removeMs.toFixed(0)} ms`);
  });
});
