// Resource discovery through Azure Resource Manager: the account's directories (tenants), subscriptions -> Azure OpenAI / AI Services accounts -> their
// deployments, and an account's keys. Uses the official SDKs (loaded on first use from their own bundle, see
// armSdk.ts), which page by `nextLink`. Any ARM endpoint works: the public cloud, a sovereign cloud, or the
// emulator's ARM subset on 127.0.0.1. No `vscode` here: the extension and the CLI both use it.
import type * as ArmSdk from './armSdk';
import { loadBundled } from '../bundles';
import { isBatchSku, type DeploymentInfo, type ResourceInfo, type ResourceRef } from './deployments';

export const DEFAULT_MANAGEMENT_ENDPOINT = 'https://management.azure.com';
export const MANAGEMENT_SCOPE = 'https://management.azure.com/.default';

/** The token scope of an ARM endpoint (`https://management.usgovcloudapi.net` -> `https://management.usgovcloudapi.net/.default`). */
export function scopeFor(endpoint: string): string {
  return `${normalizeEndpoint(endpoint)}/.default`;
}

/** An endpoint without trailing slashes (`https://management.azure.com/` -> `https://management.azure.com`). */
export function normalizeEndpoint(endpoint: string): string {
  return endpoint.trim().replace(/\/+$/, '');
}

/** Account kinds that serve the Azure OpenAI batch API. */
export const OPENAI_KINDS: readonly string[] = ['OpenAI', 'AIServices'];

/** The `properties.endpoints` entry of an AI Services account that is its Azure OpenAI endpoint. */
export const OPENAI_ENDPOINT_KEY = 'OpenAI Language Model Instance API';

export interface ManagementOptions {
  /** The ARM endpoint, e.g. {@link DEFAULT_MANAGEMENT_ENDPOINT}. */
  readonly endpoint: string;
  /** A bearer token for {@link scopeFor}(endpoint); called before every request (cache it on the caller's side). */
  readonly getToken: () => Promise<string>;
  /** Cancels whatever call is running (it then fails with reason `canceled`). */
  readonly signal?: AbortSignal;
  /** Longest time one call (all its pages) may take. Default 30 s. */
  readonly timeoutMs?: number;
}

export interface SubscriptionInfo {
  readonly subscriptionId: string;
  readonly displayName: string;
  readonly tenantId: string;
  /** `Enabled`, `Warned`, `PastDue`, `Disabled`, `Deleted`. */
  readonly state?: string;
}

/** A directory (Entra tenant) the signed-in account belongs to. */
export interface TenantInfo {
  readonly tenantId: string;
  /** The directory's name; its default domain or id when it has none. */
  readonly displayName: string;
  /** e.g. `contoso.onmicrosoft.com`; '' when not given. */
  readonly defaultDomain: string;
  /** `Home`, `ProjectedBy` (Azure Lighthouse) or `ManagedBy`. */
  readonly tenantCategory?: string;
}

/** An account as listed, before its deployments are. */
export type AccountInfo = Omit<ResourceInfo, 'deployments'>;

export type ManagementErrorReason = 'unauthorized' | 'forbidden' | 'not_found' | 'network' | 'timeout' | 'service' | 'canceled';

/** A failed ARM call, in one plain sentence that says what to do. Never carries a token. */
export class ManagementError extends Error {
  constructor(
    message: string,
    readonly reason: ManagementErrorReason,
    readonly status?: number,
    /** ARM's error code, e.g. `AuthorizationFailed`, `InvalidAuthenticationToken`, `SubscriptionNotFound`. */
    readonly armCode?: string,
  ) {
    super(message);
    this.name = 'ManagementError';
  }
}

/** A failure of the caller's `getToken`: passed through unchanged (the caller knows how to explain it). */
class TokenUnavailable extends Error {
  constructor(readonly original: unknown) {
    super('token unavailable');
  }
}

let sdk: typeof ArmSdk | undefined;

function armSdk(): typeof ArmSdk {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred on purpose
  sdk ??= loadBundled('azureArm.js', () => require('./armSdk') as typeof ArmSdk);
  return sdk;
}

const defaultTimeoutMs = 30_000;

/** How many accounts' deployments are listed at once. */
const parallelAccounts = 4;

