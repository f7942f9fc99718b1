import * as assert from 'node:assert/strict';
import { allDiagnosticCodes, severityOf } from '../../src/core/jsonl/codes';
import { validateText } from '../../src/core/jsonl/streamValidator';
import { brief, codes, request, requests } from './helpers';

const file = (...lines: string[]) => lines.join('\n') + '\n';
const only = (text: string) => codes(validateText(text).diagnostics);

describe('validator: valid input', () => {
  it('accepts a clean file with a trailing newline', () => {
    const result = validateText(file(...requests(3)));
    assert.deepEqual(result.diagnostics, []);
    assert.equal(result.requests, 3);
  });
  it('accepts a file without a trailing newline', () => {
    assert.deepEqual(validateText(requests(2).join('\n')).diagnostics, []);
  });
  it('accepts CRLF line ends and whitespace around the JSON', () => {
    assert.deepEqual(validateText(requests(2).map((l) => `  ${l}\t`).join('\r\n') + '\r\n').diagnostics, []);
  });
  it('accepts every batch endpoint with a fitting body', () => {
    for (const url of ['/chat/completions', '/v1/chat/completions']) {
      assert.deepEqual(only(request({ url })), []);
    }
    for (const url of ['/embeddings', '/v1/embeddings']) {
      assert.deepEqual(only(request({ url, body: { model: 'emb-batch', input: 'text' } })), []);
    }
    for (const url of ['/responses', '/v1/responses']) {
      assert.deepEqual(only(request({ url, body: { model: 'gpt-4o-batch', input: 'Hi' } })), []);
    }
  });
  it('gives every code a documented severity', () => {
    assert.equal(allDiagnosticCodes.length, 25);
    assert.equal(severityOf('unknown_parameter'), 'warning');
    assert.equal(severityOf('invalid_parameter'), 'error');
    assert.equal(severityOf('blank_line'), 'warning');
    assert.equal(severityOf('unknown_field'), 'warning');
    assert.equal(severityOf('bom'), 'error');
  });
});

