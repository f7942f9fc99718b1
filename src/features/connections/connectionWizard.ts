import * as vscode from 'vscode';
import { DEFAULT_API_VERSION, OPENAI_ENDPOINT, suggestedConnectionName, V1_API_VERSION, type BatchService } from '../../core/batch/connection';
import type { CheckFailure, CheckStep } from '../../core/batch/connectionCheck';
import type { AuthKind, Connection } from './connectionStore';
import { hostOf } from './credentials';

/** Answers to the add/edit flow, for scripted use (tests, other extensions): no prompts are shown. */
export interface ConnectionInput {
  readonly name: string;
  readonly endpoint: string;
  readonly apiVersion?: string;
  readonly auth?: AuthKind;
  readonly apiKey?: string;
  readonly tenant?: string;
  /** Azure OpenAI (the default) or OpenAI's API. */
  readonly service?: BatchService;
  /** Save without checking the connection with a list call. */
  readonly skipCheck?: boolean;
  /** Make the new connection the workspace's (the first one always is; a scripted add otherwise never asks). */
  readonly useForWorkspace?: boolean;
}

/** The answers so far: what the flow asks again, prefilled, when a check sends the user back. */
export interface WizardAnswers {
  service: BatchService;
  endpoint?: string;
  apiVersion?: string;
  auth?: AuthKind;
  apiKey?: string;
  tenant?: string;
  name?: string;
}

type Step = 'endpoint' | 'apiVersion' | 'auth' | CheckStep | 'name';

const apiVersions = [DEFAULT_API_VERSION, '2025-04-01-preview', V1_API_VERSION];

/** Where the flow starts again, and the sentence shown there. */
export interface WizardResume {
  readonly step: CheckStep;
  readonly notice: string;
}

/**
 * Asks the questions of the add/edit flow from `resume.step` on (from the start without it), each prefilled
 * with `answers` (picks with the current item active). Undefined when the user cancels.
 */
export async function askConnection(answers: WizardAnswers, editing: Connection | undefined, options: { presetAuth?: AuthKind; resume?: WizardResume } = {}): Promise<ConnectionInput | undefined> {
  const steps: Step[] = answers.service === 'openai' ? ['endpoint', 'credential', 'name'] : ['endpoint', 'apiVersion', 'auth', 'credential', 'name'];
  const title = (step: Step) => `${editing ? vscode.l10n.t('Edit connection') : vscode.l10n.t('Add connection')} (${steps.indexOf(step) + 1}/${steps.length})`;
  const start = options.resume ? steps.indexOf(options.resume.step) : 0;
  for (let index = Math.max(0, start); index < steps.length; index++) {
    const step = steps[index]!;
    // The reason the check failed is shown at the step it sent the user back to.
    const notice = options.resume && index === start ? options.resume.notice : undefined;
    let ok: boolean;
    switch (step) {
      case 'endpoint':
        ok = await askEndpoint(answers, title(step), notice);
        break;
      case 'apiVersion':
        ok = await askApiVersion(answers, title(step));
        break;
      case 'auth':
        ok = await askAuth(answers, title(step), options.presetAuth);
        break;
      case 'credential':
        ok = await askCredential(answers, title(step), editing, notice);
        break;
      case 'name':
        ok = await askName(answers, title(step), editing);
        break;
    }
    if (!ok) {
      return undefined;
    }
  }
  return {
    name: answers.name!,
    endpoint: answers.endpoint!,
    apiVersion: answers.service === 'openai' ? V1_API_VERSION : answers.apiVersion,
    auth: answers.service === 'openai' ? 'apiKey' : answers.auth,
    apiKey: answers.apiKey,
    tenant: answers.auth === 'apiKey' ? undefined : answers.tenant,
    service: answers.service,
  };
}

/**
 * The first question of Add Connection: which service. 'signIn' is Azure OpenAI through Microsoft sign-in (sign in
 * first, then pick the resource: no endpoint to copy). Undefined when cancelled.
 */
