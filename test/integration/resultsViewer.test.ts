import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { RESULTS_VIEW_TYPE } from '../../src/constants';
import { maxFailureCodes, type ViewerSession } from '../../src/features/resultsViewer/viewerSession';
import type { HostMessage } from '../../src/resultsViewer/protocol';
import { writeResultsFixture, type ResultsFixture } from '../shared/resultsFixture';
import { extensionApi, waitFor, workspaceRoot } from './helpers';

type Posted<T extends HostMessage['type']> = Extract<HostMessage, { type: T }>;

describe('the results viewer (custom editor of *.results.jsonl)', function () {
  this.timeout(60_000);
  let folder: string;
  let fixture: ResultsFixture;
  let resultsUri: vscode.Uri;

  before(async () => {
    // The layout of a downloaded job: NAME.results/NAME.results.jsonl, next to the input NAME.jsonl.
    folder = path.join(workspaceRoot(), 'viewer-it');
    await fs.mkdir(path.join(folder, 'reviews.results'), { recursive: true });
    fixture = await writeResultsFixture(folder);
    const moved = path.join(folder, 'reviews.results', 'reviews.results.jsonl');
    await fs.rename(fixture.resultsPath, moved);
    resultsUri = vscode.Uri.file(moved);
  });
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await fs.rm(folder, { recursive: true, force: true });
  });

  /** Opens the results file as a user would (the viewer is its default editor) and returns its session. */
  async function openViewer(uri = resultsUri): Promise<ViewerSession> {
    await vscode.commands.executeCommand('vscode.open', uri);
    const api = await extensionApi();
    const session = await waitFor('a viewer session for the results file', () => api.resultsViewer.sessionsOf(uri)[0]);
    await session.built;
    await session.whenReady;
    return session;
  }

  /** Sends a webview message and collects what the session posts in answer. */
  async function exchange(session: ViewerSession, message: Parameters<ViewerSession['handle']>[0]): Promise<HostMessage[]> {
    const posted: HostMessage[] = [];
    const listener = session.onDidPost((m) => posted.push(m));
    try {
      await session.handle(message);
    } finally {
      listener.dispose();
    }
    return posted;
  }

  const only = <T extends HostMessage['type']>(messages: HostMessage[], type: T): Posted<T> => {
    const found = messages.filter((m): m is Posted<T> => m.type === type);
    assert.equal(found.length, 1, `one ${type} message in ${JSON.stringify(messages.map((m) => m.type))}`);
    return found[0]!;
  };

  it('opens a results file in the viewer, not as text', async () => {
    await openViewer();
    const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
    assert.ok(input instanceof vscode.TabInputCustom, `the active tab is a custom editor (${String(input?.constructor.name)})`);
    assert.equal(input.viewType, RESULTS_VIEW_TYPE);
    assert.equal(input.uri.fsPath, resultsUri.fsPath);
  });

  it('answers the webview: init, views of a query, pages of the current view only, a row detail', async () => {
    const session = await openViewer();
    const ready = await exchange(session, { type: 'ready' });
    const init = only(ready, 'init');
    assert.equal(init.hasInput, true, 'the input was found next to the NAME.results/ folder');
    assert.ok(init.strings.exportCsv && init.strings.search, 'the webview gets its strings from the host');
    const all = only(ready, 'view');
    assert.equal(all.rowCount, fixture.rows);
    assert.equal(all.complete, true);
    assert.deepEqual(all.failuresByCode, [
      { code: 'too_many_requests', count: 3 },
      { code: 'server_error', count: 2 },
    ]);
    assert.ok(all.columns.some((column) => column.id === 'field:sentiment'), 'structured fields are columns');

    const failed = only(await exchange(session, { type: 'query', query: { statuses: ['failed'], sort: { column: 'custom_id', descending: true } } }), 'view');
    assert.equal(failed.rowCount, fixture.failed);
    assert.deepEqual(failed.counts, { succeeded: 0, failed: fixture.failed, missing: 0, total: fixture.failed });
    assert.ok(failed.version > all.version);

    assert.deepEqual(await exchange(session, { type: 'page', version: all.version, offset: 0, count: 200 }), [], 'a page of an older view is not sent');
    const page = only(await exchange(session, { type: 'page', version: failed.version, offset: 0, count: 200 }), 'page');
    assert.deepEqual(
      page.rows.map((row) => row.customId),
      ['review-044', 'review-033', 'review-022', 'review-017', 'review-011'],
    );
    assert.ok(page.rows.every((row) => row.status === 'failed' && row.error !== undefined));

    const detail = only(await exchange(session, { type: 'detail', index: page.rows[3]!.index }), 'detail').detail;
    assert.equal(detail.customId, fixture.searchId);
    assert.ok(detail.request.some((section) => section.text.includes('zeppelin-shaped lid')), 'the request shows the user message');
    assert.ok(detail.request.some((section) => section.text.includes('Classify the sentiment')), 'the request shows the system prompt');
    assert.ok(detail.response.some((section) => section.text.includes('too_many_requests')), 'the response shows the error');
    assert.equal(detail.inputLine, 17);

    const searched = only(await exchange(session, { type: 'query', query: { statuses: ['failed'], search: fixture.searchWord } }), 'view');
    assert.equal(searched.rowCount, 1);
  });

  it('exports the current view as CSV where the save dialog says', async () => {
    const session = await openViewer();
    await exchange(session, { type: 'query', query: { statuses: ['failed'] } });
    const destination = path.join(folder, 'failed.csv');
    const window = vscode.window as { showSaveDialog: typeof vscode.window.showSaveDialog };
    const original = window.showSaveDialog;
    let offered: vscode.Uri | undefined;
    window.showSaveDialog = async (options) => {
      offered = options?.defaultUri;
      return vscode.Uri.file(destination);
    };
    try {
      const posted = await exchange(session, { type: 'export', format: 'csv' });
      assert.deepEqual(posted.filter((m) => m.type === 'error'), []);
    } finally {
      window.showSaveDialog = original;
    }
    assert.equal(path.basename(offered?.fsPath ?? ''), 'reviews.view.csv');
    const lines = (await fs.readFile(destination, 'utf8')).replace(/^\ufeff/, '').trim().split('\r\n');
    assert.equal(lines.length, 1 + fixture.failed);
    assert.match(lines[0]!, /^custom_id,status,code,error,prompt,answer,/);
    assert.ok(lines.slice(1).every((line) => /^review-\d+,failed,/.test(line)));
  });

  it('answers hostile webview messages with nothing, an empty page or a wider view, never an error or another file', async () => {
    const session = await openViewer();
    const handle = (message: unknown) => exchange(session, message as Parameters<ViewerSession['handle']>[0]);
    const view = only(await handle({ type: 'query', query: { statuses: 'failed', codes: [1, {}], structured: 'all', search: 42, sort: { column: 'constructor' } } }), 'view');
    assert.equal(view.rowCount, fixture.rows, 'a query of the wrong shape shows every row');
    assert.deepEqual(view.query, { codes: [] }, 'only the parts of the right shape are kept (no codes: every code)');
    for (const [offset, count] of [[NaN, 200], [0, NaN], [-1e9, 200], [1e12, 200], [0, Infinity], ['0', '200']] as const) {
      const posted = await handle({ type: 'page', version: view.version, offset, count });
      assert.deepEqual(posted.filter((m) => m.type === 'error'), [], `page ${String(offset)}, ${String(count)}`);
      for (const page of posted.filter((m): m is Posted<'page'> => m.type === 'page')) {
        assert.ok(page.rows.length <= 1000, `${page.rows.length} rows for page ${String(offset)}, ${String(count)}`);
      }
    }
    const before = vscode.window.visibleTextEditors.map((editor) => editor.document.uri.toString());
    for (const index of [-1, fixture.rows, 1e12, NaN, 0.5, '0', null]) {
      assert.deepEqual(await handle({ type: 'detail', index }), [], `detail ${String(index)}`);
      assert.deepEqual(await handle({ type: 'goToSource', index }), [], `goToSource ${String(index)}`);
    }
    assert.deepEqual(
      vscode.window.visibleTextEditors.map((editor) => editor.document.uri.toString()),
      before,
      'no file opened for a row that does not exist',
    );
  });

  it('sends the most common failure codes only, when every row fails with a code of its own (attack)', async () => {
    const many = vscode.Uri.file(path.join(folder, 'codes.results.jsonl'));
    const line = (i: number) => JSON.stringify({ custom_id: `c${i}`, status: 'failed', status_code: 400, response: null, error: { code: `code_${i}`, message: 'x' } });
    await fs.writeFile(many.fsPath, Array.from({ length: 2000 }, (_, i) => line(i)).concat(line(7), line(7)).join('\n') + '\n');
    const session = await openViewer(many);
    const view = only(await exchange(session, { type: 'ready' }), 'view');
    assert.equal(view.rowCount, 2002);
    assert.equal(view.failuresByCode.length, maxFailureCodes);
    assert.deepEqual(view.failuresByCode[0], { code: 'code_7', count: 3 }, 'most common first');
  });

  it('goes to the source line of a row in the input file', async () => {
    const session = await openViewer();
    const view = only(await exchange(session, { type: 'query', query: { search: fixture.searchWord } }), 'view');
    const row = only(await exchange(session, { type: 'page', version: view.version, offset: 0, count: 10 }), 'page').rows[0]!;
    await session.handle({ type: 'goToSource', index: row.index });
    const editor = await waitFor('the input file in a text editor', () => (vscode.window.activeTextEditor?.document.uri.fsPath === fixture.inputPath ? vscode.window.activeTextEditor : undefined));
    assert.equal(editor.selection.active.line, 16);
  });

  it('reads the file again when it changes, and ends the session when the editor closes', async () => {
    const session = await openViewer();
    await session.handle({ type: 'query', query: {} });
    const views: Posted<'view'>[] = [];
    const listener = session.onDidPost((m) => m.type === 'view' && views.push(m));
    try {
      const text = await fs.readFile(resultsUri.fsPath, 'utf8');
      await fs.writeFile(resultsUri.fsPath, text.split('\n').slice(0, 10).join('\n') + '\n');
      await waitFor('a view of the shorter file', () => views.some((view) => view.complete && view.rowCount === 10));
    } finally {
      listener.dispose();
    }
    const api = await extensionApi();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await waitFor('the session to end with its editor', () => api.resultsViewer.sessionsOf(resultsUri).length === 0);
    assert.equal(session.current, undefined, 'the model is dropped');
  });
});
