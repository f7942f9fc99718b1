// Attacks on the estimates in a real extension host: counts that disagree, counting that fails, pastes and closes
// during an upload, settings storms, large files, and the host never loading the tokenizer.
import * as assert from 'node:assert/strict';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { EstimatorClient } from '../../src/core/tokens/estimatorClient';
import { BatchDocumentTracker } from '../../src/features/documents/batchDocumentTracker';
import { EstimatesController } from '../../src/features/estimates/estimatesController';
import { showsCodeLens } from '../../src/features/estimates/estimateStatus';
import { poisonLine } from '../shared/tokenInputs';
import { EXTENSION_ID, extensionApi, openDocument, waitFor, workspaceRoot } from './helpers';

function requestLine(index: number, content = 'hi'): string {
  return `{"custom_id":"r${index}","method":"POST","url":"/chat/completions","body":{"model":"gpt-4o-batch","messages":[{"role":"user","content":"${content}"}],"max_tokens":5}}`;
}

async function lensTitles(uri: vscode.Uri): Promise<string[]> {
  const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? [];
  return lenses.map((l) => l.command?.title ?? '');
}

function within<T>(what: string, promise: Promise<T>, ms = 60_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer));
}

describe('estimates attack', function () {
  this.timeout(180_000);
  const made: string[] = [];

  function writeFile(name: string, lines: readonly string[]): vscode.Uri {
    const file = path.join(workspaceRoot(), name);
    fs.writeFileSync(file, lines.join('\n') + '\n');
    made.push(file);
    return vscode.Uri.file(file);
  }

  /** Writes a file into the workspace and shows it in an editor. */
  async function openWritten(name: string, lines: readonly string[]): Promise<{ uri: vscode.Uri; document: vscode.TextDocument; editor: vscode.TextEditor }> {
    const uri = writeFile(name, lines);
    const document = await vscode.workspace.openTextDocument(uri);
    return { uri, document, editor: await vscode.window.showTextDocument(document) };
  }

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
  after(() => made.forEach((file) => fs.rmSync(file, { force: true })));

  it('counts a file with a broken row alike in the status item and the CodeLens', async () => {
    const api = await extensionApi();
    const document = await openDocument('broken.jsonl');
    const status = await waitFor('the status item to count broken.jsonl', () => (/requests · \d+ errors/.test(api.status.shown?.text ?? '') ? api.status.shown : undefined));
    const title = await waitFor('the estimate CodeLens', async () => (await lensTitles(document.uri)).find((t) => / requests estimated · ~/.test(t)));
    await api.estimates.whenIdle(document.uri);
    const state = api.estimates.stateFor(document);
    assert.equal(state?.kind, 'done');
    const requests = api.validation.summaryFor(document.uri)!.requests;
    // The status item counts every line Azure reads as a request, broken or not; the lens how many of them it estimated.
    assert.match(status.text, new RegExp(`^\\$\\(error\\) ${requests} requests · `));
    assert.equal(state.summary.requests + state.summary.skipped, requests);
    assert.ok(title.startsWith(`${state.summary.requests} of ${requests} requests estimated · ~`), title);
    assert.ok(state.summary.skipped > 0);
  });

  it('settles and says the estimate is unavailable when counting fails, and counts again after an edit', async () => {
    const api = await extensionApi();
    const { uri, document } = await openWritten('poison.jsonl', [requestLine(1), poisonLine()]);
    await waitFor('the document to be tracked', () => api.estimates.isTracked(uri));
    await within('whenIdle', api.estimates.whenIdle(uri));
    const state = api.estimates.stateFor(document);
    assert.equal(state?.kind, 'unavailable');
    assert.match(state.reason, /RangeError/);
    assert.equal(api.estimates.counterMode, 'worker', 'the thread did not die of it');
    const titles = await lensTitles(uri);
    assert.ok(titles.some((t) => t.includes('Token estimate unavailable')), titles.join(' | '));
    // Removing the line that failed: counted afresh.
    await vscode.window.activeTextEditor!.edit((b) => b.delete(new vscode.Range(0, document.lineAt(0).text.length, 1, document.lineAt(1).text.length)));
    await within('whenIdle after the edit', api.estimates.whenIdle(uri));
    const after = api.estimates.stateFor(document);
    assert.equal(after?.kind, 'done');
    assert.equal(after.summary.requests, 1);
  });

  it('never loads the tokenizer in the extension host', async () => {
    const api = await extensionApi();
    const document = await openDocument('clean.jsonl');
    await api.estimates.whenIdle(document.uri);
    await waitFor('the estimate CodeLens', async () => (await lensTitles(document.uri)).find((t) => /input tokens/.test(t)));
    assert.equal(api.estimates.counterMode, 'worker');
    const dist = path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'dist') + path.sep;
    const loaded = Object.keys(require.cache).filter((file) => file.startsWith(dist)).map((file) => path.basename(file));
    assert.ok(loaded.includes('extension.js'), loaded.join(', '));
    assert.deepEqual(loaded.filter((file) => /estimatorWorker|tokenWorker/.test(file)), []);
    // The estimates count in the worker. Only the preview of New Batch File from Data counts in the host (its own
    // bundle, loaded when that command runs), so the tables may be here only when that command ran in this host.
    if (!loaded.includes('createPreview.js')) {
      assert.deepEqual(loaded.filter((file) => /tokenizerData/.test(file)), []);
    }
  });

  it('never shows the estimate of an earlier version as current (an edit right after a summary)', async () => {
    const api = await extensionApi();
    const { uri, document, editor } = await openWritten('stale.jsonl', Array.from({ length: 20 }, (_, i) => requestLine(i + 1)));
    await api.estimates.whenIdle(uri);
    const seen: string[] = [];
    const listener = api.estimates.onDidChange(() => {
      const state = api.estimates.stateFor(document);
      if (state?.kind === 'done' && (state.version !== document.version || state.summary.requests !== document.lineCount - 1)) {
        seen.push(`v${state.version} of v${document.version}: ${state.summary.requests} requests, ${document.lineCount - 1} lines`);
      }
    });
    try {
      for (let i = 0; i < 10; i++) {
        await editor.edit((b) => b.delete(new vscode.Range(0, 0, 1, 0)));
        const state = api.estimates.stateFor(document);
        assert.ok(state?.kind !== 'done' || (state.version === document.version && state.summary.requests === document.lineCount - 1), JSON.stringify(state?.kind));
      }
      await api.estimates.whenIdle(uri);
      const state = api.estimates.stateFor(document);
      assert.equal(state?.kind, 'done');
      assert.equal(state.summary.requests, 10);
      assert.deepEqual(seen, []);
    } finally {
      listener.dispose();
    }
  });

  it('follows a paste of 150,000 lines into an open document', async () => {
    const api = await extensionApi();
    const { uri, document, editor } = await openWritten('paste.jsonl', [requestLine(0)]);
    await api.estimates.whenIdle(uri);
    const pasted = Array.from({ length: 150_000 }, (_, i) => requestLine(i + 1)).join('\n') + '\n';
    await editor.edit((b) => b.insert(new vscode.Position(0, 0), pasted));
    await within('whenIdle after the paste', api.estimates.whenIdle(uri), 120_000);
    const state = api.estimates.stateFor(document);
    assert.equal(state?.kind, 'done');
    assert.equal(state.summary.requests, 150_001);
  });

  it('counts a document closed mid-upload and reopened at once from scratch', async () => {
    const api = await extensionApi();
    const opened = await openWritten('reopen.jsonl', Array.from({ length: 120_000 }, (_, i) => requestLine(i + 1)));
    const uri = opened.uri;
    let document = opened.document;
    await waitFor('the document to be tracked', () => api.estimates.isTracked(uri));
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document);
    await waitFor('the document to be tracked again', () => api.estimates.isTracked(uri) || (api.estimates.stateFor(document), false));
    await within('whenIdle after reopening', api.estimates.whenIdle(uri), 120_000);
    const state = api.estimates.stateFor(document);
    assert.equal(state?.kind, 'done');
    assert.equal(state.summary.requests, 120_000);
  });

  it('switches the deployment models 20 times quickly and ends priced with the last one', async () => {
    const api = await extensionApi();
    const document = await openDocument('clean.jsonl');
    await api.estimates.whenIdle(document.uri);
    const settings = vscode.workspace.getConfiguration('azureOpenAIBatch.estimates');
    const models = ['gpt-4o-mini', 'gpt-4.1', 'gpt-4o', 'gpt-4.1-mini'];
    try {
      for (let i = 0; i < 20; i++) {
        await settings.update('deploymentModels', { 'gpt-4o-batch': models[i % models.length] }, vscode.ConfigurationTarget.Workspace);
      }
      const last = models[19 % models.length]!;
      await waitFor('the estimate priced with the last mapping', async () => {
        await api.estimates.whenIdle(document.uri);
        const state = api.estimates.stateFor(document);
        return state?.kind === 'done' && state.summary.deployments.every((d) => d.model.model === last);
      });
      const state = api.estimates.stateFor(document);
      assert.equal(state?.kind, 'done');
      assert.equal(state.summary.requests, 5);
    } finally {
      await settings.update('deploymentModels', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('shows the estimate of a document over 20 MB in the status item', async () => {
    const api = await extensionApi();
    const content = 'lorem ipsum dolor sit amet '.repeat(4_000);
    const { uri, document } = await openWritten('over20mb.jsonl', Array.from({ length: 200 }, (_, i) => requestLine(i + 1, content)));
    assert.ok(fs.statSync(uri.fsPath).size > 20 * 1024 * 1024);
    assert.equal(showsCodeLens(document), false);
    await waitFor('the document to be tracked', () => api.estimates.isTracked(uri));
    await within('whenIdle', api.estimates.whenIdle(uri), 120_000);
    const shown = await waitFor('the status item to show the estimate', () => (/input tokens/.test(api.status.shown?.text ?? '') ? api.status.shown : undefined), 60_000);
    assert.match(shown!.text, /^\$\(pass\) 200 requests · ~[\d,]+ input tokens · est\. \$/);
  });

  it('disposed mid-count leaves no thread, settles its waiters and rejects nothing', async () => {
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    const { uri, document } = await openWritten('dispose.jsonl', Array.from({ length: 60_000 }, (_, i) => requestLine(i + 1, 'Rewrite this sentence in plain English, please.')));
    // A controller of its own (the extension's keeps running), with the extension's worker thread.
    const tracker = new BatchDocumentTracker();
    const controller = new EstimatesController(tracker, { workerPath: path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'dist', 'tokenWorker.js') });
    try {
      assert.equal(controller.stateFor(document)?.kind, 'counting');
      const client = (controller as unknown as { client: EstimatorClient }).client;
      const worker = await waitFor('the worker thread', () => client.workerForTest);
      const idle = controller.whenIdle(uri);
      const exited = once(worker, 'exit');
      controller.dispose();
      tracker.dispose();
      await within('the thread to exit', exited, 10_000);
      await within('whenIdle', idle, 10_000);
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(worker.threadId, -1);
      assert.equal(client.workerForTest, undefined);
      assert.deepEqual(rejections, []);
    } finally {
      process.off('unhandledRejection', onRejection);
      controller.dispose();
      tracker.dispose();
    }
  });
});
