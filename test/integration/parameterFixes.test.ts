import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { codeOf, diagnosticsOf, openDocument, quickFixesAt } from './helpers';

async function closeAll(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

/** The parsed rows of a document (every line of the fixture is JSON). */
function rows(document: vscode.TextDocument): { custom_id?: string; note?: string; body: Record<string, unknown> }[] {
  return document.getText().split('\n').filter((l) => l.trim().length > 0).map((l) => JSON.parse(l));
}

describe('quick fixes for request parameters', function () {
  afterEach(closeAll);

  // parameters.jsonl: o3-mini rows with max_tokens (rows 1, 2), temperature (2, 3), a `note` field (3, 4),
  // stream: true (4) and no custom_id (5).
  async function fix(code: string, title: string, line?: number): Promise<vscode.TextDocument> {
    const document = await openDocument('parameters.jsonl');
    const diagnostics = await diagnosticsOf(document.uri);
    const diagnostic = diagnostics.find((d) => codeOf(d) === code && (line === undefined || d.range.start.line === line));
    assert.ok(diagnostic, `a ${code} diagnostic among ${diagnostics.map(codeOf).join(', ')}`);
    const actions = await quickFixesAt(document.uri, diagnostic);
    const action = actions.find((a) => a.title === title);
    assert.ok(action, `a fix titled ${title} among: ${actions.map((a) => a.title).join(' | ')}`);
    assert.ok(action.edit, 'the fix carries its edit');
    assert.ok(await vscode.workspace.applyEdit(action.edit));
    return document;
  }

  it('reports the parameter codes at their values', async () => {
    const document = await openDocument('parameters.jsonl');
    const found = (await diagnosticsOf(document.uri)).map((d) => `${d.range.start.line + 1} ${codeOf(d)} ${document.getText(d.range)}`);
    for (const expected of ['1 unsupported_parameter "max_tokens"', '2 unsupported_parameter 0.2', '3 unsupported_parameter 0.5', '3 unknown_field "note"', '4 invalid_body true']) {
      assert.ok(found.includes(expected), `${expected} among ${found.join(' | ')}`);
    }
  });

  it('renames max_tokens to max_completion_tokens on every row in one edit', async () => {
    const document = await fix('unsupported_parameter', 'Rename max_tokens to max_completion_tokens on every row', 0);
    assert.deepEqual(rows(document).map((r) => [r.body.max_tokens, r.body.max_completion_tokens]), [[undefined, 100], [undefined, 200], [undefined, undefined], [undefined, undefined], [undefined, undefined]]);
    const left = (await diagnosticsOf(document.uri)).filter((d) => codeOf(d) === 'unsupported_parameter').map((d) => document.getText(d.range));
    assert.deepEqual(left, ['0.2', '0.5']);
  });

  it('removes temperature on every row where the model rejects it', async () => {
    const document = await fix('unsupported_parameter', 'Remove temperature on every row where the model rejects it', 2);
    assert.deepEqual(rows(document).map((r) => r.body.temperature), [undefined, undefined, undefined, undefined, undefined]);
    assert.equal(rows(document)[1]!.body.max_tokens, 200, 'other parameters stay');
  });

  it('removes an unknown top-level field on one row or on every row', async () => {
    let document = await fix('unknown_field', 'Remove the field "note"', 2);
    assert.deepEqual(rows(document).map((r) => r.note), [undefined, undefined, undefined, 'y', undefined]);
    await closeAll();
    document = await fix('unknown_field', 'Remove the field "note" on every row', 2);
    assert.deepEqual(rows(document).map((r) => r.note), [undefined, undefined, undefined, undefined, undefined]);
  });

  it('sets stream to false', async () => {
    const document = await fix('invalid_body', 'Set stream to false', 3);
    assert.equal(rows(document)[3]!.body.stream, false);
    assert.ok(!(await diagnosticsOf(document.uri)).some((d) => codeOf(d) === 'invalid_body'));
  });

  it('generates the missing custom_ids', async () => {
    const document = await fix('missing_custom_id', 'Generate the missing custom_ids');
    assert.equal(rows(document)[4]!.custom_id, 'request-5');
    assert.ok(!(await diagnosticsOf(document.uri)).some((d) => codeOf(d) === 'missing_custom_id'));
  });
});
