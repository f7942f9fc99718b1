import { loadBundled } from '../../core/bundles';
import { writeFile } from 'node:fs/promises';
import * as vscode from 'vscode';
import { Commands } from '../../constants';
import { existingFiles } from '../../core/atomicFile';
import { createBatchFile, describeProblems, type BatchRequest } from '../../core/create/convert';
import type * as CreatePreview from '../../core/create/estimate';
import type { ReadOptions } from '../../core/create/readers';
import type { BatchTemplate, CompiledTemplate } from '../../core/create/template';
import { ModelResolver } from '../../core/tokens/models';
import { formatUsd } from '../../core/tokens/usd';
import { UserFacingError } from '../errors';
import { estimatorSettings } from '../estimates/estimateSettings';
import { withCancellableProgress } from '../progress';

const count = (n: number) => n.toLocaleString();

/** What the user is about to make: data, compiled template, and where the batch file (and the template) go. */
export interface BatchPlan {
  readonly data: vscode.Uri;
  readonly compiled: CompiledTemplate;
  readonly read: ReadOptions;
  readonly output: vscode.Uri;
  /** The template to save beside the data (undefined when running a saved template). */
  readonly template?: { readonly uri: vscode.Uri; readonly content: BatchTemplate };
}

/** The first request as a reader sees it: its id and the prompt text. */
function describeRequest(request: BatchRequest): string {
  const body = request.body;
  const messages = Array.isArray(body.messages) ? (body.messages as { role: string; content: string }[]) : [];
  const user = messages.find((m) => m.role === 'user')?.content ?? (typeof body.input === 'string' ? body.input : '');
  // One line per request: an embedded newline would read as the start of the next request.
  const flat = user.replace(/\r?\n/g, ' ⏎ ');
  const clipped = flat.length > 300 ? `${flat.slice(0, 300)}…` : flat;
  return vscode.l10n.t('{0}: {1}', request.custom_id, clipped);
}

/** Asks before a file is replaced; true when it may be written. */
async function mayReplace(uri: vscode.Uri): Promise<boolean> {
  if ((await existingFiles([uri.fsPath])).length === 0) {
    return true;
  }
  const replace = vscode.l10n.t('Replace');
  const answer = await vscode.window.showWarningMessage(vscode.l10n.t('{0} already exists. Replace it?', vscode.workspace.asRelativePath(uri)), { modal: true }, replace);
  return answer === replace;
}

/**
 * Reads the data once (nothing written) for the preview: the first requests, the rows that cannot be converted,
 * the requests, tokens and cost; then, when the user agrees, saves the template and writes the batch file and opens
 * it. Returns the batch file, or undefined when the user stopped.
 */
