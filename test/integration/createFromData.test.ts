import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { validateFile } from '../../src/core/jsonl/fileValidator';
import { waitFor, workspaceRoot } from './helpers';

type Scripted = 'showQuickPick' | 'showInputBox' | 'showInformationMessage' | 'showWarningMessage' | 'showErrorMessage' | 'showOpenDialog';
type Answer = (...args: any[]) => unknown;

/**
 * Replaces the window's prompts while `body` runs: each prompt is answered by the script entry for its kind, and
 * one the script does not expect fails the test at once (never a hang on a prompt no one answers).
 */
async function scripted<T>(script: Partial<Record<Scripted, Answer>>, body: () => Promise<T>): Promise<{ value: T; calls: [Scripted, unknown[]][] }> {
  const window = vscode.window as unknown as Record<Scripted, unknown>;
  const kinds: Scripted[] = ['showQuickPick', 'showInputBox', 'showInformationMessage', 'showWarningMessage', 'showErrorMessage', 'showOpenDialog'];
  const originals = kinds.map((kind) => window[kind]);
  const calls: [Scripted, unknown[]][] = [];
  let unexpected: string | undefined;
  for (const kind of kinds) {
    window[kind] = async (...args: unknown[]) => {
      calls.push([kind, args]);
      const answer = script[kind];
      if (answer === undefined) {
        unexpected ??= `unexpected ${kind}: ${JSON.stringify(args[0]).slice(0, 300)}`;
        return undefined;
      }
      return answer(...args);
    };
  }
  try {
    const value = await body();
    assert.equal(unexpected, undefined, unexpected);
    return { value, calls };
  } finally {
    kinds.forEach((kind, i) => (window[kind] = originals[i]));
  }
}

const byTitle = (answers: Record<string, (items: any, options: any) => unknown>) => (items: any, options: any) => {
  const title = String((options ?? items)?.title ?? '');
  const key = Object.keys(answers).find((k) => title.startsWith(k));
  if (key === undefined) {
    throw new Error(`no scripted answer for the prompt "${title}"`);
  }
  return answers[key]!(items, options);
};

