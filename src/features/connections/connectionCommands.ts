import * as vscode from 'vscode';
import { Commands } from '../../constants';
import { withCancellableProgress } from '../progress';
import { BatchClient } from '../../core/batch/client';
import { DEFAULT_API_VERSION, suggestedConnectionName, V1_API_VERSION, type ConnectionConfig } from '../../core/batch/connection';
import type { AuthKind, Connection, ConnectionStore } from './connectionStore';
import type { ClientFactory } from './credentials';
import { newEmulatorKey, type EmbeddedEmulator } from './embeddedEmulator';

/** Answers to the add/edit flow, for scripted use (tests, other extensions): no prompts are shown. */
export interface ConnectionInput {
  readonly name: string;
  readonly endpoint: string;
  readonly apiVersion?: string;
  readonly auth?: AuthKind;
  readonly apiKey?: string;
  readonly tenant?: string;
  /** Save without checking the connection with a list call. */
  readonly skipCheck?: boolean;
}

const apiVersions = [DEFAULT_API_VERSION, '2025-04-01-preview', V1_API_VERSION];

/**
 * "Add Connection": a short guided flow (name, endpoint, API version, sign-in kind, key) that checks the
 * connection with a list call before saving it.
 */
export async function addConnection(store: ConnectionStore, clients: ClientFactory, input?: Partial<ConnectionInput>): Promise<Connection | undefined> {
  if (input?.auth === 'entra' && !input.endpoint) {
    // Microsoft sign-in comes first, then the resource is picked: the flow of its own (features/azure/signIn.ts).
    return vscode.commands.executeCommand<Connection | undefined>(Commands.signInWithMicrosoft);
  }
  // A complete input is scripted use; a partial one presets the flow.
  const answers = input?.name && input.endpoint ? (input as ConnectionInput) : await askConnection(undefined, input?.auth);
  if (!answers) {
    return undefined;
  }
  refuseCredentialsInEndpoint(answers.endpoint);
  const draft: Omit<Connection, 'id'> = {
    name: answers.name,
    endpoint: answers.endpoint.trim().replace(/\/+$/, ''),
    apiVersion: answers.apiVersion ?? DEFAULT_API_VERSION,
    auth: answers.auth ?? 'apiKey',
    tenant: answers.tenant,
  };
  if (!answers.skipCheck) {
    await checkConnection(draft, answers.apiKey, clients);
  }
  const saved = await store.add(draft, draft.auth === 'apiKey' ? answers.apiKey : undefined);
  if (!store.defaultConnection()) {
    await store.setDefault(saved.id);
  }
  return saved;
}

/** "Edit Connection": the same questions, prefilled; a blank key keeps the stored one. */
export async function editConnection(store: ConnectionStore, clients: ClientFactory, connection: Connection, input?: ConnectionInput): Promise<Connection | undefined> {
  const answers = input ?? (await askConnection(connection, undefined));
  if (!answers) {
    return undefined;
  }
  refuseCredentialsInEndpoint(answers.endpoint);
  const updated: Connection = {
    ...connection,
    name: answers.name,
    endpoint: answers.endpoint.trim().replace(/\/+$/, ''),
    apiVersion: answers.apiVersion ?? connection.apiVersion,
    auth: answers.auth ?? connection.auth,
    tenant: answers.tenant,
  };
  const key = answers.apiKey || (updated.auth === 'apiKey' ? (await store.readKey(connection))?.key : undefined);
  if (!answers.skipCheck) {
    await checkConnection(updated, key, clients);
  }
  // A newly typed key is bound to the new endpoint; an old key keeps its binding until the user confirms.
  await store.update(updated, answers.apiKey || undefined);
  return updated;
}

/** "Remove Connection": forgets the connection and deletes its stored key. */
export async function removeConnection(store: ConnectionStore, connection: Connection, confirmed = false): Promise<boolean> {
  if (!confirmed) {
    const remove = vscode.l10n.t('Remove');
    const choice = await vscode.window.showWarningMessage(vscode.l10n.t('Remove the connection "{0}" and its stored key? Jobs keep running on the service.', connection.name), { modal: true }, remove);
    if (choice !== remove) {
      return false;
    }
  }
  await store.remove(connection.id);
  return true;
}

/**
 * "Try the Local Emulator": starts the emulator inside VS Code on a free loopback port and adds a
 * connection to it (once; later calls reuse it).
 */
export async function tryEmulator(store: ConnectionStore, emulator: EmbeddedEmulator): Promise<Connection> {
  const existing = store.all().find((c) => c.emulator);
  if (existing) {
    const running = await emulator.ensureRunning((await store.readKey(existing))?.key ?? newEmulatorKey());
    const current = { ...existing, endpoint: running.url };
    // The key of the running emulator (which may have started with it earlier) is the one that opens it.
    await store.update(current, running.apiKey);
    await store.setDefault(current.id);
    return current;
  }
  const running = await emulator.ensureRunning(newEmulatorKey());
  const connection = await store.add({ name: vscode.l10n.t('Local Emulator'), endpoint: running.url, apiVersion: '2025-04-01-preview', auth: 'apiKey', emulator: true }, running.apiKey);
  await store.setDefault(connection.id);
  return connection;
}

/** A user name or password in the endpoint URL would be echoed by errors and sent to any host: refuse it. */
function refuseCredentialsInEndpoint(endpoint: string): void {
  let url: URL | undefined;
  try {
    url = new URL(endpoint.trim());
  } catch {
    return;
  }
  if (url.username || url.password) {
    throw new Error(vscode.l10n.t('The endpoint must not contain a user name or password; enter the key as the API key instead.'));
  }
}

