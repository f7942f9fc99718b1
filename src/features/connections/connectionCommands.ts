import * as vscode from 'vscode';
export type { ConnectionInput } from './connectionWizard';
import { Commands } from '../../constants';
import { withCancellableProgress } from '../progress';
import { DEFAULT_API_VERSION, V1_API_VERSION, type ConnectionConfig } from '../../core/batch/connection';
import { checkConnection } from '../../core/batch/connectionCheck';
import type { AuthKind, Connection, ConnectionStore } from './connectionStore';
import { askConnection, answersOf, askService, failureSentence, pickOne, type ConnectionInput, type WizardAnswers, type WizardResume } from './connectionWizard';
import { hostOf, type ClientFactory } from './credentials';
import { newEmulatorKey, type EmbeddedEmulator } from './embeddedEmulator';
import { isBatchSku } from '../../core/azure/deployments';
import type { DeploymentCache } from '../deployments/deploymentCache';
import type { RunningEmulator } from '../../emulator';

/**
 * "Add Connection": a short guided flow (service, then endpoint, API version, sign-in kind, key and name) that
 * checks the connection with a list call before saving it. A failed check names the cause and sends the user
 * back to the step to fix, every answer kept, or saves anyway.
 */
export async function addConnection(store: ConnectionStore, clients: ClientFactory, input?: Partial<ConnectionInput>): Promise<Connection | undefined> {
  if (input?.auth === 'entra' && !input.endpoint) {
    // Microsoft sign-in comes first, then the resource is picked: the flow of its own (features/azure/signIn.ts).
    return vscode.commands.executeCommand<Connection | undefined>(Commands.signInWithMicrosoft);
  }
  // A complete input is scripted use; a partial one (the welcome view's "Sign in with Microsoft") presets the flow.
  const scripted = input?.name && input.endpoint ? (input as ConnectionInput) : undefined;
  let answers: WizardAnswers | undefined;
  if (!scripted) {
    const service = input?.auth || input?.service ? (input.service ?? 'azure') : await askService();
    if (!service) {
      return undefined;
    }
    if (service === 'signIn') {
      return vscode.commands.executeCommand<Connection | undefined>(Commands.signInWithMicrosoft);
    }
    answers = { service, auth: input?.auth };
  }
  const first = store.all().length === 0;
  const result = await askAndCheck(clients, scripted, answers, undefined, input?.auth);
  if (!result) {
    return undefined;
  }
  const { draft, apiKey } = result;
  const saved = await store.add(draft, draft.auth === 'apiKey' ? apiKey : undefined);
  if (first || scripted?.useForWorkspace) {
    await store.setDefault(saved.id);
  } else if (!scripted) {
    // A new connection does not silently take over the workspace: the user says so (or picks it later).
    const use = vscode.l10n.t('Use for This Workspace');
    void Promise.resolve(vscode.window.showInformationMessage(vscode.l10n.t('Added the connection "{0}". Use it for this workspace?', saved.name), use)).then((choice) =>
      choice === use ? store.setDefault(saved.id) : undefined,
    );
  }
  return saved;
}

/** "Edit Connection": the same questions, each prefilled with the current value; a blank key keeps the stored one. */
export async function editConnection(store: ConnectionStore, clients: ClientFactory, connection: Connection, input?: ConnectionInput): Promise<Connection | undefined> {
  const stored = connection.auth === 'apiKey' ? (await store.readKey(connection))?.key : undefined;
  const result = await askAndCheck(clients, input, input ? undefined : answersOf(connection), connection, undefined, stored);
  if (!result) {
    return undefined;
  }
  const updated: Connection = { ...connection, ...result.draft };
  // A newly typed key is bound to the new endpoint; an old key keeps its binding until the user confirms.
  await store.update(updated, result.typedKey);
  return updated;
}

/** "Enter API Key": stores the key of a connection whose key is missing (or wrong), then lists its jobs again. */
export async function enterApiKey(store: ConnectionStore, connection: Connection, key?: string): Promise<boolean> {
  const apiKey =
    key ??
    (await vscode.window.showInputBox({
      title: vscode.l10n.t('API key for {0}', connection.name),
      prompt: vscode.l10n.t('Stored in VS Code\'s secret storage, for {0} only.', hostOf(connection.endpoint)),
      password: true,
      ignoreFocusOut: true,
      validateInput: (value) => (value.trim() ? undefined : vscode.l10n.t('Enter the key.')),
    }));
  if (!apiKey?.trim()) {
    return false;
  }
  await store.update(connection, apiKey.trim());
  return true;
}

interface CheckedDraft {
  readonly draft: Omit<Connection, 'id'>;
  /** The key to use: typed now, or the stored one. */
  readonly apiKey: string | undefined;
  /** The key typed in this flow (undefined: keep the stored one). */
  readonly typedKey: string | undefined;
}

/**
 * Asks (or takes the scripted answers), then checks; a failed check sends the user back to the failing step
 * with every answer kept, until the check passes, the user saves anyway, or cancels.
 */
