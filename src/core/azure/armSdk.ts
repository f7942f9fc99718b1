// The official Azure Resource Manager SDKs (`@azure/arm-resources-subscriptions`, `@azure/arm-cognitiveservices`),
// bundled into a file of their own (dist/azureArm.js, see esbuild.mjs) that management.ts loads on first use, so the
// extension host pays for them only when the user signs in to discover resources.
//
// Both clients normally authenticate with the SDK's bearer-token policy, which refuses plain-HTTP URLs; the
// emulator (and any test endpoint) is `http://127.0.0.1`. So the SDK's policy is replaced by one that sets the
// token given by the caller: same header, HTTPS or plain HTTP to loopback only, and the token never passes
// through an SDK credential cache.
import { CognitiveServicesManagementClient } from '@azure/arm-cognitiveservices';
import { SubscriptionClient } from '@azure/arm-resources-subscriptions';

/** What both SDK clients expose of their HTTP pipeline (structural, so no transitive package is imported). */
interface PipelineLike {
  removePolicy(options: { name: string }): unknown;
  addPolicy(policy: PolicyLike): void;
}

interface PolicyLike {
  readonly name: string;
  sendRequest(
    request: { url: string; method?: string; allowInsecureConnection?: boolean; headers: { set(name: string, value: string): void } },
    next: (request: unknown) => Promise<unknown>,
  ): Promise<unknown>;
}

/** Plain HTTP is allowed to this machine only (the emulator); anything else must be HTTPS. */
export function isLoopbackHttp(url: string): boolean {
  return /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/i.test(url);
}

/** The name of the SDKs' own bearer policy (core-rest-pipeline's `bearerTokenAuthenticationPolicyName`). */
const sdkBearerPolicy = 'bearerTokenAuthenticationPolicy';

/** A credential the SDKs require at construction but never call (their bearer policy is removed). */
const unusedCredential = {
  getToken: (): Promise<never> => Promise.reject(new Error('the SDK bearer policy is replaced; this credential is not used')),
};

export interface ArmClientOptions {
  /** e.g. `https://management.azure.com` (no trailing slash). */
  readonly endpoint: string;
  readonly getToken: () => Promise<string>;
}

/** How the SDKs retry: a few quick retries on throttling, 5xx and network errors, not the default 3 over 30 s. */
const retryOptions = { maxRetries: 2, retryDelayInMs: 300, maxRetryDelayInMs: 2_000 };

/**
 * Why a request was not sent: a `nextLink` to another origin than the endpoint's (the token must never go there),
 * or a `nextLink` already followed (a page loop). management.ts tells by `armRefusal` (this file is a bundle of its
 * own, so a class shared with it would not be the same class).
 */
export class ArmRequestRefused extends Error {
  constructor(
    readonly armRefusal: 'otherOrigin' | 'repeatedPage',
    /** The host the link pointed at (no path or query, which may carry anything). */
    readonly host: string,
  ) {
    super(armRefusal === 'otherOrigin' ? `a page link points at another host (${host})` : 'a page link repeats');
    this.name = 'ArmRequestRefused';
  }
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '';
  }
}

function useCallerToken(pipeline: PipelineLike, endpoint: string, getToken: () => Promise<string>): void {
  const origin = originOf(endpoint);
  // A client serves one call (one listing), so a GET of a URL already fetched is a nextLink loop. The SDK's retry
  // policy runs after this one, so a retried request does not pass here twice.
  const fetched = new Set<string>();
  pipeline.removePolicy({ name: sdkBearerPolicy });
  pipeline.addPolicy({
    name: 'callerBearerToken',
    async sendRequest(request, next) {
      const target = originOf(request.url);
      if (target === '' || target !== origin) {
        throw new ArmRequestRefused('otherOrigin', target === '' ? 'not a URL' : new URL(request.url).host);
      }
      if ((request.method ?? 'GET').toUpperCase() === 'GET') {
        if (fetched.has(request.url)) {
          throw new ArmRequestRefused('repeatedPage', new URL(request.url).host);
        }
        fetched.add(request.url);
      }
      if (isLoopbackHttp(request.url)) {
        request.allowInsecureConnection = true;
      }
      request.headers.set('authorization', `Bearer ${await getToken()}`);
      return next(request);
    },
  });
}

export function subscriptionClient(options: ArmClientOptions): SubscriptionClient {
  const client = new SubscriptionClient(unusedCredential, { endpoint: options.endpoint, retryOptions });
  useCallerToken(client.pipeline as unknown as PipelineLike, options.endpoint, options.getToken);
  return client;
}

export function cognitiveClient(options: ArmClientOptions, subscriptionId: string): CognitiveServicesManagementClient {
  const client = new CognitiveServicesManagementClient(unusedCredential, subscriptionId, {
    endpoint: options.endpoint,
    $host: options.endpoint,
    retryOptions,
  });
  useCallerToken(client.pipeline as unknown as PipelineLike, options.endpoint, options.getToken);
  return client;
}

export { isRestError } from '@azure/arm-resources-subscriptions';
export type { SubscriptionClient } from '@azure/arm-resources-subscriptions';
export type { CognitiveServicesManagementClient } from '@azure/arm-cognitiveservices';
