import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { estimateLine, EstimateTotals, type RequestEstimate } from '../../src/core/tokens/estimate';
import { formatUsd } from '../../src/core/tokens/usd';
import { costUsd, ModelResolver } from '../../src/core/tokens/models';
import { extensionApi, openDocument, waitFor } from './helpers';

async function closeAll(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

const lensPattern = /^(\d[\d,]*) requests? · ~(\d[\d,]*) input tokens · est\. (\$[\d.,]+) \(batch price\)$/;

/** Our CodeLens on a document once its count is done (the first answers may say "Estimating tokens..."). */
async function estimateLens(uri: vscode.Uri, expectedRequests?: number): Promise<vscode.CodeLens> {
  return waitFor('the estimate CodeLens', async () => {
    const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? [];
    const lens = lenses.find((l) => lensPattern.test(l.command?.title ?? ''));
    if (lens === undefined) {
      return undefined;
    }
    if (expectedRequests !== undefined && Number(lensPattern.exec(lens.command!.title)![1]!.replace(/,/g, '')) !== expectedRequests) {
      return undefined;
    }
    return lens;
  });
}

function hoverText(hover: vscode.Hover): string {
  return hover.contents.map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : '')).join('\n');
}

describe('estimates in the editor', function () {
  afterEach(closeAll);

  it('shows requests, input tokens and the batch cost in a CodeLens at the top of a batch file', async () => {
    await extensionApi();
    const document = await openDocument('clean.jsonl');
    const lens = await estimateLens(document.uri);
    assert.equal(lens.range.start.line, 0);

    // The same figures the core computes for the file (the default settings: gpt-4o-batch → gpt-4o, o200k_base).
    const resolver = new ModelResolver();
    const totals = new EstimateTotals();
    for (let line = 0; line < document.lineCount; line++) {
      totals.add(estimateLine(document.lineAt(line).text, resolver));
    }
    const summary = totals.summarize(resolver);
    assert.equal(summary.requests, 5);
    assert.equal(summary.outputTokens, 500);
    assert.equal(lens.command!.title, `5 requests · ~${summary.inputTokens.toLocaleString('en-US')} input tokens · est. ${formatUsd(summary.costUsd)} (batch price)`);
    assert.match(lens.command!.tooltip ?? '', /upper bound/);
    assert.match(lens.command!.tooltip ?? '', /gpt-4o-batch → gpt-4o \(o200k_base tokenizer\)/);
  });

  it('shows the estimate of one request in a hover on its line', async () => {
    const document = await openDocument('clean.jsonl');
    const line = 1;
    const hovers = await waitFor('an estimate hover', async () => {
      const found = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', document.uri, new vscode.Position(line, 10))) ?? [];
      return found.some((h) => /Batch estimate for this request/.test(hoverText(h))) ? found : undefined;
    });
    const text = hoverText(hovers.find((h) => /Batch estimate for this request/.test(hoverText(h)))!);
    const estimate = estimateLine(document.lineAt(line).text, new ModelResolver()) as RequestEstimate;
    assert.equal(estimate.kind, 'request');
    const cost = costUsd(estimate.inputTokens, estimate.outputTokens, { input: 1.25, output: 5 });
    // Markdown escapes punctuation: compare without backslashes.
    const plain = text.replace(/\\/g, '');
    assert.match(plain, new RegExp(`Input: ${estimate.inputTokens} tokens`));
    assert.match(plain, /Output: up to 100 tokens \(max_tokens\)/);
    assert.ok(plain.includes(`Estimated cost: up to ${formatUsd(cost)}`), plain);
    assert.match(plain, /gpt-4o-batch → gpt-4o, o200k_base tokenizer/);
  });

  it('updates the CodeLens after an edit, recounting the changed line', async () => {
    const document = await openDocument('clean.jsonl');
    const before = await estimateLens(document.uri, 5);
    const editor = vscode.window.activeTextEditor!;
    // Drop the last request: 4 requests left.
    await editor.edit((b) => b.delete(new vscode.Range(3, document.lineAt(3).text.length, 4, document.lineAt(4).text.length)));
    const after = await estimateLens(document.uri, 4);
    assert.notEqual(after.command!.title, before.command!.title);
    await vscode.commands.executeCommand('undo');
    await estimateLens(document.uri, 5);
  });

  it('shows nothing on files that are not batch files', async () => {
    const document = await vscode.workspace.openTextDocument({ language: 'markdown', content: '# not a batch file\n' });
    await vscode.window.showTextDocument(document);
    const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', document.uri)) ?? [];
    assert.equal(lenses.filter((l) => lensPattern.test(l.command?.title ?? '')).length, 0);
  });

  it('counts in a worker thread, and counts again with new deployment mappings', async () => {
    const api = await extensionApi();
    const document = await openDocument('clean.jsonl');
    await estimateLens(document.uri, 5);
    // The extension host only forwards the text: the thread beside the bundle counts.
    assert.equal(api.estimates.counterMode, 'worker');
    const settings = vscode.workspace.getConfiguration('azureOpenAIBatch.estimates');
    const changed = new Promise<void>((resolve) => {
      const listener = api.estimates.onDidChange((uri) => {
        if (uri?.toString() === document.uri.toString()) {
          listener.dispose();
          resolve();
        }
      });
    });
    try {
      await settings.update('deploymentModels', { 'gpt-4o-batch': 'gpt-4o-mini' }, vscode.ConfigurationTarget.Workspace);
      await changed;
      await api.estimates.whenIdle(document.uri);
      const state = api.estimates.stateFor(document);
      assert.equal(state?.kind, 'done');
      assert.deepEqual(state.summary.deployments.map((d) => [d.deployment, d.model.model, d.model.source]), [['gpt-4o-batch', 'gpt-4o-mini', 'setting']]);
      const lens = await estimateLens(document.uri, 5);
      assert.match(lens.command!.tooltip ?? '', /gpt-4o-batch → gpt-4o-mini/);
    } finally {
      await settings.update('deploymentModels', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('keeps estimating after the worker thread dies: it is restarted and given the open documents again', async () => {
    const api = await extensionApi();
    const document = await openDocument('clean.jsonl');
    await estimateLens(document.uri, 5);
    await api.estimates.crashCounterForTest();
    const editor = vscode.window.activeTextEditor!;
    await editor.edit((b) => b.delete(new vscode.Range(3, document.lineAt(3).text.length, 4, document.lineAt(4).text.length)));
    await api.estimates.whenIdle(document.uri);
    const state = api.estimates.stateFor(document);
    assert.equal(state?.kind, 'done');
    assert.equal(state.summary.requests, 4);
    assert.equal(api.estimates.counterMode, 'worker');
    await estimateLens(document.uri, 4);
  });
});
