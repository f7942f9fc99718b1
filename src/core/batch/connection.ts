import type { OpenAI } from 'openai';
import { RedirectRefusedError } from './errors';
import { openaiSdk } from './sdk';
import { BundleLoadError } from '../bundles';
import { COGNITIVE_SERVICES_SCOPE, dataPlaneScopeFor } from '../azure/dataPlaneScope';
import { secretRedactingFetch } from './secretRedaction';
import type { BatchService } from '../jsonl/types';

/** The API version Microsoft documents as generally available for batch. */
export const DEFAULT_API_VERSION = '2024-10-21';
/** Selects the `/openai/v1/...` paths, which take no `api-version`. */
export const V1_API_VERSION = 'v1';
/** How long a request may wait for an answer, and a transfer may go without moving a byte. */
export const DEFAULT_TIMEOUT_MS = 120_000;

/** OpenAI's own API, where an OpenAI connection goes unless its endpoint says otherwise. */
export const OPENAI_ENDPOINT = 'https://api.openai.com';

/** Which service a connection talks to: an Azure OpenAI resource (the default) or OpenAI's API. */
export type { BatchService } from '../jsonl/types';

export type Credential =
  | { readonly kind: 'apiKey'; readonly apiKey: string }
  /** A Microsoft Entra ID bearer token source; called before requests, so it should cache. */
  | { readonly kind: 'token'; readonly getToken: () => Promise<string> };

export interface ConnectionConfig {
  /** The resource endpoint, e.g. `https://my-resource.openai.azure.com` (or the emulator's URL). */
  readonly endpoint: string;
  /** An api-version such as `2024-10-21` or `2025-04-01-preview`, or `v1`. */
  readonly apiVersion: string;
  readonly credential: Credential;
  /** The service (default `azure`); `openai` means the `/v1` paths, a bearer key and no `api-version`. */
  readonly service?: BatchService;
  /** Per-request timeout; for transfers (an upload's body, a file's content), the longest silence (default {@link DEFAULT_TIMEOUT_MS}). */
  readonly timeoutMs?: number;
}

/**
 * Builds the official SDK client for batch work. Never passes `deployment`: with it the SDK rewrites
 * `POST /batches` to `/deployments/{name}/batches`, which Azure answers with 404. The SDK's own retries
 * are off; {@link withRetry} decides, so that job creation stays at-most-once. Redirects go through
 * {@link sameOriginFetch}, so credentials never follow one to another host, and answers pass through
 * {@link secretRedactingFetch}, so a service echoing the credential never shows it to anyone.
 */
export function createSdkClient(config: ConnectionConfig): OpenAI {
  checkEndpoint(config.endpoint);
  const endpoint = config.endpoint.replace(/\/+$/, '');
  const timeout = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  // Outermost, so a refused redirect's message is redacted too.
  const { AzureOpenAI, OpenAI } = openaiSdk();
  const fetch = secretRedactingFetch(sameOriginFetch(), config.credential.kind === 'apiKey' ? [config.credential.apiKey] : []);
  if (config.service === 'openai') {
    if (config.credential.kind !== 'apiKey') {
      throw new Error('An OpenAI connection signs in with an API key only.');
    }
    // OpenAI's batch protocol is Azure's v1 surface without the `/openai` prefix: a bearer key, no api-version.
    return new OpenAI({ baseURL: `${endpoint}/v1`, apiKey: config.credential.apiKey, timeout, maxRetries: 0, fetch });
  }
  if (config.apiVersion === V1_API_VERSION) {
    const common = { baseURL: `${endpoint}/openai/v1`, timeout, maxRetries: 0, fetch };
    return config.credential.kind === 'apiKey'
      ? new OpenAI({ ...common, apiKey: config.credential.apiKey, defaultHeaders: { 'api-key': config.credential.apiKey } })
      : new OpenAI({ ...common, apiKey: config.credential.getToken });
  }
  const common = { endpoint, apiVersion: config.apiVersion, timeout, maxRetries: 0, fetch };
  return config.credential.kind === 'apiKey'
    ? new AzureOpenAI({ ...common, apiKey: config.credential.apiKey })
    : new AzureOpenAI({ ...common, azureADTokenProvider: config.credential.getToken });
}

/** Why an endpoint cannot be used, or undefined when it can: not a URL, or a URL carrying a user name or password. */
export function endpointProblem(endpoint: string): string | undefined {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return 'The endpoint is not a URL (expected https://RESOURCE.openai.azure.com).';
  }
  if (url.username !== '' || url.password !== '') {
    // Never echo the URL: the part to remove is the secret.
    return `The endpoint must not contain a user name or password (${url.protocol}//***@${url.host}); give the key as the API key instead.`;
  }
  return undefined;
}

/** Throws when {@link endpointProblem} finds one. */
export function checkEndpoint(endpoint: string): void {
  const problem = endpointProblem(endpoint);
  if (problem) {
    throw new Error(problem);
  }
}

const redirectStatuses = new Set([301, 302, 303, 307, 308]);
const maxRedirects = 5;

/**
 * A fetch that follows redirects itself (`redirect: 'manual'`) and only within the same origin, so the
 * `api-key` header (which fetch would forward across origins, unlike `Authorization`) and bearer tokens
 * never reach another host, and https is never downgraded to http. Any other redirect fails with
 * {@link RedirectRefusedError}.
 */
