import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { BatchClient, Batch } from '../../src/core/batch/client';
import type { WindowFocus } from '../../src/core/batch/pollLoop';
import { ClientFactory } from '../../src/features/connections/credentials';
import { GroupScheduler } from '../../src/features/groups/groupScheduler';
import { JobPoller } from '../../src/features/jobs/poller';
import type { RunningEmulator } from '../../src/emulator';
import { createOneRequestJob, emulatorConnection, extensionApi, groupRecord, waitFor } from './helpers';

/** A window focus the test moves (the real one cannot be changed from the extension host). */
class TestFocus implements WindowFocus {
  private readonly changed = new vscode.EventEmitter<boolean>();
  readonly onDidChange = this.changed.event;
  constructor(public focused: boolean) {}

  set(focused: boolean): void {
    this.focused = focused;
    this.changed.fire(focused);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const served = (emulator: RunningEmulator) => Object.values(emulator.stats).reduce((a, b) => a + b, 0);

describe('polling pauses while the window is unfocused', function () {
  this.timeout(120_000);
  const interval = 0.2;
  let service: Awaited<ReturnType<typeof emulatorConnection>>;

  before(async () => {
    // Each request takes ten minutes: the jobs stay in progress for the whole test.
    service = await emulatorConnection('Poll focus', 'poll-focus-key-8b2a', { requestDelayMs: 600_000, validatingDelayMs: 0 });
    await vscode.workspace.getConfiguration('azureOpenAIBatch').update('jobs.emulatorPollIntervalSeconds', interval, vscode.ConfigurationTarget.Global);
  });
  after(async () => {
    await vscode.workspace.getConfiguration('azureOpenAIBatch').update('jobs.emulatorPollIntervalSeconds', undefined, vscode.ConfigurationTarget.Global);
    await service?.close();
  });

  async function runningBatch(client: BatchClient, name: string): Promise<Batch> {
    const batch = await createOneRequestJob(client, name);
    return waitFor(`${name} to be in progress`, async () => {
      const latest = await client.getBatch(batch.id);
      return latest.status === 'in_progress' && latest;
    });
  }

  it('sends no request for a job or a group part while unfocused; on focus polls both at once, then on schedule', async () => {
    const api = await extensionApi();
    const { client, connection, emulator } = service;
    const job = await runningBatch(client, 'poll-focus-job');
    const partJob = await runningBatch(client, 'poll-focus-part');

    const reopened = api.reopenJobs!();
    const focus = new TestFocus(false);
    const log = vscode.window.createOutputChannel('Azure OpenAI Batch poll test', { log: true });
    const poller = new JobPoller(reopened.jobs, log, focus);
    const scheduler = new GroupScheduler(reopened.groups, api.connections, new ClientFactory(api.connections, api.emulator), log, poller);
    // Count the rounds each kind of work gets, through the objects the poller calls.
    const rounds = { jobs: 0, groups: 0 };
    const refreshActive = reopened.jobs.refreshActive.bind(reopened.jobs);
    reopened.jobs.refreshActive = (c) => (rounds.jobs++, refreshActive(c));
    const step = scheduler.poll.bind(scheduler);
    scheduler.poll = (c) => (rounds.groups++, step(c));
    try {
      await reopened.jobs.store.upsert({ connectionId: connection.id, batchId: job.id, submissionId: 'poll-focus-job', sourceName: 'poll-focus-job.jsonl', createdAt: Date.now(), retryNumber: 0, snapshot: job });
      await reopened.groups.save(
        groupRecord(connection.id, 'poll-focus-group', [{ index: 1, path: 'poll-focus-part.jsonl', requests: 1, tokens: 10, status: 'running', submissionId: 'poll-focus-part', attempts: 1, batchId: partJob.id, batchStatus: 'in_progress' }], false),
      );
      emulator.resetStats();

      // Unfocused: started, kicked, resumed, and several intervals go by.
      poller.resumeAll();
      poller.kick(connection.id, true);
      scheduler.start('poll-focus-group');
      await sleep(interval * 1000 * 8);
      assert.deepEqual(rounds, { jobs: 0, groups: 0 }, 'no round while unfocused');
      assert.equal(served(emulator), 0, `no request reached the service: ${JSON.stringify(emulator.stats)}`);

      focus.set(true);
      // A round calls the jobs, then the groups; each sends its list request a moment after it is called.
      await waitFor('the round on focus', () => rounds.jobs >= 1 && rounds.groups >= 1, 5_000);
      await waitFor(`the jobs and the group part to be listed: ${JSON.stringify(emulator.stats)}`, () => emulator.stats.listBatches >= 2, 5_000);
      await sleep(interval * 1000 * 8);
      assert.ok(rounds.jobs >= 2 && rounds.groups >= 2, `then the normal schedule: ${JSON.stringify(rounds)}`);
      assert.ok(rounds.groups <= 12, `at the interval, not in a tight loop: ${JSON.stringify(rounds)}`);

      focus.set(false);
      await sleep(interval * 1000 * 2); // a round under way when focus went finishes
      const paused = { ...rounds };
      const servedPaused = served(emulator);
      await sleep(interval * 1000 * 8);
      assert.deepEqual(rounds, paused, 'losing focus pauses the loop again');
      assert.equal(served(emulator), servedPaused, 'and the service hears nothing more');
    } finally {
      scheduler.dispose();
      poller.dispose();
      await reopened.groups.remove('poll-focus-group');
      reopened.dispose();
      log.dispose();
    }
  });
});
