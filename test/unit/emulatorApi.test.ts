import * as assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { AuthenticationError, NotFoundError } from 'openai';
import type { RunningEmulator } from '../../src/emulator/index';
import {
  assertSameShape,
  azure,
  batchNullable,
  call,
  example,
  GA,
  jsonl,
  PREVIEW,
  rawUpload,
  scratch,
  startFast,
  terminal,
  v1,
  waitFor,
} from './emulatorHelpers';
import { useEmulator } from './emulatorFixture';
import { requests } from './helpers';

const accessDenied = {
  error: {
    code: '401',
    message:
      'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.',
  },
};
const resourceNotFound = { error: { code: '404', message: 'Resource not found' } };

describe('emulator: REST surface against the published examples', function () {
  let emulator: RunningEmulator;
  const tmp = scratch();
  let inputText: string;
  let uploadedId: string;
  useEmulator({}, { onStart: (started) => (emulator = started) });
  before(async () => {
    inputText = jsonl(requests(3));
    const upload = await rawUpload(emulator, `/openai/files?api-version=${GA}`, { purpose: 'batch' }, { name: 'puppy.jsonl', content: inputText });
    uploadedId = upload.json.id;
  });
  after(async () => {
    tmp.cleanup();
  });

  it('upload: 201, Location, and every field of the example (GA)', async () => {
    const expected = example(GA, 'upload_file').responses['201']!;
    const response = await rawUpload(emulator, `/openai/files?api-version=${GA}`, { purpose: 'batch' }, { name: 'puppy.jsonl', content: inputText });
    assert.equal(response.status, 201);
    assertSameShape(response.json, expected.body);
    assert.equal(response.headers.get('location'), `${emulator.url}/openai/files/${response.json.id}`);
    assert.match(response.json.id, /^file-[0-9a-f]{32}$/);
    assert.equal(response.json.status, 'pending');
    assert.equal(response.json.bytes, Buffer.byteLength(inputText));
    assert.equal(response.json.status_details, null);
    assert.equal('expires_at' in response.json, false, 'expires_at arrives with the preview API');
  });

  it('upload: processed with expires_at on 2025-04-01-preview, honouring expires_after', async () => {
    const plain = await rawUpload(emulator, `/openai/files?api-version=${PREVIEW}`, { purpose: 'batch' }, { name: 'a.jsonl', content: inputText });
    assert.equal(plain.status, 201);
    assert.equal(plain.json.status, 'processed');
    assert.equal(plain.json.expires_at, null);
    const expiring = await rawUpload(
      emulator,
      `/openai/files?api-version=${PREVIEW}`,
      { purpose: 'batch', 'expires_after[anchor]': 'created_at', 'expires_after[seconds]': '1209600' },
      { name: 'b.jsonl', content: inputText },
    );
    assert.equal(expiring.status, 201);
    assert.equal(expiring.json.expires_at, expiring.json.created_at + 1209600);
    const dotted = await rawUpload(emulator, '/openai/v1/files', { purpose: 'batch', 'expires_after.anchor': 'created_at', 'expires_after.seconds': '2592000' }, { name: 'c.jsonl', content: inputText });
    assert.equal(dotted.json.expires_at, dotted.json.created_at + 2592000);
    const tooShort = await rawUpload(emulator, '/openai/v1/files', { purpose: 'batch', 'expires_after[anchor]': 'created_at', 'expires_after[seconds]': '60' }, { name: 'd.jsonl', content: inputText });
    assert.equal(tooShort.status, 400);
    assert.equal(tooShort.json.error.code, 'invalidPayload');
  });

  it('upload: refuses what Azure refuses', async () => {
    const path = `/openai/files?api-version=${GA}`;
    const unknownPurpose = await rawUpload(emulator, path, { purpose: 'pictures' }, { name: 'x.jsonl', content: inputText });
    assert.equal(unknownPurpose.status, 400);
    assert.deepEqual(unknownPurpose.json.error.code, 'invalidPayload');
    assert.equal(unknownPurpose.json.error.message, 'Invalid value for purpose.');
    const noPurpose = await rawUpload(emulator, path, {}, { name: 'x.jsonl', content: inputText });
    assert.equal(noPurpose.status, 400);
    assert.equal(noPurpose.json.error.param, 'purpose');
    const noFile = await rawUpload(emulator, path, { purpose: 'batch' });
    assert.equal(noFile.status, 400);
    assert.equal(noFile.json.error.param, 'file');
    const json = await call(emulator, 'POST', path, { body: { purpose: 'batch' } });
    assert.equal(json.status, 400);
    const fineTuneWrongSuffix = await rawUpload(emulator, path, { purpose: 'fine-tune' }, { name: 'x.txt', content: 'hi' });
    assert.equal(fineTuneWrongSuffix.status, 400);
    // Other valid purposes upload fine (Azure accepts them), but cannot feed a batch.
    const fineTune = await rawUpload(emulator, path, { purpose: 'fine-tune' }, { name: 'train.jsonl', content: inputText });
    assert.equal(fineTune.status, 201);
    assert.equal(fineTune.json.purpose, 'fine-tune');
    const create = await call(emulator, 'POST', `/openai/batches?api-version=${GA}`, { body: { input_file_id: fineTune.json.id, endpoint: '/chat/completions', completion_window: '24h' } });
    assert.equal(create.status, 400);
    assert.equal(create.json.error.param, 'input_file_id');
  });

  it('upload: the file limit (500 without expires_after)', async () => {
    const small = await startFast({ maxFiles: 2 });
    try {
      const path = '/openai/v1/files';
      assert.equal((await rawUpload(small, path, { purpose: 'batch' }, { name: '1.jsonl', content: inputText })).status, 201);
      assert.equal((await rawUpload(small, path, { purpose: 'batch' }, { name: '2.jsonl', content: inputText })).status, 201);
      const third = await rawUpload(small, path, { purpose: 'batch' }, { name: '3.jsonl', content: inputText });
      assert.equal(third.status, 400);
      assert.equal(third.json.error.code, 'quotaExceeded');
      const expiring = await rawUpload(small, path, { purpose: 'batch', 'expires_after[anchor]': 'created_at', 'expires_after[seconds]': '1209600' }, { name: '4.jsonl', content: inputText });
      assert.equal(expiring.status, 201, 'files with expires_after count against the 10,000 limit');
    } finally {
      await small.close();
    }
  });

  it('get file and list files have every field of the examples', async () => {
    const got = await call(emulator, 'GET', `/openai/files/${uploadedId}?api-version=${GA}`);
    assert.equal(got.status, 200);
    assertSameShape(got.json, example(GA, 'get_file').responses['200']!.body);
    const listed = await call(emulator, 'GET', `/openai/files?api-version=${GA}`);
    assertSameShape(listed.json, example(GA, 'get_files').responses['200']!.body);
    const preview = await call(emulator, 'GET', `/openai/files/${uploadedId}?api-version=${PREVIEW}`);
    assert.ok('expires_at' in preview.json);
  });

  it('file content matches the example: the raw bytes', async () => {
    const content = await call(emulator, 'GET', `/openai/files/${uploadedId}/content?api-version=${PREVIEW}`);
    assert.equal(content.status, 200);
    assert.equal(typeof example(PREVIEW, 'get_file_content').responses['200']!.body, 'string');
    assert.equal(content.text, inputText);
  });

  it('create: 200 on 2024-10-21 with the example body', async () => {
    const params = example(GA, 'post_batch').parameters.batchCreateRequest as Record<string, unknown>;
    const response = await call(emulator, 'POST', `/openai/batches?api-version=${GA}`, { body: { ...params, input_file_id: uploadedId } });
    assert.equal(response.status, 200);
    assertSameShape(response.json, example(GA, 'post_batch').responses['200']!.body, '$', batchNullable);
    assert.equal(response.json.status, 'validating');
    assert.deepEqual(response.json.metadata, { batch_description: 'Evaluation job' });
    assert.equal(response.headers.get('deployment-enqueued-tokens'), null);
  });

  it('create: 201 on 2025-04-01-preview and v1, with the enqueued-token headers', async () => {
    const params = example(PREVIEW, 'post_batch').parameters.batchCreateRequest as Record<string, unknown>;
    const expected = example(PREVIEW, 'post_batch').responses['201']!;
    for (const path of [`/openai/batches?api-version=${PREVIEW}`, '/openai/v1/batches']) {
      const response = await call(emulator, 'POST', path, { body: { ...params, input_file_id: uploadedId } });
      assert.equal(response.status, 201, path);
      assertSameShape(response.json, expected.body, '$', batchNullable);
      for (const header of Object.keys(expected.headers)) {
        const value = response.headers.get(header);
        assert.ok(value !== null && Number.isInteger(Number(value)), `${header}: ${value}`);
      }
      assert.equal(response.headers.get('deployment-maximum-enqueued-tokens'), '1000000000');
    }
    // Versions between GA and 2025-04-01-preview still answer 200.
    const mid = await call(emulator, 'POST', '/openai/batches?api-version=2025-03-01-preview', { body: { ...params, input_file_id: uploadedId } });
    assert.equal(mid.status, 200);
  });

  it('get batch (completed) and list batches have every field of the examples', async () => {
    const client = azure(emulator, PREVIEW);
    const created = await client.batches.create({ input_file_id: uploadedId, endpoint: '/chat/completions' as never, completion_window: '24h', metadata: { batch_description: 'Evaluation job' } });
    await waitFor((id) => client.batches.retrieve(id), created.id, terminal);
    const got = await call(emulator, 'GET', `/openai/batches/${created.id}?api-version=${PREVIEW}`);
    assert.equal(got.status, 200);
    assertSameShape(got.json, example(PREVIEW, 'get_batch').responses['200']!.body, '$', batchNullable);
    assert.equal(got.json.status, 'completed');

    for (const version of [GA, PREVIEW]) {
      const listed = await call(emulator, 'GET', `/openai/batches?api-version=${version}`);
      const expected = structuredClone(example(version, 'get_batches').responses['200']!.body);
      // The spec example misplaces first_id/last_id inside the batch; the service and SDK read them at the top.
      const { first_id: _first, last_id: _last, ...item } = expected.data[0];
      void _first;
      void _last;
      expected.data = [item];
      assertSameShape(listed.json, expected, '$', batchNullable);
      assert.equal(typeof listed.json.first_id, 'string');
      assert.equal(typeof listed.json.last_id, 'string');
    }
  });

  it('cancel has every field of the example and answers cancelling', async () => {
    const slow = await startFast({ requestDelayMs: 200 });
    try {
      const upload = await rawUpload(slow, `/openai/files?api-version=${GA}`, { purpose: 'batch' }, { name: 'c.jsonl', content: inputText });
      const created = await call(slow, 'POST', `/openai/batches?api-version=${GA}`, { body: { input_file_id: upload.json.id, endpoint: '/chat/completions', completion_window: '24h' } });
      const cancelled = await call(slow, 'POST', `/openai/batches/${created.json.id}/cancel?api-version=${GA}`);
      assert.equal(cancelled.status, 200);
      assertSameShape(cancelled.json, example(GA, 'cancel_batch').responses['200']!.body, '$', batchNullable);
      assert.equal(cancelled.json.status, 'cancelling');
      assert.equal(typeof cancelled.json.cancelling_at, 'number');
    } finally {
      await slow.close();
    }
  });

  it('create validates its body with Azure-style 400s', async () => {
    const path = `/openai/batches?api-version=${GA}`;
    const good = { input_file_id: uploadedId, endpoint: '/chat/completions', completion_window: '24h' };
    const cases: [Record<string, unknown>, string][] = [
      [{ ...good, input_file_id: undefined }, 'input_file_id'],
      [{ ...good, input_file_id: `file-${'a'.repeat(32)}` }, 'input_file_id'],
      [{ ...good, input_file_id: 42 }, 'input_file_id'],
      [{ ...good, endpoint: '/completions' }, 'endpoint'],
      [{ ...good, endpoint: undefined }, 'endpoint'],
      [{ ...good, completion_window: '48h' }, 'completion_window'],
      [{ ...good, completion_window: undefined }, 'completion_window'],
      [{ ...good, metadata: { n: 1 } }, 'metadata.n'],
      [{ ...good, metadata: 'text' }, 'metadata'],
      [{ ...good, metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])) }, 'metadata'],
      [{ ...good, output_expires_after: { anchor: 'created_at', seconds: 5 } }, 'output_expires_after'],
    ];
    for (const [body, param] of cases) {
      const response = await call(emulator, 'POST', path, { body });
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.equal(response.json.error.param, param, JSON.stringify(response.json));
      assert.equal(typeof response.json.error.code, 'string');
      assert.equal(typeof response.json.error.message, 'string');
    }
    const notJson = await call(emulator, 'POST', path, { raw: '{nope', headers: { 'content-type': 'application/json' } });
    assert.equal(notJson.status, 400);
    // Every batch endpoint is accepted, with or without /v1.
    for (const endpoint of ['/chat/completions', '/v1/chat/completions', '/embeddings', '/v1/embeddings', '/responses', '/v1/responses']) {
      assert.equal((await call(emulator, 'POST', path, { body: { ...good, endpoint } })).status, 200, endpoint);
    }
  });

  it('answers 401 with Azure\'s exact body for a missing or wrong key', async () => {
    const wrong = await call(emulator, 'GET', `/openai/files?api-version=${GA}`, { headers: { 'api-key': 'nope' } });
    assert.equal(wrong.status, 401);
    assert.deepEqual(wrong.json, accessDenied);
    const missing = await call(emulator, 'GET', `/openai/batches?api-version=${GA}`, { headers: { 'api-key': '' } });
    assert.equal(missing.status, 401);
    assert.deepEqual(missing.json, accessDenied);
    const emptyBearer = await call(emulator, 'GET', `/openai/batches?api-version=${GA}`, { headers: { 'api-key': '', authorization: 'Bearer ' } });
    assert.equal(emptyBearer.status, 401);
    // Without a configured token no bearer token but the key itself is accepted.
    const bearer = await call(emulator, 'GET', `/openai/batches?api-version=${GA}`, { headers: { 'api-key': '', authorization: 'Bearer some-entra-token' } });
    assert.equal(bearer.status, 401);
    assert.deepEqual(bearer.json, accessDenied);
    const keyAsBearer = await call(emulator, 'GET', `/openai/batches?api-version=${GA}`, { headers: { 'api-key': '', authorization: `Bearer ${emulator.apiKey}` } });
    assert.equal(keyAsBearer.status, 200);
    await assert.rejects(azure(emulator, GA, { apiKey: 'wrong' }).batches.list(), AuthenticationError);
    const entra = azure(emulator, GA, { apiKey: undefined, azureADTokenProvider: async () => 'token-from-entra' });
    await assert.rejects(entra.batches.list(), AuthenticationError);
  });

  it('checks the bearer token when one is configured', async () => {
    const secured = await startFast({ token: 'the-token', apiKey: 'the-key' });
    try {
      const bad = await call(secured, 'GET', '/openai/v1/batches', { headers: { 'api-key': '', authorization: 'Bearer other' } });
      assert.equal(bad.status, 401);
      assert.deepEqual(bad.json, accessDenied);
      assert.equal((await call(secured, 'GET', '/openai/v1/batches', { headers: { 'api-key': '', authorization: 'Bearer the-token' } })).status, 200);
      assert.equal((await call(secured, 'GET', '/openai/v1/batches', { headers: { 'api-key': '', authorization: 'Bearer the-key' } })).status, 200);
      assert.equal((await v1(secured).batches.list()).data.length, 0, 'the OpenAI client sends the key as a bearer token');
      // An AzureOpenAI client with a token provider works when its token is the configured one.
      const entra = azure(secured, GA, { apiKey: undefined, azureADTokenProvider: async () => 'the-token' });
      assert.ok(Array.isArray((await entra.batches.list()).data));
      await assert.rejects(azure(secured, GA, { apiKey: undefined, azureADTokenProvider: async () => 'token-from-entra' }).batches.list(), AuthenticationError);
    } finally {
      await secured.close();
    }
  });

  it('answers 404 Resource not found for unknown ids, deployment paths and wrong api-versions', async () => {
    const cases = [
      `/openai/batches/batch_00000000-0000-0000-0000-000000000000?api-version=${GA}`,
      `/openai/files/file-${'0'.repeat(32)}?api-version=${GA}`,
      `/openai/deployments/gpt-4o-batch/batches?api-version=${GA}`,
      `/openai/deployments/gpt-4o-batch/files?api-version=${GA}`,
      '/openai/batches?api-version=2023-05-15', // before batch existed
      '/openai/batches?api-version=not-a-version',
      '/openai/batches', // no api-version on a classic path: Azure answers 404 as well
      '/openai/v1/batches/batch_nope',
      '/openai/models?api-version=' + GA,
      '/somewhere/else',
    ];
    for (const path of cases) {
      const response = await call(emulator, 'GET', path);
      assert.equal(response.status, 404, path);
      assert.deepEqual(response.json, resourceNotFound, path);
    }
    const cancelMissing = await call(emulator, 'POST', `/openai/batches/batch_missing/cancel?api-version=${GA}`);
    assert.equal(cancelMissing.status, 404);
    await assert.rejects(azure(emulator, GA).batches.retrieve('batch_missing'), NotFoundError);
    // With `deployment`, the SDK rewrites POST /batches to /deployments/{d}/batches, which Azure answers 404.
    const withDeployment = azure(emulator, GA, { deployment: 'gpt-4o-batch' });
    await assert.rejects(withDeployment.batches.create({ input_file_id: uploadedId, endpoint: '/chat/completions' as never, completion_window: '24h' }), NotFoundError);
    // v1 paths need no version, accept v1/preview/latest, and reject dated versions.
    assert.equal((await call(emulator, 'GET', '/openai/v1/batches?api-version=preview')).status, 200);
    assert.equal((await call(emulator, 'GET', `/openai/v1/batches?api-version=${GA}`)).status, 400);
    // Unknown keys are checked before anything else.
    assert.equal((await call(emulator, 'GET', '/openai/batches', { headers: { 'api-key': 'x' } })).status, 401);
  });

  it('accepts every batch api-version from 2024-07-01-preview on', async () => {
    for (const version of ['2024-07-01-preview', '2024-08-01-preview', GA, '2025-01-01-preview', PREVIEW, '2025-10-01-preview']) {
      assert.equal((await call(emulator, 'GET', `/openai/batches?api-version=${version}`)).status, 200, version);
    }
  });

  it('cancel answers 409 once a batch is done, and is idempotent while cancelling', async () => {
    const client = azure(emulator, GA);
    const created = await client.batches.create({ input_file_id: uploadedId, endpoint: '/chat/completions' as never, completion_window: '24h' });
    await waitFor((id) => client.batches.retrieve(id), created.id, terminal);
    const late = await call(emulator, 'POST', `/openai/batches/${created.id}/cancel?api-version=${GA}`);
    assert.equal(late.status, 409);
    assert.equal(typeof late.json.error.message, 'string');
  });

  it('counts requests per operation', async () => {
    const counter = await startFast();
    try {
      const client = azure(counter, GA);
      const file = await client.files.create({ file: createReadStream(tmp.write('count.jsonl', inputText)), purpose: 'batch' });
      await client.files.retrieve(file.id);
      await client.files.list();
      await client.batches.list();
      await call(counter, 'GET', `/openai/deployments/x/batches?api-version=${GA}`);
      assert.equal(counter.stats.upload, 1);
      assert.equal(counter.stats.getFile, 1);
      assert.equal(counter.stats.listFiles, 1);
      assert.equal(counter.stats.listBatches, 1);
      assert.equal(counter.stats.create, 0);
      assert.equal(counter.stats.other, 1);
      const viaAdmin = await call(counter, 'GET', '/_emulator/stats');
      assert.equal(viaAdmin.json.upload, 1);
      counter.resetStats();
      assert.equal(counter.stats.upload, 0);
    } finally {
      await counter.close();
    }
  });
});
