import * as vscode from 'vscode';
import type { AzureCloud } from '../../core/azure/cloud';
import type { ResourceRef } from '../../core/azure/deployments';
import type { AccountInfo, SubscriptionInfo, TenantInfo } from '../../core/azure/management';
import { DEFAULT_API_VERSION } from '../../core/batch/connection';
import type { Connection, ConnectionStore } from '../connections/connectionStore';
import { UserFacingError } from '../errors';
import { withCancellableProgress } from '../progress';
import { currentCloud } from './azureCloud';
import { explainManagementError, managementClient, signInInteractively, type Authentication } from './azureSession';
import type { DeploymentsRefresher } from './deploymentsRefresher';
import { pickStep, type StepItem, type StepResult } from './quickSteps';

export interface SignInDeps {
  readonly connections: ConnectionStore;
  readonly deployments: DeploymentsRefresher;
  /** Lists the new connection's jobs (the Batch Jobs view's refresh). */
  readonly refreshJobs: (connection: Connection) => Promise<void>;
  readonly auth?: Authentication;
}

type AuthChoice = 'entra' | 'apiKey';
/** What the first step offers: a subscription, another directory of the account, or a directory typed by hand. */
type SubscriptionChoice =
  | { readonly kind: 'subscription'; readonly subscription: SubscriptionInfo }
  | { readonly kind: 'directory'; readonly tenant: TenantInfo }
  | { readonly kind: 'tenant' };

/** Subscription states in which nothing can be listed (ARM's `state`). */
const inactive = new Set(['disabled', 'deleted']);

const steps = 3;

/**
 * "Sign in with Microsoft": signs in first (VS Code's Microsoft provider, or the sovereign-cloud one the settings
 * name), then subscription -> Azure OpenAI / AI Services account -> how to authenticate, with Back between the
 * steps and each list loading inside its pick (Escape cancels it, silently). The first step also offers the
 * account's other directories (tenants) when it has several, or when this one has no subscription: picking one
 * signs in to it and lists its subscriptions. Picking adds a connection that knows
 * its resource (Entra ID and no key, or the resource's key fetched with `listKeys` into SecretStorage), lists
 * its deployments and jobs. The new connection becomes the default only when it is the first one.
 * Returns the connection, or undefined when the user stopped.
 */
export async function signInWithMicrosoft(deps: SignInDeps): Promise<Connection | undefined> {
  const auth = deps.auth ?? vscode.authentication;
  const cloud = currentCloud();
  let tenant: string | undefined;
  let session = await signInInteractively(auth, cloud, tenant);
  const title = vscode.l10n.t('Sign in with Microsoft');
  let subscription: SubscriptionInfo | undefined;
  let account: AccountInfo | undefined;
  for (let step = 1; step <= steps; ) {
    if (step === 1) {
      const picked: StepResult<SubscriptionChoice> = await pickStep<SubscriptionChoice>({
        title,
        step,
        steps,
        back: false,
        placeholder: vscode.l10n.t('Pick the subscription of your Azure OpenAI resource ({0})', session.account.label),
        load: (signal) => {
          const client = managementClient(auth, cloud, tenant, session, signal);
          // The directories only add choices: a failure to list them (an old ARM, a policy) leaves the subscriptions.
          return Promise.all([listing(cloud, () => client.listSubscriptions()), client.listTenants().catch(() => [] as TenantInfo[])]).then(([all, tenants]) => subscriptionItems(all, tenants, tenant ?? homeTenantOf(session.account)));
        },
        empty: () => new UserFacingError(vscode.l10n.t('{0} has no subscription you can use: sign in with another account or directory.', session.account.label)),
      });
      if (!picked) {
        return undefined;
      }
      if (picked.kind === 'picked' && picked.value.kind === 'directory') {
        // A session for that directory: VS Code's Microsoft provider signs in to it (`VSCODE_TENANT:`), then step 1
        // lists its subscriptions (and offers the directory left as one to go back to).
        const chosen = picked.value.tenant.tenantId;
        session = await signInInteractively(auth, cloud, chosen);
        tenant = chosen;
        continue;
      }
      if (picked.kind === 'picked' && picked.value.kind === 'tenant') {
        const chosen = await askTenant(tenant);
        if (chosen !== undefined) {
          tenant = chosen || undefined;
          session = await signInInteractively(auth, cloud, tenant);
        }
        continue;
      }
      if (picked.kind === 'picked' && picked.value.kind === 'subscription') {
        subscription = picked.value.subscription;
        step = 2;
      }
      continue;
    }
    if (step === 2) {
      const inSubscription = subscription!;
      const picked = await pickStep<AccountInfo>({
        title,
        step,
        steps,
        back: true,
        placeholder: vscode.l10n.t('Pick the Azure OpenAI or AI Services resource in {0}', inSubscription.displayName),
        load: (signal) => listing(cloud, () => managementClient(auth, cloud, tenant, session, signal).listAccounts(inSubscription.subscriptionId)).then(accountItems),
        empty: () => new UserFacingError(vscode.l10n.t('{0} has no Azure OpenAI or AI Services resource: create one in the Azure portal, or pick another subscription.', inSubscription.displayName)),
      });
      if (!picked) {
        return undefined;
      }
      if (picked.kind === 'back') {
        step = 1;
        continue;
      }
      account = picked.value;
      step = 3;
      continue;
    }
    const chosenAccount = account!;
    const picked = await pickStep<AuthChoice>({
      title,
      step,
      steps,
      back: true,
      placeholder: vscode.l10n.t('How should {0} authenticate?', chosenAccount.name),
      load: async () => authItems(),
      empty: () => new Error('no choice'),
    });
    if (!picked) {
      return undefined;
    }
    if (picked.kind === 'back') {
      step = 2;
      continue;
    }
    return addPicked(deps, auth, cloud, tenant, session, chosenAccount, picked.value);
  }
  return undefined;
}

