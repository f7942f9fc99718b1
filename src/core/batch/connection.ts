import { AzureOpenAI, OpenAI } from 'openai';

/** The API version Microsoft documents as generally available for batch. */
export const DEFAULT_API_VERSION = '2024-10-21';
/** Selects the `/openai/v1/...` paths, which take no `api-version`. */
export const V1_API_VERSION = 'v1';

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
  /** Per-request timeout. */
  readonly timeoutMs?: number;
}

/**
 * Builds the official SDK client for batch work. Never passes `deployment`: with it the SDK rewrites
 * `POST /batches` to `/deployments/{name}/batches`, which Azure answers with 404. The SDK's own retries
 * are off; {@link withRetry} decides, so that job creation stays at-most-once.
 */
export function createSdkClient(config: ConnectionConfig): OpenAI {
  const endpoint = config.endpoint.replace(/\/+$/, '');
  const timeout = config.timeoutMs ?? 120_000;
  if (config.apiVersion === V1_API_VERSION) {
    const common = { baseURL: `${endpoint}/openai/v1`, timeout, maxRetries: 0 };
    return config.credential.kind === 'apiKey'
      ? new OpenAI({ ...common, apiKey: config.credential.apiKey, defaultHeaders: { 'api-key': config.credential.apiKey } })
      : new OpenAI({ ...common, apiKey: config.credential.getToken });
  }
  const common = { endpoint, apiVersion: config.apiVersion, timeout, maxRetries: 0 };
  return config.credential.kind === 'apiKey'
    ? new AzureOpenAI({ ...common, apiKey: config.credential.apiKey })
    : new AzureOpenAI({ ...common, azureADTokenProvider: config.credential.getToken });
}

/** The scope of Azure OpenAI data-plane tokens. */
export const COGNITIVE_SERVICES_SCOPE = 'https://cognitiveservices.azure.com/.default';

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
export async function defaultAzureCredentialProvider(tenantId?: string): Promise<() => Promise<string>> {
  const identity = await import('@azure/identity');
  const credential = new identity.DefaultAzureCredential(tenantId ? { tenantId } : undefined);
  return identity.getBearerTokenProvider(credential, COGNITIVE_SERVICES_SCOPE);
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
