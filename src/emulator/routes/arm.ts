import type { IncomingMessage } from 'node:http';
import { sameSecret } from '../access';
import { hashHex } from '../random';
import { azureError, HttpError } from '../errors';
import { audienceOf, resolveArm, tenantNamed, type ArmOptions, type ResolvedAccount, type ResolvedArm, type ResolvedSubscription, type ResolvedTenant, type TokenIssuer } from '../arm';
import type { Deployment } from '../options';
import { countingBody } from '../wire';
import { isObject, readJson } from './params';
import type { Reply } from './types';

// The Azure Resource Manager subset (tenants, subscriptions, Cognitive Services accounts, deployments, listKeys) in
// Azure's JSON shapes with `nextLink` paging, and the token issuer: `POST /_emulator/token` and the Entra-like
// `POST /{tenant}/oauth2/v2.0/token`. ARM routes need `Authorization: Bearer` with a token issued here for ARM; as
// in Azure, a token is for one directory: it lists that directory's subscriptions and reads only those.

/** What the ARM routes read and change. */
export interface ArmDeps {
  /** The current resources (replaced by `PUT /_emulator/arm`). */
  config: ResolvedArm;
  readonly tokens: TokenIssuer;
  readonly apiKey: string;
  readonly deployments: ReadonlyMap<string, Deployment>;
  /** `http://127.0.0.1:PORT`. */
  readonly origin: () => string;
}

const accountsType = 'Microsoft.CognitiveServices/accounts';
const provider = 'providers/Microsoft.CognitiveServices/accounts';

/** An ARM request's place, from its path (ARM matches names case-insensitively). */
export type ArmRoute =
  | { readonly what: 'tenants' }
  | { readonly what: 'subscriptions' }
  | { readonly what: 'subscription'; readonly sub: string }
  | { readonly what: 'accounts'; readonly sub: string; readonly rg?: string }
  | { readonly what: 'account' | 'deployments' | 'listKeys'; readonly sub: string; readonly rg: string; readonly name: string }
  | { readonly what: 'deployment'; readonly sub: string; readonly rg: string; readonly name: string; readonly deployment: string }
  | { readonly what: 'unknown' };

/** The ARM route of `/tenants` or a path under `/subscriptions`, or undefined when the path is not ARM's. */
export function armRoute(method: string, pathname: string): ArmRoute | undefined {
  const parts = pathname.replace(/\/+$/, '').split('/').slice(1);
  if (parts[0]?.toLowerCase() === 'tenants') {
    return parts.length === 1 && method.toUpperCase() === 'GET' ? { what: 'tenants' } : { what: 'unknown' };
  }
  if (parts[0]?.toLowerCase() !== 'subscriptions') {
    return undefined;
  }
  let p: string[];
  try {
    p = parts.map((x) => decodeURIComponent(x));
  } catch {
    return { what: 'unknown' };
  }
  const m = method.toUpperCase();
  const is = (at: number, word: string): boolean => p[at]?.toLowerCase() === word.toLowerCase();
  const providerAt = (at: number): boolean => is(at, 'providers') && is(at + 1, 'Microsoft.CognitiveServices') && is(at + 2, 'accounts');
  if (p.length === 1 && m === 'GET') {
    return { what: 'subscriptions' };
  }
  const sub = p[1]!;
  if (p.length === 2 && m === 'GET') {
    return { what: 'subscription', sub };
  }
  if (p.length === 5 && providerAt(2) && m === 'GET') {
    return { what: 'accounts', sub };
  }
  if (p.length >= 7 && is(2, 'resourceGroups') && providerAt(4)) {
    const rg = p[3]!;
    const name = p[7];
    if (p.length === 7 && m === 'GET') {
      return { what: 'accounts', sub, rg };
    }
    if (name !== undefined && p.length === 8 && m === 'GET') {
      return { what: 'account', sub, rg, name };
    }
    if (name !== undefined && p.length === 9 && is(8, 'deployments') && m === 'GET') {
      return { what: 'deployments', sub, rg, name };
    }
    if (name !== undefined && p.length === 10 && is(8, 'deployments') && m === 'GET') {
      return { what: 'deployment', sub, rg, name, deployment: p[9]! };
    }
    if (name !== undefined && p.length === 9 && is(8, 'listKeys') && m === 'POST') {
      return { what: 'listKeys', sub, rg, name };
    }
  }
  return { what: 'unknown' };
}

