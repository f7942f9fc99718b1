import { randomBytes } from 'node:crypto';
import type { Deployment } from './options';

// The emulator's stand-in for Azure Resource Manager: the directories (tenants), subscriptions, Cognitive Services
// accounts and deployments it serves (routes/arm.ts), and the bearer tokens its local issuer hands out, each for
// one directory as Entra's are. An account whose
// endpoint is `self` is this emulator: its batch deployments are served by the data plane too.

/** One directory (Entra tenant) the signed-in account belongs to, as `GET /tenants` lists it. */
export interface ArmTenantSeed {
  readonly tenantId: string;
  /** Default: the default domain. */
  readonly displayName?: string;
  /** Default `{first label of the id}.onmicrosoft.com`. */
  readonly defaultDomain?: string;
  /** `Home`, `ProjectedBy` or `ManagedBy`. Default `Home`. */
  readonly tenantCategory?: string;
}

/** One subscription. */
export interface ArmSubscriptionSeed {
  readonly subscriptionId: string;
  readonly displayName: string;
  /** Default: the home directory (the first of `tenants`, else {@link defaultTenantId}). */
  readonly tenantId?: string;
  /** Default `Enabled`. */
  readonly state?: string;
  /** Listing its accounts answers 403 `AuthorizationFailed` (a subscription the caller may see but not read). */
  readonly forbidden?: boolean;
}

/** One deployment of an account. */
export interface ArmDeploymentSeed {
  readonly name: string;
  /** `properties.model.name`, e.g. `gpt-4o`. */
  readonly model: string;
  /** `properties.model.version`, e.g. `2024-08-06`. */
  readonly version: string;
  /** `sku.name`: `GlobalBatch`, `DataZoneBatch`, `Standard`, ... */
  readonly sku: string;
  /** `sku.capacity`; absent: none in the answer. */
  readonly capacity?: number;
}

/** One Cognitive Services account. */
export interface ArmAccountSeed {
  /** Default: the first subscription. */
  readonly subscriptionId?: string;
  readonly resourceGroup: string;
  readonly name: string;
  /** `OpenAI`, `AIServices`, `TextAnalytics`, ... */
  readonly kind: string;
  /** Default `eastus`. */
  readonly location?: string;
  /** `properties.endpoint`: a URL, `self` (this emulator, `http://127.0.0.1:P/`), or null for none. Default `self`. */
  readonly endpoint?: string | null;
  /** `properties.endpoints` (name -> URL, `self` allowed). Default none. */
  readonly endpoints?: Readonly<Record<string, string>>;
  readonly deployments?: readonly ArmDeploymentSeed[];
}

/** The `arm` option of the emulator. Every field is optional. */
export interface ArmOptions {
  /**
   * The directories; the first is the home one (tokens asked for without a tenant are for it). Default: the home
   * directory {@link defaultTenantId} "Emulator Directory", plus one for every other `tenantId` a subscription names.
   */
  readonly tenants?: readonly ArmTenantSeed[];
  /** Default: one, {@link defaultSubscriptionId} "Emulator Subscription". */
  readonly subscriptions?: readonly ArmSubscriptionSeed[];
  /** Default: see {@link defaultArmAccounts}. */
  readonly accounts?: readonly ArmAccountSeed[];
  /** Most items on one page of a list before a `nextLink`. Default 100. */
  readonly pageSize?: number;
  /** Lifetime of an issued token. Default 3600 s. */
  readonly tokenLifetimeSeconds?: number;
}

export type ResolvedSubscription = Required<ArmSubscriptionSeed>;
export type ResolvedTenant = Required<ArmTenantSeed>;

export interface ResolvedArm {
  /** The first is the home directory. */
  readonly tenants: readonly ResolvedTenant[];
  readonly subscriptions: readonly ResolvedSubscription[];
  readonly accounts: readonly ResolvedAccount[];
  readonly pageSize: number;
  readonly tokenLifetimeSeconds: number;
  /** The data plane's own batch deployments (the `deployments` option), which the default accounts show. */
  readonly ownDeployments: ReadonlyMap<string, Deployment>;
}

export interface ResolvedAccount {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly name: string;
  readonly kind: string;
  readonly location: string;
  readonly endpoint: string | null;
  readonly endpoints: Readonly<Record<string, string>> | undefined;
  readonly deployments: readonly ArmDeploymentSeed[];
}

export const defaultSubscriptionId = '00000000-0000-0000-0000-000000000001';
export const defaultTenantId = '00000000-0000-0000-0000-0000000000aa';
export const defaultResourceGroup = 'emulator-rg';

/** `gpt-4o-2024-08-06` -> `{ model: 'gpt-4o', version: '2024-08-06' }`; no date: version `1` (as ARM shows embeddings). */
export function splitModel(model: string): { model: string; version: string } {
  const match = /^(.+)-(\d{4}-\d{2}-\d{2})$/.exec(model);
  return match === null ? { model, version: '1' } : { model: match[1]!, version: match[2]! };
}

