import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EXTENSION_ID } from '../../src/constants';
import { BatchClient, type Batch } from '../../src/core/batch/client';
import type { PartState } from '../../src/core/batch/groupRunner';
import { startEmulator, type EmulatorOptions } from '../../src/emulator';
import type { Connection } from '../../src/features/connections/connectionStore';
import type { GroupRecord } from '../../src/features/groups/groupStore';
import type { JobsNode } from '../../src/features/jobs/jobsTree';
import type { ExtensionApi } from '../../src/extension';
import { waitFor as sharedWaitFor } from '../shared/waitFor';

export { EXTENSION_ID };

/** The opened test folder (a temporary copy of test/fixtures/workspace). */
export function workspaceRoot(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the test run opens a folder');
  return folder.uri.fsPath;
}

export function fixtureUri(name: string): vscode.Uri {
  return vscode.Uri.file(path.join(workspaceRoot(), name));
}

export async function extensionApi(): Promise<ExtensionApi> {
  const extension = vscode.extensions.getExtension<ExtensionApi>(EXTENSION_ID);
  assert.ok(extension, `${EXTENSION_ID} is installed`);
  return extension.activate();
}

/** A loopback port nothing listens on: a service that is down. */
export { deadPort } from '../shared/ports';

/** Polls until `check` returns a value (not undefined/false), failing with `what` after `timeoutMs`. */
export function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  return sharedWaitFor(what, check, { timeoutMs });
}

/** Our diagnostics for a document, once the validator has caught up with its latest edit. */
export async function diagnosticsOf(uri: vscode.Uri): Promise<vscode.Diagnostic[]> {
  const api = await extensionApi();
  await waitFor('the document to be tracked', () => api.validation.isTracked(uri));
  await api.validation.whenIdle(uri);
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'Azure OpenAI Batch');
}

export function codeOf(d: vscode.Diagnostic): string {
  return typeof d.code === 'object' ? String(d.code.value) : String(d.code);
}

export async function openDocument(name: string): Promise<vscode.TextDocument> {
  const document = await vscode.workspace.openTextDocument(fixtureUri(name));
  await vscode.window.showTextDocument(document);
  return document;
}

/** Quick fixes offered at a diagnostic, with their edits resolved. */
export async function quickFixesAt(uri: vscode.Uri, diagnostic: vscode.Diagnostic): Promise<vscode.CodeAction[]> {
  const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
    'vscode.executeCodeActionProvider',
    uri,
    diagnostic.range,
    vscode.CodeActionKind.QuickFix.value,
    50,
  );
  // The command returns plain actions (title, kind, edit, command, isPreferred): `diagnostics` is not carried.
  return actions;
}

/** Answers the extension's warning questions in turn (recording them) while `body` runs; no modal is left open. */
export async function answering<T>(answers: (string | undefined)[], body: (asked: string[]) => Promise<T>): Promise<T> {
  const window = vscode.window as { showWarningMessage: typeof vscode.window.showWarningMessage };
  const original = window.showWarningMessage;
  const asked: string[] = [];
  window.showWarningMessage = (async (message: string) => {
    asked.push(message);
    return answers.shift();
  }) as typeof vscode.window.showWarningMessage;
  if (window.showWarningMessage === original) {
    throw new Error('the test cannot answer the questions: vscode.window.showWarningMessage is read-only here');
  }
  try {
    return await body(asked);
  } finally {
    window.showWarningMessage = original;
  }
}

/** A local emulator, a connection to it and a client of it; `close` removes the connection and stops it. */
export async function emulatorConnection(name: string, apiKey: string, options: Omit<EmulatorOptions, 'port' | 'apiKey'>) {
  const emulator = await startEmulator({ port: 0, apiKey, ...options });
  const connection = (await vscode.commands.executeCommand<Connection>('azureOpenAIBatch.addConnection', { name, endpoint: emulator.url, apiVersion: '2025-04-01-preview', auth: 'apiKey', apiKey, skipCheck: true }))!;
  const client = new BatchClient({ endpoint: emulator.url, apiVersion: '2025-04-01-preview', credential: { kind: 'apiKey', apiKey } });
  const close = async () => {
    await vscode.commands.executeCommand('azureOpenAIBatch.removeConnection', connection.id, true);
    await emulator.close();
  };
  return { emulator, connection, client, close };
}

