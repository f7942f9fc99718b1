import * as assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { encodeChat } from 'gpt-tokenizer';
import type { RunningEmulator } from '../../src/emulator/index';
import { countChatPrompt } from '../../src/emulator/tokens';
import {
  assertSameShape,
  azure,
  call,
  example,
  GA,
  jsonl,
  parseJsonl,
  PREVIEW,
  scratch,
  terminal,
  v1,
  waitFor,
} from './emulatorHelpers';
import { useEmulator } from './emulatorFixture';
import { request, requests } from './helpers';

describe('emulator: files and batches through the SDK', function () {
  let emulator: RunningEmulator;
  const tmp = scratch();
  useEmulator({}, { onStart: (started) => (emulator = started) });
  after(async () => {
    tmp.cleanup();
  });

  it('runs a batch end to end on the GA API: upload, create, poll, download', async () => {
    const client = azure(emulator, GA);
    const path = tmp.write('five.jsonl', jsonl(requests(5)));
    const file = await client.files.create({ file: createReadStream(path), purpose: 'batch' });
    assert.match(file.id, /^file-[0-9a-f]{32}$/);
    assert.equal(file.object, 'file');
    assert.equal(file.purpose, 'batch');
    assert.equal(file.filename, 'five.jsonl');
    assert.equal(file.bytes, jsonl(requests(5)).length);
    assert.equal(file.status, 'pending', 'the 2024-10-21 upload example answers pending');
    assert.equal((await client.files.retrieve(file.id)).status, 'processed');

    const created = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/chat/completions' as never,
      completion_window: '24h',
      metadata: { batch_description: 'Evaluation job' },
    });
    assert.match(created.id, /^batch_[0-9a-f-]{36}$/);
    assert.equal(created.status, 'validating');
    assert.deepEqual(created.request_counts, { total: 0, completed: 0, failed: 0 });
    assert.equal(created.output_file_id, null);
    assert.equal(created.error_file_id, null);
    assert.equal(created.expires_at, created.created_at + 24 * 3600);
    assert.deepEqual(created.metadata, { batch_description: 'Evaluation job' });

    const done = await waitFor((id) => client.batches.retrieve(id), created.id, terminal);
    assert.equal(done.status, 'completed');
    assert.deepEqual(done.request_counts, { total: 5, completed: 5, failed: 0 });
    for (const field of ['in_progress_at', 'finalizing_at', 'completed_at']) {
      assert.equal(typeof done[field], 'number', field);
    }
    assert.ok(done.created_at <= done.in_progress_at && done.in_progress_at <= done.finalizing_at && done.finalizing_at <= done.completed_at);
    assert.equal(done.failed_at, null);
    assert.equal(done.cancelled_at, null);
    assert.equal(done.errors, null);

    const output = await client.files.retrieve(done.output_file_id!);
    assert.match(output.id, /^file-[0-9a-f-]{36}$/);
    assert.equal(output.purpose, 'batch_output');
    assert.equal(output.filename, `${done.id}_output.jsonl`);
    const rows = parseJsonl(await (await client.files.content(output.id)).text());
    assert.deepEqual(rows.map((r) => r.custom_id).sort(), ['task-1', 'task-2', 'task-3', 'task-4', 'task-5']);
    const errorFile = await client.files.retrieve(done.error_file_id!);
    assert.equal(errorFile.filename, `${done.id}_error.jsonl`);
    assert.equal(errorFile.bytes, 0, 'a successful job still has an (empty) error file');
    assert.equal(await (await client.files.content(errorFile.id)).text(), '');
  });

  it('writes Azure-shaped output lines with real token usage', async () => {
    const client = azure(emulator, PREVIEW);
    const messages = [
      { role: 'system', content: 'You are an AI assistant that helps people find information.' },
      { role: 'user', content: 'When was Microsoft founded?' },
    ];
    const lines = [
      request({ custom_id: 'a' }, { messages }),
      request({ custom_id: 'b' }, { messages: [{ role: 'user', content: 'Write a long essay about batches.' }], max_tokens: 5 }),
    ];
    const file = await client.files.create({ file: createReadStream(tmp.write('usage.jsonl', jsonl(lines))), purpose: 'batch' });
    const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/chat/completions' as never, completion_window: '24h' });
    const done = await waitFor((id) => client.batches.retrieve(id), batch.id, terminal);
    const rows = parseJsonl(await (await client.files.content(done.output_file_id!)).text());
    const byId = new Map(rows.map((r) => [r.custom_id, r]));
    const a = byId.get('a');
    assert.match(a.id, /^batch_req_[0-9a-f]{32}$/);
    assert.equal(a.error, null);
    assert.equal(a.response.status_code, 200);
    assert.match(a.response.request_id, /^[0-9a-f-]{36}$/);
    const body = a.response.body;
    assert.match(body.id, /^chatcmpl-/);
    assert.equal(body.object, 'chat.completion');
    assert.equal(typeof body.created, 'number');
    assert.equal(body.model, 'gpt-4o-2024-08-06', 'the model behind the gpt-4o-batch deployment');
    assert.match(body.system_fingerprint, /^fp_[0-9a-f]{10}$/);
    const choice = body.choices[0];
    assert.equal(choice.index, 0);
    assert.equal(choice.message.role, 'assistant');
    assert.equal(typeof choice.message.content, 'string');
    assert.equal(choice.message.refusal, null);
    assert.equal(choice.finish_reason, 'stop');
    assert.equal(choice.logprobs, null);
    for (const category of ['hate', 'self_harm', 'sexual', 'violence']) {
      assert.deepEqual(choice.content_filter_results[category], { filtered: false, severity: 'safe' });
      assert.deepEqual(body.prompt_filter_results[0].content_filter_results[category], { filtered: false, severity: 'safe' });
    }
    assert.equal(body.prompt_filter_results[0].prompt_index, 0);
    // The docs' sample answer for this very prompt reports 27 prompt tokens.
    assert.equal(body.usage.prompt_tokens, 27);
    assert.equal(body.usage.prompt_tokens, encodeChat(messages as never, 'gpt-4o').length);
    assert.equal(body.usage.total_tokens, body.usage.prompt_tokens + body.usage.completion_tokens);
    assert.ok(body.usage.completion_tokens > 0);

    const b = byId.get('b').response.body;
    assert.equal(b.usage.completion_tokens, 5, 'max_tokens caps the reply');
    assert.equal(b.choices[0].finish_reason, 'length');
  });

  it('counts chat prompt tokens like the tokenizer chat encoding', () => {
    const cases = [
      [{ role: 'user', content: 'Hello' }],
      [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Café, naïve, 日本語 and emoji 😀' },
        { role: 'assistant', content: 'Sure.' },
      ],
    ];
    for (const messages of cases) {
      assert.equal(countChatPrompt(messages), encodeChat(messages as never, 'gpt-4o').length);
    }
  });

  it('replies deterministically from the prompt', async () => {
    const client = azure(emulator, GA);
    const lines = [request({ custom_id: 'x' }, { messages: [{ role: 'user', content: 'same prompt' }] }), request({ custom_id: 'y' }, { messages: [{ role: 'user', content: 'same prompt' }] })];
    const file = await client.files.create({ file: createReadStream(tmp.write('det.jsonl', jsonl(lines))), purpose: 'batch' });
    const runOnce = async () => {
      const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/chat/completions' as never, completion_window: '24h' });
      const done = await waitFor((id) => client.batches.retrieve(id), batch.id, terminal);
      return parseJsonl(await (await client.files.content(done.output_file_id!)).text()).map((r) => r.response.body.choices[0].message.content);
    };
    const first = await runOnce();
    const second = await runOnce();
    assert.equal(new Set([...first, ...second]).size, 1, 'the same prompt always gets the same reply');
  });

  it('answers embeddings and responses rows with their own body shapes', async () => {
    const client = azure(emulator, PREVIEW);
    const embeddings = [
      JSON.stringify({ custom_id: 'e1', method: 'POST', url: '/embeddings', body: { model: 'gpt-4o-batch', input: 'hello world' } }),
      JSON.stringify({ custom_id: 'e2', method: 'POST', url: '/embeddings', body: { model: 'gpt-4o-batch', input: ['one', 'two'], dimensions: 8 } }),
    ];
    const responses = [
      JSON.stringify({ custom_id: 'r1', method: 'POST', url: '/v1/responses', body: { model: 'gpt-4.1-batch', input: 'When was Microsoft founded?' } }),
      JSON.stringify({ custom_id: 'r2', method: 'POST', url: '/v1/responses', body: { model: 'gpt-4.1-batch', input: 'Tell me a long story', max_output_tokens: 3 } }),
    ];
    const run = async (name: string, lines: string[], endpoint: string) => {
      const file = await client.files.create({ file: createReadStream(tmp.write(name, jsonl(lines))), purpose: 'batch' });
      const batch = await client.batches.create({ input_file_id: file.id, endpoint: endpoint as never, completion_window: '24h' });
      const done = await waitFor((id) => client.batches.retrieve(id), batch.id, terminal);
      assert.equal(done.status, 'completed', JSON.stringify(done.errors));
      return new Map(parseJsonl(await (await client.files.content(done.output_file_id!)).text()).map((r) => [r.custom_id, r.response.body]));
    };
    const e = await run('embeddings.jsonl', embeddings, '/embeddings');
    const e1 = e.get('e1');
    assert.equal(e1.object, 'list');
    assert.equal(e1.data.length, 1);
    assert.equal(e1.data[0].object, 'embedding');
    assert.equal(e1.data[0].index, 0);
    assert.ok(e1.data[0].embedding.every((x: unknown) => typeof x === 'number'));
    assert.equal(e1.usage.prompt_tokens, 2);
    assert.equal(e1.usage.total_tokens, 2);
    assert.equal(e.get('e2').data.length, 2);
    assert.equal(e.get('e2').data[1].embedding.length, 8);

    const r = await run('responses.jsonl', responses, '/v1/responses');
    const r1 = r.get('r1');
    assert.match(r1.id, /^resp_/);
    assert.equal(r1.object, 'response');
    assert.equal(r1.status, 'completed');
    assert.equal(r1.model, 'gpt-4.1-2025-04-14');
    assert.equal(r1.output[0].type, 'message');
    assert.equal(r1.output[0].role, 'assistant');
    assert.equal(r1.output[0].content[0].type, 'output_text');
    assert.equal(typeof r1.output[0].content[0].text, 'string');
    assert.equal(r1.usage.total_tokens, r1.usage.input_tokens + r1.usage.output_tokens);
    assert.equal(r.get('r2').usage.output_tokens, 3);
    assert.equal(r.get('r2').status, 'incomplete');

    // Microsoft's guide creates "/chat/completions" batches for files of /v1/responses rows: accepted too.
    const mixed = await run('responses2.jsonl', responses, '/chat/completions');
    assert.equal(mixed.size, 2);
  });

  it('answers structured-output requests with JSON that fits the schema', async () => {
    const client = azure(emulator, GA);
    const schema = {
      type: 'object',
      properties: { name: { type: 'string' }, date: { type: 'string' }, participants: { type: 'array', items: { type: 'string' } } },
      required: ['name', 'date', 'participants'],
    };
    const line = request({ custom_id: 's' }, { response_format: { type: 'json_schema', json_schema: { name: 'Event', strict: true, schema } } });
    const file = await client.files.create({ file: createReadStream(tmp.write('schema.jsonl', jsonl([line]))), purpose: 'batch' });
    const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/chat/completions' as never, completion_window: '24h' });
    const done = await waitFor((id) => client.batches.retrieve(id), batch.id, terminal);
    const [row] = parseJsonl(await (await client.files.content(done.output_file_id!)).text());
    const value = JSON.parse(row.response.body.choices[0].message.content);
    assert.equal(typeof value.name, 'string');
    assert.ok(Array.isArray(value.participants));
  });

  it('lists files and batches, pages batches newest first with after/limit/has_more/first_id/last_id', async () => {
    const client = azure(emulator, GA);
    const file = await client.files.create({ file: createReadStream(tmp.write('page.jsonl', jsonl(requests(1)))), purpose: 'batch' });
    const created: string[] = [];
    for (let i = 0; i < 5; i++) {
      created.push((await client.batches.create({ input_file_id: file.id, endpoint: '/chat/completions' as never, completion_window: '24h' })).id);
    }
    const first = await call(emulator, 'GET', `/openai/batches?api-version=${GA}&limit=2`);
    assert.equal(first.status, 200);
    assert.equal(first.json.object, 'list');
    assert.deepEqual(first.json.data.map((b: { id: string }) => b.id), [created[4], created[3]], 'newest first');
    assert.equal(first.json.first_id, created[4]);
    assert.equal(first.json.last_id, created[3]);
    assert.equal(first.json.has_more, true);
    const second = await call(emulator, 'GET', `/openai/batches?api-version=${GA}&limit=2&after=${first.json.last_id}`);
    assert.deepEqual(second.json.data.map((b: { id: string }) => b.id), [created[2], created[1]]);
    assert.equal(second.json.has_more, true);

    // The SDK follows the cursor to the end.
    const all: string[] = [];
    for await (const batch of client.batches.list({ limit: 2 })) {
      all.push(batch.id);
    }
    assert.ok(created.every((id) => all.includes(id)));
    assert.equal(new Set(all).size, all.length);
    assert.deepEqual(all.slice(0, 5), [...created].reverse());

    const defaults = await call(emulator, 'GET', `/openai/batches?api-version=${GA}`);
    assert.ok(defaults.json.data.length <= 20, 'limit defaults to 20');
    assert.equal((await call(emulator, 'GET', `/openai/v1/batches?limit=101`)).status, 400, 'v1 limit is 1..100');
    assert.equal((await call(emulator, 'GET', `/openai/v1/batches?limit=0`)).status, 400);

    const files = await call(emulator, 'GET', `/openai/files?api-version=${GA}`);
    assert.equal(files.status, 200);
    assert.equal(files.json.object, 'list');
    assert.ok(files.json.data.some((f: { id: string }) => f.id === file.id));
    assert.equal(files.json.has_more, undefined, '2024-10-21 file lists have no paging fields');
    const sdkFiles: string[] = [];
    for await (const f of client.files.list()) {
      sdkFiles.push(f.id);
    }
    assert.ok(sdkFiles.includes(file.id));
    const onlyBatch = await call(emulator, 'GET', `/openai/files?api-version=${GA}&purpose=batch_output`);
    assert.ok(onlyBatch.json.data.every((f: { purpose: string }) => f.purpose === 'batch_output'));
  });

  it('filters and orders batch lists the 2025-04-01-preview way', async () => {
    const client = azure(emulator, PREVIEW);
    const file = await client.files.create({ file: createReadStream(tmp.write('filter.jsonl', jsonl(requests(1)))), purpose: 'batch' });
    const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/chat/completions' as never, completion_window: '24h' });
    await waitFor((id) => client.batches.retrieve(id), batch.id, terminal);
    const since = batch.created_at - 1;
    const filter = encodeURIComponent(`created_at gt ${since} and status eq 'Completed'`);
    const listed = await call(emulator, 'GET', `/openai/batches?api-version=${PREVIEW}&$filter=${filter}&$orderby=${encodeURIComponent('created_at asc')}`);
    assert.equal(listed.status, 200);
    assert.ok(listed.json.data.length >= 1);
    assert.ok(listed.json.data.every((b: { status: string; created_at: number }) => b.status === 'completed' && b.created_at > since));
    const times = listed.json.data.map((b: { created_at: number }) => b.created_at);
    assert.deepEqual(times, [...times].sort((x: number, y: number) => x - y));
    assert.equal((await call(emulator, 'GET', `/openai/batches?api-version=${PREVIEW}&$filter=bogus`)).status, 400);
  });

  it('deletes files: 200 with {object, deleted, id}, then 404', async () => {
    const client = azure(emulator, GA);
    const file = await client.files.create({ file: createReadStream(tmp.write('del.jsonl', jsonl(requests(1)))), purpose: 'batch' });
    const deleted = await call(emulator, 'DELETE', `/openai/files/${file.id}?api-version=${GA}`);
    assert.equal(deleted.status, 200);
    assertSameShape(deleted.json, example(GA, 'delete_file').responses['200']!.body);
    assert.deepEqual(deleted.json, { object: 'file', deleted: true, id: file.id });
    const again = await call(emulator, 'GET', `/openai/files/${file.id}?api-version=${GA}`);
    assert.equal(again.status, 404);
    assert.deepEqual(again.json, { error: { code: '404', message: 'Resource not found' } });
    assert.equal((await call(emulator, 'DELETE', `/openai/files/${file.id}?api-version=${GA}`)).status, 404);
  });

  it('streams file content as application/octet-stream', async () => {
    const client = azure(emulator, PREVIEW);
    const text = jsonl(requests(3));
    const file = await client.files.create({ file: createReadStream(tmp.write('content.jsonl', text)), purpose: 'batch' });
    const content = await call(emulator, 'GET', `/openai/files/${file.id}/content?api-version=${PREVIEW}`);
    assert.equal(content.status, 200);
    assert.equal(content.headers.get('content-type'), 'application/octet-stream');
    assert.equal(content.headers.get('content-length'), String(Buffer.byteLength(text)));
    assert.equal(content.text, text);
    assert.equal((await call(emulator, 'GET', `/openai/files/file-${'0'.repeat(32)}/content?api-version=${PREVIEW}`)).status, 404);
  });

  it('works on the v1 paths with the OpenAI client (bearer key) and with AzureOpenAI (api-version=preview)', async () => {
    const client = v1(emulator);
    const path = tmp.write('v1.jsonl', jsonl(requests(2).map((l) => l.replace('"/chat/completions"', '"/v1/chat/completions"'))));
    const file = await client.files.create({ file: createReadStream(path), purpose: 'batch' });
    assert.equal(file.status, 'processed', 'v1 uploads answer processed');
    assert.ok('expires_at' in file);
    const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    const done = await waitFor((id) => client.batches.retrieve(id), batch.id, terminal);
    assert.equal(done.status, 'completed');
    const rows = parseJsonl(await (await client.files.content(done.output_file_id!)).text());
    assert.equal(rows.length, 2);
    const listed = await client.files.list();
    assert.ok(listed.data.some((f) => f.id === file.id));
    const page = await call(emulator, 'GET', '/openai/v1/files?limit=1');
    assert.equal(page.json.data.length, 1);
    assert.equal(typeof page.json.has_more, 'boolean');
    assert.equal(page.json.first_id, page.json.data[0].id);
    assert.equal(page.json.last_id, page.json.data[0].id);

    const azureV1 = azure(emulator, 'preview', { endpoint: undefined, baseURL: `${emulator.url}/openai/v1` });
    const again = await azureV1.batches.retrieve(batch.id);
    assert.equal(again.id, batch.id);
    const viaAzure = await azureV1.files.create({ file: createReadStream(path), purpose: 'batch' });
    assert.equal(viaAzure.status, 'processed');
  });
});
