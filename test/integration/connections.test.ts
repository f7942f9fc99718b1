import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import type { Connection } from '../../src/features/connections/connectionStore';
import type { JobRecord } from '../../src/features/jobs/jobStore';
import type { DownloadOutcome } from '../../src/features/results/resultsService';
import { extensionApi, waitFor, waitForDescription, workspaceRoot } from './helpers';
import { deadPort } from '../shared/ports';

/** One question the extension asked through the scripted UI. */
interface Asked {
  readonly kind: 'input' | 'pick' | 'warning' | 'info';
  readonly title?: string;
  /** The input box's prompt, or the message. */
  readonly text?: string;
  /** The input box's prefilled value. */
  readonly value?: string;
  /** The label of the item a pick opened with highlighted. */
  readonly active?: string;
  readonly items?: readonly string[];
}

/** The answer to one question: an input's text, a pick's label (matched as a prefix), a button; undefined cancels. */
type Answer = (asked: Asked) => string | undefined;

/**
 * Replaces the window's prompts (input boxes, quick picks made with showQuickPick or createQuickPick, warning
 * and information messages) while `body` runs: each is recorded and answered in turn by `answers`. An
 * unexpected question fails the test at once instead of waiting for a user.
 */
async function scripted<T>(answers: Answer[], body: () => Promise<T>): Promise<{ value: T; asked: Asked[] }> {
  const window = vscode.window as unknown as Record<string, unknown>;
  const names = ['showInputBox', 'showQuickPick', 'createQuickPick', 'showWarningMessage', 'showInformationMessage'];
  const originals = new Map(names.map((name) => [name, window[name]]));
  const asked: Asked[] = [];
  const next = (question: Asked): string | undefined => {
    asked.push(question);
    const answer = answers.shift();
    if (!answer) {
      throw new Error(`unexpected question: ${JSON.stringify(question)}`);
    }
    return answer(question);
  };
  const labelOf = (item: unknown) => (typeof item === 'string' ? item : (item as vscode.QuickPickItem).label);
  window.showInputBox = async (options: vscode.InputBoxOptions = {}) => next({ kind: 'input', title: options.title, text: options.prompt, value: options.value });
  window.showQuickPick = async (items: readonly unknown[], options: vscode.QuickPickOptions = {}) => {
    const label = next({ kind: 'pick', title: options.title, items: items.map(labelOf) });
    return label === undefined ? undefined : items.find((item) => labelOf(item).startsWith(label));
  };
  window.createQuickPick = () => {
    const accept = new vscode.EventEmitter<void>();
    const hide = new vscode.EventEmitter<void>();
    const pick = {
      title: undefined as string | undefined,
      placeholder: undefined as string | undefined,
      ignoreFocusOut: false,
      items: [] as vscode.QuickPickItem[],
      activeItems: [] as vscode.QuickPickItem[],
      selectedItems: [] as vscode.QuickPickItem[],
      onDidAccept: accept.event,
      onDidHide: hide.event,
      show: () =>
        void Promise.resolve().then(() => {
          let label: string | undefined;
          try {
            label = next({ kind: 'pick', title: pick.title, active: pick.activeItems[0]?.label, items: pick.items.map((item) => item.label) });
          } catch {
            label = undefined;
          }
          const item = label === undefined ? undefined : pick.items.find((candidate) => candidate.label.startsWith(label!));
          if (item) {
            pick.selectedItems = [item];
            accept.fire();
          } else {
            hide.fire();
          }
        }),
      hide: () => hide.fire(),
      dispose: () => {
        accept.dispose();
        hide.dispose();
      },
    };
    return pick;
  };
  window.showWarningMessage = async (message: string) => next({ kind: 'warning', text: message });
  window.showInformationMessage = async (message: string) => next({ kind: 'info', text: message });
  try {
    return { value: await body(), asked };
  } finally {
    for (const [name, original] of originals) {
      window[name] = original;
    }
  }
}

