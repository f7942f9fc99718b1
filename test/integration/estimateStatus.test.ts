import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { estimateLine, type RequestEstimate } from '../../src/core/tokens/estimate';
import { ModelResolver } from '../../src/core/tokens/models';
import { formatCost, formatTokens } from '../../src/features/estimates/estimateCodeLens';
import { showsCodeLens } from '../../src/features/estimates/estimateStatus';
import { extensionApi, openDocument, waitFor, workspaceRoot } from './helpers';

const lensPattern = /input tokens · est\. \$[\d.,]+ \(batch price\)$/;

// One past VS Code's large-file line limit, where the editor shows no CodeLens.
const largeLines = 300_001;

function requestLine(index: number): string {
  return `{"custom_id":"r${index}","method":"POST","url":"/chat/completions","body":{"model":"gpt-4o-batch","messages":[{"role":"user","content":"hi"}],"max_tokens":5}}`;
}

async function closeAll(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

describe('the estimate in the status item', function () {
  this.timeout(180_000);
  let largeFile: string | undefined;
  const validation = vscode.workspace.getConfiguration('azureOpenAIBatch.validation');

  before(async () => {
    // The file is over the 100,000-request limit on purpose (it must pass 300,000 lines): lift the limit so the
    // status item reads as a clean file's.
    await validation.update('maxRequests', 1_000_000, vscode.ConfigurationTarget.Workspace);
  });

  after(async () => {
    await closeAll();
    await validation.update('maxRequests', undefined, vscode.ConfigurationTarget.Workspace);
    if (largeFile !== undefined) {
      fs.rmSync(largeFile, { force: true });
    }
  });

  it('shows the completed estimate of a document of more than 300,000 lines, which gets no CodeLens', async () => {
    const api = await extensionApi();
    largeFile = path.join(workspaceRoot(), 'large-status.jsonl');
    fs.writeFileSync(largeFile, Array.from({ length: largeLines }, (_, i) => requestLine(i + 1)).join('\n') + '\n');
    const document = await vscode.workspace.openTextDocument(vscode.Uri.file(largeFile));
    await vscode.window.showTextDocument(document);
    assert.ok(document.lineCount > 300_000, `${document.lineCount} lines`);
    assert.equal(showsCodeLens(document), false);

    await waitFor('the large document to be validated', () => api.validation.summaryFor(document.uri)?.requests === largeLines, 120_000);
    // Wait for the worker's count of this version without asking for the estimate (the status item must pick it up
    // from the controller's change event alone).
    await api.estimates.whenIdle(document.uri);
    const shown = await waitFor('the status item to show a completed estimate', () => {
      const status = api.status.shown;
      return status !== undefined && status.text.includes('input tokens') && !status.text.includes('sync~spin') ? status : undefined;
    }).catch((error: Error) => {
      throw new Error(`${error.message}; it shows ${JSON.stringify(api.status.shown?.text)}`);
    });
    const done = api.estimates.stateFor(document);
    assert.equal(done?.kind, 'done');
    // The controller's figures are the core's for each line (the lines differ only in their custom_id).
    const perLine = estimateLine(requestLine(1), new ModelResolver()) as RequestEstimate;
    assert.equal(perLine.kind, 'request');
    assert.equal(done.summary.requests, largeLines);
    assert.equal(done.summary.inputTokens, perLine.inputTokens * largeLines);

    const expected = `~${formatTokens(done.summary.inputTokens)} input tokens · est. ${formatCost(done.summary.costUsd)}`;
    assert.equal(shown.text, `$(pass) ${largeLines.toLocaleString()} requests · ${expected}`);
    assert.doesNotMatch(shown.text, /sync~spin/);
    assert.match(shown.tooltip, /upper bound/);
  });

  it('shows the estimate of a small document in the CodeLens, not in the status item', async () => {
    const api = await extensionApi();
    const document = await openDocument('clean.jsonl');
    assert.equal(showsCodeLens(document), true);
    const lens = await waitFor('the estimate CodeLens', async () => {
      const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', document.uri)) ?? [];
      return lenses.find((l) => lensPattern.test(l.command?.title ?? ''));
    });
    const state = api.estimates.stateFor(document);
    assert.equal(state?.kind, 'done');
    assert.ok(lens.command!.title.includes(`~${formatTokens(state.summary.inputTokens)} input tokens`), lens.command!.title);

    const shown = await waitFor('the status item for the small document', () => {
      const status = api.status.shown;
      return status?.text.startsWith('$(pass) 5 requests') ? status : undefined;
    });
    assert.equal(shown.text, '$(pass) 5 requests');
    assert.doesNotMatch(shown.tooltip, /upper bound/);
  });
});