async function askAndCheck(
  clients: ClientFactory,
  scripted: ConnectionInput | undefined,
  answers: WizardAnswers | undefined,
  editing: Connection | undefined,
  presetAuth: AuthKind | undefined,
  storedKey?: string,
): Promise<CheckedDraft | undefined> {
  let resume: WizardResume | undefined;
  for (;;) {
    const given = scripted ?? (await askConnection(answers!, editing, { presetAuth, resume }));
    if (!given) {
      return undefined;
    }
    refuseCredentialsInEndpoint(given.endpoint);
    const service = given.service ?? editing?.service ?? 'azure';
    const draft: Omit<Connection, 'id'> = {
      ...(editing ? { emulator: editing.emulator, resource: editing.resource } : {}),
      name: given.name,
      endpoint: given.endpoint.trim().replace(/\/+$/, ''),
      apiVersion: service === 'openai' ? V1_API_VERSION : (given.apiVersion ?? editing?.apiVersion ?? DEFAULT_API_VERSION),
      auth: service === 'openai' ? 'apiKey' : (given.auth ?? editing?.auth ?? 'apiKey'),
      tenant: given.tenant,
      ...(service === 'openai' || editing?.service ? { service } : {}),
    };
    const typedKey = given.apiKey || undefined;
    const apiKey = typedKey ?? (draft.auth === 'apiKey' ? storedKey : undefined);
    if (given.skipCheck) {
      return { draft, apiKey, typedKey };
    }
    const outcome = await checkDraft(draft, apiKey, clients, scripted === undefined);
    if (outcome === 'save') {
      return { draft, apiKey, typedKey };
    }
    resume = outcome;
  }
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
 * connection to it (once; later calls reuse it). Its deployments go into the cache, as a signed-in resource's
 * would: the create flow, completion, quick fixes and the validator then offer and check real names, not guesses.
 */
export async function tryEmulator(store: ConnectionStore, emulator: EmbeddedEmulator, deployments?: DeploymentCache): Promise<Connection> {
  const existing = store.all().find((c) => c.emulator);
  if (existing) {
    const running = await emulator.ensureRunning((await store.readKey(existing))?.key ?? newEmulatorKey());
    const current = { ...existing, endpoint: running.url };
    // The key of the running emulator (which may have started with it earlier) is the one that opens it.
    await store.update(current, running.apiKey);
    await store.setDefault(current.id);
    await deployments?.set(current.id, emulatorDeployments(running));
    return current;
  }
  const running = await emulator.ensureRunning(newEmulatorKey());
  const connection = await store.add({ name: vscode.l10n.t('Local Emulator'), endpoint: running.url, apiVersion: '2025-04-01-preview', auth: 'apiKey', emulator: true }, running.apiKey);
  await store.setDefault(connection.id);
  await deployments?.set(connection.id, emulatorDeployments(running));
  return connection;
}

function emulatorDeployments(running: RunningEmulator) {
  return running.deployments().map((d) => ({ name: d.name, model: d.model, version: d.version, sku: d.sku, capacity: d.capacity ?? null, batch: isBatchSku(d.sku) }));
}

/**
 * Lets the user choose the workspace's connection (the one Submit uses, shown in the status bar), the current
 * one active. Returns the chosen one, or undefined when cancelled.
 */
export async function pickWorkspaceConnection(store: ConnectionStore, title = vscode.l10n.t('Connection for this workspace')): Promise<Connection | undefined> {
  const current = store.defaultConnection();
  const items = store.all().map((connection) => ({
    label: connection.name,
    description: [connection.emulator ? vscode.l10n.t('local emulator') : hostOf(connection.endpoint), connection.id === current?.id ? vscode.l10n.t('current') : undefined].filter(Boolean).join(' · '),
    connection,
  }));
  const add = { label: `$(add) ${vscode.l10n.t('Add Connection...')}`, description: '', connection: undefined };
  const picked = await pickOne([...items, add], { title, placeHolder: vscode.l10n.t('Batch jobs of this workspace go to this connection'), active: items.find((item) => item.connection.id === current?.id) });
  if (!picked) {
    return undefined;
  }
  if (!picked.connection) {
    await vscode.commands.executeCommand(Commands.addConnection);
    return undefined;
  }
  await store.setDefault(picked.connection.id);
  return picked.connection;
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

/**
 * Checks a connection with one list call, under a cancellable progress notification. When it fails, the user
 * is told the cause and chooses: go back to the step to fix (in the guided flow), save anyway (an endpoint that
 * is down now, or not reachable from here), or neither (cancelled).
 */
async function checkDraft(draft: Omit<Connection, 'id'>, apiKey: string | undefined, clients: ClientFactory, canGoBack: boolean): Promise<'save' | WizardResume> {
  let config: ConnectionConfig;
  if (draft.auth === 'apiKey') {
    if (!apiKey) {
      throw new Error(vscode.l10n.t('An API key is needed for this connection.'));
    }
    config = { endpoint: draft.endpoint, apiVersion: draft.apiVersion, service: draft.service, credential: { kind: 'apiKey', apiKey } };
  } else {
    config = await clients.configFor({ ...draft, id: 'draft' }, { interactive: true });
  }
  const failure = await withCancellableProgress(vscode.l10n.t('Checking {0}...', draft.endpoint), (_report, signal) => checkConnection(config, { signal }));
  if (failure === undefined) {
    return 'save';
  }
  const sentence = failureSentence(failure, draft);
  const saveAnyway = vscode.l10n.t('Save Anyway');
  const back = failure.step === 'credential' ? (draft.auth === 'apiKey' ? vscode.l10n.t('Change the Key') : vscode.l10n.t('Change the Tenant')) : vscode.l10n.t('Change the Endpoint');
  const choice = await vscode.window.showWarningMessage(vscode.l10n.t('The connection check of "{0}" failed: {1}', draft.name, sentence), { modal: true }, ...(canGoBack ? [back] : []), saveAnyway);
  if (choice === saveAnyway) {
    return 'save';
  }
  if (canGoBack && choice === back) {
    return { step: failure.step, notice: sentence };
  }
  throw new vscode.CancellationError();
}