/** How long the connection check waits for one answer: a check, not a job, so well under the SDK's default. */
const checkTimeoutMs = 20_000;

/**
 * Checks a connection with one list call, under a cancellable progress notification. When it fails the user
 * chooses: save it anyway (an endpoint that is down now, or not reachable from here) or not.
 */
async function checkConnection(draft: Omit<Connection, 'id'>, apiKey: string | undefined, clients: ClientFactory): Promise<void> {
  let config: ConnectionConfig;
  if (draft.auth === 'apiKey') {
    if (!apiKey) {
      throw new Error(vscode.l10n.t('An API key is needed for this connection.'));
    }
    config = { endpoint: draft.endpoint, apiVersion: draft.apiVersion, credential: { kind: 'apiKey', apiKey } };
  } else {
    config = await clients.configFor({ ...draft, id: 'draft' }, { interactive: true });
  }
  let failure: unknown;
  await withCancellableProgress(vscode.l10n.t('Checking {0}...', draft.endpoint), async (_report, signal) => {
    try {
      await new BatchClient({ ...config, timeoutMs: checkTimeoutMs }, { retries: 1, baseDelayMs: 500, maxDelayMs: 2000 }).listBatches({ limit: 1, signal });
    } catch (error) {
      if (signal.aborted) {
        throw error;
      }
      failure = error;
    }
  });
  if (failure === undefined) {
    return;
  }
  const reason = failure instanceof Error ? failure.message : String(failure);
  const saveAnyway = vscode.l10n.t('Save Anyway');
  const choice = await vscode.window.showWarningMessage(vscode.l10n.t('The connection check of "{0}" failed: {1}', draft.name, reason), { modal: true }, saveAnyway);
  if (choice !== saveAnyway) {
    throw new vscode.CancellationError();
  }
}

async function askConnection(current: Connection | undefined, presetAuth: AuthKind | undefined): Promise<ConnectionInput | undefined> {
  const steps = current ? vscode.l10n.t('Edit connection') : vscode.l10n.t('Add connection');
  const endpoint = await vscode.window.showInputBox({
    title: `${steps} (1/5)`,
    prompt: vscode.l10n.t('Endpoint of your Azure OpenAI resource'),
    placeHolder: 'https://my-resource.openai.azure.com',
    value: current?.endpoint,
    ignoreFocusOut: true,
    validateInput: (value) => {
      try {
        const url = new URL(value.trim());
        if (url.username || url.password) {
          return vscode.l10n.t('Leave the user name and password out of the endpoint; the key is asked for next.');
        }
        return url.protocol === 'https:' || url.hostname === '127.0.0.1' || url.hostname === 'localhost' ? undefined : vscode.l10n.t('Use an https:// endpoint.');
      } catch {
        return vscode.l10n.t('Enter a URL such as https://my-resource.openai.azure.com');
      }
    },
  });
  if (!endpoint) {
    return undefined;
  }
  const version = await vscode.window.showQuickPick(
    apiVersions.map((label) => ({ label, description: label === DEFAULT_API_VERSION ? vscode.l10n.t('generally available') : label === V1_API_VERSION ? vscode.l10n.t('the v1 API (/openai/v1)') : vscode.l10n.t('preview: reports enqueued tokens') })),
    { title: `${steps} (2/5)`, placeHolder: vscode.l10n.t('API version'), ignoreFocusOut: true },
  );
  if (!version) {
    return undefined;
  }
  const authChoices = [
      { label: vscode.l10n.t('API key'), description: vscode.l10n.t('stored in VS Code\'s secret storage'), auth: 'apiKey' as const },
      { label: vscode.l10n.t('Microsoft Entra ID'), description: vscode.l10n.t('VS Code\'s Microsoft sign-in'), auth: 'entra' as const },
      { label: vscode.l10n.t('Azure CLI and other local credentials'), description: 'DefaultAzureCredential', auth: 'azureCli' as const },
  ];
  const auth = authChoices.find((choice) => choice.auth === presetAuth) ?? (await vscode.window.showQuickPick(authChoices, { title: `${steps} (3/5)`, placeHolder: vscode.l10n.t('How to authenticate'), ignoreFocusOut: true }));
  if (!auth) {
    return undefined;
  }
  let apiKey: string | undefined;
  let tenant: string | undefined;
  if (auth.auth === 'apiKey') {
    apiKey = await vscode.window.showInputBox({
      title: `${steps} (4/5)`,
      prompt: current ? vscode.l10n.t('API key (leave empty to keep the stored one)') : vscode.l10n.t('API key (Keys and Endpoint in the Azure portal)'),
      password: true,
      ignoreFocusOut: true,
      validateInput: (value) => (current || value.trim() ? undefined : vscode.l10n.t('Enter the key.')),
    });
    if (apiKey === undefined) {
      return undefined;
    }
  } else {
    tenant = (await vscode.window.showInputBox({ title: `${steps} (4/5)`, prompt: vscode.l10n.t('Tenant id or domain (optional)'), value: current?.tenant, ignoreFocusOut: true }))?.trim() || undefined;
  }
  const name = await vscode.window.showInputBox({
    title: `${steps} (5/5)`,
    prompt: vscode.l10n.t('A name for this connection'),
    value: current?.name ?? suggestedConnectionName(endpoint),
    ignoreFocusOut: true,
    validateInput: (value) => (value.trim() ? undefined : vscode.l10n.t('Enter a name.')),
  });
  if (!name) {
    return undefined;
  }
  return { name: name.trim(), endpoint, apiVersion: version.label, auth: auth.auth, apiKey: apiKey?.trim() || undefined, tenant };
}
