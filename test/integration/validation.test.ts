import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { startEmulator } from '../../src/emulator';
import type { Connection } from '../../src/features/connections/connectionStore';
import { codeOf, diagnosticsOf, extensionApi, fixtureUri, openDocument, quickFixesAt, waitFor, workspaceRoot } from './helpers';

async function closeAll(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

describe('validation in the editor', function () {
  afterEach(closeAll);

  it('shows no problems for a clean batch file', async () => {
    const document = await openDocument('clean.jsonl');
    assert.equal(document.languageId, 'jsonl');
    assert.deepEqual(await diagnosticsOf(document.uri), []);
    const api = await extensionApi();
    assert.equal(api.validation.summaryFor(document.uri)?.requests, 5);
  });

  it('flags each broken row with its code, range, link and related location', async () => {
    const document = await openDocument('broken.jsonl');
    const diagnostics = await diagnosticsOf(document.uri);
    const byCode = new Map(diagnostics.map((d) => [codeOf(d), d]));
    assert.deepEqual([...byCode.keys()].sort(), ['blank_line', 'duplicate_custom_id', 'invalid_json_line', 'invalid_method', 'model_mismatch', 'placeholder_model', 'url_mismatch']);
    const placeholder = byCode.get('placeholder_model')!;
    assert.equal(document.getText(placeholder.range), '"REPLACE-WITH-MODEL-DEPLOYMENT-NAME"');
    assert.equal(placeholder.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(byCode.get('blank_line')!.severity, vscode.DiagnosticSeverity.Warning);
    const duplicate = byCode.get('duplicate_custom_id')!;
    assert.equal(duplicate.range.start.line, 2);
    assert.equal(document.getText(duplicate.range), '"task-2"');
    assert.equal(duplicate.relatedInformation?.[0]?.location.range.start.line, 1);
    const code = duplicate.code as { value: string; target: vscode.Uri };
    assert.match(code.target.toString(), /README\.md#duplicate-custom-id$/);
    assert.equal(byCode.get('model_mismatch')!.relatedInformation?.[0]?.location.range.start.line, 1);
  });

  it('updates diagnostics as the user types', async () => {
    const document = await openDocument('clean.jsonl');
    assert.deepEqual(await diagnosticsOf(document.uri), []);
    const editor = vscode.window.activeTextEditor!;
    const line = document.lineAt(2);
    const at = line.text.indexOf('"POST"');
    await editor.edit((b) => b.replace(new vscode.Range(2, at, 2, at + 6), '"GET"'));
    const afterEdit = await diagnosticsOf(document.uri);
    assert.deepEqual(afterEdit.map(codeOf), ['invalid_method']);
    assert.equal(afterEdit[0]!.range.start.line, 2);
    // Inserting a line above moves the problem down with its row.
    await editor.edit((b) => b.insert(new vscode.Position(0, 0), document.lineAt(0).text.replace('task-1', 'task-0') + '\n'));
    const moved = await diagnosticsOf(document.uri);
    assert.deepEqual(moved.map((d) => `${d.range.start.line}:${codeOf(d)}`), ['3:invalid_method']);
    await vscode.commands.executeCommand('undo');
    await vscode.commands.executeCommand('undo');
    assert.deepEqual(await diagnosticsOf(document.uri), []);
  });
});

describe('quick fixes', function () {
  afterEach(closeAll);

  async function fixAndCheck(code: string, title: RegExp | string): Promise<vscode.TextDocument> {
    const document = await openDocument('broken.jsonl');
    const diagnostic = (await diagnosticsOf(document.uri)).find((d) => codeOf(d) === code);
    assert.ok(diagnostic, `a ${code} diagnostic`);
    const actions = await quickFixesAt(document.uri, diagnostic);
    const action = actions.find((a) => (typeof title === 'string' ? a.title === title : title.test(a.title)));
    assert.ok(action, `a fix titled ${title} among: ${actions.map((a) => a.title).join(' | ')}`);
    assert.ok(action.edit, 'the fix carries its edit');
    assert.ok(await vscode.workspace.applyEdit(action.edit));
    return document;
  }

  it('sets the deployment on every row in one undoable edit', async () => {
    const document = await fixAndCheck('placeholder_model', 'Set the deployment to "gpt-4o-batch" on every row');
    const models = document
      .getText()
      .split('\n')
      .flatMap((line) => {
        try {
          return [(JSON.parse(line) as { body: { model: string } }).body.model];
        } catch {
          return []; // the blank line and the deliberately broken row
        }
      });
    assert.ok(models.length >= 6);
    assert.ok(models.every((m) => m === 'gpt-4o-batch'));
    const codes = (await diagnosticsOf(document.uri)).map(codeOf);
    assert.ok(!codes.includes('placeholder_model') && !codes.includes('model_mismatch'), codes.join(','));
    await vscode.commands.executeCommand('undo');
    assert.ok((await diagnosticsOf(document.uri)).map(codeOf).includes('placeholder_model'), 'one undo restores every row');
  });

  it('offers the file deployment first for a mismatched row', async () => {
    const document = await openDocument('broken.jsonl');
    const mismatch = (await diagnosticsOf(document.uri)).find((d) => codeOf(d) === 'model_mismatch')!;
    const actions = await quickFixesAt(document.uri, mismatch);
    const preferred = actions.find((a) => a.isPreferred);
    assert.equal(preferred?.title, 'Set the deployment to "gpt-4o-batch" on every row');
    assert.ok(actions.some((a) => a.title === 'Set the deployment on every row...' && a.command));
  });

  it('makes duplicate custom_ids unique', async () => {
    const document = await fixAndCheck('duplicate_custom_id', 'Make duplicate custom_ids unique');
    assert.match(document.lineAt(2).text, /"custom_id": "task-2-2"/);
    assert.ok(!(await diagnosticsOf(document.uri)).map(codeOf).includes('duplicate_custom_id'));
  });

  it('removes blank lines', async () => {
    const document = await fixAndCheck('blank_line', 'Remove blank lines');
    assert.ok(!(await diagnosticsOf(document.uri)).map(codeOf).includes('blank_line'));
    assert.equal(document.lineCount, 8);
  });

  it('sets method to POST', async () => {
    const document = await fixAndCheck('invalid_method', 'Set method to "POST"');
    assert.match(document.lineAt(4).text, /"method": "POST"/);
    assert.ok(!(await diagnosticsOf(document.uri)).map(codeOf).includes('invalid_method'));
  });

  it("sets url to the file's url", async () => {
    const document = await fixAndCheck('url_mismatch', 'Set url to "/chat/completions"');
    assert.match(document.lineAt(5).text, /"url": "\/chat\/completions"/);
    assert.ok(!(await diagnosticsOf(document.uri)).map(codeOf).includes('url_mismatch'));
  });

  it('removes a byte order mark the editor hid from the text', async () => {
    const document = await openDocument('bom.jsonl');
    const bom = await waitFor('the bom diagnostic', async () => (await diagnosticsOf(document.uri)).find((d) => codeOf(d) === 'bom'));
    const actions = await quickFixesAt(document.uri, bom);
    const fix = actions.find((a) => a.title.startsWith('Remove the byte order mark'));
    assert.ok(fix?.command, 'the fix runs the remove-BOM command');
    await vscode.commands.executeCommand(fix.command.command, ...(fix.command.arguments ?? []));
    const bytes = await fs.readFile(document.uri.fsPath);
    assert.notEqual(bytes[0], 0xef, 'the file no longer starts with a BOM');
    await waitFor('the bom diagnostic to go', async () => !(await diagnosticsOf(document.uri)).some((d) => codeOf(d) === 'bom') || undefined);
  });
});

describe('Validate Batch File (from disk)', function () {
  this.timeout(180_000);

  it('streams a file too large for the editor and publishes its problems', async () => {
    const file = path.join(workspaceRoot(), 'large.jsonl');
    const line = (i: number) =>
      JSON.stringify({ custom_id: `task-${i}`, method: 'POST', url: '/chat/completions', body: { model: 'gpt-4o-batch', messages: [{ role: 'user', content: `Übersetze bitte den Absatz ${i}: ${'lorem ipsum '.repeat(50)}` }] } });
    const rows: string[] = [];
    for (let i = 0; i < 90_000; i++) {
      rows.push(i === 70_000 ? line(5) : line(i));
    }
    await fs.writeFile(file, rows.join('\n') + '\n');
    const size = (await fs.stat(file)).size;
    assert.ok(size > 55 * 1024 * 1024, `the file is past the editor's 50 MB sync limit (${size} bytes)`);
    const api = await extensionApi();
    const summaries = await vscode.commands.executeCommand<{ requests: number; errors: number }[]>('azureOpenAIBatch.validateFile', vscode.Uri.file(file));
    assert.equal(summaries?.[0]?.requests, 90_000);
    assert.equal(summaries?.[0]?.errors, 1);
    const diagnostics = vscode.languages.getDiagnostics(vscode.Uri.file(file));
    assert.deepEqual(diagnostics.map((d) => `${d.range.start.line}:${codeOf(d)}`), ['70000:duplicate_custom_id']);
    assert.equal(diagnostics[0]!.relatedInformation?.[0]?.location.range.start.line, 5);
    assert.equal(api.validation.summaryFor(vscode.Uri.file(file))?.requests, 90_000);
  });

  it('validates several files selected in the Explorer', async () => {
    const summaries = await vscode.commands.executeCommand<{ requests: number; errors: number }[]>('azureOpenAIBatch.validateFile', fixtureUri('clean.jsonl'), [fixtureUri('clean.jsonl'), fixtureUri('broken.jsonl')]);
    assert.deepEqual(summaries?.map((s) => s.requests), [5, 7]);
    assert.ok(summaries![1]!.errors > 0);
  });
});

describe('validation: results are not input, problems are capped and go with the document', function () {
  this.timeout(120_000);
  afterEach(closeAll);

  const ours = (uri: vscode.Uri) => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'Azure OpenAI Batch');
  const lensTitles = async (uri: vscode.Uri) =>
    ((await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? []).map((l) => l.command?.title ?? '').filter((t) => /requests? · /.test(t));
  const outputLines = [
    JSON.stringify({ id: 'batch_req_1', custom_id: 'task-1', response: { status_code: 200, request_id: 'r1', body: { choices: [{ message: { role: 'assistant', content: 'Hi' } }], usage: { prompt_tokens: 8, completion_tokens: 2 } } }, error: null }),
    JSON.stringify({ id: 'batch_req_2', custom_id: 'task-2', response: null, error: { code: 'server_error', message: 'failed' } }),
    JSON.stringify({ custom_id: 'task-3', status: 'succeeded', status_code: 200, response: { body: {} }, error: null }),
  ];

  async function writeAndOpen(name: string, lines: readonly string[]): Promise<vscode.TextDocument> {
    const uri = vscode.Uri.file(path.join(workspaceRoot(), name));
    await fs.mkdir(path.dirname(uri.fsPath), { recursive: true });
    await fs.writeFile(uri.fsPath, lines.join('\n') + '\n');
    const document = await vscode.workspace.openTextDocument(uri);
    // Not a preview: the next file opened must not replace (close) this one's tab.
    await vscode.window.showTextDocument(document, { preview: false });
    return document;
  }

  it('does not validate or estimate the files results are written to, nor a document of output lines', async () => {
    const api = await extensionApi();
    // A batch file next to them is validated (so the validator is running), and keeps its problems.
    const input = await writeAndOpen('results-neighbour.jsonl', ['{}']);
    assert.ok((await diagnosticsOf(input.uri)).length > 0);
    const documents: vscode.TextDocument[] = [];
    for (const name of ['jobs.output.jsonl', 'jobs.errors.jsonl', 'jobs.results.jsonl', 'pasted-output.jsonl']) {
      documents.push(await writeAndOpen(name, outputLines));
    }
    // Named like results, even with lines that would be wrong as input.
    documents.push(await writeAndOpen('broken.results.jsonl', ['{}', '{bad']));
    // Any .jsonl file in a job's results folder (NAME.results/) is results too.
    documents.push(await writeAndOpen(path.join('jobs.results', 'jobs.part-1.jsonl'), ['{}', '{bad']));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    for (const document of documents) {
      const name = path.basename(document.uri.fsPath);
      assert.equal(document.languageId, 'jsonl', name);
      assert.equal(api.validation.isTracked(document.uri), false, `${name} is not validated`);
      assert.deepEqual(ours(document.uri), [], `${name} has no problems`);
      assert.equal(api.validation.summaryFor(document.uri), undefined, `${name} has no status`);
      assert.deepEqual(await lensTitles(document.uri), [], `${name} has no estimate CodeLens`);
    }
    assert.ok(ours(input.uri).length > 0, 'the batch file keeps its problems');
    // A retry file is batch input.
    const retry = await writeAndOpen('jobs.retry-1.jsonl', ['{}']);
    assert.ok((await diagnosticsOf(retry.uri)).length > 0);
  });

  it('publishes at most the setting\'s worth of problems per document, with a note of how many more', async () => {
    const api = await extensionApi();
    const document = await writeAndOpen('five-thousand-bad.jsonl', Array.from({ length: 5000 }, () => '{}'));
    const diagnostics = await diagnosticsOf(document.uri);
    assert.equal(diagnostics.length, 1001);
    const notes = diagnostics.filter((d) => d.severity === vscode.DiagnosticSeverity.Information);
    assert.equal(notes.length, 1);
    assert.equal(notes[0]!.range.start.line, 0);
    assert.match(notes[0]!.message, /^19,000 more problems are not shown: the file has 20,000 in all/);
    // The summary (status bar) counts every problem, not only those shown.
    assert.equal(api.validation.summaryFor(document.uri)?.errors, 20_000);
    const config = vscode.workspace.getConfiguration('azureOpenAIBatch');
    await config.update('validation.maxDiagnostics', 10, vscode.ConfigurationTarget.Workspace);
    try {
      await waitFor('the smaller cap', async () => (await diagnosticsOf(document.uri)).length === 11 || undefined);
      assert.match(ours(document.uri).find((d) => d.severity === vscode.DiagnosticSeverity.Information)!.message, /^19,990 more problems/);
    } finally {
      await config.update('validation.maxDiagnostics', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('Validate Batch File and Submit refuse a FIFO, a device and a folder at once, and skip result files', async () => {
    const fifo = path.join(workspaceRoot(), 'pipe.jsonl');
    execFileSync('mkfifo', [fifo]);
    const emulator = await startEmulator({ port: 0, apiKey: 'fifo-test-key' });
    try {
      const connection = (await vscode.commands.executeCommand<Connection>('azureOpenAIBatch.addConnection', {
        name: 'FIFO test',
        endpoint: emulator.url,
        apiVersion: '2025-04-01-preview',
        auth: 'apiKey',
        apiKey: 'fifo-test-key',
      }))!;
      for (const target of [fifo, '/dev/zero', workspaceRoot()]) {
        const uri = vscode.Uri.file(target);
        const started = Date.now();
        assert.deepEqual(await vscode.commands.executeCommand('azureOpenAIBatch.validateFile', uri), [], target);
        assert.deepEqual(await vscode.commands.executeCommand('azureOpenAIBatch.submit', uri, undefined, { connectionId: connection.id, deployment: 'gpt-4o-batch' }), [], target);
        assert.ok(Date.now() - started < 10_000, `${target} answered at once`);
        assert.deepEqual(ours(uri), []);
      }
      assert.equal(emulator.files().length, 0, 'nothing was uploaded');
      await vscode.commands.executeCommand('azureOpenAIBatch.removeConnection', connection.id, true);
    } finally {
      await emulator.close();
      await fs.rm(fifo, { force: true });
    }
    const results = path.join(workspaceRoot(), 'disk.results.jsonl');
    const pasted = path.join(workspaceRoot(), 'disk-output.jsonl');
    await fs.writeFile(results, '{}\n');
    await fs.writeFile(pasted, outputLines.join('\n') + '\n');
    assert.deepEqual(await vscode.commands.executeCommand('azureOpenAIBatch.validateFile', vscode.Uri.file(results), [vscode.Uri.file(results), vscode.Uri.file(pasted)]), []);
    assert.deepEqual(ours(vscode.Uri.file(results)), []);
    assert.deepEqual(ours(vscode.Uri.file(pasted)), []);
  });

  it('clears a document\'s problems when its editor closes, and shows them again when it is reopened', async () => {
    const document = await openDocument('broken.jsonl');
    assert.ok((await diagnosticsOf(document.uri)).length > 0);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    await waitFor('the problems to go', () => ours(document.uri).length === 0 || undefined, 10_000);
    await vscode.window.showTextDocument(document.uri);
    await waitFor('the problems to come back', async () => (await diagnosticsOf(document.uri)).length > 0 || undefined, 10_000);
  });
});