export function sameOriginFetch(base: typeof globalThis.fetch = globalThis.fetch): typeof globalThis.fetch {
  return async (input, init) => {
    let url = new URL(input instanceof Request ? input.url : String(input));
    let request: RequestInit = { ...init, redirect: 'manual' };
    for (let hop = 0; ; hop++) {
      const response = await base(url, request);
      const location = response.headers.get('location');
      if (!redirectStatuses.has(response.status) || location === null) {
        return response;
      }
      await response.body?.cancel().catch(() => undefined);
      let target: URL;
      try {
        target = new URL(location, url);
      } catch {
        throw new RedirectRefusedError(`The service answered ${response.status} with a redirect to an invalid address.`, response.status);
      }
      if (url.protocol === 'https:' && target.protocol !== 'https:') {
        throw new RedirectRefusedError(`The service redirected (${response.status}) from https to ${target.protocol.replace(':', '')}; the request was not repeated without encryption.`, response.status);
      }
      if (target.origin !== url.origin) {
        throw new RedirectRefusedError(
          `The service redirected (${response.status}) to another host, ${target.host}; the request was not repeated there, so the credentials stay with ${url.host}. Check the endpoint.`,
          response.status,
        );
      }
      if (hop >= maxRedirects) {
        throw new RedirectRefusedError(`The service redirected more than ${maxRedirects} times.`, response.status);
      }
      const method = (request.method ?? 'GET').toUpperCase();
      if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === 'POST')) {
        // As browsers do: these become a GET without a body.
        const headers = new Headers(request.headers);
        headers.delete('content-type');
        headers.delete('content-length');
        request = { ...request, method: 'GET', body: undefined, headers };
      } else if (request.body !== undefined && request.body !== null && !replayable(request.body)) {
        throw new RedirectRefusedError(`The service redirected (${response.status}) a request whose body cannot be sent twice.`, response.status);
      }
      url = target;
    }
  };
}

function replayable(body: NonNullable<RequestInit['body']>): boolean {
  return typeof body === 'string' || body instanceof ArrayBuffer || ArrayBuffer.isView(body) || body instanceof URLSearchParams || body instanceof Blob;
}

export { AI_AZURE_SCOPE, COGNITIVE_SERVICES_SCOPE } from '../azure/dataPlaneScope';

/**
 * The Entra scope an endpoint's data plane wants: the sovereign cloud's Cognitive Services audience on `.azure.us` /
 * `.azure.cn` hosts; else `ai.azure.com` on `/openai/v1`, Cognitive Services on the classic paths.
 */
export function entraScopeFor(apiVersion: string, endpoint?: string): string {
  return dataPlaneScopeFor(endpoint, apiVersion === V1_API_VERSION);
}

/**
 * Wraps a token source that reports expiry so the token is reused until five minutes before it
 * expires (the SDK asks for a token on every request and does not cache).
 */
export function cachingTokenProvider(fetchToken: () => Promise<{ token: string; expiresOnTimestamp: number }>): () => Promise<string> {
  let cached: { token: string; expiresOnTimestamp: number } | undefined;
  let inflight: Promise<{ token: string; expiresOnTimestamp: number }> | undefined;
  return async () => {
    if (cached && cached.expiresOnTimestamp - Date.now() > 5 * 60_000) {
      return cached.token;
    }
    inflight ??= fetchToken().finally(() => (inflight = undefined));
    cached = await inflight;
    return cached.token;
  };
}

/** A token provider over `@azure/identity`'s DefaultAzureCredential (Azure CLI, environment, managed identity...). */
export async function defaultAzureCredentialProvider(tenantId?: string, scope = COGNITIVE_SERVICES_SCOPE): Promise<() => Promise<string>> {
  const loaded = await import('@azure/identity').catch((error: unknown) => {
    throw new BundleLoadError('azureIdentity.js', error);
  });
  // Node's import() of the bundled CommonJS file (dist/azureIdentity.js) sees only `default`: the bundle defines its
  // exports with getters, which Node cannot list as named exports.
  const identity = typeof loaded.DefaultAzureCredential === 'function' ? loaded : (loaded as unknown as { default: typeof loaded }).default;
  const credential = new identity.DefaultAzureCredential(tenantId ? { tenantId } : undefined);
  return identity.getBearerTokenProvider(credential, scope);
}

/** Whether the endpoint is this machine (the emulator), where quick polling costs nothing. */
export function isLoopbackEndpoint(endpoint: string): boolean {
  try {
    const host = new URL(endpoint).hostname;
    return host === 'localhost' || host === '[::1]' || host.startsWith('127.');
  } catch {
    return false;
  }
}

/**
 * The name a new connection is offered: the resource name of an Azure endpoint (`my-resource` of
 * `https://my-resource.openai.azure.com`), or the whole host and port of an address such as
 * `127.0.0.1:8080`, whose first label alone ("127") would say nothing.
 */
export function suggestedConnectionName(endpoint: string): string {
  const url = new URL(endpoint.trim());
  const isAddress = url.hostname === 'localhost' || url.hostname.startsWith('[') || /^\d+(\.\d+){3}$/.test(url.hostname);
  return isAddress ? url.host : url.hostname.split('.')[0]!;
}