/** Creates a one-request job on the service from a new file `NAME.jsonl` in the workspace. */
export async function createOneRequestJob(client: BatchClient, name: string): Promise<Batch> {
  const input = path.join(workspaceRoot(), `${name}.jsonl`);
  await fs.writeFile(input, JSON.stringify({ custom_id: `${name}-1`, method: 'POST', url: '/chat/completions', body: { model: 'gpt-4o-batch', messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 } }) + '\n');
  const uploaded = await client.uploadFile(input);
  await client.waitForFileProcessed(uploaded.id, { pollMs: 50 });
  return (await client.createBatch({ inputFileId: uploaded.id, endpoint: '/chat/completions' })).batch;
}

/** A job group record over `parts`, as the split submission saves it. */
export function groupRecord(connectionId: string, id: string, parts: PartState[], finished: boolean): GroupRecord {
  const sourcePath = path.join(workspaceRoot(), `${id}.jsonl`);
  return {
    connectionId,
    sourceUri: vscode.Uri.file(sourcePath).toString(),
    finished,
    state: { id, name: id, sourcePath, endpoint: '/chat/completions', createdAt: Math.floor(Date.now() / 1000), maxParallel: 2, parts },
  };
}

type RecordedWindowCall = 'showInformationMessage' | 'showWarningMessage' | 'showErrorMessage' | 'showQuickPick';

/**
 * Replaces `vscode.window[name]` while `body` runs: each call's arguments are recorded and answered by `answer`
 * (by default undefined: a dismissed message, an Escaped quick pick).
 */
export async function recordingWindow<T>(name: RecordedWindowCall, body: () => Promise<T>, answer: (...args: unknown[]) => unknown = () => undefined): Promise<{ value: T; calls: unknown[][] }> {
  const window = vscode.window as unknown as Record<RecordedWindowCall, unknown>;
  const original = window[name];
  const calls: unknown[][] = [];
  window[name] = async (...args: unknown[]) => {
    calls.push(args);
    return answer(...args);
  };
  try {
    return { value: await body(), calls };
  } finally {
    window[name] = original;
  }
}

/** Records the information messages the extension shows while `body` runs, answering none of them. */
export async function recordingInformation<T>(body: () => Promise<T>): Promise<{ value: T; shown: string[] }> {
  const { value, calls } = await recordingWindow('showInformationMessage', body);
  return { value, shown: calls.map((args) => String(args[0])) };
}

/** The job row of the tree for a batch, found through the real TreeDataProvider. */
export async function jobItem(connection: Connection, batchId: string): Promise<vscode.TreeItem | undefined> {
  const api = await extensionApi();
  const connectionNode = api.tree.getChildren().find((node) => node.kind === 'connection' && node.connection.id === connection.id);
  if (!connectionNode) {
    return undefined;
  }
  const find = (nodes: JobsNode[]): JobsNode | undefined => {
    for (const node of nodes) {
      if (node.kind === 'job' && node.view.batchId === batchId) {
        return node;
      }
      const nested = node.kind === 'job' ? find(api.tree.getChildren(node)) : undefined;
      if (nested) {
        return nested;
      }
    }
    return undefined;
  };
  const node = find(api.tree.getChildren(connectionNode));
  return node ? api.tree.getTreeItem(node) : undefined;
}

export async function waitForDescription(connection: Connection, batchId: string, pattern: RegExp): Promise<vscode.TreeItem> {
  return waitFor(`the job ${batchId} to show ${pattern}`, async () => {
    const item = await jobItem(connection, batchId);
    return item && pattern.test(String(item.description)) ? item : undefined;
  }, 60_000);
}
