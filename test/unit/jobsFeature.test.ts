import * as assert from 'node:assert/strict';
import type { Batch } from '../../src/core/batch/client';
import type { PartState } from '../../src/core/batch/groupRunner';
import { azurePollSettings, emulatorPollSettings, loopDelay, MIN_WAKE_MS, nextPollDelay, wakeDelay } from '../../src/core/batch/pollSchedule';
import type { GroupRecord } from '../../src/features/groups/groupStore';
import { resolveArgument, type ArgumentLookup } from '../../src/features/jobs/jobArguments';
import { connectionContextValue, formatDuration, groupContextValue, groupTotals, jobContextValue, jobIconToken, partContextValue, partIconToken } from '../../src/features/jobs/jobItemTokens';
import { currentHiddenMarks, groupPhase, HIDDEN_MARKS_FORMAT, listEntries, listJobs, mergeListing, newerBatch, type ListingInput } from '../../src/features/jobs/jobListing';
import type { JobsNode } from '../../src/features/jobs/jobsTree';
import type { JobRecord } from '../../src/features/jobs/jobStore';

// The pure parts of the jobs feature, outside the extension host: the listing merge, the tree item tokens, the
// polling schedule and the resolution of command arguments.

function batch(id: string, fields: Partial<Batch> = {}): Batch {
  return { id, object: 'batch', endpoint: '/chat/completions', input_file_id: `file-in-${id}`, completion_window: '24h', status: 'completed', created_at: 1000, request_counts: { total: 2, completed: 2, failed: 0 }, ...fields } as Batch;
}

function record(batchId: string, fields: Partial<JobRecord> = {}): JobRecord {
  return { connectionId: 'c1', batchId, submissionId: `sub-${batchId || 'x'}`, sourceName: `${batchId}.jsonl`, createdAt: 1000, retryNumber: 0, ...fields };
}

function part(index: number, fields: Partial<PartState> = {}): PartState {
  return { index, path: `p${index}.jsonl`, requests: 10, tokens: 100, status: 'done', submissionId: `s${index}`, attempts: 1, ...fields };
}

function group(id: string, parts: PartState[], fields: Partial<GroupRecord> = {}): GroupRecord {
  return { connectionId: 'c1', sourceUri: `file:///${id}.jsonl`, finished: true, state: { id, name: id, createdAt: 1500, parts } as unknown as GroupRecord['state'], ...fields };
}

function input(fields: Partial<ListingInput>): ListingInput {
  return { connectionId: 'c1', listed: [], records: [], groups: [], hidden: new Set(), deletedFiles: new Set(), ...fields };
}

