import * as assert from 'node:assert/strict';
import { linesOf, removeBlankLineEdits, removeBomEdit, setDeploymentEdits, setPropertyEdit, uniqueCustomIdEdits } from '../../src/core/jsonl/fixes';
import { validateText } from '../../src/core/jsonl/streamValidator';
import { apply, codes, request } from './helpers';


describe('quick fix edits', () => {
  it('sets the deployment on every row, replacing or inserting model', () => {
    const text = [request({ custom_id: 'a' }, { model: 'YOUR_DEPLOYMENT_NAME' }), request({ custom_id: 'b' }, { model: undefined }), request({ custom_id: 'c' }, { model: 'gpt-4.1-batch' }), '{broken', ''].join('\n');
    const fixed = apply(text, setDeploymentEdits(linesOf(text), 'gpt-4o-batch'));
    assert.deepEqual(codes(validateText(fixed).diagnostics), ['invalid_json_line']);
    assert.equal(fixed.split('\n').filter((l) => l.includes('"model":"gpt-4o-batch"') || l.includes('"model": "gpt-4o-batch"')).length, 3);
  });

  it('inserts into an empty object without a trailing comma', () => {
    const edit = setPropertyEdit(0, '{"custom_id":"a","body":{}}', ['body'], 'model', 'm');
    assert.equal(apply('{"custom_id":"a","body":{}}', [edit!]), '{"custom_id":"a","body":{"model": "m"}}');
  });

  it('makes repeated custom_ids unique without clashing with existing ones', () => {
    const text = [request({ custom_id: 'a' }), request({ custom_id: 'a' }), request({ custom_id: 'a-2' }), request({ custom_id: 'a' })].join('\n');
    const fixed = apply(text, uniqueCustomIdEdits(linesOf(text)));
    assert.deepEqual(codes(validateText(fixed).diagnostics), []);
    assert.deepEqual(fixed.split('\n').map((l) => (JSON.parse(l) as { custom_id: string }).custom_id), ['a', 'a-3', 'a-2', 'a-4']);
  });

  it('removes blank lines, keeping the final line break', () => {
    const text = ['', request({ custom_id: 'a' }), '  ', '', request({ custom_id: 'b' }), '\t', ''].join('\n');
    const fixed = apply(text, removeBlankLineEdits(linesOf(text)));
    assert.equal(fixed, [request({ custom_id: 'a' }), request({ custom_id: 'b' }), ''].join('\n'));
  });

  it('removes a byte order mark character', () => {
    const text = '\uFEFF' + request();
    assert.equal(apply(text, [removeBomEdit(linesOf(text))!]), request());
    assert.equal(removeBomEdit(linesOf(request())), undefined);
  });

  it('sets method and url on one row', () => {
    const line = request({ method: 'GET', url: '/x' });
    const method = setPropertyEdit(0, line, [], 'method', 'POST')!;
    const url = setPropertyEdit(0, apply(line, [method]), [], 'url', '/chat/completions')!;
    assert.deepEqual(codes(validateText(apply(apply(line, [method]), [url])).diagnostics), []);
    const missing = request({ method: undefined });
    assert.deepEqual(codes(validateText(apply(missing, [setPropertyEdit(0, missing, [], 'method', 'POST')!])).diagnostics), []);
  });
});