export async function askService(): Promise<BatchService | 'signIn' | undefined> {
  const items = [
    { label: vscode.l10n.t('Sign in with Microsoft'), description: vscode.l10n.t('pick an Azure OpenAI resource from your subscriptions'), service: 'signIn' as const },
    { label: vscode.l10n.t('Azure OpenAI'), description: vscode.l10n.t('an endpoint with an API key, Microsoft Entra ID or the Azure CLI'), service: 'azure' as const },
    { label: vscode.l10n.t('OpenAI (api.openai.com)'), description: vscode.l10n.t('OpenAI\'s Batch API with an API key'), service: 'openai' as const },
  ];
  return (await pickOne(items, { title: vscode.l10n.t('Add connection'), placeHolder: vscode.l10n.t('Which service runs the batch jobs?') }))?.service;
}

/** The answers an edit starts from: the connection's current values. */
export function answersOf(connection: Connection): WizardAnswers {
  return { service: connection.service ?? 'azure', endpoint: connection.endpoint, apiVersion: connection.apiVersion, auth: connection.auth, tenant: connection.tenant, name: connection.name };
}

/** What a failed check says, in one sentence about the cause. */
export function failureSentence(failure: CheckFailure, connection: { readonly endpoint: string; readonly apiVersion: string; readonly auth: AuthKind; readonly service?: BatchService }): string {
  const host = hostOf(connection.endpoint);
  const openai = connection.service === 'openai';
  switch (failure.cause) {
    case 'hostNotFound':
      return vscode.l10n.t('the host {0} does not resolve. Check the endpoint for a typo, and the network.', host);
    case 'refused':
      return vscode.l10n.t('the connection to {0} was refused: nothing listens there. Is the service (or the emulator) running, and is the port right?', host);
    case 'tls':
      return vscode.l10n.t('the TLS handshake with {0} failed ({1}): its certificate is not trusted here (a proxy, or the wrong host).', host, failure.detail);
    case 'unauthorized':
      return connection.auth !== 'apiKey'
        ? vscode.l10n.t('the service answered {0}: your account has no access to this resource (it needs a role such as "Cognitive Services OpenAI User"), or the tenant is wrong.', String(failure.status))
        : openai
          ? vscode.l10n.t('the service answered {0}: the API key is wrong or revoked.', String(failure.status))
          : vscode.l10n.t('the service answered {0}: the key is wrong, or it belongs to another resource.', String(failure.status));
    case 'notFound':
      return openai
        ? vscode.l10n.t('the service answered 404: {0} does not serve the OpenAI Batch API at /v1.', connection.endpoint)
        : vscode.l10n.t('the service answered 404: {0} is not an Azure OpenAI endpoint, or it does not serve the api-version {1}.', connection.endpoint, connection.apiVersion);
    case 'blockedPort':
      return vscode.l10n.t('the port of {0} is a reserved one that VS Code never connects to (such as 9 or 6000): use the port the service listens on.', host);
    case 'timeout':
      return vscode.l10n.t('{0} did not answer in time.', host);
    case 'other':
      return failure.detail;
  }
}