describe('jobs feature: the listing merge', () => {
  it('merges the service listing with the store, the later state winning, pending submissions by submission id', () => {
    const listed = [batch('b1', { status: 'in_progress', in_progress_at: 1010 }), batch('b2')];
    const records = [record('b1', { snapshot: batch('b1', { status: 'completed', completed_at: 1100 }) }), record('', { submissionId: 'abc' })];
    const merged = mergeListing(listed, records);
    assert.deepEqual([...merged.keys()], ['b1', 'b2'], 'a submission without a job is no entry of the job map');
    assert.equal(merged.get('b1')!.batch!.status, 'completed', 'the store knew a later state');
    assert.equal(merged.get('b1')!.record, records[0]);
    assert.equal(merged.get('b2')!.record, undefined);
    const pending = listJobs(input({ listed, records })).find((view) => view.submissionId === 'abc');
    assert.equal(pending?.batchId, '');
    assert.equal(pending?.batch, undefined);
  });

  it('never takes a service job named like a local submission for one (`pending:SUBMISSION_ID`)', () => {
    // A hostile or odd service echoes the submission id it saw in the metadata back as a job id.
    const forged = batch('pending:abc', { status: 'failed', created_at: 1200 });
    const records = [record('', { submissionId: 'abc', createdAt: 1100 })];
    const jobs = listJobs(input({ listed: [forged], records }));
    assert.equal(jobs.length, 2, 'the job and the submission stay two entries');
    const job = jobs.find((view) => view.batchId === 'pending:abc')!;
    assert.equal(job.submissionId, undefined, 'the service job is a job');
    assert.equal(job.record, undefined, 'and is not merged with the local record');
    const submission = jobs.find((view) => view.submissionId === 'abc')!;
    assert.equal(submission.batch, undefined, 'the local submission takes no state from the service job');
    const lookup1: ArgumentLookup = { hasConnection: (id) => id === 'c1', groupConnection: () => undefined, jobsWithId: () => [], jobsFromSource: () => [], groupsFromSource: () => [] };
    const node = (view: typeof job) => ({ kind: 'job' as const, connection: { id: 'c1' } as JobsNode['connection'], view });
    assert.deepEqual(resolveArgument(node(job), lookup1), { connectionId: 'c1', jobs: [{ connectionId: 'c1', batchId: 'pending:abc' }], submissionId: undefined });
    assert.deepEqual(resolveArgument(node(submission), lookup1), { connectionId: 'c1', jobs: [], submissionId: 'abc' });
    assert.deepEqual(resolveArgument({ connectionId: 'c1', batchId: 'pending:abc' }, lookup1), { connectionId: 'c1', jobs: [{ connectionId: 'c1', batchId: 'pending:abc' }], submissionId: undefined });
  });

  it('drops the old `pending:` hidden marks once, keeping every mark of the current format', () => {
    assert.deepEqual(currentHiddenMarks({ hidden: ['b1', 'pending:s1', 'g1'] }), ['b1', 'g1'], 'marks of earlier versions');
    assert.deepEqual(currentHiddenMarks({ hidden: ['b1', 'pending:x'], format: HIDDEN_MARKS_FORMAT }), ['b1', 'pending:x'], 'a service job the user removed, named so');
  });

  it('prefers the state with more finished requests when the timestamps tie', () => {
    const a = batch('b', { status: 'in_progress', in_progress_at: 5, request_counts: { total: 10, completed: 3, failed: 0 } });
    const b = batch('b', { status: 'in_progress', in_progress_at: 5, request_counts: { total: 10, completed: 6, failed: 1 } });
    assert.equal(newerBatch(a, b), b);
    assert.equal(newerBatch(b, a), b);
    assert.equal(newerBatch(undefined, a), a);
  });

  it('nests retries under the job they retry, newest first, and never shows a part of a known group at the top', () => {
    const g = group('g1', [part(1, { batchId: 'p1' }), part(2, { batchId: 'p2' })]);
    const listed = [batch('old', { created_at: 900 }), batch('new', { created_at: 1200 }), batch('p1'), batch('p2', { metadata: { group_id: 'g1' } }), batch('p3', { metadata: { group_id: 'g1' } })];
    const records = [record('r1', { parentBatchId: 'old', createdAt: 950, snapshot: batch('r1', { created_at: 950 }) }), record('r2', { parentBatchId: 'old', snapshot: batch('r2', { created_at: 960 }) })];
    const jobs = listJobs(input({ listed, records, groups: [g] }));
    assert.deepEqual(jobs.map((v) => v.batchId), ['new', 'old'], 'parts p1, p2 (by id) and p3 (by metadata) are not top-level jobs');
    assert.deepEqual(jobs[1]!.retries.map((v) => v.batchId), ['r2', 'r1']);
  });

  it('filters jobs and groups in one place, by phase, and sorts them together newest first', () => {
    const running = batch('run', { status: 'in_progress', created_at: 2000 });
    const failed = batch('bad', { status: 'failed', created_at: 1100 });
    const done = group('gdone', [part(1, { batchStatus: 'completed', requestCounts: { total: 10, completed: 10, failed: 0 } })]);
    const active = group('gact', [part(1, { status: 'running' })], { finished: false, state: { id: 'gact', name: 'gact', createdAt: 3000, parts: [part(1, { status: 'running' })] } as unknown as GroupRecord['state'] });
    const all = input({ listed: [running, failed], groups: [done, active] });
    assert.deepEqual(
      listEntries(all).map((e) => (e.kind === 'job' ? e.view.batchId : e.group.state.id)),
      ['gact', 'run', 'gdone', 'bad'],
    );
    const activeOnly = listEntries({ ...all, filter: new Set(['active'] as const) });
    assert.deepEqual(activeOnly.map((e) => (e.kind === 'job' ? e.view.batchId : e.group.state.id)), ['gact', 'run']);
    const succeeded = listEntries({ ...all, filter: new Set(['succeeded'] as const) });
    assert.deepEqual(succeeded.map((e) => (e.kind === 'job' ? e.view.batchId : e.group.state.id)), ['gdone']);
  });

  it('keeps removed jobs out and clears the ids of files deleted on the service', () => {
    const listed = [batch('gone'), batch('kept', { output_file_id: 'out-1' })];
    const jobs = listJobs(input({ listed, hidden: new Set(['gone']), deletedFiles: new Set(['out-1']) }));
    assert.deepEqual(jobs.map((v) => v.batchId), ['kept']);
    assert.equal(jobs[0]!.batch!.output_file_id, undefined);
    assert.deepEqual(jobs[0]!.deletedFiles, ['output']);
  });

  it('gives a finished group the phase its parts earned', () => {
    const ok = part(1, { batchStatus: 'completed', requestCounts: { total: 10, completed: 10, failed: 0 } });
    const some = part(2, { batchStatus: 'completed', requestCounts: { total: 10, completed: 4, failed: 6 } });
    const none = part(3, { batchStatus: 'failed' });
    assert.equal(groupPhase(group('a', [ok, ok])), 'succeeded');
    assert.equal(groupPhase(group('b', [ok, none])), 'partial');
    assert.equal(groupPhase(group('c', [some])), 'partial');
    assert.equal(groupPhase(group('d', [none, part(4)])), 'failed', 'a part without a status (never submitted) counts as cancelled');
    assert.equal(groupPhase(group('e', [none], { finished: false })), 'active');
  });
});