/** The Entra-like token path `/{tenant}/oauth2/v2.0/token` (also `/{tenant}/oauth2/token`). */
export function isEntraTokenPath(pathname: string): boolean {
  return /^\/[\w.-]+\/oauth2(\/v2\.0)?\/token\/?$/i.test(pathname);
}

const armError = (status: number, code: string, message: string, headers?: Record<string, string>): HttpError => new HttpError(status, azureError(code, message), headers);

function challenge(description: string): Record<string, string> {
  return { 'www-authenticate': `Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token", error_description="${description}"` };
}

/**
 * Checks `Authorization: Bearer` against the issued tokens: a 401 in ARM's words unless it is a valid ARM token.
 * Returns the directory the token is for (undefined: the home one).
 */
export function authorizeArm(req: IncomingMessage, tokens: TokenIssuer): string | undefined {
  const header = req.headers.authorization;
  if (typeof header !== 'string' || header.trim() === '') {
    throw armError(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing.", challenge("The authentication failed because of missing 'Authorization' header."));
  }
  const bearer = /^Bearer\s+(\S+)$/i.exec(header.trim())?.[1];
  if (bearer === undefined) {
    throw armError(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is provided in an invalid format.", challenge("The 'Authorization' header is provided in an invalid format."));
  }
  const found = tokens.check(bearer);
  if (found.state !== 'valid') {
    throw found.state === 'expired'
      ? armError(401, 'ExpiredAuthenticationToken', 'The access token has expired. Get a new token and retry.', challenge('The access token has expired.'))
      : armError(401, 'InvalidAuthenticationToken', 'The access token is invalid.', challenge('The access token is invalid.'));
  }
  if (found.audience !== 'management') {
    throw armError(
      401,
      'InvalidAuthenticationTokenAudience',
      "The access token has been obtained for wrong audience or resource. It should exactly match with one of the allowed audiences 'https://management.core.windows.net/','https://management.core.windows.net','https://management.azure.com/','https://management.azure.com'.",
      challenge('The access token has been obtained for wrong audience.'),
    );
  }
  return found.tenantId;
}

/** The `api-version` every ARM request needs (any value is served). */
function requireApiVersion(url: URL): string {
  const version = url.searchParams.get('api-version');
  if (version === null || version.trim() === '') {
    throw armError(400, 'MissingApiVersionParameter', "The api-version query parameter (?api-version=) is required for all requests.");
  }
  return version;
}

/** One page of a list and, when more follow, a `nextLink` to the same path with a skip token. */
function page(items: readonly unknown[], url: URL, version: string, size: number, origin: string, extra: Record<string, unknown> = {}): Reply {
  const raw = url.searchParams.get('$skiptoken') ?? url.searchParams.get('$skipToken');
  const skip = raw === null ? 0 : Number(raw);
  if (!Number.isInteger(skip) || skip < 0) {
    throw armError(400, 'InvalidSkipToken', 'The skip token of the request is not valid.');
  }
  const body: Record<string, unknown> = { value: items.slice(skip, skip + size), ...extra };
  if (skip + size < items.length) {
    const next = new URL(url.pathname, origin);
    next.searchParams.set('api-version', version);
    next.searchParams.set('$skiptoken', String(skip + size));
    body.nextLink = next.toString();
  }
  return { status: 200, json: body };
}

function tenantView(t: ResolvedTenant): Record<string, unknown> {
  return {
    id: `/tenants/${t.tenantId}`,
    tenantId: t.tenantId,
    countryCode: 'US',
    displayName: t.displayName,
    domains: [t.defaultDomain],
    tenantCategory: t.tenantCategory,
    defaultDomain: t.defaultDomain,
    tenantType: 'AAD',
  };
}

function subscriptionView(s: ResolvedSubscription): Record<string, unknown> {
  return {
    id: `/subscriptions/${s.subscriptionId}`,
    authorizationSource: 'RoleBased',
    managedByTenants: [],
    subscriptionId: s.subscriptionId,
    tenantId: s.tenantId,
    displayName: s.displayName,
    state: s.state,
    subscriptionPolicies: { locationPlacementId: 'Public_2014-09-01', quotaId: 'PayAsYouGo_2014-09-01', spendingLimit: 'Off' },
  };
}

function accountId(a: ResolvedAccount): string {
  return `/subscriptions/${a.subscriptionId}/resourceGroups/${a.resourceGroup}/${provider}/${a.name}`;
}

const created = '2025-01-15T09:30:00.0000000Z';

function accountView(a: ResolvedAccount, origin: string): Record<string, unknown> {
  const url = (value: string): string => (value === 'self' ? `${origin}/` : value);
  const properties: Record<string, unknown> = {
    provisioningState: 'Succeeded',
    customSubDomainName: a.name,
    internalId: hashHex(32, 'account', accountId(a)),
    dateCreated: created,
    publicNetworkAccess: 'Enabled',
    ...(a.endpoint === null ? {} : { endpoint: url(a.endpoint) }),
    ...(a.endpoints === undefined ? {} : { endpoints: Object.fromEntries(Object.entries(a.endpoints).map(([k, v]) => [k, url(v)])) }),
  };
  return {
    id: accountId(a),
    name: a.name,
    type: accountsType,
    etag: `"${hashHex(32, 'etag', accountId(a))}"`,
    location: a.location,
    kind: a.kind,
    sku: { name: 'S0' },
    tags: {},
    properties,
    systemData: { createdAt: created, createdByType: 'User', lastModifiedAt: created, lastModifiedByType: 'User' },
  };
}

function deploymentView(a: ResolvedAccount, d: ResolvedAccount['deployments'][number]): Record<string, unknown> {
  return {
    id: `${accountId(a)}/deployments/${d.name}`,
    type: `${accountsType}/deployments`,
    name: d.name,
    sku: d.capacity === undefined ? { name: d.sku } : { name: d.sku, capacity: d.capacity },
    properties: {
      model: { format: 'OpenAI', name: d.model, version: d.version },
      versionUpgradeOption: 'OnceNewDefaultVersionAvailable',
      ...(d.capacity === undefined ? {} : { currentCapacity: d.capacity }),
      raiPolicyName: 'Microsoft.DefaultV2',
      provisioningState: 'Succeeded',
    },
    systemData: { createdAt: created, createdByType: 'User', lastModifiedAt: created, lastModifiedByType: 'User' },
  };
}

const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/**
 * Serves one ARM request (already routed and authorized by {@link authorizeArm}, whose directory `tokenTenant` is);
 * checks the api-version first. Every directory of the account is listed; subscriptions only of the token's one.
 */
export function serveArm(deps: ArmDeps, url: URL, found: ArmRoute, tokenTenant?: string): Reply {
  const version = requireApiVersion(url);
  const { config } = deps;
  const origin = deps.origin();
  if (found.what === 'unknown') {
    throw armError(404, 'NotFound', `The resource path '${url.pathname}' is not served by the emulator's Azure Resource Manager.`);
  }
  if (found.what === 'tenants') {
    return page(config.tenants.map(tenantView), url, version, config.pageSize, origin);
  }
  // A token for a directory that is no longer listed (the resources were replaced) reads nothing.
  const caller = tokenTenant === undefined ? config.tenants[0]!.tenantId : tokenTenant;
  if (found.what === 'subscriptions') {
    const all = config.subscriptions.filter((s) => same(s.tenantId, caller)).map(subscriptionView);
    return page(all, url, version, config.pageSize, origin, { count: { type: 'Total', value: all.length } });
  }
  const subscription = config.subscriptions.find((s) => same(s.subscriptionId, found.sub));
  if (subscription === undefined) {
    throw armError(404, 'SubscriptionNotFound', `The subscription '${found.sub}' could not be found.`);
  }
  if (!same(subscription.tenantId, caller)) {
    throw armError(
      401,
      'InvalidAuthenticationTokenTenant',
      `The access token is from the wrong issuer 'https://sts.windows.net/${caller}/'. It must match the tenant 'https://sts.windows.net/${subscription.tenantId}/' associated with this subscription. Please use the authority (URL) 'https://login.windows.net/${subscription.tenantId}' to get the token.`,
      challenge('The access token is from the wrong issuer.'),
    );
  }
  if (found.what === 'subscription') {
    return { status: 200, json: subscriptionView(subscription) };
  }
  if (subscription.forbidden) {
    throw armError(
      403,
      'AuthorizationFailed',
      `The client does not have authorization to perform action 'Microsoft.CognitiveServices/accounts/read' over scope '/subscriptions/${subscription.subscriptionId}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
    );
  }
  const inSubscription = config.accounts.filter((a) => same(a.subscriptionId, subscription.subscriptionId));
  if (found.what === 'accounts' && found.rg === undefined) {
    return page(inSubscription.map((a) => accountView(a, origin)), url, version, config.pageSize, origin);
  }
  const rg = found.rg!;
  const inGroup = inSubscription.filter((a) => same(a.resourceGroup, rg));
  if (inGroup.length === 0) {
    throw armError(404, 'ResourceGroupNotFound', `Resource group '${rg}' could not be found.`);
  }
  if (found.what === 'accounts') {
    return page(inGroup.map((a) => accountView(a, origin)), url, version, config.pageSize, origin);
  }
  const account = inGroup.find((a) => same(a.name, found.name));
  if (account === undefined) {
    throw armError(404, 'ResourceNotFound', `The Resource '${accountsType}/${found.name}' under resource group '${rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`);
  }
  switch (found.what) {
    case 'account':
      return { status: 200, json: accountView(account, origin) };
    case 'deployments':
      return page(account.deployments.map((d) => deploymentView(account, d)), url, version, config.pageSize, origin);
    case 'deployment': {
      const deployment = account.deployments.find((d) => same(d.name, found.deployment));
      if (deployment === undefined) {
        throw armError(404, 'DeploymentNotFound', `The specified deployment '${found.deployment}' under account '${account.name}' was not found.`);
      }
      return { status: 200, json: deploymentView(account, deployment) };
    }
    case 'listKeys':
      // The emulator has one key; Azure's second key is not accepted by its data plane, so none is given.
      return { status: 200, json: { key1: deps.apiKey } };
  }
}

/**
 * The JSON body of `POST /_emulator/token`: `{ "scope"?: string, "tenant"?: string }` (default ARM's scope and the
 * home directory; a tenant by id or domain, as `VSCODE_TENANT:` names it).
 */
export async function issueFromControl(deps: ArmDeps, req: IncomingMessage): Promise<Reply> {
  const raw = await readBody(req);
  let scope = 'https://management.azure.com/.default';
  let tenant: string | undefined;
  if (raw.trim() !== '') {
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      throw armError(400, 'InvalidRequestContent', 'The request body must be JSON: {"scope": "https://management.azure.com/.default"}.');
    }
    if (isObject(body) && typeof body.scope === 'string') {
      scope = body.scope;
    }
    if (isObject(body) && typeof body.tenant === 'string') {
      tenant = body.tenant;
    }
  }
  return issueFor(deps, scope, tenant, (message) => armError(400, 'InvalidScope', message));
}

function issueFor(deps: ArmDeps, scope: string, tenant: string | undefined, invalid: (message: string) => HttpError): Reply {
  const directory = tenantNamed(deps.config, tenant);
  if (directory === undefined) {
    throw invalid(`Tenant '${tenant}' not found: the emulator's directories are ${deps.config.tenants.map((t) => t.tenantId).join(', ')}.`);
  }
  // A request may name several scopes (space-separated); the first one with a known audience decides.
  const audience = scope
    .split(/\s+/)
    .map((s) => audienceOf(s, deps.origin()))
    .find((a) => a !== undefined);
  if (audience === undefined) {
    throw invalid(`The scope '${scope}' is not served by the emulator: ask for https://management.azure.com/.default (ARM) or https://cognitiveservices.azure.com/.default (data plane).`);
  }
  // No tenant asked for: the token follows the home directory (as a token of the account's home tenant does).
  return { status: 200, json: deps.tokens.issue(audience, tenant === undefined ? undefined : directory.tenantId) };
}

/**
 * The Entra-like `POST /{tenant}/oauth2/v2.0/token` (form body, `grant_type=client_credentials`, any
 * `client_id`, `client_secret` = the emulator's key, `scope`). Errors in the OAuth shape Entra uses.
 */
export async function issueFromEntra(deps: ArmDeps, req: IncomingMessage, pathname: string): Promise<Reply> {
  const tenant = /^\/([^/]+)\//.exec(pathname)?.[1];
  const form = new URLSearchParams(await readBody(req));
  const oauth = (status: number, error: string, description: string): Reply => ({ status, json: { error, error_description: description } });
  if (form.get('grant_type') !== 'client_credentials') {
    return oauth(400, 'unsupported_grant_type', 'AADSTS70003: The emulator supports only grant_type=client_credentials.');
  }
  const secret = form.get('client_secret');
  if (secret === null || !sameSecret(secret, deps.apiKey)) {
    return oauth(401, 'invalid_client', "AADSTS7000215: Invalid client secret provided. Use the emulator's API key as the client secret.");
  }
  try {
    return issueFor(deps, form.get('scope') ?? '', tenant, (message) => armError(400, 'invalid_scope', message));
  } catch (error) {
    if (error instanceof HttpError) {
      return oauth(400, 'invalid_scope', `AADSTS70011: ${error.message}`);
    }
    throw error;
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of countingBody(req, undefined)) {
    size += chunk.length;
    if (size > 64 * 1024) {
      throw armError(413, 'RequestEntityTooLarge', 'The request body is too large.');
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** `PUT /_emulator/arm` (replace the resources with an `arm` option), `DELETE /_emulator/arm/tokens` (revoke all). */
export async function armControl(deps: ArmDeps, req: IncomingMessage, path: readonly string[]): Promise<Reply | undefined> {
  const method = (req.method ?? 'GET').toUpperCase();
  if (path[0] === 'token' && path.length === 1 && method === 'POST') {
    return issueFromControl(deps, req);
  }
  if (path[0] !== 'arm') {
    return undefined;
  }
  if (path.length === 1 && method === 'PUT') {
    const body = await readJson(countingBody(req, undefined));
    try {
      deps.config = resolveArm(body as ArmOptions, deps.deployments);
    } catch (error) {
      throw armError(400, 'InvalidRequestContent', error instanceof Error ? error.message : String(error));
    }
    return { status: 200, json: { subscriptions: deps.config.subscriptions.length, accounts: deps.config.accounts.length } };
  }
  if (path.length === 2 && path[1] === 'tokens' && method === 'DELETE') {
    deps.tokens.revokeAll();
    return { status: 200, json: { revoked: true } };
  }
  return undefined;
}