/**
 * The default resources: the `OpenAI` account `emulator` (this emulator) with the data plane's batch deployments
 * (`GlobalBatch`, the last of several `DataZoneBatch`) and a `Standard` one (`gpt-4o-live`, which batches reject);
 * an `AIServices` account `emulator-ai` whose Azure OpenAI endpoint (in `properties.endpoints`) is this emulator too;
 * and a `TextAnalytics` account `emulator-language`, which discovery must leave out.
 */
export function defaultArmAccounts(deployments: ReadonlyMap<string, Deployment>): ArmAccountSeed[] {
  const batch = [...deployments.values()];
  const own: ArmDeploymentSeed[] = batch.map((d, at) => ({
    name: d.name,
    ...splitModel(d.model),
    sku: batch.length > 1 && at === batch.length - 1 ? 'DataZoneBatch' : 'GlobalBatch',
    capacity: 250,
  }));
  own.push({ name: 'gpt-4o-live', model: 'gpt-4o', version: '2024-08-06', sku: 'Standard', capacity: 10 });
  return [
    { resourceGroup: defaultResourceGroup, name: 'emulator', kind: 'OpenAI', location: 'eastus', endpoint: 'self', deployments: own },
    {
      resourceGroup: defaultResourceGroup,
      name: 'emulator-ai',
      kind: 'AIServices',
      location: 'swedencentral',
      endpoint: 'https://emulator-ai.cognitiveservices.azure.com/',
      endpoints: { 'OpenAI Language Model Instance API': 'self', 'Content Safety': 'https://emulator-ai.cognitiveservices.azure.com/' },
      deployments: [{ name: 'gpt-4.1-mini-batch', model: 'gpt-4.1-mini', version: '2025-04-14', sku: 'GlobalBatch', capacity: 100 }],
    },
    { resourceGroup: defaultResourceGroup, name: 'emulator-language', kind: 'TextAnalytics', location: 'eastus', endpoint: 'https://emulator-language.cognitiveservices.azure.com/' },
  ];
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) {
    return fallback;
  }
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`${name} must be a positive integer`);
  }
  return value;
}

const sameId = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

function resolveTenant(seed: ArmTenantSeed): ResolvedTenant {
  if (!seed.tenantId || !/^[\w.-]+$/.test(seed.tenantId)) {
    throw new Error('arm.tenants: every tenant needs a tenantId (a GUID)');
  }
  const defaultDomain = seed.defaultDomain ?? `${seed.tenantId.split('-')[0]}.onmicrosoft.com`;
  return { tenantId: seed.tenantId, displayName: seed.displayName ?? defaultDomain, defaultDomain, tenantCategory: seed.tenantCategory ?? 'Home' };
}

/** Checks the `arm` option and fills in the defaults. */
export function resolveArm(options: ArmOptions | undefined, deployments: ReadonlyMap<string, Deployment>): ResolvedArm {
  const tenants = (options?.tenants ?? [{ tenantId: defaultTenantId, displayName: 'Emulator Directory', defaultDomain: 'emulator.onmicrosoft.com' }]).map(resolveTenant);
  if (tenants.length === 0) {
    throw new Error('arm.tenants: give at least one tenant (the home directory), or leave the field out');
  }
  const home = tenants[0]!.tenantId;
  const seeds = options?.subscriptions ?? [{ subscriptionId: defaultSubscriptionId, displayName: 'Emulator Subscription' }];
  const subscriptions = seeds.map((s): ResolvedSubscription => {
    if (!s.subscriptionId || !s.displayName) {
      throw new Error('arm.subscriptions: every subscription needs a subscriptionId and a displayName');
    }
    return { subscriptionId: s.subscriptionId, displayName: s.displayName, tenantId: s.tenantId ?? home, state: s.state ?? 'Enabled', forbidden: s.forbidden ?? false };
  });
  // A subscription of a directory the seeds leave out: without tenants given, that directory is listed too.
  for (const s of subscriptions) {
    if (!tenants.some((t) => sameId(t.tenantId, s.tenantId))) {
      if (options?.tenants !== undefined) {
        throw new Error(`arm.subscriptions: ${s.subscriptionId} names the tenant ${s.tenantId}, which arm.tenants does not list`);
      }
      tenants.push(resolveTenant({ tenantId: s.tenantId }));
    }
  }
  const first = subscriptions[0]?.subscriptionId ?? defaultSubscriptionId;
  const accounts = (options?.accounts ?? defaultArmAccounts(deployments)).map((a): ResolvedAccount => {
    if (!a.name || !a.resourceGroup || !a.kind) {
      throw new Error('arm.accounts: every account needs a name, a resourceGroup and a kind');
    }
    return {
      subscriptionId: a.subscriptionId ?? first,
      resourceGroup: a.resourceGroup,
      name: a.name,
      kind: a.kind,
      location: a.location ?? 'eastus',
      endpoint: a.endpoint === undefined ? 'self' : a.endpoint,
      endpoints: a.endpoints,
      deployments: a.deployments ?? [],
    };
  });
  return {
    tenants,
    subscriptions,
    accounts,
    pageSize: positiveInteger('arm.pageSize', options?.pageSize, 100),
    tokenLifetimeSeconds: positiveInteger('arm.tokenLifetimeSeconds', options?.tokenLifetimeSeconds, 3600),
    ownDeployments: deployments,
  };
}