describe('jobs feature: tree item tokens', () => {
  it('builds a job context value from tokens the menus match', () => {
    assert.equal(jobContextValue({ batch: batch('b', { status: 'in_progress' }) }), 'job:active:cancellable');
    assert.equal(jobContextValue({ batch: batch('b', { status: 'finalizing' }) }), 'job:active');
    assert.equal(jobContextValue({ batch: batch('b', { output_file_id: 'o' }), record: record('b', { sourceUri: 'file:///a', inputPath: '/a' }) }), 'job:done:results:source:local');
    const partial = batch('b', { error_file_id: 'e', request_counts: { total: 3, completed: 2, failed: 1 } });
    assert.equal(jobContextValue({ batch: partial, record: record('b', { inputPath: '/a' }) }), 'job:done:results:failures:local');
    assert.equal(jobContextValue({ batch: partial }), 'job:done:results', 'no retry without the input sent from here');
    assert.equal(jobContextValue({ batch: batch('b', { status: 'expired' }), record: record('b', { inputPath: '/a' }) }), 'job:done:failures:remaining:local');
    const cancelled = batch('b', { status: 'cancelled', output_file_id: 'o', request_counts: { total: 5, completed: 2, failed: 0 } });
    assert.equal(jobContextValue({ batch: cancelled, record: record('b', { inputPath: '/a' }) }), 'job:done:results:failures:remaining:local', 'a cancelled job with partial output offers its results and the rest');
  });

  it('marks a submission that may exist, and only once it is stale or marked', () => {
    const now = 10_000_000;
    const fresh = record('', { attemptedAt: now - 1000, sourceUri: 'file:///a' });
    assert.equal(jobContextValue({ record: fresh }, now), 'job:active:source:local');
    assert.equal(jobContextValue({ record: { ...fresh, attemptedAt: now - 11 * 60_000 } }, now), 'job:mayExist:source:local');
    assert.equal(jobContextValue({ record: { ...fresh, sourceUri: undefined, mayExist: true } }, now), 'job:mayExist:local');
  });

  it('picks icons and colours by phase', () => {
    assert.deepEqual(jobIconToken(undefined), { id: 'loading~spin' });
    assert.deepEqual(jobIconToken(batch('b', { status: 'in_progress' })), { id: 'sync~spin' });
    assert.deepEqual(jobIconToken(batch('b', { status: 'validating' })), { id: 'loading~spin' });
    assert.deepEqual(jobIconToken(batch('b')), { id: 'pass', color: 'testing.iconPassed' });
    assert.deepEqual(jobIconToken(batch('b', { request_counts: { total: 2, completed: 1, failed: 1 } })), { id: 'warning', color: 'list.warningForeground' });
    assert.deepEqual(jobIconToken(batch('b', { request_counts: { total: 2, completed: 0, failed: 2 } })), { id: 'error', color: 'testing.iconFailed' });
    assert.deepEqual(jobIconToken(batch('b', { status: 'cancelled' })), { id: 'circle-slash' });
    assert.deepEqual(jobIconToken(batch('b', { status: 'expired' })), { id: 'watch' });
    assert.deepEqual(partIconToken(part(1, { status: 'queued' })), { id: 'clock' });
    assert.deepEqual(partIconToken(part(1, { status: 'running', batchStatus: 'in_progress' })), { id: 'loading~spin' });
    assert.deepEqual(partIconToken(part(1, { batchStatus: 'completed', requestCounts: { total: 1, completed: 1, failed: 0 } })), { id: 'pass' });
  });

  it('names connections, groups and parts by tokens and adds up a group', () => {
    assert.equal(connectionContextValue({ emulator: true }, true), 'connection:default:emulator');
    assert.equal(connectionContextValue({}, false), 'connection');
    assert.equal(groupContextValue({ finished: false }), 'group:active');
    assert.equal(groupContextValue({ finished: true }), 'group:done');
    assert.equal(partContextValue({ batchId: 'b' }), 'part:submitted');
    assert.equal(partContextValue({}), 'part');
    const g = group('g', [part(1, { requestCounts: { total: 10, completed: 7, failed: 2 } }), part(2, { requests: 5 })]);
    assert.deepEqual(groupTotals(g), { total: 15, finished: 9, failed: 2 });
    assert.deepEqual([formatDuration(59_400), formatDuration(61_000), formatDuration(3_725_000), formatDuration(50 * 3_600_000)], ['59s', '1m', '1h 2m', '2d']);
  });
});

