import * as assert from 'node:assert/strict';
import { ManagementClient, ManagementError } from '../../src/core/azure/management';
import { defaultSubscriptionId, defaultTenantId, type ArmOptions } from '../../src/emulator/index';
import { resolveArm, tenantNamed } from '../../src/emulator/arm';
import { call } from './emulatorHelpers';
import { useEmulator } from './emulatorFixture';

// Directories (tenants): the emulator's `GET /tenants` in Azure's shape with nextLink paging, tokens issued for one
// directory that list and read only its subscriptions (401 InvalidAuthenticationTokenTenant elsewhere, as ARM
// answers), and the core client's listTenants() over the official SDK.

const version = '2022-12-01';
const contoso = '11111111-2222-3333-4444-555555555555';
const fabrikam = '99999999-8888-7777-6666-555555555555';
const contosoSub = '00000000-0000-0000-0000-0000000000c1';

/** Three directories (the home one first), a subscription in the home one and one in Contoso, paged by 2. */
const directories: ArmOptions = {
  pageSize: 2,
  tenants: [
    { tenantId: defaultTenantId, displayName: 'Emulator Directory', defaultDomain: 'emulator.onmicrosoft.com' },
    { tenantId: contoso, displayName: 'Contoso', defaultDomain: 'contoso.onmicrosoft.com' },
    { tenantId: fabrikam, defaultDomain: 'fabrikam.example', tenantCategory: 'ProjectedBy' },
  ],
  subscriptions: [
    { subscriptionId: defaultSubscriptionId, displayName: 'Home Subscription' },
    { subscriptionId: contosoSub, displayName: 'Contoso Subscription', tenantId: contoso },
  ],
  accounts: [
    { resourceGroup: 'rg', name: 'home-openai', kind: 'OpenAI' },
    { subscriptionId: contosoSub, resourceGroup: 'contoso-rg', name: 'contoso-openai', kind: 'OpenAI' },
  ],
};

