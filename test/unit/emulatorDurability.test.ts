import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { jsonl, scratch, sleep } from './emulatorHelpers';
import { requests } from './helpers';

const cliModule = join(__dirname, '..', '..', 'src', 'cli', 'emulatorCommand.js');
const key = 'durable-key';

interface Child {
  readonly process: ChildProcess;
  readonly url: string;
  readonly port: number;
  readonly stderr: () => string;
  /** `kill -9`, then waits for the exit. */
  readonly kill: () => Promise<void>;
}

/** Runs `aoai-batch emulator` in a child process on a data dir, as a user would. */
async function startChild(dataDir: string, extra: string[] = []): Promise<Child> {
  const script = `require(${JSON.stringify(cliModule)}).runEmulatorCli(process.argv.slice(1), process.stdout, process.stderr).then((code) => { process.exitCode = code; });`;
  // A flag given twice is refused: the default delay only when `extra` sets none.
  const delay = extra.includes('--request-delay-ms') ? [] : ['--request-delay-ms', '0'];
  const child = spawn(process.execPath, ['-e', script, '--', '--data-dir', dataDir, '--api-key', key, ...delay, ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line; stderr: ${stderr}`)), 10_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /^listening on (http:\/\/127\.0\.0\.1:(\d+))\n/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    void exited.then(() => reject(new Error(`exited early; stderr: ${stderr}`)));
  });
  return {
    process: child,
    url,
    port: Number(new URL(url).port),
    stderr: () => stderr,
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

async function api(child: Child, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const init: RequestInit = { method, headers: { 'api-key': key } };
  if (body instanceof FormData) {
    init.body = body;
  } else if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] = 'application/json';
  }
  const response = await fetch(`${child.url}/openai/v1${path}`, init);
  const text = await response.text();
  return { status: response.status, json: text.length > 0 ? JSON.parse(text) : undefined };
}

function form(name: string, content: string): FormData {
  const data = new FormData();
  data.append('purpose', 'batch');
  data.append('file', new Blob([content]), name);
  return data;
}

const createBody = (fileId: string) => ({ input_file_id: fileId, endpoint: '/chat/completions', completion_window: '24h' });

/** Polls a batch until it is terminal. */
async function finished(child: Child, id: string): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  for (let i = 0; ; i++) {
    const job = (await api(child, 'GET', `/batches/${id}`)).json;
    if (['completed', 'failed', 'cancelled', 'expired'].includes(job.status) || i >= 400) {
      return job;
    }
    await sleep(25);
  }
}

/** Makes `state.json` a directory, so every later save fails (EISDIR) while the emulator keeps running. */
async function breakStateFile(dataDir: string): Promise<void> {
  const path = join(dataDir, 'state.json');
  for (;;) {
    rmSync(path, { force: true });
    try {
      mkdirSync(path);
      return;
    } catch {
      await sleep(5); // a background save wrote it again in between
    }
  }
}

describe('emulator: durability of the data dir', function () {
  this.timeout(60_000);
  const tmp = scratch();
  after(() => tmp.cleanup());

  it('keeps every change it answered 200/201 for, even after kill -9 right after the answer', async () => {
    const dataDir = join(tmp.dir, 'acknowledged');
    let child = await startChild(dataDir, ['--validating-delay-ms', '600000']);
    const restart = async () => {
      await child.kill();
      child = await startChild(dataDir, ['--validating-delay-ms', '600000']);
    };
    try {
      const uploaded: string[] = [];
      for (let i = 0; i < 3; i++) {
        const upload = await api(child, 'POST', '/files', form(`f${i}.jsonl`, jsonl(requests(2))));
        assert.equal(upload.status, 201);
        uploaded.push(upload.json.id);
        await restart();
        for (const id of uploaded) {
          assert.equal((await api(child, 'GET', `/files/${id}`)).status, 200, `upload ${id} survived kill -9`);
        }
      }
      const created = await api(child, 'POST', '/batches', createBody(uploaded[0]!));
      assert.equal(created.status, 201);
      await restart();
      assert.equal((await api(child, 'GET', `/batches/${created.json.id}`)).json.status, 'validating', 'the batch survived kill -9');

      const cancelled = await api(child, 'POST', `/batches/${created.json.id}/cancel`);
      assert.equal(cancelled.json.status, 'cancelling');
      await restart();
      assert.match((await api(child, 'GET', `/batches/${created.json.id}`)).json.status, /^cancell(ing|ed)$/, 'the cancel survived kill -9');

      assert.equal((await api(child, 'DELETE', `/files/${uploaded[2]}`)).status, 200);
      await restart();
      assert.equal((await api(child, 'GET', `/files/${uploaded[2]}`)).status, 404, 'the delete survived kill -9');

      // Concurrent changes share writes; each answer still waits for the write that holds its change.
      const many = await Promise.all(Array.from({ length: 20 }, (_, i) => api(child, 'POST', '/files', form(`c${i}.jsonl`, jsonl(requests(1))))));
      assert.ok(many.every((answer) => answer.status === 201));
      await restart();
      const listed = new Set(((await api(child, 'GET', '/files')).json.data as { id: string }[]).map((f) => f.id));
      for (const answer of many) {
        assert.ok(listed.has(answer.json.id), `concurrent upload ${answer.json.id} survived kill -9`);
      }
    } finally {
      await child.kill();
    }
  });

  it('removes uploads and state writes cut short by a crash when it starts', async () => {
    const dataDir = join(tmp.dir, 'leftovers');
    const child = await startChild(dataDir);
    const boundary = 'half-sent';
    // An upload that stops half way: the emulator is killed while receiving it.
    const req = httpRequest(`${child.url}/openai/v1/files`, { method: 'POST', headers: { 'api-key': key, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': '1000000' } });
    req.on('error', () => undefined);
    req.write(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.jsonl"\r\n\r\n${'{}\n'.repeat(1000)}`);
    const work = join(dataDir, 'work');
    for (let i = 0; i < 200 && !readdirSync(work).some((n) => n.startsWith('upload-')); i++) {
      await sleep(10);
    }
    await child.kill();
    assert.ok(readdirSync(work).some((n) => /^upload-.*\.part$/.test(n)), 'kill -9 left the partial upload');
    writeFileSync(join(dataDir, 'state.json.12345.tmp'), '{"half":');
    writeFileSync(join(work, 'batch_x.output.partial'), '{}\n');

    const again = await startChild(dataDir);
    try {
      assert.deepEqual(readdirSync(work).filter((n) => n.startsWith('upload-')), [], 'partial uploads removed at start');
      assert.equal(existsSync(join(dataDir, 'state.json.12345.tmp')), false, 'temp state files removed at start');
      assert.ok(existsSync(join(work, 'batch_x.output.partial')), 'the partial results of jobs are kept (a job resumes from them)');
      assert.equal((await api(again, 'GET', '/files')).json.data.length, 0);
    } finally {
      await again.kill();
    }
  });

  it('answers 500 server_error when the state cannot be saved, keeps serving, and recovers', async () => {
    const dataDir = join(tmp.dir, 'unwritable');
    let child = await startChild(dataDir, ['--verbose', '--validating-delay-ms', '0', '--finalizing-delay-ms', '0', '--request-delay-ms', '20']);
    try {
      const input = await api(child, 'POST', '/files', form('ok.jsonl', jsonl(requests(20))));
      assert.equal(input.status, 201);
      const running = await api(child, 'POST', '/batches', createBody(input.json.id));
      assert.equal(running.status, 201);

      await breakStateFile(dataDir);
      const upload = await api(child, 'POST', '/files', form('lost.jsonl', jsonl(requests(1))));
      assert.equal(upload.status, 500);
      assert.equal(upload.json.error.code, 'server_error');
      assert.match(upload.json.error.message, /could not save its state \(EISDIR\)/);
      const create = await api(child, 'POST', '/batches', createBody(input.json.id));
      assert.equal(create.status, 500);
      assert.equal(create.json.error.code, 'server_error');

      // The running job keeps saving in the background (and failing) while the disk is broken.
      await sleep(1200);
      assert.equal(child.process.exitCode, null, 'the process is alive');
      const files = await api(child, 'GET', '/files');
      assert.equal(files.status, 200, 'reads are still served');
      assert.ok(!files.json.data.some((f: { filename: string }) => f.filename === 'lost.jsonl'), 'an unacknowledged upload is not kept');
      assert.equal((await api(child, 'GET', '/batches')).json.data.length, 1, 'an unacknowledged create is not kept');
      assert.doesNotMatch(child.stderr(), /\n\s+at /, 'no stack trace');
      assert.match(child.stderr(), /could not be saved: EISDIR/);

      rmSync(join(dataDir, 'state.json'), { recursive: true, force: true });
      const repaired = await api(child, 'POST', '/files', form('repaired.jsonl', jsonl(requests(1))));
      assert.equal(repaired.status, 201);
      const job = await finished(child, running.json.id);
      assert.equal(job.status, 'completed', 'a job that finished while the disk was broken is not failed for it');
      assert.deepEqual(job.request_counts, { total: 20, completed: 20, failed: 0 });

      await child.kill();
      child = await startChild(dataDir);
      assert.equal((await api(child, 'GET', `/files/${repaired.json.id}`)).status, 200);
      const resumed = await finished(child, running.json.id);
      assert.equal(resumed.status, 'completed');
      assert.equal(resumed.output_file_id, job.output_file_id, 'its results keep their ids');
    } finally {
      await child.kill();
    }
  });
});