describe('jobs feature: the polling schedule', () => {
  it('backs off from the floor to the cap while nothing changes, and drops back when something does', () => {
    const azure = azurePollSettings(60, 300);
    const delays = [nextPollDelay(undefined, false, azure)];
    for (let i = 0; i < 6; i++) {
      delays.push(nextPollDelay(delays[delays.length - 1], false, azure));
    }
    assert.deepEqual(delays, [10_000, 60_000, 90_000, 135_000, 202_500, 300_000, 300_000]);
    assert.equal(nextPollDelay(300_000, true, azure), 60_000);
    assert.equal(azurePollSettings(5, 10).floorMs, 60_000, 'never more often than once a minute against Azure');
    assert.deepEqual(emulatorPollSettings(1), { firstMs: 500, floorMs: 1000, maxMs: 5000 });
  });

  it('wakes a queue when it asked, within [MIN_WAKE_MS, floor], and runs one loop at the soonest delay', () => {
    assert.equal(wakeDelay(undefined, 60_000, 0), 60_000);
    assert.equal(wakeDelay(5_000, 60_000, 0), 5_000);
    assert.equal(wakeDelay(10, 60_000, 0), MIN_WAKE_MS);
    assert.equal(wakeDelay(10 * 60_000, 60_000, 0), 60_000);
    assert.equal(loopDelay(90_000, [60_000, 5_000]), 5_000);
    assert.equal(loopDelay(90_000, []), 90_000, 'jobs only');
    assert.equal(loopDelay(undefined, [60_000]), 60_000, 'groups only');
    assert.equal(loopDelay(undefined, []), undefined, 'nothing to poll: the loop stops');
  });
});

