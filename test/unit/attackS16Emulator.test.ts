import * as assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EmulatorStateError } from '../../src/emulator/store';
import { azure, GA, scratch, startFast } from './emulatorHelpers';
import { runCli } from './cliProcess';

// The emulator restarted on a data dir whose state it did not write (truncated, another version's, hand-edited):
// it refuses to start with one sentence naming the file and the remedy, and never serves a file outside its dir.

const fileRecord = (id: unknown) => ({ id, bytes: 1, created_at: 1, filename: 'x.jsonl', purpose: 'batch', status: 'processed', status_details: null, expires_at: null, seq: 1, expiresAfterSet: false });
const batchRecord = (over: Record<string, unknown>) => ({
  id: 'batch_1',
  endpoint: '/chat/completions',
  errors: null,
  input_file_id: 'file-1',
  completion_window: '24h',
  status: 'completed',
  output_file_id: null,
  error_file_id: null,
  created_at: 1,
  request_counts: { total: 0, completed: 0, failed: 0 },
  metadata: null,
  internal: { seq: 2, createdMs: 1000, processed: 0, outputBytes: 0, errorBytes: 0 },
  ...over,
});

const states: Record<string, string> = {
  truncated: '{"version":1,"seq',
  empty: '',
  null: 'null',
  array: '[]',
  'an empty object': '{}',
  'another version': JSON.stringify({ version: 2, seq: 0, files: [], batches: [] }),
  'files not a list': JSON.stringify({ version: 1, seq: 0, files: {}, batches: [] }),
  'a file id with ../': JSON.stringify({ version: 1, seq: 1, files: [fileRecord('../../../../etc/passwd')], batches: [] }),
  'a file id with /': JSON.stringify({ version: 1, seq: 1, files: [fileRecord('a/b')], batches: [] }),
  'a file id with NUL': JSON.stringify({ version: 1, seq: 1, files: [fileRecord('file-\u0000')], batches: [] }),
  'a file id of 10,000 characters': JSON.stringify({ version: 1, seq: 1, files: [fileRecord('f'.repeat(10_000))], batches: [] }),
  'a numeric file id': JSON.stringify({ version: 1, seq: 1, files: [fileRecord(7)], batches: [] }),
  'a batch id with ../': JSON.stringify({ version: 1, seq: 2, files: [fileRecord('file-1')], batches: [batchRecord({ id: '../x' })] }),
  'an output file id with ../': JSON.stringify({ version: 1, seq: 2, files: [fileRecord('file-1')], batches: [batchRecord({ output_file_id: '../../etc/passwd' })] }),
  'a batch without its bookkeeping': JSON.stringify({ version: 1, seq: 2, files: [fileRecord('file-1')], batches: [batchRecord({ internal: undefined })] }),
  'a null record': JSON.stringify({ version: 1, seq: 2, files: [null], batches: [] }),
};

describe('attack s16: the emulator on a state it did not write', () => {
  const tmp = scratch();
  after(() => tmp.cleanup());

  for (const [name, text] of Object.entries(states)) {
    it(`${name}: refuses to start, naming the file and the remedy`, async () => {
      const dataDir = join(tmp.dir, name.replace(/[^a-z0-9]+/gi, '-'));
      mkdirSync(dataDir, { recursive: true });
      writeFileSync(join(dataDir, 'state.json'), text);
      await assert.rejects(startFast({ dataDir, apiKey: 'k' }), (error: unknown) => {
        assert.ok(error instanceof EmulatorStateError, String(error));
        assert.ok(error.message.includes(join(dataDir, 'state.json')), error.message);
        assert.match(error.message, /Move it away \(or delete it\)/);
        assert.ok(error.message.length < 400, error.message);
        return true;
      });
      assert.equal(readFileSync(join(dataDir, 'state.json'), 'utf8'), text, 'the state is left as it was');
    });
  }

  it('the CLI prints that sentence on one line and exits 2', async () => {
    const dataDir = join(tmp.dir, 'cli');
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, 'state.json'), '{}');
    const result = await runCli(['emulator', '--port', '0', '--data-dir', dataDir]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /^error: the emulator's state .*state\.json cannot be used: it has version undefined/);
    assert.equal(result.stderr.trim().split('\n').length, 1);
  });

  it('a state it wrote still loads, with its files', async () => {
    const dataDir = join(tmp.dir, 'good');
    const first = await startFast({ dataDir, apiKey: 'k' });
    let fileId: string;
    try {
      fileId = (await azure(first, GA).files.create({ file: new File(['{}\n'], 'a.jsonl'), purpose: 'batch' })).id;
    } finally {
      await first.close();
    }
    const second = await startFast({ dataDir, apiKey: 'k' });
    try {
      assert.equal((await azure(second, GA).files.retrieve(fileId)).filename, 'a.jsonl');
    } finally {
      await second.close();
    }
  });
});