/** Subscription states in which nothing can be listed. */
const inactiveStates: ReadonlySet<string> = new Set(['disabled', 'deleted']);

/** The resource group in an ARM id (`/subscriptions/s/resourceGroups/rg/providers/...`), or ''. */
export function resourceGroupOf(id: string | undefined): string {
  return /\/resourceGroups\/([^/]+)/i.exec(id ?? '')?.[1] ?? '';
}

/**
 * The Azure OpenAI endpoint of an account: its `OpenAI Language Model Instance API` endpoint, else
 * `properties.endpoint`; '' when neither is one a key or token may be sent to (see {@link usableDataEndpoint}).
 */
export function accountEndpoint(properties: { endpoint?: string; endpoints?: Record<string, string> } | undefined): string {
  const found = [properties?.endpoints?.[OPENAI_ENDPOINT_KEY], properties?.endpoint].find((e) => typeof e === 'string' && e !== '');
  return found !== undefined && usableDataEndpoint(found) ? found : '';
}

/**
 * Whether an endpoint from ARM may become a connection (which sends the key or an Entra token there): an https URL
 * (plain http to 127.0.0.1 or localhost only) without a user name, password, query or fragment.
 */
export function usableDataEndpoint(endpoint: string): boolean {
  let url: URL;
  try {
    url = new URL(endpoint.trim());
  } catch {
    return false;
  }
  const loopback = url.protocol === 'http:' && /^(127\.0\.0\.1|localhost|\[::1\])$/i.test(url.hostname);
  return (url.protocol === 'https:' || loopback) && url.username === '' && url.password === '' && url.search === '' && url.hash === '' && !/[\s\u0000-\u001f]/.test(endpoint.trim());
}

export function isOpenAIKind(kind: string | undefined): boolean {
  const lower = (kind ?? '').toLowerCase();
  return OPENAI_KINDS.some((k) => k.toLowerCase() === lower);
}

/** Lists what a signed-in user can reach through ARM. Every method fails with a {@link ManagementError}. */
export class ManagementClient {
  private readonly endpoint: string;
  private readonly timeoutMs: number;

  constructor(private readonly options: ManagementOptions) {
    this.endpoint = normalizeEndpoint(options.endpoint);
    if (!/^https:\/\/[^/]/i.test(this.endpoint) && !/^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/i.test(this.endpoint)) {
      throw new ManagementError(`Set a management endpoint that starts with https:// (plain http only to 127.0.0.1 or localhost), not "${options.endpoint}".`, 'network');
    }
    this.timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  }

  /** Every directory the signed-in account belongs to (`GET /tenants`, whichever directory the token is for), by name. */
  listTenants(): Promise<TenantInfo[]> {
    return this.call('the directories', async (sdkOptions, signal) => {
      const client = armSdk().subscriptionClient(sdkOptions);
      const found: TenantInfo[] = [];
      for await (const t of client.tenants.list({ abortSignal: signal })) {
        if (t.tenantId === undefined || t.tenantId === '' || found.some((f) => f.tenantId.toLowerCase() === t.tenantId!.toLowerCase())) {
          continue;
        }
        const defaultDomain = t.defaultDomain ?? t.domains?.[0] ?? '';
        found.push({
          tenantId: t.tenantId,
          displayName: t.displayName?.trim() || defaultDomain || t.tenantId,
          defaultDomain,
          ...(t.tenantCategory === undefined ? {} : { tenantCategory: t.tenantCategory }),
        });
      }
      return found.sort((x, y) => x.displayName.localeCompare(y.displayName));
    });
  }

  listSubscriptions(): Promise<SubscriptionInfo[]> {
    return this.call('the subscriptions', async (sdkOptions, signal) => {
      const client = armSdk().subscriptionClient(sdkOptions);
      const found: SubscriptionInfo[] = [];
      for await (const s of client.subscriptions.list({ abortSignal: signal })) {
        if (s.subscriptionId === undefined) {
          continue;
        }
        found.push({ subscriptionId: s.subscriptionId, displayName: s.displayName ?? s.subscriptionId, tenantId: s.tenantId ?? '', ...(s.state === undefined ? {} : { state: s.state }) });
      }
      return found;
    });
  }

