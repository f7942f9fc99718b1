import * as assert from 'node:assert/strict';
import { cloudFrom, portalResourceUrl, PUBLIC_MANAGEMENT_ENDPOINT } from '../../src/core/azure/cloud';
import { AI_AZURE_SCOPE, COGNITIVE_SERVICES_SCOPE, entraScopeFor } from '../../src/core/batch/connection';
import { CHINA_COGNITIVE_SCOPE, dataPlaneScopeFor, US_GOVERNMENT_COGNITIVE_SCOPE } from '../../src/core/azure/dataPlaneScope';

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

describe('dataPlaneScopeFor (data-plane token scope per cloud, from the endpoint host)', () => {
  const cases: { endpoint: string | undefined; classic: string; v1: string }[] = [
    { endpoint: 'https://res.openai.azure.com/', classic: 'https://cognitiveservices.azure.com/.default', v1: 'https://ai.azure.com/.default' },
    { endpoint: 'https://res.cognitiveservices.azure.com', classic: 'https://cognitiveservices.azure.com/.default', v1: 'https://ai.azure.com/.default' },
    { endpoint: 'https://res.services.ai.azure.com/', classic: 'https://cognitiveservices.azure.com/.default', v1: 'https://ai.azure.com/.default' },
    { endpoint: 'https://res.openai.azure.us/', classic: 'https://cognitiveservices.azure.us/.default', v1: 'https://cognitiveservices.azure.us/.default' },
    { endpoint: 'https://RES.CognitiveServices.Azure.US./openai', classic: 'https://cognitiveservices.azure.us/.default', v1: 'https://cognitiveservices.azure.us/.default' },
    { endpoint: 'https://res.openai.azure.cn', classic: 'https://cognitiveservices.azure.cn/.default', v1: 'https://cognitiveservices.azure.cn/.default' },
    { endpoint: 'https://res.cognitiveservices.azure.cn:443/', classic: 'https://cognitiveservices.azure.cn/.default', v1: 'https://cognitiveservices.azure.cn/.default' },
    // Look-alike hosts and others are the public cloud: the suffix must be the whole tail of the host.
    { endpoint: 'https://res.openai.azure.us.example.com/', classic: 'https://cognitiveservices.azure.com/.default', v1: 'https://ai.azure.com/.default' },
    { endpoint: 'https://openai.azure.cn-proxy.example/', classic: 'https://cognitiveservices.azure.com/.default', v1: 'https://ai.azure.com/.default' },
    { endpoint: 'http://127.0.0.1:4141/', classic: 'https://cognitiveservices.azure.com/.default', v1: 'https://ai.azure.com/.default' },
    { endpoint: 'not a url', classic: 'https://cognitiveservices.azure.com/.default', v1: 'https://ai.azure.com/.default' },
    { endpoint: undefined, classic: 'https://cognitiveservices.azure.com/.default', v1: 'https://ai.azure.com/.default' },
  ];
  for (const { endpoint, classic, v1 } of cases) {
    it(`${endpoint ?? '(no endpoint)'}: classic ${classic}, v1 ${v1}`, () => {
      assert.equal(dataPlaneScopeFor(endpoint, false), classic);
      assert.equal(dataPlaneScopeFor(endpoint, true), v1);
      assert.equal(entraScopeFor('2024-10-21', endpoint), classic);
      assert.equal(entraScopeFor('v1', endpoint), v1);
    });
  }

  it('names the sovereign scopes as Azure\'s SDKs do', () => {
    assert.equal(US_GOVERNMENT_COGNITIVE_SCOPE, 'https://cognitiveservices.azure.us/.default');
    assert.equal(CHINA_COGNITIVE_SCOPE, 'https://cognitiveservices.azure.cn/.default');
  });
});
