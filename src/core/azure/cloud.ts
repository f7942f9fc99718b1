// Which Azure cloud the extension talks to for resource discovery, from the same settings VS Code's own
// Microsoft sign-in reads (`microsoft-sovereign-cloud.*`), or the extension's own management endpoint setting.
// No `vscode` here: the settings are passed in.

import { DEFAULT_MANAGEMENT_ENDPOINT, scopeFor } from './management';

/** Azure Resource Manager of the public cloud. */
export const PUBLIC_MANAGEMENT_ENDPOINT = DEFAULT_MANAGEMENT_ENDPOINT;

/** VS Code's authentication provider for the public cloud, and the one it registers for sovereign clouds. */
export const MICROSOFT_PROVIDER = 'microsoft';
export const SOVEREIGN_PROVIDER = 'microsoft-sovereign-cloud';

/** Where management calls go and which sign-in gives their tokens. */
export interface AzureCloud {
  /** The Resource Manager endpoint, without a trailing slash. */
  readonly managementEndpoint: string;
  /** The scope of management tokens: `{resource}/.default`. */
  readonly managementScope: string;
  /** The VS Code authentication provider id to sign in with. */
  readonly authProviderId: string;
  /** The portal, for links such as "create a deployment". */
  readonly portalUrl: string;
  /** A short name for messages and logs. */
  readonly name: string;
}

/** The settings {@link cloudFrom} reads, as VS Code's configuration returns them (anything may be malformed). */
export interface CloudSettings {
  /** `microsoft-sovereign-cloud.environment`: `ChinaCloud`, `USGovernment`, `custom` (VS Code 1.9x+), or unset. */
  readonly environment?: unknown;
  /** `microsoft-sovereign-cloud.customEnvironment`: an object with `resourceManagerEndpointUrl`, `portalUrl`, `name`... */
  readonly customEnvironment?: unknown;
  /** `azureOpenAIBatch.azure.managementEndpoint`: wins when set. */
  readonly managementEndpoint?: unknown;
}

const sovereign: Record<string, { managementEndpoint: string; portalUrl: string; name: string }> = {
  chinacloud: { managementEndpoint: 'https://management.chinacloudapi.cn', portalUrl: 'https://portal.azure.cn', name: 'Azure China' },
  usgovernment: { managementEndpoint: 'https://management.usgovcloudapi.net', portalUrl: 'https://portal.azure.us', name: 'Azure US Government' },
};

/**
 * The cloud the settings select. The public cloud unless `microsoft-sovereign-cloud.environment` names a sovereign
 * one (VS Code's spellings `ChinaCloud`, `USGovernment`, and the SDK's `AzureChinaCloud`, `AzureUSGovernment`) or
 * `custom` with a usable `customEnvironment`; then sign-in goes through the `microsoft-sovereign-cloud` provider,
 * as VS Code's own Azure extensions do. `azureOpenAIBatch.azure.managementEndpoint`, when it is an http(s) URL,
 * replaces the endpoint (and so the token scope) and keeps the provider.
 */
export function cloudFrom(settings: CloudSettings): AzureCloud {
  let cloud = baseCloud(settings);
  const override = httpUrl(settings.managementEndpoint);
  if (override) {
    cloud = { ...cloud, managementEndpoint: override, managementScope: scopeFor(override) };
  }
  return cloud;
}

function baseCloud(settings: CloudSettings): AzureCloud {
  const environment = typeof settings.environment === 'string' ? settings.environment.trim().toLowerCase().replace(/^azure/, '') : '';
  const known = sovereign[environment];
  if (known) {
    return { ...known, managementScope: scopeFor(known.managementEndpoint), authProviderId: SOVEREIGN_PROVIDER };
  }
  if (environment === 'custom' && typeof settings.customEnvironment === 'object' && settings.customEnvironment !== null) {
    const custom = settings.customEnvironment as Record<string, unknown>;
    const managementEndpoint = httpUrl(custom.resourceManagerEndpointUrl);
    if (managementEndpoint) {
      return {
        managementEndpoint,
        managementScope: scopeFor(managementEndpoint),
        authProviderId: SOVEREIGN_PROVIDER,
        portalUrl: httpUrl(custom.portalUrl) ?? managementEndpoint,
        name: typeof custom.name === 'string' && custom.name.trim() ? custom.name.trim() : managementEndpoint,
      };
    }
  }
  return { managementEndpoint: PUBLIC_MANAGEMENT_ENDPOINT, managementScope: scopeFor(PUBLIC_MANAGEMENT_ENDPOINT), authProviderId: MICROSOFT_PROVIDER, portalUrl: 'https://portal.azure.com', name: 'Azure' };
}

/** An https (or loopback http) URL without a trailing slash, or undefined for anything else. */
function httpUrl(value: unknown): string | undefined {
  if (typeof value !== 'string' || !value.trim()) {
    return undefined;
  }
  try {
    const url = new URL(value.trim());
    // Plain http only to this machine (the emulator): a management token never crosses a network unencrypted.
    const loopback = url.hostname === 'localhost' || url.hostname === '[::1]' || url.hostname.startsWith('127.');
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
      return undefined;
    }
    if (url.username || url.password) {
      return undefined;
    }
    return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  } catch {
    return undefined;
  }
}

/** The portal page of an ARM resource (where its deployments are created), in the cloud's portal. */
export function portalResourceUrl(cloud: AzureCloud, ref: { subscriptionId: string; resourceGroup: string; name: string }): string {
  const id = `/subscriptions/${ref.subscriptionId}/resourceGroups/${ref.resourceGroup}/providers/Microsoft.CognitiveServices/accounts/${ref.name}`;
  return `${cloud.portalUrl}/#resource${id}/overview`;
}