  /** The subscription's accounts of kind `OpenAI` or `AIServices` (others are left out), by name. */
  listAccounts(subscriptionId: string): Promise<AccountInfo[]> {
    return this.call(`the accounts of subscription ${subscriptionId}`, async (sdkOptions, signal) => {
      const client = armSdk().cognitiveClient(sdkOptions, subscriptionId);
      const found: AccountInfo[] = [];
      for await (const a of client.accounts.list({ abortSignal: signal })) {
        if (!isOpenAIKind(a.kind) || a.name === undefined) {
          continue;
        }
        found.push({
          subscriptionId,
          resourceGroup: resourceGroupOf(a.id),
          name: a.name,
          kind: a.kind!,
          location: a.location ?? '',
          endpoint: accountEndpoint(a.properties),
        });
      }
      return found.sort((x, y) => x.name.localeCompare(y.name));
    });
  }

  /** Every deployment of the account, batch or not ({@link DeploymentInfo.batch} tells), by name. */
  listDeployments(ref: ResourceRef): Promise<DeploymentInfo[]> {
    return this.call(`the deployments of ${ref.name}`, async (sdkOptions, signal) => {
      const client = armSdk().cognitiveClient(sdkOptions, ref.subscriptionId);
      const found: DeploymentInfo[] = [];
      for await (const d of client.deployments.list(ref.resourceGroup, ref.name, { abortSignal: signal })) {
        if (d.name === undefined) {
          continue;
        }
        const sku = d.sku?.name ?? '';
        found.push({
          name: d.name,
          model: d.properties?.model?.name ?? '',
          version: d.properties?.model?.version ?? '',
          sku,
          capacity: typeof d.sku?.capacity === 'number' ? d.sku.capacity : null,
          batch: isBatchSku(sku),
        });
      }
      return found.sort((x, y) => x.name.localeCompare(y.name));
    });
  }

  /** The account's API keys (`listKeys`; needs a role that may read them). */
  listKeys(ref: ResourceRef): Promise<{ key1: string; key2?: string }> {
    return this.call(`the keys of ${ref.name}`, async (sdkOptions, signal) => {
      const client = armSdk().cognitiveClient(sdkOptions, ref.subscriptionId);
      const keys = await client.accounts.listKeys(ref.resourceGroup, ref.name, { abortSignal: signal });
      if (keys.key1 === undefined || keys.key1 === '') {
        throw new ManagementError(`Ask for a role that may read keys of ${ref.name}: Azure Resource Manager returned none.`, 'forbidden');
      }
      return keys.key2 === undefined ? { key1: keys.key1 } : { key1: keys.key1, key2: keys.key2 };
    });
  }

  /**
   * The accounts of one subscription, or of every active subscription the user can see, with their deployments.
   * Without a subscription id, a subscription whose accounts the user may not list (403) is left out.
   */
  async discover(subscriptionId?: string): Promise<ResourceInfo[]> {
    const ids =
      subscriptionId !== undefined
        ? [subscriptionId]
        : (await this.listSubscriptions()).filter((s) => !inactiveStates.has((s.state ?? '').toLowerCase())).map((s) => s.subscriptionId);
    const accounts: AccountInfo[] = [];
    for (const id of ids) {
      try {
        accounts.push(...(await this.listAccounts(id)));
      } catch (error) {
        if (subscriptionId === undefined && error instanceof ManagementError && error.reason === 'forbidden') {
          continue;
        }
        throw error;
      }
    }
    const resources: ResourceInfo[] = new Array(accounts.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < accounts.length) {
        const at = next++;
        const account = accounts[at]!;
        resources[at] = { ...account, deployments: await this.listDeployments(account) };
      }
    };
    await Promise.all(Array.from({ length: Math.min(parallelAccounts, accounts.length) }, worker));
    return resources;
  }

  /** Runs one SDK call under the timeout and the caller's signal, turning every failure into a ManagementError. */
  private async call<T>(what: string, run: (sdkOptions: ArmSdk.ArmClientOptions, signal: AbortSignal) => Promise<T>): Promise<T> {
    const outer = this.options.signal;
    if (outer?.aborted) {
      throw canceled();
    }
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.timeoutMs);
    const onAbort = (): void => controller.abort();
    outer?.addEventListener('abort', onAbort, { once: true });
    const getToken = this.options.getToken;
    const sdkOptions: ArmSdk.ArmClientOptions = {
      endpoint: this.endpoint,
      getToken: async () => {
        try {
          return await getToken();
        } catch (error) {
          throw new TokenUnavailable(error);
        }
      },
    };
    try {
      return await run(sdkOptions, controller.signal);
    } catch (error) {
      if (error instanceof TokenUnavailable) {
        throw error.original;
      }
      if (error instanceof ManagementError) {
        throw error;
      }
      const refusal = refusalOf(error);
      if (refusal !== undefined) {
        throw new ManagementError(
          refusal.armRefusal === 'otherOrigin'
            ? `Report this answer: Azure Resource Manager (${this.endpoint}) sent a page link to another host (${refusal.host}) while listing ${what}; the link was not followed and the sign-in was not sent there.`
            : `Try again later: Azure Resource Manager (${this.endpoint}) sent the same page link twice while listing ${what}; the listing was stopped.`,
          'service',
        );
      }
      if (timedOut) {
        throw new ManagementError(`Try again later: Azure Resource Manager (${this.endpoint}) did not answer within ${Math.round(this.timeoutMs / 1000)} seconds while listing ${what}.`, 'timeout');
      }
      if (outer?.aborted) {
        throw canceled();
      }
      throw toManagementError(error, what, this.endpoint);
    } finally {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onAbort);
    }
  }
}

