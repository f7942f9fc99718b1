import * as assert from 'node:assert/strict';
import type { BatchClient } from '../../src/core/batch/client';
import { BatchServiceError, OperationCancelledError } from '../../src/core/batch/errors';
import { submitBatchFile, uploadPercent } from '../../src/core/batch/submitFile';
import { emulatorClient, useEmulator } from './emulatorFixture';
import { scratch } from './emulatorHelpers';
import { requests } from './helpers';

// The one submit sequence: upload → wait for processing → create at most once. A recording client shows the order
// and what is (not) sent; the emulator shows the sequence against the real protocol, a lost create answer included.

type Call = { step: string; signal?: AbortSignal };

function recordingClient(overrides: Partial<Record<'uploadFile' | 'waitForFileProcessed' | 'getFile' | 'createBatch', (...args: any[]) => Promise<unknown>>> = {}): { client: BatchClient; calls: Call[] } { // eslint-disable-line @typescript-eslint/no-explicit-any
  const calls: Call[] = [];
  const client = {
    uploadFile: async (_path: string, options: { signal?: AbortSignal }) => {
      calls.push({ step: 'upload', signal: options.signal });
      return overrides.uploadFile ? overrides.uploadFile(_path, options) : { id: 'file-1', status: 'uploaded' };
    },
    waitForFileProcessed: async (id: string, options: { signal?: AbortSignal }) => {
      calls.push({ step: `wait ${id}`, signal: options.signal });
      return overrides.waitForFileProcessed ? overrides.waitForFileProcessed(id, options) : { id, status: 'processed' };
    },
    getFile: async (id: string) => {
      calls.push({ step: `get ${id}` });
      return overrides.getFile ? overrides.getFile(id) : { id, status: 'processed' };
    },
    createBatch: async (params: { inputFileId: string; submissionId: string; signal?: AbortSignal }) => {
      calls.push({ step: `create ${params.inputFileId}`, signal: params.signal });
      return overrides.createBatch ? overrides.createBatch(params) : { batch: { id: 'batch-1' }, submissionId: params.submissionId, adopted: false };
    },
  } as unknown as BatchClient;
  return { client, calls };
}

const base = { path: '/nowhere/in.jsonl', endpoint: '/chat/completions' };

describe('submit recipe (submitBatchFile)', () => {
  it('uploads, waits for processing, lets the caller persist, then creates, in that order', async () => {
    const { client, calls } = recordingClient();
    const events: string[] = [];
    const result = await submitBatchFile(client, {
      ...base,
      submissionId: 'sub-1',
      onUploaded: (id) => events.push(`uploaded ${id}`),
      beforeCreate: (prepared) => void events.push(`persist ${prepared.fileId} ${prepared.submissionId}`),
    });
    assert.deepEqual(calls.map((c) => c.step), ['upload', 'wait file-1', 'create file-1']);
    assert.deepEqual(events, ['uploaded file-1', 'persist file-1 sub-1']);
    assert.equal(result.fileId, 'file-1');
    assert.equal(result.submissionId, 'sub-1');
    assert.equal(result.reusedFile, false);
  });

  it('sends no create once cancelled during the upload or the wait', async () => {
    for (const during of ['uploadFile', 'waitForFileProcessed'] as const) {
      const controller = new AbortController();
      const { client, calls } = recordingClient({
        [during]: async (id: string) => {
          controller.abort();
          return { id: typeof id === 'string' && id.startsWith('file') ? id : 'file-1', status: 'processed' };
        },
      });
      await assert.rejects(submitBatchFile(client, { ...base, signal: controller.signal }), OperationCancelledError, during);
      assert.ok(!calls.some((c) => c.step.startsWith('create')), `${during}: ${calls.map((c) => c.step).join(', ')}`);
    }
  });

  it('sends no create when the file fails processing or the caller cannot persist', async () => {
    const failing = recordingClient({ waitForFileProcessed: async () => Promise.reject(new BatchServiceError('The file failed validation: line 3 is not JSON.', undefined, 'file_failed', false)) });
    await assert.rejects(submitBatchFile(failing.client, base), /line 3 is not JSON/);
    assert.deepEqual(failing.calls.map((c) => c.step), ['upload', 'wait file-1']);

    const unpersisted = recordingClient();
    await assert.rejects(submitBatchFile(unpersisted.client, { ...base, beforeCreate: () => Promise.reject(new Error('disk full')) }), /disk full/);
    assert.ok(!unpersisted.calls.some((c) => c.step.startsWith('create')));
  });

  it('reuses a file uploaded before while the service still has it processed, and uploads again when it is gone', async () => {
    const kept = recordingClient();
    const reused = await submitBatchFile(kept.client, { ...base, uploadedFileId: 'file-old' });
    assert.deepEqual(kept.calls.map((c) => c.step), ['get file-old', 'create file-old']);
    assert.equal(reused.reusedFile, true);

    const gone = recordingClient({ getFile: async () => Promise.reject(new BatchServiceError('No such file.', 404, '404', false)) });
    const fresh = await submitBatchFile(gone.client, { ...base, uploadedFileId: 'file-old' });
    assert.deepEqual(gone.calls.map((c) => c.step), ['get file-old', 'upload', 'wait file-1', 'create file-1']);
    assert.equal(fresh.reusedFile, false);
  });

  it('lets the signal abort the create only when the caller asks (it can look the job up on resume)', async () => {
    const controller = new AbortController();
    const plain = recordingClient();
    await submitBatchFile(plain.client, { ...base, signal: controller.signal });
    assert.equal(plain.calls.find((c) => c.step.startsWith('create'))?.signal, undefined);
    const abortable = recordingClient();
    await submitBatchFile(abortable.client, { ...base, signal: controller.signal, abortCreate: true });
    assert.equal(abortable.calls.find((c) => c.step.startsWith('create'))?.signal, controller.signal);
  });

  it('reports upload progress in whole percent', () => {
    assert.equal(uploadPercent(0, 200), 0);
    assert.equal(uploadPercent(199, 200), 99);
    assert.equal(uploadPercent(200, 200), 100);
    assert.equal(uploadPercent(0, 0), 100);
  });

  describe('against the emulator', () => {
    const fixture = useEmulator({}, { each: true });
    const files = scratch();
    after(() => files.cleanup());

    it('creates one job with the metadata, even when the answer to the create is lost', async () => {
      const emulator = fixture.emulator;
      const path = files.write('in.jsonl', requests(3).join('\n') + '\n');
      emulator.faults.add({ kind: 'dropResponse', operation: 'create' });
      const client = emulatorClient(emulator, { retry: { retries: 3, baseDelayMs: 20, maxDelayMs: 100 }, client: { lookup: { windowMs: 4000, firstDelayMs: 100, maxDelayMs: 400 } } });
      const unclear: string[] = [];
      const result = await submitBatchFile(client, { path, endpoint: '/chat/completions', metadata: { source_file: 'in.jsonl' }, pollMs: 20, onUnclearAnswer: (error) => unclear.push(error.code ?? '') });
      assert.equal(result.adopted, true);
      assert.equal(unclear.length, 1);
      const jobs = emulator.batches().filter((b) => (b.metadata as Record<string, string> | null)?.submission_id === result.submissionId);
      assert.equal(jobs.length, 1, 'exactly one job for the submission');
      assert.equal((jobs[0].metadata as Record<string, string>).source_file, 'in.jsonl');
      assert.equal(jobs[0].input_file_id, result.fileId);
    });
  });
});
