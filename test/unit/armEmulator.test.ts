import * as assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { TokenIssuer } from '../../src/emulator/arm';
import { defaultSubscriptionId, type RunningEmulator } from '../../src/emulator/index';
import { azure, call, GA, jsonl, scratch, terminal, waitFor } from './emulatorHelpers';
import { useEmulator } from './emulatorFixture';
import { requests } from './helpers';

// The emulator's Azure Resource Manager subset and token issuer, over raw HTTP: Azure's JSON shapes, nextLink
// paging, the bearer check in ARM's words, the default resources, and a Standard deployment refused for batch.

const version = '2024-10-01';
const rgPath = `/subscriptions/${defaultSubscriptionId}/resourceGroups/emulator-rg/providers/Microsoft.CognitiveServices/accounts`;

describe('emulator: ARM subset', () => {
  let emulator: RunningEmulator;
  const fixture = useEmulator({}, { onStart: (started) => (emulator = started) });
  const tmp = scratch();
  after(() => tmp.cleanup());
  let bearer = '';
  beforeEach(() => {
    bearer = `Bearer ${emulator.issueToken().access_token}`;
  });
  const arm = (method: string, path: string, headers: Record<string, string> = { authorization: bearer }) => call(emulator, method, path, { headers: { 'api-key': '', ...headers } });

  it('POST /_emulator/token issues a random bearer token with an expiry (the key required)', async () => {
    const issued = await call(emulator, 'POST', '/_emulator/token');
    assert.equal(issued.status, 200);
    assert.equal(issued.json.token_type, 'Bearer');
    assert.equal(issued.json.expires_in, 3600);
    assert.match(issued.json.access_token, /^emu\.[\w-]{32}$/);
    const again = await call(emulator, 'POST', '/_emulator/token', { body: { scope: 'https://management.azure.com/.default' } });
    assert.notEqual(again.json.access_token, issued.json.access_token);
    assert.equal((await call(emulator, 'POST', '/_emulator/token', { headers: { 'api-key': 'wrong' } })).status, 401);
    assert.equal((await call(emulator, 'POST', '/_emulator/token', { body: { scope: 'https://vault.azure.net/.default' } })).status, 400);
    const listed = await arm('GET', `/subscriptions?api-version=${version}`, { authorization: `Bearer ${issued.json.access_token}` });
    assert.equal(listed.status, 200);
  });

  it('the Entra-like /{tenant}/oauth2/v2.0/token takes a client_credentials form with the key as secret', async () => {
    const form = (fields: Record<string, string>) =>
      call(emulator, 'POST', '/00000000-0000-0000-0000-0000000000aa/oauth2/v2.0/token', { raw: new URLSearchParams(fields).toString(), headers: { 'api-key': '', 'content-type': 'application/x-www-form-urlencoded' } });
    const ok = await form({ grant_type: 'client_credentials', client_id: 'any', client_secret: emulator.apiKey, scope: 'https://management.azure.com/.default' });
    assert.equal(ok.status, 200);
    assert.equal(ok.json.token_type, 'Bearer');
    assert.equal((await arm('GET', `/subscriptions?api-version=${version}`, { authorization: `Bearer ${ok.json.access_token}` })).status, 200);
    const badSecret = await form({ grant_type: 'client_credentials', client_id: 'any', client_secret: 'nope', scope: 'https://management.azure.com/.default' });
    assert.equal(badSecret.status, 401);
    assert.equal(badSecret.json.error, 'invalid_client');
    assert.equal((await form({ grant_type: 'password' })).json.error, 'unsupported_grant_type');
  });

  it('ARM answers 401 in its own words without a valid token, and never takes the API key as a bearer', async () => {
    const path = `/subscriptions?api-version=${version}`;
    const missing = await arm('GET', path, {});
    assert.equal(missing.status, 401);
    assert.equal(missing.json.error.code, 'AuthenticationFailed');
    assert.match(missing.headers.get('www-authenticate') ?? '', /^Bearer /);
    assert.equal((await arm('GET', path, { authorization: 'Basic abc' })).json.error.code, 'AuthenticationFailed');
    assert.equal((await arm('GET', path, { authorization: `Bearer ${emulator.apiKey}` })).json.error.code, 'InvalidAuthenticationToken');
    assert.equal((await arm('GET', path, { 'api-key': emulator.apiKey })).status, 401);
    const dataPlane = `Bearer ${emulator.issueToken('https://cognitiveservices.azure.com/.default').access_token}`;
    assert.equal((await arm('GET', path, { authorization: dataPlane })).json.error.code, 'InvalidAuthenticationTokenAudience');
    const revoked = await call(emulator, 'DELETE', '/_emulator/arm/tokens');
    assert.equal(revoked.status, 200);
    assert.equal((await arm('GET', path)).json.error.code, 'InvalidAuthenticationToken');
  });

  it('an expired token answers 401 ExpiredAuthenticationToken', async () => {
    emulator.setArm({ tokenLifetimeSeconds: 1 });
    const short = emulator.issueToken();
    assert.equal(short.expires_in, 1);
    assert.equal((await arm('GET', `/subscriptions?api-version=${version}`, { authorization: `Bearer ${short.access_token}` })).status, 200);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const expired = await arm('GET', `/subscriptions?api-version=${version}`, { authorization: `Bearer ${short.access_token}` });
    assert.equal(expired.status, 401);
    assert.equal(expired.json.error.code, 'ExpiredAuthenticationToken');
    emulator.setArm({});

    let now = 1_000_000;
    const issuer = new TokenIssuer(() => 60, () => now);
    const { access_token: token, expires_in: lifetime } = issuer.issue('management');
    assert.equal(lifetime, 60);
    assert.deepEqual(issuer.check(token), { state: 'valid', audience: 'management' });
    now += 60_000;
    assert.deepEqual(issuer.check(token), { state: 'expired' });
    assert.deepEqual(issuer.check('other'), { state: 'unknown' });
  });

  it('a data-plane token from the issuer is accepted by the data plane, an ARM token is not', async () => {
    const dataPlane = emulator.issueToken('https://ai.azure.com/.default').access_token;
    assert.equal((await call(emulator, 'GET', '/openai/v1/files', { headers: { 'api-key': '', authorization: `Bearer ${dataPlane}` } })).status, 200);
    assert.equal((await call(emulator, 'GET', '/openai/v1/files', { headers: { 'api-key': '', authorization: bearer } })).status, 401);
  });

  it('requires an api-version (400 MissingApiVersionParameter) and accepts any', async () => {
    const missing = await arm('GET', '/subscriptions');
    assert.equal(missing.status, 400);
    assert.equal(missing.json.error.code, 'MissingApiVersionParameter');
    assert.equal((await arm('GET', '/subscriptions?api-version=2022-12-01')).status, 200);
  });

  it('lists the default subscription in Azure\'s shape', async () => {
    const listed = await arm('GET', `/subscriptions?api-version=${version}`);
    assert.equal(listed.json.value.length, 1);
    const [s] = listed.json.value;
    assert.deepEqual(
      { id: s.id, subscriptionId: s.subscriptionId, tenantId: s.tenantId, displayName: s.displayName, state: s.state },
      { id: `/subscriptions/${defaultSubscriptionId}`, subscriptionId: defaultSubscriptionId, tenantId: '00000000-0000-0000-0000-0000000000aa', displayName: 'Emulator Subscription', state: 'Enabled' },
    );
    assert.equal(listed.json.nextLink, undefined);
  });

  it('lists the default accounts: OpenAI (this emulator), AIServices (endpoints map) and a TextAnalytics one', async () => {
    const listed = await arm('GET', `/subscriptions/${defaultSubscriptionId}/providers/Microsoft.CognitiveServices/accounts?api-version=${version}`);
    assert.equal(listed.status, 200);
    const byName = new Map<string, any>(listed.json.value.map((a: any) => [a.name, a])); // eslint-disable-line @typescript-eslint/no-explicit-any
    assert.deepEqual([...byName.keys()], ['emulator', 'emulator-ai', 'emulator-language']);
    const own = byName.get('emulator');
    assert.equal(own.id, `${rgPath}/emulator`);
    assert.equal(own.type, 'Microsoft.CognitiveServices/accounts');
    assert.equal(own.kind, 'OpenAI');
    assert.equal(own.location, 'eastus');
    assert.deepEqual(own.sku, { name: 'S0' });
    assert.equal(own.properties.endpoint, `${emulator.url}/`);
    assert.equal(own.properties.provisioningState, 'Succeeded');
    const ai = byName.get('emulator-ai');
    assert.equal(ai.kind, 'AIServices');
    assert.equal(ai.properties.endpoints['OpenAI Language Model Instance API'], `${emulator.url}/`);
    assert.equal(byName.get('emulator-language').kind, 'TextAnalytics');
    const inGroup = await arm('GET', `${rgPath}?api-version=${version}`);
    assert.equal(inGroup.json.value.length, 3);
    const one = await arm('GET', `${rgPath}/emulator?api-version=${version}`);
    assert.deepEqual(one.json, own);
  });

  it('lists the deployments: the batch ones (GlobalBatch, one DataZoneBatch) and a Standard one', async () => {
    const listed = await arm('GET', `${rgPath}/emulator/deployments?api-version=${version}`);
    const view = listed.json.value.map((d: any) => `${d.name}:${d.sku.name}:${d.properties.model.name}:${d.properties.model.version}`); // eslint-disable-line @typescript-eslint/no-explicit-any
    assert.deepEqual(view, ['gpt-4o-batch:GlobalBatch:gpt-4o:2024-08-06', 'gpt-4o-mini-batch:GlobalBatch:gpt-4o-mini:2024-07-18', 'gpt-4.1-batch:DataZoneBatch:gpt-4.1:2025-04-14', 'gpt-4o-live:Standard:gpt-4o:2024-08-06']);
    const [d] = listed.json.value;
    assert.equal(d.id, `${rgPath}/emulator/deployments/gpt-4o-batch`);
    assert.equal(d.type, 'Microsoft.CognitiveServices/accounts/deployments');
    assert.equal(d.properties.model.format, 'OpenAI');
    assert.equal(d.properties.provisioningState, 'Succeeded');
    assert.equal(typeof d.sku.capacity, 'number');
    const single = await arm('GET', `${rgPath}/emulator/deployments/gpt-4o-live?api-version=${version}`);
    assert.equal(single.json.sku.name, 'Standard');
    assert.equal((await arm('GET', `${rgPath}/emulator/deployments/nope?api-version=${version}`)).json.error.code, 'DeploymentNotFound');
  });

  it('listKeys gives the data-plane key; unknown names answer ARM\'s 404 codes', async () => {
    const keys = await arm('POST', `${rgPath}/emulator/listKeys?api-version=${version}`);
    assert.equal(keys.status, 200);
    assert.equal(keys.json.key1, emulator.apiKey);
    assert.equal((await arm('GET', `/subscriptions/nope/providers/Microsoft.CognitiveServices/accounts?api-version=${version}`)).json.error.code, 'SubscriptionNotFound');
    assert.equal((await arm('GET', `/subscriptions/${defaultSubscriptionId}/resourceGroups/nope/providers/Microsoft.CognitiveServices/accounts?api-version=${version}`)).json.error.code, 'ResourceGroupNotFound');
    const account = await arm('GET', `${rgPath}/nope?api-version=${version}`);
    assert.equal(account.status, 404);
    assert.equal(account.json.error.code, 'ResourceNotFound');
    assert.equal((await arm('GET', `/subscriptions/${defaultSubscriptionId}/resourceGroups/x/providers/Microsoft.Storage/storageAccounts?api-version=${version}`)).status, 404);
  });

  it('pages by nextLink (absolute, same server, keeps the api-version) with the page size option', async () => {
    await fixture.restart({ arm: { pageSize: 2 } });
    bearer = `Bearer ${emulator.issueToken().access_token}`;
    const first = await arm('GET', `${rgPath}/emulator/deployments?api-version=${version}`);
    assert.equal(first.json.value.length, 2);
    const next = new URL(first.json.nextLink);
    assert.equal(next.origin, emulator.url);
    assert.equal(next.searchParams.get('api-version'), version);
    const second = await arm('GET', `${next.pathname}${next.search}`);
    assert.equal(second.json.value.length, 2);
    assert.equal(second.json.nextLink, undefined);
    assert.deepEqual([...first.json.value, ...second.json.value].map((d: { name: string }) => d.name), ['gpt-4o-batch', 'gpt-4o-mini-batch', 'gpt-4.1-batch', 'gpt-4o-live']);
    await fixture.restart();
  });

  it('PUT /_emulator/arm replaces the resources at run time (key required)', async () => {
    const body = { subscriptions: [{ subscriptionId: 'sub-x', displayName: 'X' }], accounts: [{ resourceGroup: 'g', name: 'only', kind: 'OpenAI' }] };
    assert.equal((await call(emulator, 'PUT', '/_emulator/arm', { body, headers: { 'api-key': 'wrong' } })).status, 401);
    assert.equal((await call(emulator, 'PUT', '/_emulator/arm', { body })).status, 200);
    const listed = await arm('GET', `/subscriptions/sub-x/providers/Microsoft.CognitiveServices/accounts?api-version=${version}`);
    assert.deepEqual(listed.json.value.map((a: { name: string }) => a.name), ['only']);
    assert.equal((await call(emulator, 'PUT', '/_emulator/arm', { body: { accounts: [{ name: 'no-group' }] } })).status, 400);
    await fixture.restart();
  });

  it('the data plane refuses a batch for the Standard deployment (model_not_found) and runs the AIServices batch deployment', async () => {
    const client = azure(emulator, GA);
    const run = async (model: string) => {
      const file = await client.files.create({ file: createReadStream(tmp.write(`${model}.jsonl`, jsonl(requests(2, { model })))), purpose: 'batch' });
      const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/chat/completions' as never, completion_window: '24h' });
      return waitFor((id) => client.batches.retrieve(id), batch.id, [...terminal, 'in_progress']);
    };
    const standard = await run('gpt-4o-live');
    assert.equal(standard.status, 'failed');
    assert.equal(standard.errors.data[0].code, 'model_not_found');
    assert.match(standard.errors.data[0].message, /Global Batch or Data Zone Batch/);
    const ai = await run('gpt-4.1-mini-batch');
    assert.notEqual(ai.status, 'failed', JSON.stringify(ai.errors));
  });
});
