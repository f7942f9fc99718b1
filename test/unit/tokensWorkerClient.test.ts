import * as assert from 'node:assert/strict';
import { once } from 'node:events';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { estimateLine } from '../../src/core/tokens/estimate';
import { EstimatorClient, type EstimatorClientOptions, type SummaryEvent } from '../../src/core/tokens/estimatorClient';
import { ModelResolver } from '../../src/core/tokens/models';
import { fromScratch } from './tokenHelpers';
import { request, requests } from './helpers';

// The compiled worker, as the extension runs it (`npm run build` makes it).
const workerPath = resolve(__dirname, '../../../dist/tokenWorker.js');


/** The next summary of `id` at `version` (earlier ones are skipped). */
function summaryOf(client: EstimatorClient, id: string, version: number): Promise<SummaryEvent> {
  return new Promise((resolve) => {
    const listener = client.onSummary((event) => {
      if (event.id === id && event.version === version) {
        listener.dispose();
        resolve(event);
      }
    });
  });
}

describe('tokens: the estimator client and its worker thread', function () {
  this.timeout(120_000);
  const clients: EstimatorClient[] = [];
  const logged: string[] = [];

  function client(options: EstimatorClientOptions = {}): EstimatorClient {
    const made = new EstimatorClient({ workerPath, log: (message) => logged.push(message), ...options });
    clients.push(made);
    return made;
  }

  before(() => assert.ok(existsSync(workerPath), `${workerPath} is missing: run npm run build`));
  afterEach(() => {
    for (const made of clients.splice(0)) {
      made.dispose();
    }
    logged.length = 0;
  });

  it('starts the thread on the first open and reports the summary and line estimates of the version sent last', async () => {
    const counter = client();
    assert.equal(counter.mode, 'idle');
    const lines = requests(50, { max_tokens: 20 });
    counter.open('a', 1, lines.join('\n'), {});
    assert.equal(counter.mode, 'worker');
    const stale: number[] = [];
    counter.onSummary((event) => stale.push(event.version));
    const edited = [request({ custom_id: 'new' }, { messages: [{ role: 'user', content: 'A longer question than the others.' }] }), ...lines.slice(2)];
    counter.edit('a', 2, [{ start: 0, deleteCount: 2, lines: [edited[0]!] }]);
    const summary = await summaryOf(counter, 'a', 2);
    assert.deepEqual(summary.summary, fromScratch(edited));
    assert.ok(!stale.includes(1), 'the first version, replaced before it was counted, is never reported');
    assert.deepEqual(await counter.lineEstimate('a', 2, 0), { estimate: estimateLine(edited[0]!, new ModelResolver()), model: new ModelResolver().resolve('gpt-4o-batch') });
    assert.equal(await counter.lineEstimate('a', 1, 0), undefined, 'not the version it has');
    assert.equal(counter.mode, 'worker');
    assert.deepEqual(logged, []);
  });

  it('reports a text sent in parts only once the last part, with its version, is there', async () => {
    const counter = client();
    const lines = requests(3_000);
    const versions: number[] = [];
    counter.onSummary((event) => versions.push(event.version));
    counter.open('p', undefined, lines.slice(0, 1_000).join('\n'), {});
    assert.equal(await counter.lineEstimate('p', 1, 0), undefined, 'a part has no version to ask about');
    await new Promise((resolve) => setTimeout(resolve, 300));
    counter.edit('p', undefined, [{ start: 1_000, deleteCount: 0, lines: lines.slice(1_000, 2_000).join('\n') }]);
    counter.edit('p', 7, [{ start: 2_000, deleteCount: 0, lines: lines.slice(2_000).join('\n') }]);
    const summary = await summaryOf(counter, 'p', 7);
    assert.deepEqual(summary.summary, fromScratch(lines));
    assert.deepEqual(versions, [7]);
  });

  it('restarts a worker that dies mid-count and gives it the documents again', async () => {
    const counter = client();
    let lines = requests(30_000, { max_tokens: 10, messages: [{ role: 'user', content: 'Translate this paragraph into French, keeping the tone.' }] });
    let version = 1;
    // The owner sends its documents again when asked (the client keeps no copy of them).
    const reopened: string[][] = [];
    counter.onRestart((ids) => {
      reopened.push([...ids]);
      counter.open('big', version, lines.join('\n'), {});
    });
    counter.open('big', version, lines.join('\n'), {});
    await new Promise<void>((resolve) => counter.onProgress(() => resolve()));
    const first = counter.workerForTest!;
    const done = summaryOf(counter, 'big', 2);
    const exited = once(first, 'exit');
    await counter.crashWorkerForTest();
    await exited;
    assert.deepEqual(reopened, [['big']]);
    // An edit after the crash reaches the new thread on top of the text sent again.
    lines = lines.slice(1);
    version = 2;
    counter.edit('big', 2, [{ start: 0, deleteCount: 1, lines: [] }]);
    const summary = await done;
    assert.equal(counter.mode, 'worker');
    assert.notEqual(counter.workerForTest, first);
    assert.equal(summary.summary.requests, 29_999);
    assert.deepEqual(summary.summary, fromScratch(lines));
    assert.equal(logged.length, 1, logged.join('\n'));
    assert.match(logged[0]!, /restarting/);
  });

  it('counts in this thread when the worker keeps dying', async () => {
    const counter = client({ maxRestarts: 0 });
    const lines = requests(10);
    counter.onRestart(() => counter.open('a', 1, lines, {}));
    counter.open('a', 1, lines, {});
    await summaryOf(counter, 'a', 1);
    const exited = once(counter.workerForTest!, 'exit');
    await counter.crashWorkerForTest();
    await exited;
    counter.edit('a', 2, [{ start: 9, deleteCount: 1, lines: [] }]);
    const summary = await summaryOf(counter, 'a', 2);
    assert.equal(counter.mode, 'inThread');
    assert.deepEqual(summary.summary, fromScratch(lines.slice(0, 9)));
    assert.match(logged.join('\n'), /failed again.*extension host/);
  });

  for (const [name, path] of [
    ['is missing', join(tmpdir(), 'aoai-no-such-worker.js')],
    ['throws as it loads', () => {
      const file = join(mkdtempSync(join(tmpdir(), 'aoai-worker-')), 'broken.js');
      writeFileSync(file, "throw new Error('broken worker');");
      return file;
    }],
  ] as const) {
    it(`falls back to this thread when the worker script ${name}`, async () => {
      const counter = client({ workerPath: typeof path === 'string' ? path : path() });
      const lines = requests(4);
      const summary = summaryOf(counter, 'a', 3);
      counter.onRestart((ids) => ids.forEach((id) => counter.open(id, 3, lines.join('\n'), {})));
      counter.open('a', 3, lines.join('\n'), {});
      assert.deepEqual((await summary).summary, fromScratch(lines));
      assert.equal(counter.mode, 'inThread');
      assert.match(logged.join('\n'), /could not start/);
      assert.equal((await counter.lineEstimate('a', 3, 0))?.estimate.kind, 'request');
    });
  }

  it('terminates the thread on dispose and answers nothing after', async () => {
    const counter = client();
    counter.open('a', 1, requests(3).join('\n'), {});
    await summaryOf(counter, 'a', 1);
    const worker = counter.workerForTest!;
    const exited = once(worker, 'exit');
    counter.dispose();
    await exited;
    assert.equal(counter.workerForTest, undefined);
    assert.equal(await counter.lineEstimate('a', 1, 0), undefined);
    counter.open('b', 1, requests(1).join('\n'), {});
    assert.equal(counter.mode, 'idle', 'no thread is started again');
  });
});