const answer =
  (text: string | undefined): Answer =>
  () =>
    text;
const checking =
  (check: (asked: Asked) => void, text: string | undefined): Answer =>
  (asked) => {
    check(asked);
    return text;
  };


const chat = (id: string, model = 'gpt-4o-batch') => JSON.stringify({ custom_id: id, method: 'POST', url: '/chat/completions', body: { model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 } });

describe('connections that are pleasant to manage', function () {
  this.timeout(120_000);
  const apiKey = 'conn-key-5f2a9c';
  let emulator: RunningEmulator;
  let other: RunningEmulator;
  const made: string[] = [];
  const remember = (connection: Connection | undefined) => {
    if (connection) {
      made.push(connection.id);
    }
    return connection;
  };

  before(async () => {
    // OpenAI's model names are deployments here, so the emulator stands in for api.openai.com too.
    emulator = await startEmulator({ port: 0, apiKey, deployments: ['gpt-4o-batch', 'gpt-4o-mini'], requestDelayMs: 5, validatingDelayMs: 20, finalizingDelayMs: 20 });
    other = await startEmulator({ port: 0, apiKey, requestDelayMs: 5, validatingDelayMs: 20, finalizingDelayMs: 20 });
  });
  afterEach(async () => {
    for (const id of made.splice(0)) {
      await vscode.commands.executeCommand('azureOpenAIBatch.removeConnection', id, true);
    }
  });
  after(async () => {
    await emulator?.close();
    await other?.close();
  });

  const add = async (name: string, endpoint: string, extra: Record<string, unknown> = {}) =>
    remember(await vscode.commands.executeCommand<Connection>('azureOpenAIBatch.addConnection', { name, endpoint, apiVersion: '2025-04-01-preview', auth: 'apiKey', apiKey, skipCheck: true, ...extra }))!;

  it('a failed check names the cause and returns to the failing step with every value kept; Save Anyway saves', async () => {
    const api = await extensionApi();
    await add('Existing', emulator.url);
    const dead = `http://127.0.0.1:${await deadPort()}`;
    const { value: saved, asked } = await scripted(
      [
        answer('Azure OpenAI'),
        answer(dead),
        answer('2025-04-01-preview'),
        answer('API key'),
        answer('wrong-key-123'),
        answer('Retry me'),
        checking((q) => assert.match(q.text!, /The connection check of "Retry me" failed: the connection to 127\.0\.0\.1:\d+ was refused/), 'Change the Endpoint'),
        // Back at the endpoint, told why, the value kept.
        checking((q) => {
          assert.equal(q.value, dead);
          assert.match(q.text!, /refused/);
        }, emulator.url),
        checking((q) => assert.equal(q.active, '2025-04-01-preview', 'the api-version kept'), '2025-04-01-preview'),
        checking((q) => assert.equal(q.active, 'API key', 'the sign-in kind kept'), 'API key'),
        checking((q) => assert.equal(q.value, 'wrong-key-123', 'the key kept'), 'wrong-key-123'),
        checking((q) => assert.equal(q.value, 'Retry me', 'the name kept'), 'Retry me'),
        checking((q) => assert.match(q.text!, /failed: the service answered 401: the key is wrong, or it belongs to another resource/), 'Save Anyway'),
        // Not the first connection: the user is asked whether it becomes the workspace's.
        checking((q) => assert.match(q.text!, /Use it for this workspace\?/), undefined),
      ],
      async () => vscode.commands.executeCommand<Connection | undefined>('azureOpenAIBatch.addConnection'),
    );
    remember(saved);
    assert.equal(asked.length, 14);
    assert.ok(saved, 'saved anyway');
    assert.equal(saved.endpoint, emulator.url);
    assert.equal((await api.connections.readKey(saved))?.key, 'wrong-key-123');
  });

  it('a wrong key sends the user back to the key, and the fixed connection saves without a word', async () => {
    const api = await extensionApi();
    await add('Existing', emulator.url);
    const { value: saved, asked } = await scripted(
      [
        answer('Azure OpenAI'),
        answer(emulator.url),
        answer('2025-04-01-preview'),
        answer('API key'),
        answer('nope'),
        answer('Fixed later'),
        checking((q) => assert.match(q.text!, /401/), 'Change the Key'),
        checking((q) => assert.match(q.text!, /401: the key is wrong/), apiKey),
        answer('Fixed later'),
        answer(undefined),
      ],
      async () => vscode.commands.executeCommand<Connection | undefined>('azureOpenAIBatch.addConnection'),
    );
    remember(saved);
    assert.deepEqual(
      asked.map((q) => q.kind),
      ['pick', 'input', 'pick', 'pick', 'input', 'input', 'warning', 'input', 'input', 'info'],
    );
    assert.equal((await api.connections.readKey(saved!))?.key, apiKey);
  });

  it('a new connection does not silently become the workspace default', async () => {
    const api = await extensionApi();
    const first = await add('First', emulator.url);
    await vscode.commands.executeCommand('azureOpenAIBatch.setDefaultConnection', first.id);
    const second = await add('Second', other.url);
    assert.equal(api.connections.defaultConnection()?.id, first.id, 'a scripted add does not take over');
    const third = await add('Third', other.url, { useForWorkspace: true });
    assert.equal(api.connections.defaultConnection()?.id, third.id, 'unless it is asked to');
    assert.notEqual(second.id, third.id);
  });

  it('Edit Connection opens every question with the current value', async () => {
    const api = await extensionApi();
    const connection = await add('Before edit', emulator.url, { apiVersion: '2024-10-21' });
    const { value: updated } = await scripted(
      [
        checking((q) => assert.equal(q.value, emulator.url), emulator.url),
        checking((q) => assert.equal(q.active, '2024-10-21'), '2024-10-21'),
        checking((q) => assert.equal(q.active, 'API key'), 'API key'),
        checking((q) => assert.match(q.text!, /leave empty to keep the stored one/), ''),
        checking((q) => assert.equal(q.value, 'Before edit'), 'After edit'),
      ],
      async () => vscode.commands.executeCommand<Connection | undefined>('azureOpenAIBatch.editConnection', connection.id),
    );
    assert.equal(updated?.name, 'After edit');
    assert.equal(api.connections.get(connection.id)?.apiVersion, '2024-10-21');
    assert.equal((await api.connections.readKey(connection))?.key, apiKey, 'the stored key kept');
  });

  it('the status bar names the workspace connection; clicking it picks another', async () => {
    const api = await extensionApi();
    const a = await add('Status A', emulator.url, { useForWorkspace: true });
    const b = await add('Status B', other.url);
    assert.match(api.connectionStatus.text ?? '', /Status A$/);
    const { value: picked } = await scripted([checking((q) => assert.equal(q.active, 'Status A', 'the current one highlighted'), 'Status B')], async () =>
      vscode.commands.executeCommand<Connection | undefined>('azureOpenAIBatch.pickWorkspaceConnection'),
    );
    assert.equal(picked?.id, b.id);
    assert.equal(api.connections.defaultConnection()?.id, b.id);
    assert.match(api.connectionStatus.text ?? '', /Status B$/);
    assert.notEqual(a.id, b.id);
  });

  it('Submit names the connection and can switch to another, which the workspace remembers', async () => {
    const api = await extensionApi();
    const a = await add('Submit A', emulator.url, { useForWorkspace: true });
    const b = await add('Submit B', other.url);
    const file = path.join(workspaceRoot(), 'switching.jsonl');
    await fs.writeFile(file, chat('s-1') + '\n');
    const before = other.batches().length;
    const { value: records, asked } = await scripted(
      [
        checking((q) => assert.equal(q.title, 'Submit to Submit A: deployment'), '$(arrow-swap) Submit to another connection'),
        checking((q) => assert.equal(q.active, 'Submit A'), 'Submit B'),
        checking((q) => assert.equal(q.title, 'Submit to Submit B: deployment'), 'Submit with the deployment'),
        checking((q) => assert.match(q.text!, /Submitted switching\.jsonl to Submit B/), undefined),
      ],
      async () => vscode.commands.executeCommand<JobRecord[]>('azureOpenAIBatch.submit', vscode.Uri.file(file)),
    );
    assert.equal(asked.length, 4);
    assert.equal(records?.[0]?.connectionId, b.id);
    assert.equal(other.batches().length, before + 1, 'the job went to the connection chosen');
    assert.equal(api.connections.defaultConnection()?.id, b.id, 'remembered for the workspace');
    assert.notEqual(a.id, b.id);
  });

  it('a connection without its key shows a one-click "Enter API Key" item', async () => {
    const api = await extensionApi();
    const keyless = await add('Keyless', emulator.url, { apiKey: undefined });
    const children = () => {
      const node = api.tree.getChildren().find((n) => n.kind === 'connection' && n.connection.id === keyless.id);
      return node ? api.tree.getChildren(node) : [];
    };
    await Promise.resolve(vscode.commands.executeCommand('azureOpenAIBatch.refreshConnection', keyless.id)).catch(() => undefined);
    const node = await waitFor('the Enter API Key item', () => children().find((n) => n.kind === 'message' && n.text === 'Enter API Key'));
    const item = api.tree.getTreeItem(node);
    assert.equal(item.command?.command, 'azureOpenAIBatch.enterApiKey');
    assert.match(String(item.tooltip), /No API key is stored for "Keyless"/);
    const { asked } = await scripted([answer(apiKey)], async () => vscode.commands.executeCommand(item.command!.command, ...(item.command!.arguments ?? [])));
    assert.equal(asked[0]?.kind, 'input');
    assert.equal((await api.connections.readKey(keyless))?.key, apiKey);
    await waitFor('the jobs listed', () => !children().some((n) => n.kind === 'message' && n.text === 'Enter API Key'));
  });

  it('an OpenAI connection checks, submits, lists and downloads over /v1', async () => {
    const api = await extensionApi();
    const { value: offered } = await scripted([checking((q) => assert.ok(q.items?.includes('OpenAI (api.openai.com)')), undefined)], async () => vscode.commands.executeCommand('azureOpenAIBatch.addConnection'));
    assert.equal(offered, undefined, 'Add Connection offers the OpenAI kind');
    const connection = remember(
      await vscode.commands.executeCommand<Connection>('azureOpenAIBatch.addConnection', { name: 'OpenAI (emulated)', endpoint: emulator.url, service: 'openai', apiKey, useForWorkspace: true }),
    )!;
    assert.equal(connection.service, 'openai');
    assert.equal(connection.apiVersion, 'v1');
    assert.equal(connection.auth, 'apiKey');
    const file = path.join(workspaceRoot(), 'openai-batch.jsonl');
    await fs.writeFile(file, [chat('o-1', 'gpt-4o-mini'), chat('o-2', 'gpt-4o-mini')].join('\n') + '\n');
    const [record] = (await vscode.commands.executeCommand<JobRecord[]>('azureOpenAIBatch.submit', vscode.Uri.file(file), undefined, { connectionId: connection.id, deployment: 'gpt-4o-mini' }))!;
    assert.ok(record);
    await waitForDescription(connection, record.batchId, /^completed/);
    const outcome = (await vscode.commands.executeCommand<DownloadOutcome>('azureOpenAIBatch.downloadResults', { connectionId: connection.id, batchId: record.batchId }, { overwrite: true }))!;
    assert.equal(outcome.summary?.succeeded, 2);
    assert.equal(api.validation.batchService, 'openai', 'the workspace validates with OpenAI\'s limits');
  });
});
