import * as assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { accountEndpoint, ManagementClient, ManagementError, resourceGroupOf, scopeFor, type ManagementOptions } from '../../src/core/azure/management';
import { defaultSubscriptionId, type ArmOptions } from '../../src/emulator/index';
import { useEmulator } from './emulatorFixture';

// The core discovery client (over the official ARM SDKs) against the emulator's ARM subset: paging by nextLink,
// kinds filtered, both endpoint fields, and every failure as a ManagementError whose message holds no token.

const sub2 = '00000000-0000-0000-0000-000000000002';
const sub3 = '00000000-0000-0000-0000-000000000003';

/** Seven subscriptions, twelve accounts (with non-OpenAI kinds among them) and nine deployments, paged by 2. */
const paged: ArmOptions = {
  pageSize: 2,
  subscriptions: [
    { subscriptionId: defaultSubscriptionId, displayName: 'First' },
    { subscriptionId: sub2, displayName: 'Second', state: 'Warned' },
    { subscriptionId: sub3, displayName: 'Locked', forbidden: true },
    ...[4, 5, 6].map((n) => ({ subscriptionId: `00000000-0000-0000-0000-00000000000${n}`, displayName: `Empty ${n}` })),
    { subscriptionId: '00000000-0000-0000-0000-000000000009', displayName: 'Gone', state: 'Disabled' },
  ],
  accounts: [
    ...Array.from({ length: 9 }, (_, i) => ({
      resourceGroup: `rg-${i % 3}`,
      name: `acct-${i}`,
      kind: i % 3 === 2 ? 'TextAnalytics' : i % 2 === 0 ? 'OpenAI' : 'AIServices',
      endpoint: `https://acct-${i}.openai.azure.com/`,
    })),
    {
      resourceGroup: 'big',
      name: 'many',
      kind: 'OpenAI',
      endpoint: 'self',
      deployments: Array.from({ length: 9 }, (_, i) => ({ name: `d-${i}`, model: 'gpt-4o-mini', version: '2024-07-18', sku: i === 8 ? 'Standard' : i % 2 === 0 ? 'GlobalBatch' : 'DataZoneBatch', capacity: 100 + i })),
    },
    { subscriptionId: sub2, resourceGroup: 'two', name: 'ai-only-endpoints', kind: 'AIServices', endpoint: null, endpoints: { 'OpenAI Language Model Instance API': 'https://ai-only.openai.azure.com/' } },
    { subscriptionId: sub2, resourceGroup: 'two', name: 'speech', kind: 'SpeechServices', endpoint: 'https://speech.cognitiveservices.azure.com/' },
  ],
};

