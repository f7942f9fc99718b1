import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RowDetail } from '../../src/core/results/viewModel';
import { detailPane, type DetailLabels } from '../../src/features/resultsViewer/detailSections';
import { findInputFile } from '../../src/features/resultsViewer/inputFile';

const labels: DetailLabels = {
  system: 'System',
  message: (role) => `Message ${role}`,
  input: 'Input',
  tools: 'Tools',
  toolCalls: 'Tool calls',
  parameters: 'Parameters',
  responseFormat: 'Format',
  answer: (choice) => `Answer ${choice}`,
  refusal: 'Refusal',
  contentFilter: 'Content filter',
  promptFilter: 'Prompt filter',
  usage: 'Usage',
  error: 'Error',
  status: 'Status',
  noRequest: 'No request',
  noResponse: 'No response',
  rawResponse: 'Raw',
  moreSections: (count) => `${count} more`,
};

const detail = (request: unknown, result: RowDetail['result']): RowDetail => ({ index: 0, customId: 'a', request, result, resultLine: 1, inputLine: 1, changed: false });

describe('results viewer detail pane', () => {
  it('shows the system prompt, every message, tools, tool calls with parsed arguments, and the parameters', () => {
    const pane = detailPane(
      detail(
        {
          custom_id: 'a',
          method: 'POST',
          url: '/chat/completions',
          body: {
            model: 'gpt-4o-batch',
            temperature: 0,
            tools: [{ type: 'function', function: { name: 'lookup' } }],
            messages: [
              { role: 'system', content: 'Be brief.' },
              { role: 'user', content: [{ type: 'text', text: 'Hello' }] },
              { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"q":"x"}' } }] },
              { role: 'tool', tool_call_id: 'call_1', content: 'found' },
            ],
          },
        },
        { custom_id: 'a', status: 'succeeded', status_code: 200, error: null, response: { choices: [{ finish_reason: 'stop', message: { role: 'assistant', content: 'Hi!' }, content_filter_results: { hate: { filtered: false } } }], usage: { prompt_tokens: 3 } } },
      ),
      labels,
    );
    assert.deepEqual(
      pane.request.map((section) => section.title),
      ['System', 'Message user', 'Tool calls', 'Message tool · call_1', 'Tools', 'Parameters'],
    );
    assert.equal(pane.request[1]!.text, 'Hello');
    assert.match(pane.request[2]!.text, /"arguments": \{\n\s+"q": "x"/, 'tool call arguments are parsed and pretty-printed');
    assert.deepEqual(JSON.parse(pane.request.at(-1)!.text), { method: 'POST', url: '/chat/completions', model: 'gpt-4o-batch', temperature: 0 });
    assert.deepEqual(
      pane.response.map((section) => section.title),
      ['Status', 'Answer 1 · stop', 'Content filter', 'Usage', 'Raw'],
    );
    assert.equal(pane.response[1]!.text, 'Hi!');
    assert.equal(pane.response[1]!.code, undefined, 'an answer is text, not code');
  });

  it('shows a failed row\'s error once, and says when there is no request', () => {
    const error = { code: 'too_many_requests', message: 'Slow down.' };
    const pane = detailPane(detail(undefined, { custom_id: 'a', status: 'failed', status_code: 429, error, response: { error } }), labels);
    assert.deepEqual(pane.request.map((section) => section.title), ['No request']);
    assert.deepEqual(pane.response.map((section) => section.title), ['Status', 'Error', 'Raw']);
    assert.equal(pane.response[0]!.text, 'failed · 429');
  });

  it('shows the response\'s error alone when the row\'s error is its copy without param and type', () => {
    const error = { code: 'invalid_request', message: 'The request was rejected.' };
    const full = { ...error, param: null, type: 'invalid_request_error' };
    const pane = detailPane(detail(undefined, { custom_id: 'a', status: 'failed', status_code: 400, error, response: { error: full } }), labels);
    assert.deepEqual(pane.response.map((section) => section.title), ['Status', 'Error', 'Raw']);
    assert.match(pane.response[1]!.text, /invalid_request_error/);
  });
});

describe('results viewer input file', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'aoai-viewer-input-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('finds NAME.jsonl next to the results, next to the NAME.results/ folder, or where the job record says', () => {
    writeFileSync(join(dir, 'job.jsonl'), '');
    assert.equal(findInputFile(join(dir, 'job.results.jsonl')), join(dir, 'job.jsonl'));
    mkdirSync(join(dir, 'job.results'));
    assert.equal(findInputFile(join(dir, 'job.results', 'job.results.jsonl')), join(dir, 'job.jsonl'));
    writeFileSync(join(dir, 'elsewhere.jsonl'), '');
    assert.equal(findInputFile(join(dir, 'job.results', 'job.results.jsonl'), [undefined, join(dir, 'missing.jsonl'), join(dir, 'elsewhere.jsonl')]), join(dir, 'elsewhere.jsonl'));
    assert.equal(findInputFile(join(dir, 'other.results.jsonl')), undefined);
  });

  it('shows at most a bounded pane of a request with tens of thousands of messages (attack)', () => {
    const messages = Array.from({ length: 50_000 }, (_, i) => ({ role: 'user', content: `m${i} ${'x'.repeat(100)}` }));
    const pane = detailPane(detail({ custom_id: 'a', body: { messages } }, undefined), labels);
    assert.ok(pane.request.length <= 201, `${pane.request.length} sections`);
    assert.match(pane.request.at(-1)!.title, /^498\d\d more$/, 'what is left out is counted');
    const huge = Array.from({ length: 100 }, () => ({ role: 'user', content: 'y'.repeat(90_000) }));
    const chars = detailPane(detail({ custom_id: 'a', body: { messages: huge } }, undefined), labels).request.reduce((sum, section) => sum + section.text.length, 0);
    assert.ok(chars <= 2_000_000, `${chars} characters`);
  });
});