export async function previewAndWrite(plan: BatchPlan): Promise<vscode.Uri | undefined> {
  const settings = estimatorSettings(plan.data);
  const resolver = new ModelResolver(settings);
  const preview = await withCancellableProgress(vscode.l10n.t('Reading {0}', vscode.workspace.asRelativePath(plan.data)), (report, signal) =>
    createPreview().previewConversion(plan.data.fsPath, plan.compiled, resolver, { read: plan.read, signal, onProgress: (rows) => report({ message: vscode.l10n.t('{0} rows', count(rows)) }) }),
  );
  const { summary } = preview;
  if (summary.requests === 0) {
    throw new UserFacingError(
      summary.problemCount > 0
        ? vscode.l10n.t('No row of {0} can be converted: {1}.', vscode.workspace.asRelativePath(plan.data), describeProblems(summary))
        : vscode.l10n.t('{0} has no rows.', vscode.workspace.asRelativePath(plan.data)),
    );
  }
  const name = vscode.workspace.asRelativePath(plan.output);
  const approx = preview.exact ? '' : '≈';
  const lines = [
    summary.requests === 1
      ? vscode.l10n.t('1 request from {0} rows for {1} ({2}).', count(summary.rows), plan.compiled.template.model, plan.compiled.url)
      : vscode.l10n.t('{0} requests from {1} rows for {2} ({3}).', count(summary.requests), count(summary.rows), plan.compiled.template.model, plan.compiled.url),
    estimateLine(plan.compiled, preview, approx),
    '',
    vscode.l10n.t('First requests:'),
    ...preview.first.map(describeRequest),
  ];
  if (summary.problemCount > 0) {
    lines.push('', describeProblems(summary) + '.');
  }
  const write = vscode.l10n.t('Write {0}', name);
  const writeGood = vscode.l10n.t('Skip Them and Write {0}', name);
  const choice = await vscode.window.showInformationMessage(
    summary.problemCount === 1
      ? vscode.l10n.t('1 row cannot be converted')
      : summary.problemCount > 0
        ? vscode.l10n.t('{0} rows cannot be converted', count(summary.problemCount))
        : vscode.l10n.t('Create {0}?', name),
    { modal: true, detail: lines.join('\n') },
    summary.problemCount > 0 ? writeGood : write,
  );
  if (choice === undefined) {
    return undefined;
  }
  let templateWritten = false;
  if (plan.template !== undefined && (await mayReplace(plan.template.uri))) {
    await writeFile(plan.template.uri.fsPath, JSON.stringify(plan.template.content, null, 2) + '\n');
    templateWritten = true;
  }
  if (!(await mayReplace(plan.output))) {
    return undefined;
  }
  const result = await withCancellableProgress(vscode.l10n.t('Writing {0}', name), (report, signal) =>
    createBatchFile(plan.data.fsPath, plan.compiled, plan.output.fsPath, {
      read: plan.read,
      signal,
      overwrite: true,
      skipInvalidRows: choice === writeGood,
      onProgress: (rows) => report({ message: vscode.l10n.t('{0} rows', count(rows)) }),
    }),
  );
  if (!result.written) {
    throw new UserFacingError(vscode.l10n.t('{0} was not written: {1}.', name, describeProblems(result)));
  }
  await vscode.window.showTextDocument(plan.output, { preview: false });
  if (templateWritten) {
    // Not awaited: the notification stays while the user reads the batch file.
    void announceWritten(plan.output, plan.template!.uri);
  }
  return plan.output;
}

/** The estimate line of the preview, saying what the cost assumes (and that there is no output bound when none is set). */
function estimateLine(compiled: CompiledTemplate, preview: CreatePreview.ConversionPreview, approx: string): string {
  const input = count(preview.inputTokens);
  const cost = formatUsd(preview.costUsd);
  if (compiled.kind === 'embeddings') {
    return vscode.l10n.t('Input: {0}{1} tokens. Estimated cost: {2}{3} at {4} batch prices (embeddings are priced by input only).', approx, input, approx, cost, preview.model);
  }
  if (compiled.template.maxTokens === undefined) {
    return vscode.l10n.t(
      'Input: {0}{1} tokens. No output bound: no max output tokens is set, so answers may be as long as the model allows. Estimated cost: {2}{3} at {4} batch prices, for the input only (the answers are not in it).',
      approx,
      input,
      approx,
      cost,
      preview.model,
    );
  }
  return vscode.l10n.t(
    'Input: {0}{1} tokens. Output bound: {2}{3} tokens. Estimated cost: {4}{5} at {6} batch prices. The cost assumes every answer uses all of its {7} max output tokens: an upper bound.',
    approx,
    input,
    approx,
    count(preview.outputTokens),
    approx,
    cost,
    preview.model,
    count(compiled.template.maxTokens),
  );
}

/** One notification naming both files written, with the next steps. */
async function announceWritten(output: vscode.Uri, template: vscode.Uri): Promise<void> {
  const openTemplate = vscode.l10n.t('Open Template');
  const submit = vscode.l10n.t('Submit…');
  const choice = await vscode.window.showInformationMessage(
    vscode.l10n.t('Wrote {0} and saved its template {1} (run it again with Run Batch Template).', vscode.workspace.asRelativePath(output), vscode.workspace.asRelativePath(template)),
    openTemplate,
    submit,
  );
  if (choice === openTemplate) {
    await vscode.window.showTextDocument(template, { preview: false });
  } else if (choice === submit) {
    await vscode.commands.executeCommand(Commands.submit, output);
  }
}

let previewModule: typeof CreatePreview | undefined;

/** The preview counts tokens: it lives in a bundle of its own (dist/createPreview.js), loaded on first use, so the
 * tokenizer never enters the extension's bundle. */
function createPreview(): typeof CreatePreview {
  previewModule ??= loadBundled('createPreview.js', () => require('../../core/create/estimate') as typeof CreatePreview);
  return previewModule;
}
