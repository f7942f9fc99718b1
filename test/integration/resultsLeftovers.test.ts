import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Batch } from '../../src/core/batch/client';
import { JobErrorsView } from '../../src/features/jobs/jobErrors';
import type { JobRecord } from '../../src/features/jobs/jobStore';
import type { ViewerSession } from '../../src/features/resultsViewer/viewerSession';
import type { HostMessage } from '../../src/resultsViewer/protocol';
import { writeResultsFixture, type ResultsFixture } from '../shared/resultsFixture';
import { extensionApi, recordingWindow, waitFor, workspaceRoot } from './helpers';

type Posted<T extends HostMessage['type']> = Extract<HostMessage, { type: T }>;

describe('results leftovers: the viewer count, the export notification, job errors after a reload', function () {
  this.timeout(60_000);
  let folder: string;
  let fixture: ResultsFixture;

  before(async () => {
    folder = path.join(workspaceRoot(), 'leftovers-it');
    await fs.mkdir(folder, { recursive: true });
    fixture = await writeResultsFixture(folder, 'counted');
  });
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await fs.rm(folder, { recursive: true, force: true });
  });

  async function openViewer(): Promise<ViewerSession> {
    const uri = vscode.Uri.file(fixture.resultsPath);
    await vscode.commands.executeCommand('vscode.open', uri);
    const api = await extensionApi();
    const session = await waitFor('a viewer session', () => api.resultsViewer.sessionsOf(uri)[0]);
    await session.built;
    await session.whenReady;
    return session;
  }

  async function viewOf(session: ViewerSession, query: object): Promise<Posted<'view'>> {
    const posted: HostMessage[] = [];
    const listener = session.onDidPost((m) => posted.push(m));
    try {
      await session.handle({ type: 'query', query });
    } finally {
      listener.dispose();
    }
    const views = posted.filter((m): m is Posted<'view'> => m.type === 'view');
    assert.equal(views.length, 1);
    return views[0]!;
  }

  it('a search that finds one row counts it against every row of the job, with the counts of the filter', async () => {
    const session = await openViewer();
    const searched = await viewOf(session, { search: fixture.searchWord });
    assert.equal(searched.rowCount, 1);
    assert.equal(searched.totalRows, fixture.rows, '"1 of 48 rows", not "1 of 1"');
    assert.deepEqual(searched.counts, { succeeded: 0, failed: 1, missing: 0, total: 1 }, 'the counts of the current filter');
    const failed = await viewOf(session, { statuses: ['failed'] });
    assert.equal(failed.totalRows, fixture.rows);
    assert.equal(failed.rowCount, fixture.failed);
  });

  it('the export notification offers Open and Reveal in Explorer, and Open opens the exported file', async () => {
    const session = await openViewer();
    await viewOf(session, { statuses: ['failed'] });
    const destination = path.join(folder, 'failed.view.csv');
    const window = vscode.window as { showSaveDialog: typeof vscode.window.showSaveDialog };
    const original = window.showSaveDialog;
    window.showSaveDialog = async () => vscode.Uri.file(destination);
    try {
      const { calls } = await recordingWindow(
        'showInformationMessage',
        async () => {
          await session.handle({ type: 'export', format: 'csv' });
          await waitFor('the exported file to open', () => (vscode.window.activeTextEditor?.document.uri.fsPath === destination ? true : undefined));
        },
        (message) => (String(message).startsWith('Exported') ? 'Open' : undefined),
      );
      assert.deepEqual(
        calls.filter((args) => String(args[0]).startsWith('Exported')),
        [[`Exported ${fixture.failed} rows to failed.view.csv.`, 'Open', 'Reveal in Explorer']],
      );
    } finally {
      window.showSaveDialog = original;
    }
  });

  it('opens an output file as Azure writes it in the viewer, its rows succeeded or failed by their responses', async () => {
    const raw = (id: string, status: number | null, body: unknown, error: unknown = null) => JSON.stringify({ id: `batch_req_${id}`, custom_id: id, response: status === null ? null : { status_code: status, request_id: 'r', body }, error });
    const lines = [
      raw('a', 200, { model: 'gpt-4o-2024-08-06', choices: [{ index: 0, message: { role: 'assistant', content: 'Hello.' } }], usage: { prompt_tokens: 5, completion_tokens: 2 } }),
      raw('b', 429, { error: { code: 'too_many_requests', message: 'Slow down.' } }),
      raw('c', null, null, { code: 'batch_expired', message: 'Not run.' }),
    ];
    const api = await extensionApi();
    // Ours (NAME.output.jsonl, from the palette's Open Results) and the portal's (..._output.jsonl).
    for (const name of ['portal.output.jsonl', 'batch_0a1b_output.jsonl']) {
      const uri = vscode.Uri.file(path.join(folder, name));
      await fs.writeFile(uri.fsPath, lines.join('\n') + '\n');
      const { openResultsFile } = await import('../../src/features/results/openResults');
      assert.equal(await openResultsFile(uri), 'viewer', name);
      const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
      assert.ok(input instanceof vscode.TabInputCustom && input.uri.fsPath === uri.fsPath, `${name} is in the results viewer`);
      const session = await waitFor('a viewer session', () => api.resultsViewer.sessionsOf(uri)[0]);
      await session.built;
      await session.whenReady;
      const view = await viewOf(session, {});
      assert.deepEqual(view.counts, { succeeded: 1, failed: 1, missing: 1, total: 3 }, name);
      assert.deepEqual(view.failuresByCode, [{ code: 'too_many_requests', count: 1 }]);
    }
  });

  describe('"The service refused this job" after a reload', () => {
    const batch = (id: string, status: string, line?: number): Batch =>
      ({ id, object: 'batch', endpoint: '/chat/completions', status, created_at: 1, input_file_id: 'f', completion_window: '24h', errors: line === undefined ? undefined : { object: 'list', data: [{ code: 'model_not_found', message: 'No such deployment.', line }] } }) as unknown as Batch;
    const record = (file: string, batchId: string, snapshot: Batch, attemptedAt: number): JobRecord => ({ connectionId: 'c', batchId, submissionId: batchId, sourceUri: vscode.Uri.file(file).toString(), sourceName: path.basename(file), createdAt: Math.floor(attemptedAt / 1000), attemptedAt, retryNumber: 0, snapshot });
    const refused = (uri: vscode.Uri) => vscode.languages.getDiagnostics(uri).filter((d) => d.message.startsWith('The service refused this job'));

    it('comes back from the job store on the lines it named, for files unchanged since, and only for their newest job', async () => {
      const write = async (name: string) => {
        const file = path.join(folder, name);
        await fs.writeFile(file, ['{"custom_id":"a"}', '{"custom_id":"b"}', '{"custom_id":"c"}'].join('\n') + '\n');
        return file;
      };
      const unchanged = await write('unchanged.jsonl');
      const edited = await write('edited.jsonl');
      const resent = await write('resent.jsonl');
      const sent = Date.now() + 1000;
      // Edited after it was sent: its line numbers may no longer be right.
      const later = new Date(sent + 60_000);
      await fs.utimes(edited, later, later);
      const view = new JobErrorsView();
      try {
        await view.restore([
          record(unchanged, 'b1', batch('b1', 'failed', 2), sent),
          record(edited, 'b2', batch('b2', 'failed', 1), sent),
          record(resent, 'b3', batch('b3', 'failed', 1), sent),
          // Sent again since, and accepted: the old errors are history.
          record(resent, 'b4', batch('b4', 'completed'), sent + 10),
        ]);
        const [diagnostic, ...more] = refused(vscode.Uri.file(unchanged));
        assert.ok(diagnostic, 'the error is back');
        assert.deepEqual(more, []);
        assert.equal(diagnostic.range.start.line, 1, 'on the line the service named');
        assert.equal(diagnostic.code, 'model_not_found');
        assert.match(diagnostic.message, /No such deployment\./);
        assert.deepEqual(refused(vscode.Uri.file(edited)), [], 'not on a file edited since');
        assert.deepEqual(refused(vscode.Uri.file(resent)), [], 'not when a newer job of the file did not fail');
      } finally {
        view.dispose();
      }
      assert.deepEqual(refused(vscode.Uri.file(unchanged)), [], 'gone with the view');
    });
  });
});