/**
 * The directory a sign-in names (`VSCODE_TENANT:` value, the tenant of an Entra token path): by id or domain; the home
 * one for none (or `common`, `organizations`); undefined when no directory has that name.
 */
export function tenantNamed(config: Pick<ResolvedArm, 'tenants'>, name: string | undefined): ResolvedTenant | undefined {
  const wanted = (name ?? '').trim();
  if (wanted === '' || /^(common|organizations)$/i.test(wanted)) {
    return config.tenants[0];
  }
  return config.tenants.find((t) => sameId(t.tenantId, wanted) || sameId(t.defaultDomain, wanted));
}

/** Whether an account's Azure OpenAI endpoint is this emulator (so the data plane serves its batch deployments). */
export function servedHere(account: ResolvedAccount): boolean {
  const openai = account.endpoints?.['OpenAI Language Model Instance API'];
  return openai === 'self' || (openai === undefined && account.endpoint === 'self');
}

/** The audiences (scope without `/.default`) a token is for. */
export type Audience = 'management' | 'dataPlane';

/** Scopes that ask for a token ARM accepts (besides the emulator's own origin). */
const managementAudiences: readonly string[] = ['https://management.azure.com', 'https://management.core.windows.net'];
/** Scopes that ask for a token the data plane accepts (classic paths and `/openai/v1`). */
const dataPlaneAudiences: readonly string[] = ['https://cognitiveservices.azure.com', 'https://ai.azure.com'];

/** The audience of a requested scope (`https://management.azure.com/.default`, `.../user_impersonation`), or undefined. */
export function audienceOf(scope: string, origin: string): Audience | undefined {
  const resource = scope
    .trim()
    .replace(/\/(\.default|user_impersonation)$/, '')
    .replace(/\/+$/, '')
    .toLowerCase();
  if (managementAudiences.includes(resource) || resource === origin.toLowerCase()) {
    return 'management';
  }
  if (dataPlaneAudiences.includes(resource)) {
    return 'dataPlane';
  }
  return undefined;
}

export interface IssuedToken {
  readonly access_token: string;
  readonly token_type: 'Bearer';
  readonly expires_in: number;
  readonly ext_expires_in: number;
}

/**
 * What a presented bearer token is: valid for an audience (and a directory, when one was asked for; else the home
 * one), expired, or unknown.
 */
export type TokenCheck = { readonly state: 'valid'; readonly audience: Audience; readonly tenantId?: string } | { readonly state: 'expired' | 'unknown' };

/** The local token issuer: random opaque tokens with an expiry, an audience and a directory, kept in memory only. */
export class TokenIssuer {
  private readonly tokens = new Map<string, { expiresAt: number; audience: Audience; tenantId?: string }>();

  constructor(
    private readonly lifetimeSeconds: () => number,
    private readonly now: () => number = Date.now,
  ) {}

  /** A token for `audience`, for the directory `tenantId` (undefined: the home directory, whichever it is then). */
  issue(audience: Audience, tenantId?: string): IssuedToken {
    this.sweep();
    const lifetime = this.lifetimeSeconds();
    const token = `emu.${randomBytes(24).toString('base64url')}`;
    this.tokens.set(token, { expiresAt: this.now() + lifetime * 1000, audience, ...(tenantId === undefined ? {} : { tenantId }) });
    return { token_type: 'Bearer', access_token: token, expires_in: lifetime, ext_expires_in: lifetime };
  }

  check(token: string): TokenCheck {
    const found = this.tokens.get(token);
    if (found === undefined) {
      return { state: 'unknown' };
    }
    if (found.expiresAt <= this.now()) {
      return { state: 'expired' };
    }
    return { state: 'valid', audience: found.audience, ...(found.tenantId === undefined ? {} : { tenantId: found.tenantId }) };
  }

  /** Forgets every token (they then answer 401 `InvalidAuthenticationToken`). */
  revokeAll(): void {
    this.tokens.clear();
  }

  /** Drops tokens expired for over an hour, so a long run does not grow the map without bound. */
  private sweep(): void {
    const cutoff = this.now() - 3_600_000;
    for (const [token, { expiresAt }] of this.tokens) {
      if (expiresAt < cutoff) {
        this.tokens.delete(token);
      }
    }
  }
}