describe('New Batch File from Data (in the extension host)', function () {
  this.timeout(120_000);
  const folder = () => path.join(workspaceRoot(), 'create-data');

  before(async () => {
    await fs.rm(folder(), { recursive: true, force: true });
    await fs.mkdir(folder(), { recursive: true });
  });
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await fs.rm(folder(), { recursive: true, force: true });
  });

  it('asks step by step, previews with the estimate, writes NAME.jsonl and its template, and opens it', async () => {
    const csv = path.join(folder(), 'reviews.csv');
    await fs.writeFile(csv, '\uFEFFreview_id;text;stars\nr1;"Great, ""really"" great";5\nr2;"Broke\non day two";1\nr3;日本語のレビュー;4\n');
    await fs.writeFile(path.join(folder(), 'label.schema.json'), JSON.stringify({ type: 'object', properties: { label: { type: 'string' } }, required: ['label'], additionalProperties: false }));
    let promptChecks: unknown[] = [];
    let preview: { message: string; detail: string } | undefined;
    const notices: string[][] = [];
    const quickPicks = byTitle({
      Endpoint: (items) => items.find((i: { url: string }) => i.url === '/chat/completions'),
      'Deployment': (items) => items.find((i: { label: string }) => i.label.startsWith('Another')),
      custom_id: (items) => items.find((i: { label: string }) => i.label === 'review_id'),
      'Optional parameters': (items) => items.filter((i: { key: string }) => i.key === 'maxTokens' || i.key === 'responseFormat'),
    });
    const inputs = byTitle({
      'Deployment': () => 'gpt-4o-mini-batch',
      'System prompt': () => 'Classify the review as positive, neutral or negative.',
      'User prompt template': async (options) => {
        assert.match(options.prompt, /\{\{review_id\}\} \{\{text\}\} \{\{stars\}\}/);
        promptChecks = [await options.validateInput('{{nope}}'), await options.validateInput('Stars: {{stars}}\n{{text}}')];
        return 'Stars: {{stars}}\n{{text}}';
      },
      'Max output tokens': async (options) => {
        assert.ok(await options.validateInput('0'), 'max tokens of 0 is refused');
        return '60';
      },
    });
    const { value } = await scripted(
      {
        showQuickPick: quickPicks,
        showInputBox: (options) => inputs(options, options),
        showOpenDialog: () => [vscode.Uri.file(path.join(folder(), 'label.schema.json'))],
        showInformationMessage: (message: string, options: { detail: string; modal?: boolean } | string, ...buttons: string[]) => {
          if (typeof options !== 'object' || options.modal !== true) {
            notices.push([message, ...(typeof options === 'string' ? [options] : []), ...buttons]);
            return undefined;
          }
          preview = { message, detail: options.detail };
          return buttons[0];
        },
      },
      () => Promise.resolve(vscode.commands.executeCommand<vscode.Uri>('azureOpenAIBatch.newBatchFileFromData', vscode.Uri.file(csv))),
    );
    assert.equal(promptChecks[0], 'The data has no column "nope"');
    assert.deepEqual(promptChecks[1], { message: 'Row 1: Stars: 5 ⏎ Great, "really" great', severity: vscode.InputBoxValidationSeverity.Info });
    assert.equal(preview?.message, 'Create create-data/reviews.jsonl?');
    assert.match(preview!.detail, /^3 requests from 3 rows for gpt-4o-mini-batch \(\/chat\/completions\)\.\nInput: \d+ tokens\. Output bound: 180 tokens\. Estimated cost: \$[\d.]+ at gpt-4o-mini batch prices\. The cost assumes every answer uses all of its 60 max output tokens: an upper bound\.\n/);
    assert.match(preview!.detail, /First requests:\nr1: Stars: 5 ⏎ Great, "really" great\n/);
    const out = path.join(folder(), 'reviews.jsonl');
    assert.equal(value?.fsPath, out);
    assert.deepEqual(notices, [
      ['Wrote create-data/reviews.jsonl and saved its template create-data/reviews.batch-template.json (run it again with Run Batch Template).', 'Open Template', 'Submit…'],
    ]);
    const lines = (await fs.readFile(out, 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => l.custom_id), ['r1', 'r2', 'r3']);
    assert.equal(lines[2].body.messages[1].content, 'Stars: 4\n日本語のレビュー');
    assert.equal(lines[0].body.response_format.json_schema.name, 'label');
    assert.equal((await validateFile(out)).total, 0, 'the batch file validates clean');
    await waitFor('the batch file opened', () => vscode.window.activeTextEditor?.document.uri.fsPath === out);
    const template = JSON.parse(await fs.readFile(path.join(folder(), 'reviews.batch-template.json'), 'utf8'));
    assert.deepEqual(template, {
      data: 'reviews.csv',
      endpoint: '/chat/completions',
      model: 'gpt-4o-mini-batch',
      system: 'Classify the review as positive, neutral or negative.',
      prompt: 'Stars: {{stars}}\n{{text}}',
      customId: { column: 'review_id' },
      maxTokens: 60,
      responseFormat: 'label.schema.json',
    });
  });

  it('runs a saved template from its CodeLens, completes {{ with the columns, and asks before replacing', async () => {
    const templateUri = vscode.Uri.file(path.join(folder(), 'reviews.batch-template.json'));
    const document = await vscode.workspace.openTextDocument(templateUri);
    await vscode.window.showTextDocument(document);
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', templateUri);
    const run = lenses.find((l) => l.command?.command === 'azureOpenAIBatch.runBatchTemplate');
    assert.ok(run, 'a Run Batch Template CodeLens');
    const promptLine = document.getText().split('\n').findIndex((l) => l.includes('"prompt"'));
    const at = document.lineAt(promptLine).text.indexOf('{{stars') + 2;
    const completions = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', templateUri, new vscode.Position(promptLine, at), '{');
    const labels = completions.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
    for (const column of ['review_id', 'text', 'stars']) {
      assert.ok(labels.includes(column), `completes ${column} (got ${labels.slice(0, 20).join(', ')})`);
    }
    const { value, calls } = await scripted(
      {
        showInformationMessage: (_m: string, _o: unknown, ...buttons: string[]) => buttons[0],
        showWarningMessage: (_m: string, _o: unknown, ...buttons: string[]) => buttons[0],
      },
      () => Promise.resolve(vscode.commands.executeCommand<vscode.Uri>(run.command!.command, ...(run.command!.arguments ?? []))),
    );
    assert.equal(value?.fsPath, path.join(folder(), 'reviews.jsonl'));
    assert.deepEqual(calls.filter(([kind]) => kind === 'showWarningMessage').map(([, args]) => args[0]), ['create-data/reviews.jsonl already exists. Replace it?']);
  });

  it('reports rows without a column with their lines, and writes the others only when asked', async () => {
    const data = path.join(folder(), 'partial.jsonl');
    await fs.writeFile(data, '{"text":"one"}\n{"other":1}\n{"text":"three"}\n');
    await fs.writeFile(path.join(folder(), 'partial.batch-template.json'), JSON.stringify({ data: 'partial.jsonl', endpoint: '/embeddings', model: 'text-embedding-3-small-batch', prompt: '{{text}}' }));
    let detail = '';
    const dismissed = await scripted(
      { showInformationMessage: (_m: string, options: { detail: string }) => void (detail = options.detail) },
      () => Promise.resolve(vscode.commands.executeCommand<vscode.Uri>('azureOpenAIBatch.runBatchTemplate', vscode.Uri.file(path.join(folder(), 'partial.batch-template.json')))),
    );
    assert.equal(dismissed.value, undefined);
    assert.match(detail, /1 row of 3 cannot be converted: line 2: column "text" has no value\./);
    await assert.rejects(fs.stat(path.join(folder(), 'partial.batch.jsonl')), 'nothing written when the preview is dismissed');
    const skipped = await scripted(
      { showInformationMessage: (message: string, _o: unknown, ...buttons: string[]) => (message === '1 row cannot be converted' ? buttons[0] : undefined) },
      () => Promise.resolve(vscode.commands.executeCommand<vscode.Uri>('azureOpenAIBatch.runBatchTemplate', vscode.Uri.file(path.join(folder(), 'partial.batch-template.json')))),
    );
    assert.equal(skipped.value?.fsPath, path.join(folder(), 'partial.batch.jsonl'));
    const lines = (await fs.readFile(skipped.value!.fsPath, 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => [l.custom_id, l.body.input]), [['row-1', 'one'], ['row-3', 'three']]);
  });

  it('shows an unclosed {{ of a saved template above it, and says there is no output bound without max tokens', async () => {
    await fs.writeFile(path.join(folder(), 'open.csv'), 'text\nhello\n');
    const broken = vscode.Uri.file(path.join(folder(), 'open.batch-template.json'));
    await fs.writeFile(broken.fsPath, JSON.stringify({ data: 'open.csv', endpoint: '/chat/completions', model: 'gpt-4o-mini-batch', prompt: 'Say {{text' }, null, 2));
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(broken));
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', broken);
    assert.ok(lenses.some((l) => l.command?.title === '$(error) "prompt": "{{" at column 5 is not closed (write {{column}})'), `lenses: ${lenses.map((l) => l.command?.title).join(' | ')}`);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    await fs.writeFile(broken.fsPath, JSON.stringify({ data: 'open.csv', endpoint: '/chat/completions', model: 'gpt-4o-mini-batch', prompt: 'Say {{text}}' }, null, 2));
    let detail = '';
    await scripted({ showInformationMessage: (_m: string, options: { detail: string }) => void (detail = options.detail) }, () =>
      Promise.resolve(vscode.commands.executeCommand<vscode.Uri>('azureOpenAIBatch.runBatchTemplate', broken)),
    );
    assert.match(detail, /No output bound: no max output tokens is set/);
    assert.doesNotMatch(detail, /Output bound: 0/);
  });

  it('says a CSV with only its header has no rows (not "no columns") before asking anything', async () => {
    const data = path.join(folder(), 'header-only.csv');
    await fs.writeFile(data, 'id,review\n');
    const errors: string[] = [];
    const run = await scripted({ showErrorMessage: (message: string) => void errors.push(message) }, () =>
      Promise.resolve(vscode.commands.executeCommand<vscode.Uri>('azureOpenAIBatch.newBatchFileFromData', vscode.Uri.file(data))),
    );
    assert.equal(run.value, undefined);
    assert.deepEqual(errors, ['Azure OpenAI Batch: create-data/header-only.csv has no readable data rows to make requests from.']);
  });
});
