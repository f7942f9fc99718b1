import * as assert from 'node:assert/strict';
import { cloudFrom, portalResourceUrl, PUBLIC_MANAGEMENT_ENDPOINT } from '../../src/core/azure/cloud';
import { AI_AZURE_SCOPE, COGNITIVE_SERVICES_SCOPE, entraScopeFor } from '../../src/core/batch/connection';

describe('cloudFrom (management endpoint and sign-in provider from the settings)', () => {
  const cases: { name: string; settings: Parameters<typeof cloudFrom>[0]; endpoint: string; provider: string; portal?: string }[] = [
    { name: 'no settings: the public cloud through "microsoft"', settings: {}, endpoint: PUBLIC_MANAGEMENT_ENDPOINT, provider: 'microsoft', portal: 'https://portal.azure.com' },
    { name: 'VS Code spelling ChinaCloud', settings: { environment: 'ChinaCloud' }, endpoint: 'https://management.chinacloudapi.cn', provider: 'microsoft-sovereign-cloud', portal: 'https://portal.azure.cn' },
    { name: 'SDK spelling AzureChinaCloud', settings: { environment: 'AzureChinaCloud' }, endpoint: 'https://management.chinacloudapi.cn', provider: 'microsoft-sovereign-cloud' },
    { name: 'USGovernment', settings: { environment: 'USGovernment' }, endpoint: 'https://management.usgovcloudapi.net', provider: 'microsoft-sovereign-cloud', portal: 'https://portal.azure.us' },
    { name: 'AzureUSGovernment, any case', settings: { environment: 'azureusgovernment' }, endpoint: 'https://management.usgovcloudapi.net', provider: 'microsoft-sovereign-cloud' },
    {
      name: 'custom: its resourceManagerEndpointUrl, trailing slash dropped',
      settings: { environment: 'custom', customEnvironment: { name: 'Stack', resourceManagerEndpointUrl: 'https://management.local.azurestack.external/', portalUrl: 'https://portal.local.azurestack.external/' } },
      endpoint: 'https://management.local.azurestack.external',
      provider: 'microsoft-sovereign-cloud',
      portal: 'https://portal.local.azurestack.external',
    },
    { name: 'custom without a usable endpoint: the public cloud', settings: { environment: 'custom', customEnvironment: { resourceManagerEndpointUrl: 'not a url' } }, endpoint: PUBLIC_MANAGEMENT_ENDPOINT, provider: 'microsoft' },
    { name: 'custom with no object: the public cloud', settings: { environment: 'custom', customEnvironment: 'x' }, endpoint: PUBLIC_MANAGEMENT_ENDPOINT, provider: 'microsoft' },
    { name: 'an unknown environment: the public cloud', settings: { environment: 'Mars' }, endpoint: PUBLIC_MANAGEMENT_ENDPOINT, provider: 'microsoft' },
    { name: 'the setting wins over the public cloud', settings: { managementEndpoint: 'https://arm.example.com/' }, endpoint: 'https://arm.example.com', provider: 'microsoft' },
    { name: 'the setting wins over a sovereign cloud, whose provider stays', settings: { environment: 'ChinaCloud', managementEndpoint: 'https://arm.example.cn' }, endpoint: 'https://arm.example.cn', provider: 'microsoft-sovereign-cloud' },
    { name: 'loopback http (the emulator) is accepted', settings: { managementEndpoint: 'http://127.0.0.1:4711' }, endpoint: 'http://127.0.0.1:4711', provider: 'microsoft' },
    { name: 'http to another host is ignored (a token would travel unencrypted)', settings: { managementEndpoint: 'http://arm.example.com' }, endpoint: PUBLIC_MANAGEMENT_ENDPOINT, provider: 'microsoft' },
    { name: 'a URL with credentials is ignored', settings: { managementEndpoint: 'https://u:p@arm.example.com' }, endpoint: PUBLIC_MANAGEMENT_ENDPOINT, provider: 'microsoft' },
    { name: 'an empty or non-string setting is ignored', settings: { managementEndpoint: '  ', environment: 42 }, endpoint: PUBLIC_MANAGEMENT_ENDPOINT, provider: 'microsoft' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const cloud = cloudFrom(c.settings);
      assert.equal(cloud.managementEndpoint, c.endpoint);
      assert.equal(cloud.managementScope, `${c.endpoint}/.default`);
      assert.equal(cloud.authProviderId, c.provider);
      if (c.portal) {
        assert.equal(cloud.portalUrl, c.portal);
      }
    });
  }

  it('links a resource to its page in the cloud portal', () => {
    const url = portalResourceUrl(cloudFrom({ environment: 'USGovernment' }), { subscriptionId: 's1', resourceGroup: 'rg', name: 'res' });
    assert.equal(url, 'https://portal.azure.us/#resource/subscriptions/s1/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/res/overview');
  });
});

describe('entraScopeFor (data-plane token scope per API version)', () => {
  it('asks for ai.azure.com on /openai/v1 and Cognitive Services on the classic paths', () => {
    assert.equal(entraScopeFor('v1'), AI_AZURE_SCOPE);
    assert.equal(AI_AZURE_SCOPE, 'https://ai.azure.com/.default');
    for (const version of ['2024-10-21', '2025-04-01-preview']) {
      assert.equal(entraScopeFor(version), COGNITIVE_SERVICES_SCOPE);
    }
    assert.equal(COGNITIVE_SERVICES_SCOPE, 'https://cognitiveservices.azure.com/.default');
  });
});