describe('jobs feature: command arguments', () => {
  const connection = { id: 'c1', name: 'C', endpoint: 'http://x', apiVersion: 'v', auth: 'apiKey' } as unknown as Extract<JobsNode, { kind: 'connection' }>['connection'];
  const lookup: ArgumentLookup = {
    hasConnection: (id) => id === 'c1' || id === 'c2',
    groupConnection: (id) => (id === 'g1' ? 'c1' : undefined),
    jobsWithId: (id) => (id === 'b1' ? [{ connectionId: 'c1', batchId: 'b1' }] : id === 'twice' ? [{ connectionId: 'c1', batchId: id }, { connectionId: 'c2', batchId: id }] : []),
    jobsFromSource: (uri) => (uri === 'file:///a.jsonl' ? [{ connectionId: 'c2', batchId: 'b9' }, { connectionId: 'c2', batchId: 'b3' }] : []),
    groupsFromSource: (uri) => (uri === 'file:///big.jsonl' ? ['g1'] : []),
  };
  const view = { connectionId: 'c1', batchId: 'b1', retries: [] };

  it('resolves tree nodes', () => {
    assert.deepEqual(resolveArgument({ kind: 'connection', connection }, lookup), { connectionId: 'c1', jobs: [] });
    assert.deepEqual(resolveArgument({ kind: 'job', connection, view }, lookup), { connectionId: 'c1', jobs: [{ connectionId: 'c1', batchId: 'b1' }], submissionId: undefined });
    assert.deepEqual(resolveArgument({ kind: 'file', connection, view, role: 'output', fileId: 'f' }, lookup).jobs, [{ connectionId: 'c1', batchId: 'b1' }]);
    const g = group('g1', [part(1, { batchId: 'p1' }), part(2)]);
    assert.deepEqual(resolveArgument({ kind: 'group', connection, group: g }, lookup), { connectionId: 'c1', jobs: [], groupId: 'g1' });
    assert.deepEqual(resolveArgument({ kind: 'part', connection, group: g, part: g.state.parts[0]! }, lookup), { connectionId: 'c1', jobs: [{ connectionId: 'c1', batchId: 'p1' }], groupId: 'g1' });
    assert.deepEqual(resolveArgument({ kind: 'part', connection, group: g, part: g.state.parts[1]! }, lookup).jobs, [], 'a part not submitted yet names no job');
    const pending = { kind: 'job' as const, connection, view: { connectionId: 'c1', batchId: '', submissionId: 's7', retries: [], record: record('', { submissionId: 's7' }) } };
    assert.deepEqual(resolveArgument(pending, lookup), { connectionId: 'c1', jobs: [], submissionId: 's7' });
  });

  it('resolves ids: a connection, a group, a job known on one connection only', () => {
    assert.deepEqual(resolveArgument('c2', lookup), { connectionId: 'c2', jobs: [] });
    assert.deepEqual(resolveArgument('g1', lookup), { connectionId: 'c1', jobs: [], groupId: 'g1' });
    assert.deepEqual(resolveArgument('b1', lookup).jobs, [{ connectionId: 'c1', batchId: 'b1' }]);
    assert.deepEqual(resolveArgument('twice', lookup), { jobs: [] }, 'ambiguous: name the connection too');
    assert.deepEqual(resolveArgument('unknown', lookup), { jobs: [] });
  });

  it('resolves scripted objects and refuses unknown connections', () => {
    assert.deepEqual(resolveArgument({ connectionId: 'c1', batchId: 'b5' }, lookup).jobs, [{ connectionId: 'c1', batchId: 'b5' }]);
    assert.deepEqual(resolveArgument({ connectionId: 'c1', submissionId: 's1' }, lookup), { connectionId: 'c1', jobs: [], submissionId: 's1' });
    assert.deepEqual(resolveArgument({ connectionId: 'c1', batchId: 'pending:s2' }, lookup).jobs, [{ connectionId: 'c1', batchId: 'pending:s2' }], 'a batch id is a batch id');
    assert.deepEqual(resolveArgument({ connectionId: 'nope', batchId: 'b5' }, lookup), { jobs: [] });
    assert.deepEqual(resolveArgument(42, lookup), { jobs: [] });
  });

  it('resolves a source file URI to its jobs (newest first) or its group, and nothing to the fallback', () => {
    const uri = (text: string) => ({ scheme: 'file', fsPath: text.slice('file://'.length), toString: () => text });
    assert.deepEqual(resolveArgument(uri('file:///a.jsonl'), lookup), { connectionId: 'c2', jobs: [{ connectionId: 'c2', batchId: 'b9' }, { connectionId: 'c2', batchId: 'b3' }], groupId: undefined });
    assert.deepEqual(resolveArgument(uri('file:///big.jsonl'), lookup), { connectionId: 'c1', jobs: [], groupId: 'g1' });
    assert.deepEqual(resolveArgument(undefined, lookup), { jobs: [] });
    assert.deepEqual(resolveArgument(undefined, lookup, 'g1'), { connectionId: 'c1', jobs: [], groupId: 'g1' });
  });
});
