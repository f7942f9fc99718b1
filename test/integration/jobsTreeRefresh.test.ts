import * as assert from 'node:assert/strict';
import type { Batch } from '../../src/core/batch/client';
import type { PartState } from '../../src/core/batch/groupRunner';
import { nodeId, type JobsNode, type JobsTreeProvider } from '../../src/features/jobs/jobsTree';
import type { JobRecord } from '../../src/features/jobs/jobStore';
import { createOneRequestJob, emulatorConnection, extensionApi, groupRecord, waitFor } from './helpers';

type Refresh = JobsNode | JobsNode[] | undefined;

/** Shows the whole tree, as an expanded view would: every node's children are asked for. */
function showAll(tree: JobsTreeProvider, node?: JobsNode): JobsNode[] {
  const children = tree.getChildren(node);
  return children.flatMap((child) => [child, ...showAll(tree, child)]);
}

function find(tree: JobsTreeProvider, id: string): JobsNode {
  const node = showAll(tree).find((n) => nodeId(n) === id);
  assert.ok(node, `${id} is shown`);
  return node;
}

/** The refreshes the tree asks for while `change` runs. */
async function refreshesDuring(tree: JobsTreeProvider, change: () => Promise<unknown>): Promise<Refresh[]> {
  const fired: Refresh[] = [];
  const listener = tree.onDidChangeTreeData((event) => fired.push(event));
  try {
    await change();
  } finally {
    listener.dispose();
  }
  return fired;
}

/** The ids of the nodes refreshed, failing when a refresh was of the whole tree. */
function refreshedIds(fired: Refresh[]): string[] {
  assert.ok(fired.length > 0, 'the tree asked for a refresh');
  return fired.flatMap((event) => {
    assert.notEqual(event, undefined, 'not a refresh of the whole tree');
    return (Array.isArray(event) ? event : [event!]).map(nodeId);
  });
}

function part(index: number, fields: Partial<PartState>): PartState {
  return { index, path: `part-${index}.jsonl`, requests: 10, tokens: 1000, status: 'done', submissionId: `tree-part-${index}`, attempts: 1, ...fields };
}

describe('the jobs tree refreshes only the nodes that changed', function () {
  this.timeout(120_000);
  let service: Awaited<ReturnType<typeof emulatorConnection>>;

  before(async () => {
    service = await emulatorConnection('Tree refresh', 'tree-refresh-key-5d1e', { requestDelayMs: 0, validatingDelayMs: 20, finalizingDelayMs: 20 });
  });
  after(() => service?.close());

  it('a job whose status changes on a poll refreshes that job only; a new job refreshes its connection, not the whole tree', async () => {
    const api = await extensionApi();
    const { client, connection } = service;
    // A job that finished on the service while we still think it runs: the next poll brings the change.
    const created = await createOneRequestJob(client, 'tree-refresh');
    await waitFor('the job to finish on the service', async () => (await client.getBatch(created.id)).status === 'completed');
    const done = (id: string): Batch => ({ ...created, id, status: 'completed', output_file_id: undefined, error_file_id: undefined });
    const record = (batchId: string, snapshot: Batch): JobRecord => ({ connectionId: connection.id, batchId, submissionId: `tree-${batchId}`, sourceName: `${batchId}.jsonl`, createdAt: Date.now(), retryNumber: 0, snapshot });

    // A model and tree of their own, so the window's poller and view cannot interleave their refreshes.
    const reopened = api.reopenJobs!();
    try {
      await reopened.jobs.store.upsert(record('tree-other', done('tree-other')));
      await reopened.jobs.store.upsert(record(created.id, { ...created, status: 'in_progress', output_file_id: undefined } as Batch));
      const tree = reopened.tree;
      const jobId = `job:${connection.id}:${created.id}`;
      const job = find(tree, jobId);

      const polled = await refreshesDuring(tree, () => reopened.jobs.refreshActive(connection));
      const ids = refreshedIds(polled);
      assert.ok(ids.includes(jobId), `the job's node is refreshed: ${ids}`);
      assert.deepEqual(new Set(ids), new Set([jobId]), 'and nothing else: not its connection, not the other job');
      assert.ok(polled.flat().includes(job), 'with the very node object the view was given');
      assert.match(String(tree.getTreeItem(job).description), /completed|succeeded/i);

      const appeared = await refreshesDuring(tree, () => reopened.jobs.store.upsert(record('tree-new', done('tree-new'))));
      assert.deepEqual(refreshedIds(appeared), [`conn:${connection.id}`], 'a new job refreshes the list it joins: its connection node');
      assert.ok(showAll(tree).some((n) => nodeId(n) === `job:${connection.id}:tree-new`), 'and the new job is shown');
    } finally {
      reopened.dispose();
    }
  });

  it('a group part whose state changes refreshes the part and its group, not the other parts nor the whole tree', async () => {
    const api = await extensionApi();
    const { connection } = service;
    // Finished already, so the window's group scheduler never steps it; the tree shows it all the same.
    const group = groupRecord(connection.id, 'tree-group-1', [
      part(1, { batchId: 'tree-part-b1', batchStatus: 'completed', requestCounts: { total: 10, completed: 10, failed: 0 } }),
      part(2, { status: 'running', batchId: 'tree-part-b2', batchStatus: 'in_progress', requestCounts: { total: 10, completed: 3, failed: 0 } }),
    ], true);
    const reopened = api.reopenJobs!();
    try {
      await reopened.groups.save(group);
      const tree = reopened.tree;
      const groupId = `group:${connection.id}:tree-group-1`;
      const groupNode = find(tree, groupId);
      find(tree, `part:${connection.id}:tree-group-1:1`);
      find(tree, `part:${connection.id}:tree-group-1:2`);

      // The reopened model listens to its own group store: change the part through it.
      const fired = await refreshesDuring(tree, () =>
        reopened.groups.update('tree-group-1', (current) => ({
          ...current,
          state: { ...current.state, parts: current.state.parts.map((p) => (p.index === 2 ? { ...p, status: 'done', batchStatus: 'completed', requestCounts: { total: 10, completed: 10, failed: 0 } } : p)) },
        })),
      );
      const ids = refreshedIds(fired);
      assert.ok(ids.includes(groupId), `the group's node is refreshed: ${ids}`);
      assert.ok(fired.flat().includes(groupNode), 'with the node object the view was given');
      assert.deepEqual(new Set(ids), new Set([groupId, `part:${connection.id}:tree-group-1:2`]), 'the changed part and its group, nothing else');
    } finally {
      await reopened.groups.remove('tree-group-1');
      reopened.dispose();
    }
  });
});