async function askEndpoint(answers: WizardAnswers, title: string, notice: string | undefined): Promise<boolean> {
  const openai = answers.service === 'openai';
  const endpoint = await vscode.window.showInputBox({
    title,
    prompt: notice ?? (openai ? vscode.l10n.t('OpenAI API address (keep it for api.openai.com)') : vscode.l10n.t('Endpoint of your Azure OpenAI resource')),
    placeHolder: openai ? OPENAI_ENDPOINT : 'https://my-resource.openai.azure.com',
    value: answers.endpoint ?? (openai ? OPENAI_ENDPOINT : undefined),
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
    return false;
  }
  answers.endpoint = endpoint.trim();
  return true;
}

async function askApiVersion(answers: WizardAnswers, title: string): Promise<boolean> {
  const items = apiVersions.map((label) => ({
    label,
    description: label === DEFAULT_API_VERSION ? vscode.l10n.t('generally available') : label === V1_API_VERSION ? vscode.l10n.t('the v1 API (/openai/v1)') : vscode.l10n.t('preview: reports enqueued tokens'),
  }));
  const current = answers.apiVersion ?? DEFAULT_API_VERSION;
  if (!apiVersions.includes(current)) {
    items.push({ label: current, description: vscode.l10n.t('current') });
  }
  const picked = await pickOne(items, { title, placeHolder: vscode.l10n.t('API version'), active: items.find((item) => item.label === current) });
  if (!picked) {
    return false;
  }
  answers.apiVersion = picked.label;
  return true;
}

async function askAuth(answers: WizardAnswers, title: string, presetAuth: AuthKind | undefined): Promise<boolean> {
  const items = [
    { label: vscode.l10n.t('API key'), description: vscode.l10n.t('stored in VS Code\'s secret storage'), auth: 'apiKey' as const },
    { label: vscode.l10n.t('Microsoft Entra ID'), description: vscode.l10n.t('VS Code\'s Microsoft sign-in'), auth: 'entra' as const },
    { label: vscode.l10n.t('Azure CLI and other local credentials'), description: 'DefaultAzureCredential', auth: 'azureCli' as const },
  ];
  const preset = items.find((item) => item.auth === presetAuth);
  const picked = preset ?? (await pickOne(items, { title, placeHolder: vscode.l10n.t('How to authenticate'), active: items.find((item) => item.auth === answers.auth) }));
  if (!picked) {
    return false;
  }
  answers.auth = picked.auth;
  return true;
}

async function askCredential(answers: WizardAnswers, title: string, editing: Connection | undefined, notice: string | undefined): Promise<boolean> {
  if (answers.service === 'openai' || answers.auth === 'apiKey') {
    // Editing, a blank key keeps the stored one, unless the key is what the check found wrong.
    const keepStored = editing !== undefined && editing.auth === 'apiKey' && notice === undefined;
    const apiKey = await vscode.window.showInputBox({
      title,
      prompt: notice ?? (keepStored ? vscode.l10n.t('API key (leave empty to keep the stored one)') : answers.service === 'openai' ? vscode.l10n.t('API key (platform.openai.com, API keys)') : vscode.l10n.t('API key (Keys and Endpoint in the Azure portal)')),
      value: answers.apiKey,
      password: true,
      ignoreFocusOut: true,
      validateInput: (value) => (keepStored || value.trim() ? undefined : vscode.l10n.t('Enter the key.')),
    });
    if (apiKey === undefined) {
      return false;
    }
    answers.apiKey = apiKey.trim() || undefined;
    return true;
  }
  const tenant = await vscode.window.showInputBox({ title, prompt: notice ?? vscode.l10n.t('Tenant id or domain (optional)'), value: answers.tenant, ignoreFocusOut: true });
  if (tenant === undefined) {
    return false;
  }
  answers.tenant = tenant.trim() || undefined;
  return true;
}

async function askName(answers: WizardAnswers, title: string, editing: Connection | undefined): Promise<boolean> {
  const suggested = answers.service === 'openai' && answers.endpoint === OPENAI_ENDPOINT ? 'OpenAI' : suggestedConnectionName(answers.endpoint!);
  const name = await vscode.window.showInputBox({
    title,
    prompt: vscode.l10n.t('A name for this connection'),
    value: answers.name ?? editing?.name ?? suggested,
    ignoreFocusOut: true,
    validateInput: (value) => (value.trim() ? undefined : vscode.l10n.t('Enter a name.')),
  });
  if (!name?.trim()) {
    return false;
  }
  answers.name = name.trim();
  return true;
}

/** A single-choice quick pick that opens with `active` highlighted (showQuickPick cannot). */
export function pickOne<T extends vscode.QuickPickItem>(items: readonly T[], options: { title: string; placeHolder: string; active?: T }): Promise<T | undefined> {
  const pick = vscode.window.createQuickPick<T>();
  pick.title = options.title;
  pick.placeholder = options.placeHolder;
  pick.ignoreFocusOut = true;
  pick.items = items;
  if (options.active) {
    pick.activeItems = [options.active];
  }
  return new Promise<T | undefined>((resolve) => {
    let chosen: T | undefined;
    const accept = pick.onDidAccept(() => {
      chosen = pick.selectedItems[0] ?? pick.activeItems[0];
      pick.hide();
    });
    const hide = pick.onDidHide(() => {
      accept.dispose();
      hide.dispose();
      pick.dispose();
      resolve(chosen);
    });
    pick.show();
  });
}