describe('emulator: ARM directories (GET /tenants) and tokens per directory', () => {
  const fixture = useEmulator({ arm: directories });
  const arm = (path: string, token: string) => call(fixture.emulator, 'GET', path, { headers: { 'api-key': '', authorization: `Bearer ${token}` } });

  it('lists every directory in Azure\'s shape, paged by nextLink, whichever directory the token is for', async () => {
    const home = fixture.emulator.issueToken();
    const first = await arm(`/tenants?api-version=${version}`, home.access_token);
    assert.equal(first.status, 200);
    assert.equal(first.json.value.length, 2);
    assert.deepEqual(first.json.value[1], {
      id: `/tenants/${contoso}`,
      tenantId: contoso,
      countryCode: 'US',
      displayName: 'Contoso',
      domains: ['contoso.onmicrosoft.com'],
      tenantCategory: 'Home',
      defaultDomain: 'contoso.onmicrosoft.com',
      tenantType: 'AAD',
    });
    const next = new URL(first.json.nextLink);
    const second = await arm(`${next.pathname}${next.search}`, home.access_token);
    assert.deepEqual(
      second.json.value.map((t: { displayName: string; tenantCategory: string }) => `${t.displayName}:${t.tenantCategory}`),
      ['fabrikam.example:ProjectedBy'],
      'a directory without a name shows its domain',
    );
    const fromContoso = await arm(`/tenants?api-version=${version}`, fixture.emulator.issueToken(undefined, contoso).access_token);
    assert.equal(fromContoso.json.value.length, 2, 'the same first page from another directory');
    assert.equal((await arm('/tenants', home.access_token)).json.error.code, 'MissingApiVersionParameter');
    assert.equal((await call(fixture.emulator, 'GET', `/tenants?api-version=${version}`, { headers: { 'api-key': '' } })).status, 401, 'a bearer token is required');
  });

  it('a token lists only its directory\'s subscriptions and reads nothing of another one (401 InvalidAuthenticationTokenTenant)', async () => {
    const names = async (token: string) => (await arm(`/subscriptions?api-version=${version}`, token)).json.value.map((s: { displayName: string }) => s.displayName);
    const home = fixture.emulator.issueToken().access_token;
    const byId = fixture.emulator.issueToken(undefined, contoso).access_token;
    const byDomain = fixture.emulator.issueToken(undefined, 'Contoso.onmicrosoft.com').access_token;
    assert.deepEqual(await names(home), ['Home Subscription']);
    assert.deepEqual(await names(byId), ['Contoso Subscription']);
    assert.deepEqual(await names(byDomain), ['Contoso Subscription'], 'a directory named by its domain');
    assert.deepEqual(await names(fixture.emulator.issueToken(undefined, fabrikam).access_token), []);
    const accounts = `/subscriptions/${contosoSub}/providers/Microsoft.CognitiveServices/accounts?api-version=${version}`;
    assert.deepEqual((await arm(accounts, byId)).json.value.map((a: { name: string }) => a.name), ['contoso-openai']);
    const wrong = await arm(accounts, home);
    assert.equal(wrong.status, 401);
    assert.equal(wrong.json.error.code, 'InvalidAuthenticationTokenTenant');
    assert.match(wrong.json.error.message, new RegExp(`login\\.windows\\.net/${contoso}`));
    assert.throws(() => fixture.emulator.issueToken(undefined, 'nowhere.example'), /no directory nowhere\.example/);
  });

  it('POST /_emulator/token and the Entra-like token path issue tokens for the directory they name', async () => {
    const control = await call(fixture.emulator, 'POST', '/_emulator/token', { body: { scope: 'https://management.azure.com/.default', tenant: contoso } });
    assert.equal(control.status, 200);
    assert.equal((await arm(`/subscriptions?api-version=${version}`, control.json.access_token)).json.value[0].displayName, 'Contoso Subscription');
    const unknown = await call(fixture.emulator, 'POST', '/_emulator/token', { body: { tenant: 'nowhere.example' } });
    assert.equal(unknown.status, 400);
    assert.match(unknown.json.error.message, /Tenant 'nowhere\.example' not found/);
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: 'any', client_secret: fixture.emulator.apiKey, scope: 'https://management.azure.com/.default' }).toString();
    const entra = await call(fixture.emulator, 'POST', '/contoso.onmicrosoft.com/oauth2/v2.0/token', { raw: form, headers: { 'api-key': '', 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(entra.status, 200);
    assert.equal((await arm(`/subscriptions?api-version=${version}`, entra.json.access_token)).json.value[0].displayName, 'Contoso Subscription');
    const common = await call(fixture.emulator, 'POST', '/common/oauth2/v2.0/token', { raw: form, headers: { 'api-key': '', 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal((await arm(`/subscriptions?api-version=${version}`, common.json.access_token)).json.value[0].displayName, 'Home Subscription');
  });

  it('the core client lists the directories by name across pages, and a subscription of another directory fails as unauthorized', async () => {
    let token = fixture.emulator.issueToken().access_token;
    const client = new ManagementClient({ endpoint: fixture.emulator.url, getToken: async () => token });
    assert.deepEqual(await client.listTenants(), [
      { tenantId: contoso, displayName: 'Contoso', defaultDomain: 'contoso.onmicrosoft.com', tenantCategory: 'Home' },
      { tenantId: defaultTenantId, displayName: 'Emulator Directory', defaultDomain: 'emulator.onmicrosoft.com', tenantCategory: 'Home' },
      { tenantId: fabrikam, displayName: 'fabrikam.example', defaultDomain: 'fabrikam.example', tenantCategory: 'ProjectedBy' },
    ]);
    const refused = await client.listAccounts(contosoSub).catch((e: unknown) => e);
    assert.ok(refused instanceof ManagementError && refused.reason === 'unauthorized' && refused.armCode === 'InvalidAuthenticationTokenTenant', String(refused));
    token = fixture.emulator.issueToken(undefined, contoso).access_token;
    assert.deepEqual((await client.listSubscriptions()).map((s) => [s.displayName, s.tenantId]), [['Contoso Subscription', contoso]]);
    assert.deepEqual((await client.listAccounts(contosoSub)).map((a) => a.name), ['contoso-openai']);
  });
});

describe('emulator: the tenants of the arm option', () => {
  const none = new Map();

  it('defaults to the home directory plus one for every other tenant a subscription names', () => {
    const config = resolveArm({ subscriptions: [{ subscriptionId: 's1', displayName: 'A' }, { subscriptionId: 's2', displayName: 'B', tenantId: contoso }] }, none);
    assert.deepEqual(config.tenants, [
      { tenantId: defaultTenantId, displayName: 'Emulator Directory', defaultDomain: 'emulator.onmicrosoft.com', tenantCategory: 'Home' },
      { tenantId: contoso, displayName: '11111111.onmicrosoft.com', defaultDomain: '11111111.onmicrosoft.com', tenantCategory: 'Home' },
    ]);
    assert.equal(config.subscriptions[0]!.tenantId, defaultTenantId);
  });

  it('subscriptions without a tenant belong to the first tenant given; a tenant the list leaves out is refused', () => {
    const config = resolveArm({ tenants: [{ tenantId: contoso }], subscriptions: [{ subscriptionId: 's1', displayName: 'A' }] }, none);
    assert.equal(config.subscriptions[0]!.tenantId, contoso);
    assert.throws(() => resolveArm({ tenants: [{ tenantId: contoso }], subscriptions: [{ subscriptionId: 's1', displayName: 'A', tenantId: fabrikam }] }, none), /does not list/);
    assert.throws(() => resolveArm({ tenants: [] }, none), /at least one tenant/);
    assert.throws(() => resolveArm({ tenants: [{ tenantId: '' }] }, none), /needs a tenantId/);
  });

  it('tenantNamed finds a directory by id or domain (any case); none, common and organizations are the home one', () => {
    const config = resolveArm(directories, none);
    assert.equal(tenantNamed(config, undefined)?.tenantId, defaultTenantId);
    assert.equal(tenantNamed(config, 'common')?.tenantId, defaultTenantId);
    assert.equal(tenantNamed(config, 'Organizations')?.tenantId, defaultTenantId);
    assert.equal(tenantNamed(config, contoso.toUpperCase())?.tenantId, contoso);
    assert.equal(tenantNamed(config, 'FABRIKAM.example')?.tenantId, fabrikam);
    assert.equal(tenantNamed(config, 'other.example'), undefined);
  });
});