/** An {@link ArmSdk.ArmRequestRefused} (told by its field: armSdk.ts is bundled on its own, so instanceof cannot tell). */
function refusalOf(error: unknown): { armRefusal: 'otherOrigin' | 'repeatedPage'; host: string } | undefined {
  const candidate = error as { armRefusal?: unknown; host?: unknown } | null;
  return typeof candidate === 'object' && candidate !== null && (candidate.armRefusal === 'otherOrigin' || candidate.armRefusal === 'repeatedPage') && typeof candidate.host === 'string'
    ? { armRefusal: candidate.armRefusal, host: candidate.host }
    : undefined;
}

function canceled(): ManagementError {
  return new ManagementError('Listing Azure resources was canceled.', 'canceled');
}

/** ARM's error code from a RestError: its parsed body (`{ error: { code } }`) or, in the newer SDKs, its `code`. */
function armCodeOf(error: { details?: unknown; code?: string }): string | undefined {
  const details = error.details as { error?: { code?: unknown } } | undefined;
  const code = details?.error?.code ?? error.code;
  return typeof code === 'string' && /^[\w.-]{1,80}$/.test(code) ? code : undefined;
}

/** A failure of an SDK call as a ManagementError: reason by status, one sentence of advice. */
export function toManagementError(error: unknown, what: string, endpoint: string): ManagementError {
  const rest = typeof error === 'object' && error !== null && (error as { name?: string }).name === 'RestError' ? (error as { statusCode?: number; code?: string; details?: unknown }) : undefined;
  const status = rest?.statusCode;
  if (rest !== undefined && status === undefined) {
    const code = rest.code !== undefined && /^[\w.-]{1,40}$/.test(rest.code) ? rest.code : 'no answer';
    return new ManagementError(`Check the network connection and the management endpoint: ${endpoint} could not be reached while listing ${what} (${code}).`, 'network');
  }
  if (status === undefined) {
    const code = (error as { code?: unknown } | null)?.code;
    const shown = typeof code === 'string' && /^[\w.-]{1,40}$/.test(code) ? ` (${code})` : '';
    return new ManagementError(`Check the network connection and the management endpoint: ${endpoint} could not be reached while listing ${what}${shown}.`, 'network');
  }
  const armCode = armCodeOf(rest!);
  const tail = armCode === undefined ? `${status}` : `${status} ${armCode}`;
  switch (status) {
    case 401:
      return new ManagementError(`Sign in again: Azure Resource Manager did not accept the sign-in while listing ${what} (${tail}).`, 'unauthorized', status, armCode);
    case 403:
      return new ManagementError(`Ask for at least Reader access: the signed-in account may not list ${what} (${tail}).`, 'forbidden', status, armCode);
    case 404:
      return new ManagementError(`Check the subscription, resource group and resource name: Azure Resource Manager found nothing while listing ${what} (${tail}).`, 'not_found', status, armCode);
    default:
      return new ManagementError(`Try again later: Azure Resource Manager failed while listing ${what} (${tail}).`, 'service', status, armCode);
  }
}
