// `npm run soak`: 200 submissions against the emulator with random faults (429, 5xx, dropped uploads,
// downloads and create answers, slow answers), each resumed the way the extension resumes; reports jobs
// lost or duplicated (target: 0 and 0). Not part of CI: it runs for a few minutes.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchClient, type Batch } from '../../src/core/batch/client';
import { isTerminal } from '../../src/core/batch/status';
import { startEmulator } from '../../src/emulator/index';

const submissions = Number(process.env.SOAK_SUBMISSIONS ?? 200);
const concurrency = Number(process.env.SOAK_CONCURRENCY ?? 8);
const seed = Number(process.env.SOAK_SEED ?? 7);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'aoai-soak-'));
  const emulator = await startEmulator({
    apiKey: 'soak-key',
    seed,
    requestDelayMs: 1,
    validatingDelayMs: 20,
    finalizingDelayMs: 20,
    faults: [
      { kind: 'status', status: 429, retryAfterSeconds: 0.05, rate: 0.04 },
      { kind: 'status', status: 500, rate: 0.03 },
      { kind: 'status', status: 503, rate: 0.03 },
      { kind: 'dropUpload', operation: 'upload', afterBytes: 200, rate: 0.05 },
      { kind: 'dropDownload', operation: 'content', afterBytes: 100, rate: 0.05 },
      { kind: 'dropResponse', operation: 'create', rate: 0.08 },
      { kind: 'delay', delayMs: 900, rate: 0.02 },
    ],
  });
  let retried = 0;
  const client = new BatchClient(
    { endpoint: emulator.url, apiVersion: '2025-04-01-preview', credential: { kind: 'apiKey', apiKey: 'soak-key' }, timeoutMs: 600 },
    { retries: 8, baseDelayMs: 20, maxDelayMs: 500, onRetry: () => void retried++ },
  );
  const outcomes = { completed: 0, stoppedWithMessage: 0, downloadsWhole: 0 };
  const submitted = new Map<string, string | undefined>();
  const started = Date.now();
  let next = 0;

  async function one(index: number): Promise<void> {
    const path = join(dir, `job-${index}.jsonl`);
    writeFileSync(path, Array.from({ length: 3 }, (_, i) => JSON.stringify({ custom_id: `j${index}-${i}`, method: 'POST', url: '/chat/completions', body: { model: 'gpt-4o-batch', messages: [{ role: 'user', content: `soak ${index}.${i}` }], max_tokens: 10 } })).join('\n') + '\n');
    const submissionId = `soak-${index}`;
    submitted.set(submissionId, undefined);
    // The extension's loop: a step that fails stops with a message, and the user (or a reload) resumes it.
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const existing = await client.findBySubmissionId(submissionId);
        let batch: Batch | undefined = existing;
        if (!batch) {
          const file = await client.uploadFile(path);
          await client.waitForFileProcessed(file.id, { pollMs: 30 });
          batch = (await client.createBatch({ inputFileId: file.id, endpoint: '/chat/completions', submissionId })).batch;
        }
        submitted.set(submissionId, batch.id);
        while (!isTerminal(batch.status)) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          batch = await client.getBatch(batch.id);
        }
        const output = join(dir, `job-${index}.output.jsonl`);
        await client.downloadFile(batch.output_file_id!, output, { overwrite: true });
        if (readFileSync(output, 'utf8').trim().split('\n').length === 3) {
          outcomes.downloadsWhole++;
        }
        // As a user would (and must: a resource holds 500 files), delete the job's files once downloaded.
        for (const id of [batch.input_file_id, batch.output_file_id, batch.error_file_id]) {
          if (id) {
            await client.deleteFile(id);
          }
        }
        outcomes.completed++;
        return;
      } catch (error) {
        outcomes.stoppedWithMessage++;
        if (process.env.SOAK_VERBOSE) process.stderr.write(`  submission ${index}: ${error instanceof Error ? error.message : String(error)}\n`);
        if (!(error instanceof Error) || error.message.length === 0) {
          throw new Error(`submission ${index} failed without a message`);
        }
      }
    }
  }

  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < submissions) {
        await one(next++);
      }
    }),
  );
  const jobs = emulator.batches();
  const bySubmission = new Map<string, number>();
  for (const job of jobs) {
    const id = (job.metadata as Record<string, string> | null)?.submission_id;
    if (id) {
      bySubmission.set(id, (bySubmission.get(id) ?? 0) + 1);
    }
  }
  const lost = [...submitted.keys()].filter((id) => !bySubmission.has(id)).length;
  const duplicated = [...bySubmission.values()].filter((count) => count > 1).length;
  const faults = emulator.faults.list().map((f) => `${f.rule.kind}${f.rule.status ? ` ${f.rule.status}` : ''}: ${f.fired}`).join(', ');
  process.stdout.write(
    [
      `soak: ${submissions} submissions, ${concurrency} at a time, seed ${seed}, ${((Date.now() - started) / 1000).toFixed(1)} s`,
      `faults injected: ${faults}`,
      `requests retried by the client: ${retried}; steps stopped with a message and resumed: ${outcomes.stoppedWithMessage}`,
      `completed ${outcomes.completed}, whole downloads ${outcomes.downloadsWhole}, jobs on the service ${jobs.length}`,
      `jobs lost: ${lost}, jobs duplicated: ${duplicated} (target: 0 and 0)`,
    ].join('\n') + '\n',
  );
  await emulator.close();
  rmSync(dir, { recursive: true, force: true });
  process.exitCode = lost === 0 && duplicated === 0 && outcomes.completed === submissions ? 0 : 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`soak failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 2;
});
