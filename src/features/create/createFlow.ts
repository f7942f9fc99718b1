import { basename, dirname, relative } from 'node:path';
import * as vscode from 'vscode';
import { buildRequest, unknownColumns } from '../../core/create/convert';
import { compileWithSchema, loadTemplate } from '../../core/create/loadTemplate';
import { compilePrompt, PromptTemplateError } from '../../core/create/prompt';
import { dataColumns, previewRowsOf, type ReadOptions } from '../../core/create/readers';
import { checkTemplate, compileTemplate, defaultOutputPath, generatedIds, TemplateError, templateNameFor, type BatchTemplate } from '../../core/create/template';
import type { DeploymentCache } from '../deployments/deploymentCache';
import type { ConnectionStore } from '../connections/connectionStore';
import { UserFacingError } from '../errors';
import { previewAndWrite } from './writeBatch';

export interface CreateDeps {
  readonly connections: ConnectionStore;
  readonly deployments: DeploymentCache;
}

const dataFilters = { [vscode.l10n.t('Data')]: ['csv', 'tsv', 'json', 'jsonl', 'ndjson', 'txt'] };

/** Every step may be dismissed: that ends the command silently. */
function required<T>(value: T | undefined): T {
  if (value === undefined) {
    throw new vscode.CancellationError();
  }
  return value;
}

async function pickDataFile(clicked: vscode.Uri | undefined): Promise<vscode.Uri> {
  if (clicked?.scheme === 'file') {
    return clicked;
  }
  const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: dataFilters, openLabel: vscode.l10n.t('Use This Data'), title: vscode.l10n.t('New Batch File from Data') });
  return required(picked?.[0]);
}

async function pickDeployment(deps: CreateDeps): Promise<string> {
  const connection = deps.connections.defaultConnection();
  const known = connection === undefined ? [] : (deps.deployments.get(connection.id)?.deployments ?? []).filter((d) => d.batch);
  if (known.length > 0) {
    const other = vscode.l10n.t('Another deployment name…');
    const picked = required(
      await vscode.window.showQuickPick([...known.map((d) => ({ label: d.name, description: `${d.model}${d.version ? ` ${d.version}` : ''} · ${d.sku}` })), { label: other, description: '' }], {
        title: vscode.l10n.t('Deployment (body.model)'),
        placeHolder: vscode.l10n.t('The batch deployments of {0}', connection!.name),
        ignoreFocusOut: true,
      }),
    );
    if (picked.label !== other) {
      return picked.label;
    }
  }
  return required(
    await vscode.window.showInputBox({
      title: vscode.l10n.t('Deployment (body.model)'),
      prompt: vscode.l10n.t('The name of a Global Batch or Data Zone Batch deployment'),
      ignoreFocusOut: true,
      validateInput: (value) => (value.trim().length === 0 ? vscode.l10n.t('Enter a deployment name') : undefined),
    }),
  ).trim();
}

/**
 * The prompt step: the column names are listed in the prompt (a quick input cannot complete), and while typing the
 * first row is filled in as a live preview, an unknown `{{name}}` is an error at once.
 */
async function askPrompt(base: BatchTemplate, columns: readonly string[], firstRow: Readonly<Record<string, unknown>> | undefined): Promise<string> {
  const initial = columns.length > 0 ? `{{${columns.find((c) => !/(^|_)id$/i.test(c)) ?? columns[0]}}}` : '';
  // The prompt line is hidden as soon as validateInput returns a message (the first-row preview, at once): the title
  // is the one place the columns stay in view while typing.
  const shown = columns.slice(0, 10).map((c) => `{{${c}}}`).join(' ');
  const listed = columns.length > 10 ? vscode.l10n.t('{0} and {1} more', shown, columns.length - 10) : shown;
  return required(
    await vscode.window.showInputBox({
      title: vscode.l10n.t('User prompt template · columns {0}', listed),
      prompt: vscode.l10n.t('Columns: {0}. Write {{column}} for a value, {{column|json}} for it as JSON.', columns.map((c) => `{{${c}}}`).join(' ')),
      value: initial,
      ignoreFocusOut: true,
      validateInput: (value) => {
        if (value.trim().length === 0) {
          return vscode.l10n.t('Enter the prompt');
        }
        try {
          const compiled = compileTemplate(checkTemplate({ ...base, prompt: value, customId: undefined }));
          const unknown = unknownColumns(compiled, columns);
          if (unknown.length > 0) {
            return vscode.l10n.t('The data has no column {0}', unknown.map((u) => `"${u}"`).join(', '));
          }
          if (firstRow !== undefined) {
            const built = buildRequest(compiled, firstRow, 1);
            const text = built.ok ? userText(built.request.body).replace(/\r?\n/g, ' ⏎ ') : built.message;
            return { message: vscode.l10n.t('Row 1: {0}', text.length > 200 ? `${text.slice(0, 200)}…` : text), severity: vscode.InputBoxValidationSeverity.Info };
          }
          return undefined;
        } catch (error) {
          return error instanceof TemplateError ? error.message : String(error);
        }
      },
    }),
  );
}