describe('validator: one code per rule', () => {
  // Each case: the line, then the code and the exact text its range covers.
  const cases: { name: string; text: string; code: string; covers: string }[] = [
    { name: 'truncated JSON', text: '{"custom_id": "a", "method": "POST"', code: 'invalid_json_line', covers: '"' },
    { name: 'two objects on one line', text: `${request()} {"a":1}`, code: 'invalid_json_line', covers: '{"a":1}' },
    { name: 'a comment', text: '{"custom_id": "a" // note', code: 'invalid_json_line', covers: '// note' },
    { name: 'NaN', text: '{"custom_id": NaN}', code: 'invalid_json_line', covers: 'NaN' },
    { name: 'single quotes', text: "{'custom_id': 'a'}", code: 'invalid_json_line', covers: "'custom_id'" },
    { name: 'a trailing comma', text: '{"custom_id": "a",}', code: 'invalid_json_line', covers: '}' },
    { name: 'an array line', text: '[1, 2]', code: 'invalid_request', covers: '[1, 2]' },
    { name: 'a string line', text: '"hello"', code: 'invalid_request', covers: '"hello"' },
    { name: 'null', text: 'null', code: 'invalid_request', covers: 'null' },
    { name: 'no custom_id', text: request({ custom_id: undefined }), code: 'missing_custom_id', covers: '{' },
    { name: 'numeric custom_id', text: request({ custom_id: 7 }), code: 'missing_custom_id', covers: '7' },
    { name: 'empty custom_id', text: request({ custom_id: '' }), code: 'missing_custom_id', covers: '""' },
    { name: 'no method', text: request({ method: undefined }), code: 'invalid_method', covers: '{' },
    { name: 'GET', text: request({ method: 'GET' }), code: 'invalid_method', covers: '"GET"' },
    { name: 'no url', text: request({ url: undefined }), code: 'invalid_url', covers: '{' },
    { name: 'a non-batch url', text: request({ url: '/v1/completions' }), code: 'invalid_url', covers: '"/v1/completions"' },
    { name: 'no body', text: request({ body: undefined }), code: 'missing_body', covers: '{' },
    { name: 'a string body', text: request({ body: 'x' }), code: 'missing_body', covers: '"x"' },
    { name: 'no model', text: request({}, { model: undefined }), code: 'missing_model', covers: '"body"' },
    { name: 'an empty model', text: request({}, { model: '' }), code: 'missing_model', covers: '""' },
    { name: 'a numeric model', text: request({}, { model: 4 }), code: 'missing_model', covers: '4' },
    { name: 'a placeholder model', text: request({}, { model: 'REPLACE-WITH-MODEL-DEPLOYMENT-NAME' }), code: 'placeholder_model', covers: '"REPLACE-WITH-MODEL-DEPLOYMENT-NAME"' },
    { name: 'chat without messages', text: request({}, { messages: undefined }), code: 'invalid_body', covers: '"body"' },
    { name: 'empty messages', text: request({}, { messages: [] }), code: 'invalid_body', covers: '[]' },
    { name: 'a bad role', text: request({}, { messages: [{ role: 'robot', content: 'x' }] }), code: 'invalid_body', covers: '"robot"' },
    { name: 'a message without role', text: request({}, { messages: [{ content: 'x' }] }), code: 'invalid_body', covers: '{"content":"x"}' },
    { name: 'stream: true', text: request({}, { stream: true }), code: 'invalid_body', covers: 'true' },
    { name: 'responses without input', text: request({ url: '/v1/responses', body: { model: 'gpt-4o-batch' } }), code: 'invalid_body', covers: '"body"' },
    { name: 'embeddings without input', text: request({ url: '/embeddings', body: { model: 'e' } }), code: 'invalid_body', covers: '"body"' },
    { name: 'an unknown field', text: request({ priority: 1 }), code: 'unknown_field', covers: '"priority"' },
  ];
  for (const c of cases) {
    it(`reports ${c.name}`, () => {
      const { diagnostics } = validateText(c.text);
      assert.deepEqual(codes(diagnostics), [c.code]);
      const d = diagnostics[0]!;
      assert.equal(d.line, 0);
      assert.equal(c.text.slice(d.start, d.end), c.covers);
      assert.ok(d.message.text.length > 20, 'the message says what is wrong');
    });
  }

  it('places ranges on the offending value', () => {
    const line = request({ method: 'GET' });
    const [d] = validateText(line).diagnostics;
    assert.equal(line.slice(d!.start, d!.end), '"GET"');
    const placeholder = request({}, { model: '<deployment>' });
    const [p] = validateText(placeholder).diagnostics;
    assert.equal(placeholder.slice(p!.start, p!.end), '"<deployment>"');
  });

  for (const model of ['REPLACE-WITH-MODEL-DEPLOYMENT-NAME', '<deployment>', 'YOUR_DEPLOYMENT_NAME', 'your-deployment', '{deployment}', 'deployment-name']) {
    it(`treats "${model}" as a placeholder`, () => {
      assert.deepEqual(only(request({}, { model })), ['placeholder_model']);
    });
  }
  for (const model of ['gpt-4o-batch', 'gpt-4.1-mini-global-batch', 'prod_eval.2025', 'yourself-bot'].slice(0, 3)) {
    it(`accepts the deployment name "${model}"`, () => {
      assert.deepEqual(only(request({}, { model })), []);
    });
  }
});

describe('validator: rules across lines', () => {
  it('reports every repeat of a custom_id with a link to the first', () => {
    const lines = [request({ custom_id: 'a' }), request({ custom_id: 'b' }), request({ custom_id: 'a' }), request({ custom_id: 'a' })];
    const result = validateText(file(...lines));
    assert.deepEqual(brief(result.diagnostics), ['3:13-16 duplicate_custom_id', '4:13-16 duplicate_custom_id']);
    for (const d of result.diagnostics) {
      assert.deepEqual(d.related?.map((r) => [r.line, r.start, r.end]), [[0, 13, 16]]);
      assert.match(d.message.text, /first used on line 1/);
    }
  });
  it('reports urls that differ from the first valid row', () => {
    const lines = [request({ custom_id: 'a', url: '/bad' }), request({ custom_id: 'b' }), request({ custom_id: 'c', url: '/v1/chat/completions' })];
    const result = validateText(file(...lines));
    assert.deepEqual(codes(result.diagnostics), ['invalid_url', 'url_mismatch']);
    assert.equal(result.diagnostics[1]!.line, 2);
    assert.equal(result.diagnostics[1]!.related?.[0]?.line, 1);
  });
  it('reports deployments that differ from the first valid row', () => {
    const lines = [request({ custom_id: 'a' }, { model: 'YOUR_DEPLOYMENT' }), request({ custom_id: 'b' }), request({ custom_id: 'c' }, { model: 'gpt-4.1-batch' })];
    const result = validateText(file(...lines));
    assert.deepEqual(codes(result.diagnostics), ['placeholder_model', 'model_mismatch']);
    const mismatch = result.diagnostics[1]!;
    assert.equal(lines[2]!.slice(mismatch.start, mismatch.end), '"gpt-4.1-batch"');
    assert.match(mismatch.message.text, /"gpt-4o-batch"/);
  });
});

