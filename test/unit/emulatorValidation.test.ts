import * as assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { BadRequestError } from 'openai';
import type { RunningEmulator } from '../../src/emulator/index';
import { indexRequests, keptScanErrors, scanInputFile } from '../../src/emulator/scan';
import { bomMessage, validationErrors } from '../../src/emulator/validationErrors';
import { azure, call, GA, jsonl, PREVIEW, scratch, startFast, terminal, waitFor } from './emulatorHelpers';
import { useEmulator } from './emulatorFixture';
import { request, requests } from './helpers';

interface Outcome {
  status: string;
  failed_at: number | null;
  in_progress_at: number | null;
  errors: { object: string; data: { code: string; message: string; param: string | null; line: number | null }[] } | null;
}

describe('emulator: input validation fails batches the way Azure does', function () {
  let emulator: RunningEmulator;
  const tmp = scratch();
  useEmulator({ maxRequestsPerFile: 5 }, { onStart: (started) => (emulator = started) });
  after(async () => {
    tmp.cleanup();
  });

  /** Uploads `content`, creates a batch for `endpoint` and waits until it settles. */
  const run = async (name: string, content: string | Buffer, endpoint = '/chat/completions', on: RunningEmulator = emulator): Promise<Outcome> => {
    const client = azure(on, GA);
    const file = await client.files.create({ file: createReadStream(tmp.write(name, content)), purpose: 'batch' });
    const batch = await client.batches.create({ input_file_id: file.id, endpoint: endpoint as never, completion_window: '24h' });
    return (await waitFor((id) => client.batches.retrieve(id), batch.id, [...terminal, 'in_progress'])) as Outcome;
  };

  /** Validation passed: the batch runs (or already ran). */
  const expectRunning = (outcome: Outcome) => {
    assert.ok(['in_progress', 'finalizing', 'completed'].includes(outcome.status), `${outcome.status}: ${JSON.stringify(outcome.errors)}`);
    assert.equal(outcome.errors, null);
  };

  const expectFailure = (outcome: Outcome, code: string, line: number | null) => {
    assert.equal(outcome.status, 'failed');
    assert.equal(typeof outcome.failed_at, 'number');
    assert.equal(outcome.in_progress_at, null);
    assert.equal(outcome.errors?.object, 'list');
    const data = outcome.errors!.data;
    const found = data.find((e) => e.code === code);
    assert.ok(found, `expected ${code} in ${JSON.stringify(data)}`);
    assert.equal(found.line, line, JSON.stringify(found));
    for (const error of data) {
      assert.deepEqual(Object.keys(error).sort(), ['code', 'line', 'message', 'param']);
      assert.equal(typeof error.message, 'string');
    }
    return found;
  };

  it('invalid_json_line, with a 1-based line', async () => {
    expectFailure(await run('json.jsonl', jsonl([request({ custom_id: 'a' }), '{"custom_id": "b", "method": "POST",'])), 'invalid_json_line', 2);
  });

  it('too_many_tasks', async () => {
    const found = expectFailure(await run('many.jsonl', jsonl(requests(6))), 'too_many_tasks', null);
    assert.match(found.message, /6/);
  });

  it('url_mismatch between rows, and between the rows and the batch endpoint', async () => {
    const rows = [request({ custom_id: 'a' }), request({ custom_id: 'b', url: '/v1/responses' }, { messages: undefined, input: 'hi' })];
    expectFailure(await run('urls.jsonl', jsonl(rows)), 'url_mismatch', 2);
    const embeddings = JSON.stringify({ custom_id: 'e', method: 'POST', url: '/embeddings', body: { model: 'gpt-4o-batch', input: 'x' } });
    const found = expectFailure(await run('endpoint.jsonl', jsonl([embeddings]), '/chat/completions'), 'url_mismatch', 1);
    assert.equal(found.param, 'url');
    // /v1/chat/completions rows run in a /chat/completions batch: the same endpoint.
    const v1rows = requests(2).map((l) => l.replace('"/chat/completions"', '"/v1/chat/completions"'));
    expectRunning(await run('v1rows.jsonl', jsonl(v1rows)));
  });

  it('model_not_found for a deployment the resource does not have, and for a placeholder', async () => {
    const unknown = expectFailure(await run('unknown.jsonl', jsonl(requests(2, { model: 'gpt-4o-standard' }))), 'model_not_found', 1);
    assert.equal(unknown.param, 'body.model');
    assert.match(unknown.message, /gpt-4o-standard/);
    const placeholder = await run('placeholder.jsonl', jsonl(requests(3, { model: 'REPLACE-WITH-MODEL-DEPLOYMENT-NAME' })));
    expectFailure(placeholder, 'model_not_found', 1);
    assert.equal(placeholder.errors!.data.length, 1, 'one error per unknown deployment');
  });

  it('duplicate_custom_id', async () => {
    const found = expectFailure(await run('dup.jsonl', jsonl([request({ custom_id: 'same' }), request({ custom_id: 'other' }), request({ custom_id: 'same' })])), 'duplicate_custom_id', 3);
    assert.equal(found.param, 'custom_id');
  });

  it('empty_file (nothing, or only blank lines)', async () => {
    const found = expectFailure(await run('empty.jsonl', ''), 'empty_file', null);
    assert.equal(found.message, 'The input file is empty. Please ensure that the batch contains at least one request.');
    expectFailure(await run('blank.jsonl', '\n\n  \n'), 'empty_file', null);
  });

  it('model_mismatch', async () => {
    const rows = [request({ custom_id: 'a' }), request({ custom_id: 'b' }, { model: 'gpt-4o-mini-batch' })];
    expectFailure(await run('models.jsonl', jsonl(rows)), 'model_mismatch', 2);
  });

  it('invalid_request for schema problems of a line', async () => {
    const cases: [string, string, string | null][] = [
      [request({ custom_id: undefined }), 'custom_id', null],
      [request({ method: 'GET' }), 'method', null],
      [request({ url: '/completions' }), 'url', null],
      [request({ body: undefined }), 'body', null],
      [request({}, { messages: undefined }), 'body', null],
      [request({}, { model: undefined }), 'body.model', null],
      [request({}, { stream: true }), 'body', null],
      ['[1, 2]', 'none', null],
    ];
    for (const [index, [line, param]] of cases.entries()) {
      const found = expectFailure(await run(`invalid-${index}.jsonl`, jsonl([request({ custom_id: 'ok' }), line])), 'invalid_request', 2);
      assert.equal(found.param, param === 'none' ? null : param, line);
    }
  });

  it('a BOM fails with Azure\'s misleading deployment-name message', async () => {
    const outcome = await run('bom.jsonl', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(jsonl(requests(2)))]));
    const found = expectFailure(outcome, 'model_not_found', null);
    assert.equal(found.message, bomMessage);
    assert.match(found.message, /A valid model deployment name couldn't be extracted from the input file/);
    assert.equal(outcome.errors!.data.length, 1);
  });

  it('reports several problems at once, capped', async () => {
    const rows = Array.from({ length: 5 }, (_, i) => `{bad ${i}`);
    const outcome = await run('several.jsonl', jsonl(rows));
    assert.equal(outcome.errors!.data.filter((e) => e.code === 'invalid_json_line').length, 5);
    assert.deepEqual(
      outcome.errors!.data.map((e) => e.line),
      [1, 2, 3, 4, 5],
    );
  });

  it('a file of 150,000 broken rows fails with a bounded errors.data list: the file-level error, then by line', async function () {
    this.timeout(60_000);
    const outcome = await run('many-bad.jsonl', '{}\n'.repeat(150_000));
    const data = outcome.errors!.data;
    assert.equal(outcome.status, 'failed');
    assert.equal(data.length, 100);
    assert.deepEqual([data[0]!.code, data[0]!.line], ['too_many_tasks', null]);
    const lines = data.slice(1).map((e) => e.line!);
    assert.deepEqual(lines.slice(0, 8), [1, 1, 1, 1, 2, 2, 2, 2]);
    assert.ok(data.slice(1).every((e) => e.code === 'invalid_request'));
  });

  it('keeps a bounded list of errors while scanning, however many rows are broken', async function () {
    this.timeout(60_000);
    const path = tmp.write('scan-bad.jsonl', Buffer.concat([Buffer.from('{}\n'.repeat(200_000)), Buffer.from('{"custom_id": "x", "method": "POST", "url": "/chat/completions", "body": {"model": "YOUR_DEPLOYMENT", "messages": []}}\n'.repeat(5000))]));
    const scan = await scanInputFile(path, { maxRequests: 100_000, maxBytes: 200 * 1024 * 1024 });
    assert.equal(scan.requests, 205_000);
    assert.ok(scan.errors.length <= keptScanErrors + 4, `${scan.errors.length} errors kept`);
    assert.equal(scan.errors[0]!.code, 'too_many_tasks');
    assert.deepEqual(validationErrors(scan, '/chat/completions', new Map()).length, 100);
  });

  it('scans a file without a line break, longer than the limit, without reading the line', async () => {
    const path = tmp.write('one-line.jsonl', Buffer.alloc(8 * 1024 * 1024, 'a'));
    const limits = { maxRequests: 100_000, maxBytes: 1024 * 1024 };
    const scan = await scanInputFile(path, limits);
    assert.deepEqual(scan.errors.map((e) => e.code), ['file_too_large', 'invalid_request']);
    assert.match(scan.errors[1]!.message.text, /The line is 8\.0 MB, longer than 1\.0 MB/);
    assert.deepEqual([...(await indexRequests(path))], [0, 8 * 1024 * 1024]);
  });

  it('warnings (blank lines, unknown fields) do not fail a batch', async () => {
    const rows = [request({ custom_id: 'a' }), '', request({ custom_id: 'b', extra: 1 })];
    expectRunning(await run('warnings.jsonl', jsonl(rows)));
  });

  describe('token_limit_exceeded', () => {
    it('fails the batch at validation when the deployment quota is used up', async () => {
      const quota = await startFast({ maxEnqueuedTokens: 60, requestDelayMs: 300 });
      try {
        const first = await run('q1.jsonl', jsonl(requests(2)), '/chat/completions', quota); // 2 x 8 prompt tokens
        expectRunning(first);
        const second = await run('q2.jsonl', jsonl(requests(5, { max_tokens: 10 })), '/chat/completions', quota); // 5 x (8 + 10)
        const found = expectFailure(second, 'token_limit_exceeded', null);
        assert.match(found.message, /gpt-4o-batch/);
        // Another deployment has its own quota.
        const other = await run('q3.jsonl', jsonl(requests(2, { model: 'gpt-4o-mini-batch' })), '/chat/completions', quota);
        expectRunning(other);
      } finally {
        await quota.close();
      }
    });

    it('answers 400 at create in fail-fast mode, and reports enqueued tokens in the 201 headers', async () => {
      const quota = await startFast({ maxEnqueuedTokens: 40, failFast: true, requestDelayMs: 300 });
      try {
        const client = azure(quota, PREVIEW);
        const small = await client.files.create({ file: createReadStream(tmp.write('ff1.jsonl', jsonl(requests(3)))), purpose: 'batch' });
        const created = await client.batches.create({ input_file_id: small.id, endpoint: '/chat/completions' as never, completion_window: '24h' }).withResponse();
        assert.equal(created.response.status, 201);
        assert.equal(created.response.headers.get('deployment-enqueued-tokens'), '24');
        assert.equal(created.response.headers.get('deployment-maximum-enqueued-tokens'), '40');
        const big = await client.files.create({ file: createReadStream(tmp.write('ff2.jsonl', jsonl(requests(3)))), purpose: 'batch' });
        const error = await client.batches.create({ input_file_id: big.id, endpoint: '/chat/completions' as never, completion_window: '24h' }).catch((e: unknown) => e);
        assert.ok(error instanceof BadRequestError, String(error));
        assert.equal(error.code, 'token_limit_exceeded', 'Microsoft\'s retry sample keys on this code');
        assert.match(String(error.message), /Enqueued token limit/);
        const raw = await call(quota, 'POST', `/openai/batches?api-version=${PREVIEW}`, { body: { input_file_id: big.id, endpoint: '/chat/completions', completion_window: '24h' } });
        assert.equal(raw.status, 400);
        assert.equal(raw.json.error.code, 'token_limit_exceeded');
        // Once the first batch is terminal its tokens are no longer enqueued.
        await client.batches.cancel(created.data.id);
        await waitFor((id) => client.batches.retrieve(id), created.data.id, terminal);
        const retry = await client.batches.create({ input_file_id: big.id, endpoint: '/chat/completions' as never, completion_window: '24h' });
        assert.equal(retry.status, 'validating');
      } finally {
        await quota.close();
      }
    });
  });
});
