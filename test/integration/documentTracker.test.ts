import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../src/extension';
import type { ValidationSummary } from '../../src/features/validation/validationController';
import { extensionApi, waitFor, workspaceRoot } from './helpers';

const debounceMs = 600;

function requestLine(index: number): string {
  return `{"custom_id":"t${index}","method":"POST","url":"/chat/completions","body":{"model":"gpt-4o-batch","messages":[{"role":"user","content":"item ${index}"}]}}`;
}

/** A saved (clean) batch file of `requests` lines in the workspace, opened in an editor. */
async function openBatchFile(name: string, requests: number): Promise<vscode.TextEditor> {
  const file = path.join(workspaceRoot(), name);
  fs.writeFileSync(file, Array.from({ length: requests }, (_, i) => requestLine(i + 1)).join('\n') + '\n');
  const document = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  return vscode.window.showTextDocument(document);
}

/** Appends one request at the end of the document. */
function appendRequest(editor: vscode.TextEditor, index: number): Thenable<boolean> {
  const end = editor.document.lineAt(editor.document.lineCount - 1).range.end;
  return editor.edit((b) => b.insert(end, `${requestLine(index)}\n`));
}

/** The validation passes published for `uri` while the recorder lives. */
function recordPasses(api: ExtensionApi, uri: vscode.Uri): { readonly passes: ValidationSummary[]; readonly times: number[]; dispose(): void } {
  const passes: ValidationSummary[] = [];
  const times: number[] = [];
  const listener = api.validation.onDidValidate((summary) => {
    if (summary.uri.toString() === uri.toString()) {
      passes.push(summary);
      times.push(Date.now());
    }
  });
  return { passes, times, dispose: () => listener.dispose() };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('the batch document tracker', function () {
  this.timeout(60_000);
  const config = vscode.workspace.getConfiguration('azureOpenAIBatch.validation');
  const written: string[] = [];

  before(async () => {
    // A debounce long enough to tell "after the debounce" from "at once" on a busy machine.
    await config.update('debounceMs', debounceMs, vscode.ConfigurationTarget.Workspace);
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  after(async () => {
    await config.update('debounceMs', undefined, vscode.ConfigurationTarget.Workspace);
    for (const file of written) {
      fs.rmSync(file, { force: true });
    }
  });

  async function open(name: string, requests: number): Promise<vscode.TextEditor> {
    written.push(path.join(workspaceRoot(), name));
    return openBatchFile(name, requests);
  }

  it('tracks a batch document when it opens, and validates it', async () => {
    const api = await extensionApi();
    const editor = await open('tracker-open.jsonl', 3);
    const uri = editor.document.uri;
    assert.equal(api.documents.isTracked(uri), true);
    assert.equal(api.validation.isTracked(uri), true);
    assert.equal(api.estimates.isTracked(uri), true);
    await api.validation.whenIdle(uri);
    assert.deepEqual(api.validation.summaryFor(uri), { uri, requests: 3, errors: 0, warnings: 0 });
  });

  it('revalidates a burst of edits once, after the debounce', async () => {
    const api = await extensionApi();
    // A longer debounce than the others: five edits must fit inside it even on a loaded machine.
    const burstDebounceMs = 3000;
    await config.update('debounceMs', burstDebounceMs, vscode.ConfigurationTarget.Workspace);
    const editor = await open('tracker-burst.jsonl', 2);
    const uri = editor.document.uri;
    await waitFor('the first validation', () => api.validation.summaryFor(uri)?.requests === 2);
    const recorder = recordPasses(api, uri);
    const disposeAfter: vscode.Disposable[] = [];
    try {
      // The debounce restarts at each edit: a burst is edits closer together than the debounce, however long it lasts.
      let lastChange = 0;
      const changeListener = vscode.workspace.onDidChangeTextDocument((event) => {
        if (event.document.uri.toString() === uri.toString() && event.contentChanges.length > 0) {
          lastChange = Date.now();
        }
      });
      disposeAfter.push(changeListener);
      const started = Date.now();
      let last = started;
      let widestGapMs = 0;
      for (let i = 3; i <= 7; i++) {
        await appendRequest(editor, i);
        widestGapMs = Math.max(widestGapMs, Date.now() - last);
        last = Date.now();
      }
      assert.ok(widestGapMs < burstDebounceMs, `an edit of the burst took ${widestGapMs} ms, longer than the debounce`);
      await waitFor('a validation after the burst', () => recorder.passes.length > 0, 15_000);
      // Nothing more comes: the burst cost one pass.
      await sleep(burstDebounceMs * 2);
      assert.equal(recorder.passes.length, 1, `passes: ${JSON.stringify(recorder.passes.map((p) => p.requests))}`);
      assert.equal(recorder.passes[0]!.requests, 7);
      // The debounce starts when the extension host hears of the last edit (a timer may fire a millisecond early).
      assert.ok(recorder.times[0]! - lastChange >= burstDebounceMs - 5, `validated ${recorder.times[0]! - lastChange} ms after the last edit`);
    } finally {
      recorder.dispose();
      disposeAfter.forEach((d) => d.dispose());
      await config.update('debounceMs', debounceMs, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('keeps the debounce when the first edit turns the document dirty (a change with no content change)', async () => {
    const api = await extensionApi();
    const editor = await open('tracker-dirty.jsonl', 2);
    const uri = editor.document.uri;
    await waitFor('the first validation', () => api.validation.summaryFor(uri)?.requests === 2);
    assert.equal(editor.document.isDirty, false);
    const changes: number[] = [];
    const changeListener = vscode.workspace.onDidChangeTextDocument((event) => {
      if (event.document.uri.toString() === uri.toString()) {
        changes.push(event.contentChanges.length);
      }
    });
    const recorder = recordPasses(api, uri);
    try {
      const started = Date.now();
      await appendRequest(editor, 3);
      await waitFor('the dirty-state change event', () => changes.includes(0), 5_000);
      assert.equal(editor.document.isDirty, true);
      assert.ok(changes.some((n) => n > 0), 'the edit itself arrived as a content change');
      await waitFor('the validation after the edit', () => recorder.passes.length > 0, 10_000);
      // Had the empty change been taken for an encoding change, the document would be validated at once.
      assert.ok(recorder.times[0]! - started >= debounceMs, `validated ${recorder.times[0]! - started} ms after the edit`);
      await sleep(debounceMs);
      assert.equal(recorder.passes.length, 1);
      assert.equal(recorder.passes[0]!.requests, 3);
    } finally {
      recorder.dispose();
      changeListener.dispose();
    }
  });

  it('resolves whenIdle once the pending work is done', async () => {
    const api = await extensionApi();
    const editor = await open('tracker-idle.jsonl', 2);
    const uri = editor.document.uri;
    await api.validation.whenIdle(uri);
    assert.equal(api.validation.summaryFor(uri)?.requests, 2);
    await appendRequest(editor, 3);
    const idle = api.validation.whenIdle(uri);
    const estimatesIdle = api.estimates.whenIdle(uri);
    // The edit waits for the debounce: the promise is pending now.
    assert.equal(await Promise.race([idle.then(() => 'idle'), sleep(debounceMs / 3).then(() => 'pending')]), 'pending');
    assert.equal(api.validation.summaryFor(uri)?.requests, 2);
    await idle;
    assert.equal(api.validation.summaryFor(uri)?.requests, 3);
    await estimatesIdle;
    const state = api.estimates.stateFor(editor.document);
    assert.equal(state?.kind, 'done');
    assert.equal(state.summary.requests, 3);
  });

  it('forgets a document when it closes', async () => {
    const api = await extensionApi();
    const editor = await open('tracker-close.jsonl', 2);
    const uri = editor.document.uri;
    await api.validation.whenIdle(uri);
    assert.ok(api.validation.summaryFor(uri));
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await waitFor('the document to be forgotten', () => !api.documents.isTracked(uri));
    assert.equal(api.validation.isTracked(uri), false);
    assert.equal(api.estimates.isTracked(uri), false);
    assert.equal(api.validation.summaryFor(uri), undefined);
    assert.equal(vscode.languages.getDiagnostics(uri).length, 0);
    // And it resolves at once for a document it does not follow.
    assert.equal(await Promise.race([api.validation.whenIdle(uri).then(() => 'idle'), sleep(100).then(() => 'pending')]), 'idle');
  });

  it('does not track a document that is not batch input', async () => {
    const api = await extensionApi();
    const file = path.join(workspaceRoot(), 'tracker-notes.txt');
    written.push(file);
    // Batch-shaped text in a plain-text file: neither the jsonl language nor a matching name.
    fs.writeFileSync(file, `${requestLine(1)}\n`);
    const notes = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(vscode.Uri.file(file)));
    const markdown = await vscode.workspace.openTextDocument({ language: 'markdown', content: '# notes\n' });
    // A batch document opened after them is tracked: the tracker has seen the others open.
    const batch = await open('tracker-beside.jsonl', 1);
    await api.validation.whenIdle(batch.document.uri);
    assert.equal(api.documents.isTracked(batch.document.uri), true);
    for (const document of [notes.document, markdown]) {
      assert.equal(api.documents.isTracked(document.uri), false, document.uri.toString());
      assert.equal(api.validation.summaryFor(document.uri), undefined);
      assert.equal(api.estimates.stateFor(document), undefined);
    }
  });
});