/** Adds (or finds) the connection of the picked account, then lists its deployments and jobs. */
async function addPicked(deps: SignInDeps, auth: Authentication, cloud: AzureCloud, tenant: string | undefined, session: vscode.AuthenticationSession, account: AccountInfo, choice: AuthChoice): Promise<Connection> {
  const ref: ResourceRef = { subscriptionId: account.subscriptionId, resourceGroup: account.resourceGroup, name: account.name };
  if (!account.endpoint) {
    throw new UserFacingError(vscode.l10n.t('Azure gives no endpoint for {0}: check the resource in the Azure portal.', account.name));
  }
  const existing = deps.connections.all().find((c) => c.resource && sameResource(c.resource, ref) && c.auth === choice);
  if (existing) {
    void vscode.window.showInformationMessage(vscode.l10n.t('"{0}" is already connected.', existing.name));
    await deps.deployments.refresh(existing, true);
    return existing;
  }
  const apiKey =
    choice === 'apiKey'
      ? await withCancellableProgress(vscode.l10n.t('Fetching the key of {0}...', account.name), (_report, signal) =>
          listing(cloud, () => managementClient(auth, cloud, tenant, session, signal).listKeys(ref)).then((keys) => keys.key1),
        )
      : undefined;
  const first = deps.connections.all().length === 0;
  const saved = await deps.connections.add(
    {
      name: uniqueName(deps.connections, account.name),
      endpoint: account.endpoint.trim().replace(/\/+$/, ''),
      apiVersion: DEFAULT_API_VERSION,
      auth: choice,
      ...(tenant ? { tenant } : {}),
      service: 'azure',
      resource: ref,
    },
    apiKey,
  );
  if (first) {
    await deps.connections.setDefault(saved.id);
  }
  // The connection is saved: a listing that fails now shows in the view, with Retry, rather than undoing it.
  await Promise.all([deps.deployments.refresh(saved, false), deps.refreshJobs(saved).catch(() => undefined)]);
  return saved;
}

/** Runs a Resource Manager call, its failure explained in one sentence (a cancellation stays one). */
async function listing<T>(cloud: AzureCloud, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw explainManagementError(error, cloud);
  }
}

/**
 * The first step's items: the usable subscriptions by name; then, when the account has more than one directory
 * (or none of this directory's subscriptions is usable), the directories other than the one signed in to (name,
 * domain, id); and always last, a directory typed by hand.
 */
