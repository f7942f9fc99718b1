import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchClient, type Batch } from '../../src/core/batch/client';
import { BatchServiceError } from '../../src/core/batch/errors';
import { GroupRunner, newGroup, type GroupState } from '../../src/core/batch/groupRunner';
import type { RetryOptions } from '../../src/core/batch/retry';
import { splitFile } from '../../src/core/batch/split';
import { isTerminal } from '../../src/core/batch/status';
import { downloadGroupResults } from '../../src/core/recipes/groupResults';
import { joinResults, writeRetryFile } from '../../src/core/results/join';
import { startEmulator, type FaultRule, type RunningEmulator } from '../../src/emulator/index';
import { request } from './helpers';

// Every user flow under every fault: it must finish (or stop with a clear message and a way to resume),
// with exactly one job per submission, no half-written results, and no job lost. Prints a table.

interface Cell {
  outcome: string;
  retries: number;
  /** Whether the fault hit the flow at all (a download fault cannot hit a flow that downloads nothing). */
  hit: boolean;
}

interface Ctx {
  client: BatchClient;
  emulator: RunningEmulator;
  dir: string;
  /** What a flow keeps across a "reload" (the extension keeps it in global state). */
  persisted: Record<string, unknown>;
  /** Called between the steps of a flow; the middle one may restart the emulator or "reload" the client. */
  checkpoint(): Promise<void>;
}

type Fault = { name: string; rules?: FaultRule[]; between?: 'restart' | 'reload'; timeoutMs?: number };

const faults: Fault[] = [
  { name: 'none' },
  { name: '429 + Retry-After', rules: [{ kind: 'status', status: 429, retryAfterSeconds: 0.2, times: 3 }] },
  { name: '500/503 burst', rules: [{ kind: 'status', status: 503, times: 2 }, { kind: 'status', status: 500, times: 2, skip: 3 }] },
  { name: 'drop mid-upload', rules: [{ kind: 'dropUpload', operation: 'upload', afterBytes: 300 }] },
  { name: 'drop mid-download', rules: [{ kind: 'dropDownload', operation: 'content', afterBytes: 120 }] },
  { name: 'answer lost after create', rules: [{ kind: 'dropResponse', operation: 'create' }] },
  { name: 'slow past timeout', rules: [{ kind: 'delay', delayMs: 1200, times: 2 }], timeoutMs: 400 },
  { name: 'emulator restart', between: 'restart' },
  { name: 'VS Code reload', between: 'reload' },
];

const line = (id: string, content = `Summarise ${id}`) => request({ custom_id: id }, { messages: [{ role: 'user', content }], max_tokens: 20 });

async function waitDone(ctx: Ctx, id: string): Promise<Batch> {
  for (;;) {
    const batch = await ctx.client.getBatch(id);
    if (isTerminal(batch.status)) {
      return batch;
    }
    await new Promise((resolve) => setTimeout(resolve, 40));
  }
}

/** Uploads and creates one job, resuming by submission id as the extension does after a reload. */
async function submit(ctx: Ctx, path: string, key: string): Promise<Batch> {
  let fileId = ctx.persisted[`${key}:file`] as string | undefined;
  if (!fileId) {
    fileId = (await ctx.client.uploadFile(path)).id;
    await ctx.client.waitForFileProcessed(fileId, { pollMs: 30 });
    ctx.persisted[`${key}:file`] = fileId;
  }
  const submissionId = (ctx.persisted[`${key}:submission`] as string | undefined) ?? `${key}-${Math.random().toString(16).slice(2)}`;
  ctx.persisted[`${key}:submission`] = submissionId;
  await ctx.checkpoint();
  const existing = await ctx.client.findBySubmissionId(submissionId);
  if (existing) {
    return existing;
  }
  try {
    return (await ctx.client.createBatch({ inputFileId: fileId, endpoint: '/chat/completions', submissionId })).batch;
  } catch (error) {
    // The answer may be lost for good (retries used up): the job, if created, is found by its id.
    const found = await ctx.client.findBySubmissionId(submissionId);
    if (found) {
      return found;
    }
    throw error;
  }
}