/** Why a text's placeholders are malformed (an unclosed `{{`, an empty name), or undefined. */
function placeholderProblem(text: string): string | undefined {
  try {
    compilePrompt(text);
    return undefined;
  } catch (error) {
    return error instanceof PromptTemplateError ? error.message : String(error);
  }
}

/** The user message of a chat body, or the input of a responses or embeddings body. */
function userText(body: Readonly<Record<string, unknown>>): string {
  const messages = Array.isArray(body.messages) ? (body.messages as { role: string; content: unknown }[]) : [];
  const content = messages.find((m) => m.role === 'user')?.content ?? body.input;
  return typeof content === 'string' ? content : JSON.stringify(content);
}

async function askNumber(title: string, prompt: string, check: (n: number) => boolean, error: string): Promise<number> {
  const raw = required(
    await vscode.window.showInputBox({ title, prompt, ignoreFocusOut: true, validateInput: (value) => (value.trim() !== '' && check(Number(value)) ? undefined : error) }),
  );
  return Number(raw);
}

/**
 * "New Batch File from Data": data file, endpoint, deployment, system prompt, user prompt, custom_id and the optional
 * parameters, asked one after the other; then the preview, and the batch file and its template written beside the data.
 */
export async function newBatchFileFromData(deps: CreateDeps, clicked?: vscode.Uri): Promise<vscode.Uri | undefined> {
  const data = await pickDataFile(clicked);
  const read: ReadOptions = {};
  let columns: string[];
  let firstRow: Readonly<Record<string, unknown>> | undefined;
  try {
    columns = await dataColumns(data.fsPath, read);
    firstRow = await previewRowsOf(data.fsPath, read);
  } catch (error) {
    throw new UserFacingError(vscode.l10n.t('{0} cannot be read: {1}', vscode.workspace.asRelativePath(data), error instanceof Error ? error.message : String(error)));
  }
  if (firstRow === undefined) {
    throw new UserFacingError(vscode.l10n.t('{0} has no readable data rows to make requests from.', vscode.workspace.asRelativePath(data)));
  }
  if (columns.length === 0) {
    throw new UserFacingError(vscode.l10n.t('{0} has no columns to fill a prompt with.', vscode.workspace.asRelativePath(data)));
  }
  const endpoints = [
    { label: vscode.l10n.t('Chat completions'), description: '/chat/completions', url: '/chat/completions' },
    { label: vscode.l10n.t('Responses'), description: '/v1/responses', url: '/v1/responses' },
    { label: vscode.l10n.t('Embeddings'), description: '/embeddings', url: '/embeddings' },
  ];
  const endpoint = required(await vscode.window.showQuickPick(endpoints, { title: vscode.l10n.t('Endpoint'), ignoreFocusOut: true })).url;
  const embeddings = endpoint === '/embeddings';
  const model = await pickDeployment(deps);
  const system = embeddings
    ? ''
    : required(
        await vscode.window.showInputBox({
          title: vscode.l10n.t('System prompt (optional)'),
          prompt: vscode.l10n.t('Leave empty for none. {{column}} placeholders work here too.'),
          ignoreFocusOut: true,
          validateInput: (value) => placeholderProblem(value),
        }),
      );
  const base: BatchTemplate = { endpoint, model, ...(system.trim() ? { system } : {}), prompt: 'x' };
  const prompt = await askPrompt(base, columns, firstRow);
  const generated = { label: vscode.l10n.t('Generated: row-1, row-2, …'), column: undefined as string | undefined };
  const idPick = required(
    await vscode.window.showQuickPick([generated, ...columns.map((c) => ({ label: c, description: vscode.l10n.t('column (values must be unique)'), column: c as string | undefined }))], {
      title: vscode.l10n.t('custom_id'),
      ignoreFocusOut: true,
    }),
  );
  const template: { -readonly [K in keyof BatchTemplate]: BatchTemplate[K] } = {
    data: basename(data.fsPath),
    endpoint,
    model,
    ...(system.trim() ? { system } : {}),
    prompt,
    customId: idPick.column === undefined ? generatedIds : { column: idPick.column },
  };
  if (!embeddings) {
    const maxTokens = { label: vscode.l10n.t('Max output tokens'), key: 'maxTokens' };
    const temperature = { label: vscode.l10n.t('Temperature'), key: 'temperature' };
    const schema = { label: vscode.l10n.t('Response format from a JSON schema file'), key: 'responseFormat' };
    const options = required(await vscode.window.showQuickPick([maxTokens, temperature, schema], { title: vscode.l10n.t('Optional parameters'), canPickMany: true, ignoreFocusOut: true }));
    const chosen = new Set(options.map((o) => o.key));
    if (chosen.has('maxTokens')) {
      template.maxTokens = await askNumber(maxTokens.label, vscode.l10n.t('The most tokens each answer may have'), (n) => Number.isInteger(n) && n >= 1, vscode.l10n.t('Enter a whole number, 1 or more'));
    }
    if (chosen.has('temperature')) {
      template.temperature = await askNumber(temperature.label, vscode.l10n.t('From 0 to 2'), (n) => Number.isFinite(n) && n >= 0 && n <= 2, vscode.l10n.t('Enter a number from 0 to 2'));
    }
    if (chosen.has('responseFormat')) {
      const file = required((await vscode.window.showOpenDialog({ canSelectMany: false, filters: { [vscode.l10n.t('JSON Schema')]: ['json'] }, defaultUri: vscode.Uri.file(dirname(data.fsPath)) }))?.[0]);
      template.responseFormat = relative(dirname(data.fsPath), file.fsPath).split('\\').join('/');
    }
  }
  const checked = checkTemplate(template);
  const compiled = await compileWithSchema(checked, dirname(data.fsPath));
  const output = vscode.Uri.file(defaultOutputPath(data.fsPath));
  const templateUri = vscode.Uri.file(`${dirname(data.fsPath)}/${templateNameFor(data.fsPath)}`);
  return previewAndWrite({ data, compiled, read, output, template: { uri: templateUri, content: checked } });
}

