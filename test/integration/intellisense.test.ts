import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { extensionApi, openDocument, waitFor, workspaceRoot } from './helpers';

function hoverText(hover: vscode.Hover): string {
  return hover.contents.map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : '')).join('\n');
}

const lines = [
  '{"custom_id": "req-1", "method": "POST", "url": "/chat/completions", "body": {"model": "gpt-4o-batch", "max_tokens": 100, "messages": [{"role": "system", "content": "Answer <b>briefly</b>"}, {"role": "user", "content": [{"type": "text", "text": "What is shown?"}, {"type": "image_url", "image_url": {"url": "https://example.com/a.png", "detail": "high"}}]}]}}',
  '{"custom_id": "req-2", "method": "POST", "url": "/chat/completions", "body": {"model": "gpt-4o-batch", "messages": [{"role": "user", "content": "Hi"}], "reasoning_effort": ""}}',
  '{"custom_id": "req-3", "method": "POST", "url": "/chat/completions", "body": {"model": "gpt-4o-batch", "messages": [{"role": "user", "content": "Hi"}], }}',
];

async function completionsAt(uri: vscode.Uri, position: vscode.Position, trigger?: string): Promise<vscode.CompletionItem[]> {
  const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', uri, position, trigger);
  // Without the editor's word-based suggestions (words of the document, kind Text).
  return (list?.items ?? []).filter((item) => item.kind !== vscode.CompletionItemKind.Text);
}

const labelOf = (item: vscode.CompletionItem): string => (typeof item.label === 'string' ? item.label : item.label.label);

describe('IntelliSense in request lines (completion and hover in the extension host)', function () {
  let document: vscode.TextDocument;

  before(async () => {
    const api = await extensionApi();
    await fs.writeFile(path.join(workspaceRoot(), 'intellisense.jsonl'), `${lines.join('\n')}\n`);
    document = await openDocument('intellisense.jsonl');
    await waitFor('the document to be tracked', () => api.validation.isTracked(document.uri));
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await fs.rm(path.join(workspaceRoot(), 'intellisense.jsonl'), { force: true });
  });

  it('offers enum values inside a string, with their documentation', async () => {
    const text = document.lineAt(1).text;
    const items = await completionsAt(document.uri, new vscode.Position(1, text.indexOf('"reasoning_effort": ""') + '"reasoning_effort": "'.length), '"');
    const labels = items.map(labelOf);
    for (const value of ['"low"', '"medium"', '"high"']) {
      assert.ok(labels.includes(value), `${value} in ${labels.join(', ')}`);
    }
    const low = items.find((i) => labelOf(i) === '"low"')!;
    assert.equal((low.insertText as vscode.SnippetString).value, 'low');
  });

  it('offers the body parameters not yet present after a comma, and inserting one keeps the line valid JSON', async () => {
    const text = document.lineAt(2).text;
    const position = new vscode.Position(2, text.lastIndexOf(', }') + 2);
    const items = await completionsAt(document.uri, position);
    const labels = items.map(labelOf);
    assert.ok(labels.includes('temperature') && labels.includes('response_format') && labels.includes('max_completion_tokens'), labels.join(', '));
    assert.ok(!labels.includes('messages') && !labels.includes('model'), 'present keys are not offered again');
    const temperature = items.find((i) => labelOf(i) === 'temperature')!;
    const docs = temperature.documentation instanceof vscode.MarkdownString ? temperature.documentation.value : String(temperature.documentation);
    assert.match(docs.replace(/\\/g, ''), /Range: 0 to 2/);

    const editor = await vscode.window.showTextDocument(document);
    editor.selection = new vscode.Selection(position, position);
    await editor.insertSnippet(temperature.insertText as vscode.SnippetString, temperature.range as vscode.Range);
    try {
      const edited = JSON.parse(document.lineAt(2).text) as { body: { temperature: number } };
      assert.equal(edited.body.temperature, 1);
    } finally {
      await vscode.commands.executeCommand('undo');
    }
    assert.equal(document.lineAt(2).text, text);
  });

  it('shows the documentation of a key only on the key, with the models that reject it', async () => {
    const text = document.lineAt(0).text;
    const on = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', document.uri, new vscode.Position(0, text.indexOf('max_tokens') + 2))) ?? [];
    const docs = on.map(hoverText).join('\n').replace(/\\/g, '');
    assert.match(docs, /body.max_tokens/);
    assert.match(docs, /Rejected by reasoning models \(o-series, GPT-5\): use max_completion_tokens/);
    const off = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', document.uri, new vscode.Position(0, text.indexOf('"What is shown') + 3))) ?? [];
    assert.ok(!/Rejected by|Range:/.test(off.map(hoverText).join('\n').replace(/\\/g, '')), 'no key docs on a value');
  });

  it('says once that the model rejects max_tokens: the diagnostic says it, the key hover does not repeat it', async () => {
    const api = await extensionApi();
    const text = '{"custom_id": "r-1", "method": "POST", "url": "/chat/completions", "body": {"model": "o3-mini-batch", "max_tokens": 100, "messages": [{"role": "user", "content": "Hi"}]}}';
    await fs.writeFile(path.join(workspaceRoot(), 'intellisense-reasoning.jsonl'), `${text}\n`);
    const reasoning = await openDocument('intellisense-reasoning.jsonl');
    try {
      await waitFor('the document to be tracked', () => api.validation.isTracked(reasoning.uri));
      const column = text.indexOf('"max_tokens"') + 2;
      await waitFor('the unsupported_parameter diagnostic', () =>
        vscode.languages.getDiagnostics(reasoning.uri).some((d) => typeof d.code === 'object' && d.code.value === 'unsupported_parameter' && d.range.contains(new vscode.Position(0, column))),
      );
      const hovers = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', reasoning.uri, new vscode.Position(0, column))) ?? [];
      const docs = hovers.map(hoverText).join('\n').replace(/\\/g, '');
      assert.match(docs, /body.max_tokens/);
      assert.doesNotMatch(docs, /Rejected by|max_completion_tokens/, docs);
      assert.match(docs, /Deprecated\./);
      // On a line whose model accepts it, the key hover names the replacement exactly once.
      const other = document.lineAt(0).text;
      const plain = ((await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', document.uri, new vscode.Position(0, other.indexOf('max_tokens') + 2))) ?? []).map(hoverText).join('\n');
      assert.equal(plain.replace(/\\/g, '').split('max_completion_tokens').length - 1, 1, plain);
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
      await fs.rm(path.join(workspaceRoot(), 'intellisense-reasoning.jsonl'), { force: true });
    }
  });

  it('previews the request as a conversation on its custom_id, escaping the text', async () => {
    const text = document.lineAt(0).text;
    const hovers = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', document.uri, new vscode.Position(0, text.indexOf('req-1') + 1))) ?? [];
    const all = hovers.map(hoverText).join('\n');
    assert.ok(!all.includes('<b>'), 'the data is escaped, never HTML');
    const plain = all.replace(/\\/g, '');
    assert.match(plain, /Request req-1 → gpt-4o-batch \(chat\)/);
    assert.match(plain, /system:\*\* Answer <b>briefly<\/b>/);
    assert.match(plain, /user:\*\* What is shown\?/);
    assert.match(plain, /\[image: high, https:\/\/example.com\/a.png\]/);
  });

  it('offers nothing in documents that are not batch files', async () => {
    const other = await vscode.workspace.openTextDocument({ language: 'json', content: '{"body": {"reasoning_effort": ""}}' });
    const items = await completionsAt(other.uri, new vscode.Position(0, 31), '"');
    assert.ok(!items.map(labelOf).includes('"low"'));
  });
});