const flows: Record<string, (ctx: Ctx) => Promise<string>> = {
  async upload(ctx) {
    const path = join(ctx.dir, 'in.jsonl');
    writeFileSync(path, [1, 2, 3].map((i) => line(`u-${i}`)).join('\n') + '\n');
    const file = await ctx.client.uploadFile(path);
    await ctx.checkpoint();
    const processed = await ctx.client.waitForFileProcessed(file.id, { pollMs: 30 });
    assert.equal(processed.bytes, readFileSync(path).length);
    return 'uploaded';
  },
  async create(ctx) {
    const path = join(ctx.dir, 'in.jsonl');
    writeFileSync(path, [1, 2, 3].map((i) => line(`c-${i}`)).join('\n') + '\n');
    const batch = await submit(ctx, path, 'create');
    assert.equal(ctx.emulator.batches().filter((b) => (b.metadata as Record<string, string>)?.submission_id === ctx.persisted['create:submission']).length, 1, 'exactly one job');
    return `created ${batch.status}`;
  },
  async poll(ctx) {
    const path = join(ctx.dir, 'in.jsonl');
    writeFileSync(path, [1, 2, 3, 4].map((i) => line(`p-${i}`)).join('\n') + '\n');
    const batch = await submit(ctx, path, 'poll');
    const done = await waitDone(ctx, batch.id);
    return done.status;
  },
  async cancel(ctx) {
    const path = join(ctx.dir, 'in.jsonl');
    writeFileSync(path, Array.from({ length: 40 }, (_, i) => line(`x-${i}`)).join('\n') + '\n');
    const batch = await submit(ctx, path, 'cancel');
    try {
      await ctx.client.cancelBatch(batch.id);
    } catch (error) {
      // Too late to cancel is a clear answer too (409 once finalizing).
      if (!(error instanceof BatchServiceError && error.status === 409)) {
        throw error;
      }
    }
    const done = await waitDone(ctx, batch.id);
    assert.ok(['cancelled', 'completed'].includes(done.status));
    return done.status;
  },
  async download(ctx) {
    const path = join(ctx.dir, 'in.jsonl');
    writeFileSync(path, [1, 2, 3, 4, 5].map((i) => line(`d-${i}`, i === 3 ? 'break [[fail:500]]' : `fine ${i}`)).join('\n') + '\n');
    const batch = await waitDone(ctx, (await submit(ctx, path, 'download')).id);
    const output = join(ctx.dir, 'in.output.jsonl');
    const errors = join(ctx.dir, 'in.errors.jsonl');
    await ctx.client.downloadFile(batch.output_file_id!, output, { overwrite: true });
    await ctx.checkpoint();
    await ctx.client.downloadFile(batch.error_file_id!, errors, { overwrite: true });
    const summary = await joinResults(path, [{ output, errors }], join(ctx.dir, 'in.results.jsonl'));
    assert.equal(summary.succeeded + summary.failed, 5);
    return `${summary.succeeded} ok, ${summary.failed} failed`;
  },
  async retry(ctx) {
    const path = join(ctx.dir, 'in.jsonl');
    const rows = [1, 2, 3, 4].map((i) => line(`r-${i}`, i % 2 === 0 ? 'flaky [[fail:429]]' : `fine ${i}`));
    writeFileSync(path, rows.join('\n') + '\n');
    const first = await waitDone(ctx, (await submit(ctx, path, 'retry-1')).id);
    const attempt1 = { output: join(ctx.dir, 'a1.out.jsonl'), errors: join(ctx.dir, 'a1.err.jsonl') };
    await ctx.client.downloadFile(first.output_file_id!, attempt1.output, { overwrite: true });
    await ctx.client.downloadFile(first.error_file_id!, attempt1.errors, { overwrite: true });
    const joined = await joinResults(path, [attempt1], join(ctx.dir, 'in.results.jsonl'));
    // The user fixes the failing rows, then resubmits exactly those.
    writeFileSync(path, rows.map((r) => r.replace(' [[fail:429]]', '')).join('\n') + '\n');
    const retryPath = join(ctx.dir, 'in.retry-1.jsonl');
    assert.equal(await writeRetryFile(path, new Set(joined.unfinishedIds), retryPath), 2);
    const second = await waitDone(ctx, (await submit(ctx, retryPath, 'retry-2')).id);
    const attempt2 = { output: join(ctx.dir, 'a2.out.jsonl'), errors: join(ctx.dir, 'a2.err.jsonl') };
    await ctx.client.downloadFile(second.output_file_id!, attempt2.output, { overwrite: true });
    await ctx.client.downloadFile(second.error_file_id!, attempt2.errors, { overwrite: true });
    const merged = await joinResults(path, [attempt1, attempt2], join(ctx.dir, 'in.results.jsonl'), { overwrite: true });
    assert.equal(merged.succeeded, 4);
    return 'all 4 succeeded after retry';
  },
  async 'split queue'(ctx) {
    const path = join(ctx.dir, 'in.jsonl');
    writeFileSync(path, Array.from({ length: 9 }, (_, i) => line(`s-${i}`)).join('\n') + '\n');
    let state = ctx.persisted.group as GroupState | undefined;
    if (!state) {
      const parts = await splitFile(path, ctx.dir, { maxRequests: 3, maxBytes: 1e9 });
      state = newGroup({ name: 'in.jsonl', sourcePath: path, endpoint: '/chat/completions', maxParallel: 2 }, parts);
    }
    let runner = new GroupRunner(ctx.client, state, { backoffMs: 50, persist: async (g) => void (ctx.persisted.group = JSON.parse(JSON.stringify(g))) });
    let steps = 0;
    while (!runner.done) {
      try {
        await runner.step();
      } catch {
        // A step that fails leaves its state saved; the next one resumes from it.
      }
      if (++steps === 2) {
        await ctx.checkpoint();
        // After a reload the runner is rebuilt from what was saved.
        runner = new GroupRunner(ctx.client, JSON.parse(JSON.stringify(ctx.persisted.group ?? state)) as GroupState, { backoffMs: 50, persist: async (g) => void (ctx.persisted.group = JSON.parse(JSON.stringify(g))) });
      }
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    const merged = await downloadGroupResults(ctx.client, runner.group, join(ctx.dir, 'out'), { overwrite: true });
    assert.equal(merged.summary.succeeded, 9);
    const perPart = new Set(ctx.emulator.batches().map((b) => (b.metadata as Record<string, string>)?.part));
    assert.equal(perPart.size, 3, 'one job per part');
    return `3 parts, 9 ok`;
  },
};

describe('fault matrix: every flow under every fault', function () {
  this.timeout(60_000);
  const table = new Map<string, Map<string, Cell>>();

  after(() => {
    const faultNames = faults.map((f) => f.name);
    const header = ['flow', ...faultNames];
    const rows = Object.keys(flows).map((flow) => [flow, ...faultNames.map((f) => {
      const cell = table.get(flow)?.get(f);
      return cell ? (cell.outcome.startsWith('FAILED') ? `✗ ${cell.retries} retried` : cell.hit ? `✓ ${cell.retries} retried` : '✓ n/a') : '-';
    })]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const render = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ');
    process.stdout.write(`\n      flow x fault -> outcome (requests retried)\n      ${render(header)}\n      ${widths.map((w) => '-'.repeat(w)).join('-|-')}\n${rows.map((r) => `      ${render(r)}`).join('\n')}\n`);
  });

  for (const flow of Object.keys(flows)) {
    for (const fault of faults) {
      it(`${flow} under ${fault.name}`, async () => {
        const dir = mkdtempSync(join(tmpdir(), 'aoai-faults-'));
        const dataDir = join(dir, 'emulator-data');
        const options = { apiKey: 'fault-key', dataDir, requestDelayMs: flow === 'cancel' ? 30 : 2, validatingDelayMs: 30, finalizingDelayMs: 30, cancellingDelayMs: 30, maxEnqueuedTokens: flow === 'split queue' ? 500 : undefined };
        let emulator = await startEmulator(options);
        let retries = 0;
        const retry: RetryOptions = { retries: 6, baseDelayMs: 20, maxDelayMs: 300, onRetry: () => void retries++ };
        const makeClient = () => new BatchClient({ endpoint: emulator.url, apiVersion: '2025-04-01-preview', credential: { kind: 'apiKey', apiKey: 'fault-key' }, timeoutMs: fault.timeoutMs ?? 10_000 }, retry);
        let checkpoints = 0;
        const ctx: Ctx = {
          client: makeClient(),
          emulator,
          dir,
          persisted: {},
          checkpoint: async () => {
            if (++checkpoints !== 1) {
              return;
            }
            if (fault.between === 'restart') {
              const port = emulator.port;
              await emulator.close();
              emulator = await startEmulator({ ...options, port });
              ctx.emulator = emulator;
            } else if (fault.between === 'reload') {
              // Everything in memory is gone; only `persisted` (global state) survives.
              ctx.persisted = JSON.parse(JSON.stringify(ctx.persisted)) as Record<string, unknown>;
              ctx.client = makeClient();
            }
          },
        };
        for (const rule of fault.rules ?? []) {
          emulator.faults.add(rule);
        }
        const cells = table.get(flow) ?? new Map<string, Cell>();
        table.set(flow, cells);
        try {
          const outcome = await flows[flow]!(ctx);
          const hit = fault.between !== undefined ? checkpoints > 0 : fault.rules === undefined || emulator.faults.list().some((rule) => rule.fired > 0);
          cells.set(fault.name, { outcome, retries, hit });
          assert.deepEqual(readdirSync(dir, { recursive: true }).filter((name) => String(name).includes('.partial')), [], 'no half-written file');
          if (existsSync(join(dir, 'in.results.jsonl'))) {
            const lines = readFileSync(join(dir, 'in.results.jsonl'), 'utf8').trimEnd().split('\n');
            assert.ok(lines.every((l) => JSON.parse(l) as unknown), 'the results file is whole');
          }
        } catch (error) {
          cells.set(fault.name, { outcome: `FAILED ${error instanceof Error ? error.message : String(error)}`, retries, hit: true });
          throw error;
        } finally {
          await emulator.close();
          rmSync(dir, { recursive: true, force: true });
        }
      });
    }
  }
});