export function subscriptionItems(all: readonly SubscriptionInfo[], tenants: readonly TenantInfo[], signedInTo: string | undefined): (StepItem<SubscriptionChoice> | vscode.QuickPickItem)[] {
  const usable = all.filter((s) => !inactive.has((s.state ?? '').toLowerCase())).sort((a, b) => a.displayName.localeCompare(b.displayName));
  const subscriptionTenants = new Set(usable.map((s) => s.tenantId.toLowerCase()));
  const nameOf = (tenantId: string): string => tenants.find((t) => same(t.tenantId, tenantId))?.displayName ?? tenantId;
  const items: (StepItem<SubscriptionChoice> | vscode.QuickPickItem)[] = usable.map((subscription) => ({
    label: subscription.displayName,
    description: subscription.subscriptionId,
    detail: subscriptionTenants.size > 1 ? vscode.l10n.t('Directory {0}', nameOf(subscription.tenantId)) : undefined,
    value: { kind: 'subscription', subscription },
  }));
  // The directory signed in to: the one chosen (by id or domain) or the account's home one, else the one the
  // subscriptions are in.
  const current = (t: TenantInfo): boolean =>
    signedInTo !== undefined ? same(t.tenantId, signedInTo) || same(t.defaultDomain, signedInTo) : subscriptionTenants.size === 1 && subscriptionTenants.has(t.tenantId.toLowerCase());
  const others = tenants.length > 1 || usable.length === 0 ? tenants.filter((t) => !current(t)) : [];
  if (others.length > 0) {
    items.push(
      { label: vscode.l10n.t('Other directories'), kind: vscode.QuickPickItemKind.Separator },
      ...others.map(
        (t): StepItem<SubscriptionChoice> => ({
          label: `$(organization) ${t.displayName}`,
          description: t.defaultDomain && t.defaultDomain !== t.displayName ? t.defaultDomain : undefined,
          detail: t.tenantId,
          value: { kind: 'directory', tenant: t },
        }),
      ),
    );
  } else {
    items.push({ label: '', kind: vscode.QuickPickItemKind.Separator });
  }
  items.push({ label: vscode.l10n.t('$(organization) Sign in to another directory (tenant)...'), value: { kind: 'tenant' } });
  return items;
}

const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/**
 * The home directory of a Microsoft account, which a sign-in without a tenant is for: VS Code's Microsoft provider
 * gives MSAL's `homeAccountId` (`{objectId}.{tenantId}`) as the account id. Undefined for any other shape.
 */
export function homeTenantOf(account: { readonly id: string }): string | undefined {
  return /^[0-9a-f-]{36}\.([0-9a-f-]{36})$/i.exec(account.id)?.[1];
}

function accountItems(all: readonly AccountInfo[]): StepItem<AccountInfo>[] {
  return all.map((account) => ({
    label: account.name,
    description: [account.kind, account.location].filter(Boolean).join(' · '),
    detail: account.endpoint || vscode.l10n.t('no endpoint yet'),
    value: account,
  }));
}

function authItems(): StepItem<AuthChoice>[] {
  return [
    { label: vscode.l10n.t('$(shield) Microsoft Entra ID'), description: vscode.l10n.t('recommended: no key stored'), detail: vscode.l10n.t('Your sign-in needs the Cognitive Services OpenAI User role on the resource.'), value: 'entra' },
    { label: vscode.l10n.t('$(key) API key of the resource'), description: vscode.l10n.t('fetched now, kept in VS Code\'s secret storage'), detail: vscode.l10n.t('Needs a role that may read keys (for example Cognitive Services Contributor).'), value: 'apiKey' },
  ];
}

/** The tenant (directory) id or domain to sign in to; '' for the account's home directory, undefined when Escaped. */
async function askTenant(current: string | undefined): Promise<string | undefined> {
  const typed = await vscode.window.showInputBox({
    title: vscode.l10n.t('Sign in to another directory'),
    prompt: vscode.l10n.t('Directory (tenant) id or domain, such as contoso.onmicrosoft.com; leave empty for your home directory'),
    value: current,
    ignoreFocusOut: true,
    validateInput: (value) => (/^[\w.-]*$/.test(value.trim()) ? undefined : vscode.l10n.t('Enter a tenant id (a GUID) or a domain name.')),
  });
  return typed?.trim();
}

function sameResource(a: ResourceRef, b: ResourceRef): boolean {
  return a.subscriptionId.toLowerCase() === b.subscriptionId.toLowerCase() && a.resourceGroup.toLowerCase() === b.resourceGroup.toLowerCase() && a.name.toLowerCase() === b.name.toLowerCase();
}

/** The account's name, or "name (2)"... when a connection has that name already. */
function uniqueName(connections: ConnectionStore, name: string): string {
  const taken = new Set(connections.all().map((c) => c.name));
  if (!taken.has(name)) {
    return name;
  }
  for (let n = 2; ; n++) {
    const candidate = `${name} (${n})`;
    if (!taken.has(candidate)) {
      return candidate;
    }
  }
}