describe('ARM management client (against the emulator)', () => {
  const fixture = useEmulator({ arm: paged });
  let token = '';
  let tokenCalls = 0;
  const client = (extra: Partial<ManagementOptions> = {}): ManagementClient =>
    new ManagementClient({
      endpoint: fixture.emulator.url,
      getToken: async () => {
        tokenCalls++;
        return token;
      },
      ...extra,
    });

  beforeEach(() => {
    token = fixture.emulator.issueToken().access_token;
    tokenCalls = 0;
  });

  it('lists every subscription across several nextLink pages', async () => {
    const subscriptions = await client().listSubscriptions();
    assert.equal(subscriptions.length, 7);
    assert.deepEqual(subscriptions[0], { subscriptionId: defaultSubscriptionId, displayName: 'First', tenantId: '00000000-0000-0000-0000-0000000000aa', state: 'Enabled' });
    assert.equal(subscriptions[1]!.state, 'Warned');
    assert.ok(tokenCalls >= 4, `one token per page (${tokenCalls})`);
    assert.ok(fixture.emulator.stats.other >= 4, 'four pages were fetched');
  });

  it('lists only OpenAI and AIServices accounts, across pages, with resource group, location and endpoint', async () => {
    const accounts = await client().listAccounts(defaultSubscriptionId);
    assert.deepEqual(
      accounts.map((a) => a.name),
      ['acct-0', 'acct-1', 'acct-3', 'acct-4', 'acct-6', 'acct-7', 'many'],
    );
    assert.ok(accounts.every((a) => a.kind === 'OpenAI' || a.kind === 'AIServices'));
    const first = accounts[0]!;
    assert.deepEqual(first, { subscriptionId: defaultSubscriptionId, resourceGroup: 'rg-0', name: 'acct-0', kind: 'OpenAI', location: 'eastus', endpoint: 'https://acct-0.openai.azure.com/' });
    assert.equal(accounts.find((a) => a.name === 'many')!.endpoint, `${fixture.emulator.url}/`);
  });

  it('takes the endpoint from properties.endpoints["OpenAI Language Model Instance API"] when there is no properties.endpoint', async () => {
    const accounts = await client().listAccounts(sub2);
    assert.deepEqual(accounts, [{ subscriptionId: sub2, resourceGroup: 'two', name: 'ai-only-endpoints', kind: 'AIServices', location: 'eastus', endpoint: 'https://ai-only.openai.azure.com/' }]);
  });

  it('lists deployments across pages with model, version, sku, capacity and batch', async () => {
    const deployments = await client().listDeployments({ subscriptionId: defaultSubscriptionId, resourceGroup: 'big', name: 'many' });
    assert.equal(deployments.length, 9);
    assert.deepEqual(deployments[0], { name: 'd-0', model: 'gpt-4o-mini', version: '2024-07-18', sku: 'GlobalBatch', capacity: 100, batch: true });
    assert.deepEqual(deployments[1], { name: 'd-1', model: 'gpt-4o-mini', version: '2024-07-18', sku: 'DataZoneBatch', capacity: 101, batch: true });
    assert.deepEqual(deployments[8], { name: 'd-8', model: 'gpt-4o-mini', version: '2024-07-18', sku: 'Standard', capacity: 108, batch: false });
  });

  it('lists the keys: key1 is the data-plane key', async () => {
    const keys = await client().listKeys({ subscriptionId: defaultSubscriptionId, resourceGroup: 'big', name: 'many' });
    assert.equal(keys.key1, fixture.emulator.apiKey);
  });

  it('discovers every active subscription, skipping forbidden and disabled ones', async () => {
    const resources = await client().discover();
    assert.deepEqual(
      resources.map((r) => `${r.subscriptionId.slice(-1)}/${r.name}:${r.deployments.length}`),
      ['1/acct-0:0', '1/acct-1:0', '1/acct-3:0', '1/acct-4:0', '1/acct-6:0', '1/acct-7:0', '1/many:9', '2/ai-only-endpoints:0'],
    );
  });

  it('discovers one subscription when given, and a forbidden one fails there', async () => {
    const resources = await client().discover(sub2);
    assert.deepEqual(resources.map((r) => r.name), ['ai-only-endpoints']);
    await assert.rejects(client().discover(sub3), (e: unknown) => e instanceof ManagementError && e.reason === 'forbidden' && e.status === 403 && e.armCode === 'AuthorizationFailed');
  });

  it('401 (an unknown or wrong-audience token) is unauthorized, and the token is in no message', async () => {
    token = 'not-an-issued-token-0123456789';
    const unknown = await client().listSubscriptions().catch((e: unknown) => e);
    assert.ok(unknown instanceof ManagementError);
    assert.equal(unknown.reason, 'unauthorized');
    assert.equal(unknown.status, 401);
    assert.equal(unknown.armCode, 'InvalidAuthenticationToken');
    assert.match(unknown.message, /^Sign in again/);
    for (const text of [unknown.message, inspect(unknown), JSON.stringify(unknown)]) {
      assert.ok(!text.includes(token), text);
    }
    token = fixture.emulator.issueToken('https://cognitiveservices.azure.com/.default').access_token;
    const audience = await client().listAccounts(defaultSubscriptionId).catch((e: unknown) => e);
    assert.ok(audience instanceof ManagementError && audience.reason === 'unauthorized' && audience.armCode === 'InvalidAuthenticationTokenAudience');
    assert.ok(!inspect(audience).includes(token));
  });

  it('404 is not_found: an unknown subscription, resource group or account', async () => {
    const cases: [Promise<unknown>, string][] = [
      [client().listAccounts('00000000-0000-0000-0000-0000000000ff'), 'SubscriptionNotFound'],
      [client().listDeployments({ subscriptionId: defaultSubscriptionId, resourceGroup: 'nope', name: 'many' }), 'ResourceGroupNotFound'],
      [client().listKeys({ subscriptionId: defaultSubscriptionId, resourceGroup: 'big', name: 'nope' }), 'ResourceNotFound'],
    ];
    for (const [call, code] of cases) {
      const error = await call.catch((e: unknown) => e);
      assert.ok(error instanceof ManagementError, String(error));
      assert.equal(error.reason, 'not_found');
      assert.equal(error.status, 404);
      assert.equal(error.armCode, code);
    }
  });

  it('a refused connection is network; a caller whose getToken fails gets its own error back', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const network = await new ManagementClient({ endpoint: `http://127.0.0.1:${port}`, getToken: async () => token }).listSubscriptions().catch((e: unknown) => e);
    assert.ok(network instanceof ManagementError, String(network));
    assert.equal(network.reason, 'network');
    assert.match(network.message, /^Check the network connection/);
    assert.ok(!network.message.includes(token));
    const own = new Error('sign-in needed');
    await assert.rejects(client({ getToken: () => Promise.reject(own) }).listSubscriptions(), (e: unknown) => e === own);
  });

  it('a server that does not answer in time is timeout; an aborted signal is canceled', async () => {
    let hanging: Server | undefined;
    try {
      hanging = createServer(() => undefined);
      await new Promise<void>((resolve) => hanging!.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`;
      const timeout = await new ManagementClient({ endpoint: url, getToken: async () => token, timeoutMs: 300 }).listSubscriptions().catch((e: unknown) => e);
      assert.ok(timeout instanceof ManagementError && timeout.reason === 'timeout', String(timeout));
      const controller = new AbortController();
      const call = new ManagementClient({ endpoint: url, getToken: async () => token, signal: controller.signal }).listSubscriptions().catch((e: unknown) => e);
      setTimeout(() => controller.abort(), 100);
      const canceled = await call;
      assert.ok(canceled instanceof ManagementError && canceled.reason === 'canceled', String(canceled));
    } finally {
      hanging?.closeAllConnections();
      await new Promise<void>((resolve) => (hanging ? hanging.close(() => resolve()) : resolve()));
    }
  });

  it('refuses a plain-http endpoint other than loopback', () => {
    assert.throws(() => new ManagementClient({ endpoint: 'http://management.example.com', getToken: async () => token }), (e: unknown) => e instanceof ManagementError && /https:\/\//.test(e.message));
  });
});

describe('ARM management helpers', () => {
  it('scopeFor follows the endpoint (sovereign clouds)', () => {
    assert.equal(scopeFor('https://management.azure.com/'), 'https://management.azure.com/.default');
    assert.equal(scopeFor('https://management.usgovcloudapi.net'), 'https://management.usgovcloudapi.net/.default');
  });

  it('resourceGroupOf and accountEndpoint', () => {
    assert.equal(resourceGroupOf('/subscriptions/s/resourceGroups/My-RG/providers/Microsoft.CognitiveServices/accounts/a'), 'My-RG');
    assert.equal(resourceGroupOf(undefined), '');
    assert.equal(accountEndpoint({ endpoint: 'https://a.cognitiveservices.azure.com/', endpoints: { 'OpenAI Language Model Instance API': 'https://a.openai.azure.com/' } }), 'https://a.openai.azure.com/');
    assert.equal(accountEndpoint({ endpoint: 'https://a.openai.azure.com/' }), 'https://a.openai.azure.com/');
    assert.equal(accountEndpoint(undefined), '');
  });
});