/** "Run Batch Template": the saved template's preview, then its batch file written beside its data. */
export async function runBatchTemplate(uri?: vscode.Uri): Promise<vscode.Uri | undefined> {
  const target = uri ?? vscode.window.activeTextEditor?.document.uri;
  if (target === undefined) {
    throw new UserFacingError(vscode.l10n.t('Open a .batch-template.json file to run it.'));
  }
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === target.toString());
  if (open?.isDirty) {
    await open.save();
  }
  let loaded;
  try {
    loaded = await loadTemplate(target.fsPath);
  } catch (error) {
    if (error instanceof TemplateError) {
      throw new UserFacingError(vscode.l10n.t('{0}: {1}', vscode.workspace.asRelativePath(target), error.message));
    }
    throw error;
  }
  if (loaded.dataPath === undefined) {
    throw new UserFacingError(vscode.l10n.t('{0} names no data file: add "data": "FILE.csv".', vscode.workspace.asRelativePath(target)));
  }
  const read: ReadOptions = { format: loaded.template.format, delimiter: loaded.template.delimiter };
  return previewAndWrite({ data: vscode.Uri.file(loaded.dataPath), compiled: loaded.compiled, read, output: vscode.Uri.file(defaultOutputPath(loaded.dataPath, target.fsPath)) });
}
