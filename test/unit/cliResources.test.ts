import * as assert from 'node:assert/strict';
import { summarizeCredentialError, rawCredentialChain } from '../../src/core/azure/credentialErrors';
import { defaultSubscriptionId } from '../../src/emulator/index';
import { runCli } from './cliProcess';
import { useEmulator } from './emulatorFixture';

// `aoai-batch resources` (the built CLI) against the emulator's ARM subset, and the one-sentence summary of a
// DefaultAzureCredential failure.

describe('CLI resources (against the emulator)', function () {
  this.timeout(60_000);
  const fixture = useEmulator({ arm: { pageSize: 1 } });
  const run = (extra: string[], env: NodeJS.ProcessEnv = {}) => runCli(['resources', '--management-endpoint', fixture.emulator.url, ...extra], { env: { AOAI_BATCH_ARM_TOKEN: '', ...env } });

  it('--json prints exactly the documented shape, across pages, without the TextAnalytics account', async () => {
    const token = fixture.emulator.issueToken().access_token;
    const { code, stdout, stderr } = await run(['--token', token, '--json']);
    assert.equal(code, 0, stderr);
    const parsed = JSON.parse(stdout) as { resources: Record<string, unknown>[] };
    assert.deepEqual(Object.keys(parsed), ['resources']);
    assert.deepEqual(parsed.resources.map((r) => r.name), ['emulator', 'emulator-ai']);
    const [own] = parsed.resources;
    assert.deepEqual(Object.keys(own!), ['subscriptionId', 'resourceGroup', 'name', 'kind', 'location', 'endpoint', 'deployments']);
    assert.equal(own!.subscriptionId, defaultSubscriptionId);
    assert.equal(own!.resourceGroup, 'emulator-rg');
    assert.equal(own!.endpoint, `${fixture.emulator.url}/`);
    const deployments = own!.deployments as Record<string, unknown>[];
    assert.deepEqual(Object.keys(deployments[0]!), ['name', 'model', 'version', 'sku', 'capacity', 'batch']);
    assert.deepEqual(
      deployments.map((d) => `${d.name}:${d.sku}:${d.batch}`),
      ['gpt-4.1-batch:DataZoneBatch:true', 'gpt-4o-batch:GlobalBatch:true', 'gpt-4o-live:Standard:false', 'gpt-4o-mini-batch:GlobalBatch:true'],
    );
  });

  it('prints a readable table by default, and takes the token from the environment', async () => {
    const token = fixture.emulator.issueToken().access_token;
    const { code, stdout, stderr } = await run(['--subscription', defaultSubscriptionId], { AOAI_BATCH_ARM_TOKEN: token });
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^emulator {2}\(OpenAI, eastus, resource group emulator-rg, subscription 0{8}-/m);
    assert.match(stdout, /^ {2}gpt-4o-live +gpt-4o 2024-08-06 +Standard +10 +not batch$/m);
    assert.match(stdout, /^ {2}3 batch deployments$/m);
    assert.ok(!stdout.includes(token));
  });

  it('a refused token is one sentence on stderr with a non-zero exit, and the token is not echoed', async () => {
    const { code, stdout, stderr } = await run(['--token', 'emu.not-issued-0123456789', '--json']);
    assert.equal(code, 2);
    assert.equal(stdout, '');
    assert.match(stderr, /^error: Azure Resource Manager did not accept the token given with --token [^\n]*: it is invalid, expired or not for [^\n]*\)\.\n$/);
    assert.ok(!stderr.includes('not-issued'));
  });

  it('an unknown subscription and an unreachable endpoint are one sentence each', async () => {
    const token = fixture.emulator.issueToken().access_token;
    const missing = await run(['--token', token, '--subscription', 'nope']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^error: Check the subscription[^\n]*SubscriptionNotFound\)\.\n$/);
    const down = await runCli(['resources', '--token', token, '--management-endpoint', 'http://127.0.0.1:9', '--timeout-s', '10']);
    assert.equal(down.code, 2);
    assert.match(down.stderr, /^error: Check the network connection[^\n]*\n$/);
  });

  it('needs --entra or --token, not both', async () => {
    assert.equal((await run([])).code, 2);
    const both = await run(['--entra', '--token', 'x']);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /either --token or --entra/);
  });
});

describe('credential error summary', () => {
  const chain = Object.assign(new Error('ChainedTokenCredential authentication failed.'), {
    name: 'AggregateAuthenticationError',
    errors: [
      Object.assign(new Error('EnvironmentCredential is unavailable. Environment variables are not fully configured.'), { name: 'CredentialUnavailableError' }),
      Object.assign(new Error('ManagedIdentityCredential: Authentication failed. Message Attempted to use the IMDS endpoint, but it is not available.'), { name: 'CredentialUnavailableError' }),
      Object.assign(new Error("AzureCliCredential: Please run 'az login' from a command prompt to authenticate before using this credential."), { name: 'CredentialUnavailableError' }),
      Object.assign(new Error('AzurePowerShellCredential: Please make sure that the Az.Account module is installed.'), { name: 'CredentialUnavailableError' }),
      Object.assign(new Error('AzureDeveloperCliCredential: Azure Developer CLI could not be found.'), { name: 'CredentialUnavailableError' }),
    ],
  });

  it('names the Azure CLI when az is on PATH', () => {
    const text = summarizeCredentialError(chain, { env: {}, azOnPath: true, azdOnPath: false });
    assert.equal(text, "Run 'az login' (then 'az account set --subscription ID' if needed): the Azure CLI is installed but not signed in.");
  });

  it('names the environment variables when they are set, with the reason', () => {
    const failed = Object.assign(new Error('EnvironmentCredential: AADSTS7000215: Invalid client secret provided.'), { name: 'AuthenticationError' });
    const text = summarizeCredentialError(failed, { env: { AZURE_CLIENT_ID: 'c', AZURE_TENANT_ID: 't', AZURE_CLIENT_SECRET: 's' }, azOnPath: true });
    assert.match(text, /^Check AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET: .*AADSTS7000215: Invalid client secret provided\)\.$/);
    assert.ok(!text.includes('\n'));
  });

  it('says how to get a credential when none is there, and keeps the raw chain for the log', () => {
    const text = summarizeCredentialError(chain, { env: {}, azOnPath: false, azdOnPath: false });
    assert.match(text, /^Install the Azure CLI and run 'az login', or set AZURE_TENANT_ID/);
    assert.ok(text.length < 200, text);
    const raw = rawCredentialChain(chain);
    assert.equal(raw.split('\n').length, 5);
    assert.match(raw, /AzureCliCredential/);
  });

  it('scrubs anything token-like from a quoted reason', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl';
    const failed = Object.assign(new Error(`AzureCliCredential: refused ${jwt}`), { name: 'AuthenticationError' });
    assert.ok(!summarizeCredentialError(failed, { env: {}, azOnPath: true }).includes(jwt));
  });
});