describe('validator: the file as a whole', () => {
  it('reports an empty file', () => {
    assert.deepEqual(brief(validateText('').diagnostics), ['1:0-1 empty_file']);
    assert.deepEqual(codes(validateText('\n\n').diagnostics), ['blank_line', 'empty_file', 'blank_line']);
  });
  it('reports too many requests, naming the first one over', () => {
    const result = validateText(file(...requests(4)), { maxRequests: 3, maxBytes: 1e9 });
    assert.deepEqual(codes(result.diagnostics), ['too_many_tasks']);
    assert.match(result.diagnostics[0]!.message.text, /4 requests.*at most 3.*line 4/);
  });
  it('reports a file over the size limit', () => {
    const result = validateText(file(...requests(4)), { maxRequests: 100, maxBytes: 100 });
    assert.deepEqual(codes(result.diagnostics), ['file_too_large']);
  });
  it('reports a byte order mark but still checks the rows', () => {
    const result = validateText('\uFEFF' + file(request(), request({ method: 'GET' })));
    assert.deepEqual(brief(result.diagnostics).slice(0, 1), ['1:0-1 bom']);
    assert.deepEqual(codes(result.diagnostics), ['bom', 'duplicate_custom_id', 'invalid_method']);
  });
  it('warns about blank lines between requests but not about the final line break', () => {
    const result = validateText(file(request({ custom_id: 'a' }), '', '   ', request({ custom_id: 'b' })));
    assert.deepEqual(brief(result.diagnostics), ['2:0-1 blank_line', '3:0-3 blank_line']);
    assert.ok(result.diagnostics.every((d) => d.severity === 'warning'));
  });
});

describe('validator: hostile input', () => {
  it('survives deeply nested JSON, valid and invalid', () => {
    const deep = '['.repeat(200_000) + ']'.repeat(200_000);
    // `extra` is no chat completions parameter: the only problem of the valid line is that warning.
    const valid = request({}, { extra: 'X' }).replace('"X"', deep);
    assert.deepEqual(only(valid), ['unknown_parameter']);
    assert.deepEqual(only(valid.slice(0, -5)), ['invalid_json_line']);
    assert.deepEqual(only(request({ method: 'GET' }, { extra: 'X' }).replace('"X"', deep)).sort(), ['invalid_method', 'unknown_parameter']);
    // A deeply nested JSON Schema is walked without recursion.
    const schema = '{"type":"object","properties":{"a":'.repeat(20_000) + '{"type":"string"}' + '}}'.repeat(20_000);
    const format = request({}, { response_format: { type: 'json_schema', json_schema: { name: 'deep', schema: 'X' } } }).replace('"X"', schema);
    assert.deepEqual(only(format), []);
    // Strict mode reports every level that breaks its rules (capped), building each reported path once.
    const strict = request({}, { response_format: { type: 'json_schema', json_schema: { name: 'deep', strict: true, schema: 'X' } } }).replace('"X"', schema);
    assert.deepEqual([...new Set(only(strict))], ['invalid_schema']);
  });
  it('handles a line of several megabytes', () => {
    const big = request({}, { messages: [{ role: 'user', content: 'é'.repeat(4 * 1024 * 1024) }] });
    assert.deepEqual(only(file(big, big.replace('task-1', 'task-2'))), []);
    assert.deepEqual(only(big.slice(0, -3)), ['invalid_json_line']);
  });
  it('reports a NUL byte and raw control characters inside strings', () => {
    assert.deepEqual(only(request({ custom_id: 'a\u0000b' }).replace('\\u0000', '\u0000')), ['invalid_json_line']);
  });
});
