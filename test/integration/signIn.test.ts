import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import type { Connection } from '../../src/features/connections/connectionStore';
import { deploymentTreeItem } from '../../src/features/azure/deploymentItems';
import type { JobsNode } from '../../src/features/jobs/jobsTree';
import { deadPort, extensionApi, recordingWindow, waitFor } from './helpers';
import { recordQuickPicks, type QuickPickDriver } from './quickPicks';
import { testSignIn, type TestSignIn } from './testAuthProvider';

const apiKey = 'sign-in-emulator-key';
const setting = 'azureOpenAIBatch.azure.managementEndpoint';

async function setManagementEndpoint(url: string | undefined): Promise<void> {
  await vscode.workspace.getConfiguration().update(setting, url, vscode.ConfigurationTarget.Global);
}

/** The children of a connection's "Deployments" node in the real tree provider, once it is no longer listing. */
async function deploymentsShown(connection: Connection): Promise<JobsNode[]> {
  const api = await extensionApi();
  return waitFor(`the deployments of ${connection.name} in the tree`, () => {
    const top = api.tree.getChildren().find((node) => node.kind === 'connection' && node.connection.id === connection.id);
    const deployments = top && api.tree.getChildren(top).find((node) => node.kind === 'deployments');
    if (!deployments) {
      return undefined;
    }
    const children = api.tree.getChildren(deployments);
    return children.some((c) => c.kind === 'message' && /Listing/.test(c.text)) ? undefined : children;
  });
}

const labelOf = (node: JobsNode) => (node.kind === 'deployment' ? node.deployment.name : node.kind === 'message' ? node.text : node.kind);

describe('Sign in with Microsoft (test sign-in provider, the emulator as Azure Resource Manager)', function () {
  this.timeout(90_000);
  let emulator: RunningEmulator;
  let picks: QuickPickDriver;
  let signIn: TestSignIn;
  let replaced: vscode.Disposable;
  const added: string[] = [];

  before(async () => {
    emulator = await startEmulator({ port: 0, apiKey });
    signIn = testSignIn();
    signIn.issuer = { url: emulator.url, apiKey };
    await setManagementEndpoint(emulator.url);
    const api = await extensionApi();
    assert.ok(api.replaceAuthentication, 'the test extension host can replace the sign-in');
    replaced = api.replaceAuthentication({ getSession: signIn.getSession });
  });

  beforeEach(() => {
    signIn.mode = 'signIn';
    picks = recordQuickPicks();
  });

  afterEach(async () => {
    picks.dispose();
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    for (const id of added.splice(0)) {
      await vscode.commands.executeCommand('azureOpenAIBatch.removeConnection', id, true);
    }
  });

  after(async () => {
    replaced.dispose();
    await setManagementEndpoint(undefined);
    await emulator.close();
  });

  /** Runs the command while `drive` answers its picks; returns what it returned and the errors it showed. */
  async function signInWith(drive: () => Promise<void>): Promise<{ connection: Connection | undefined; errors: string[] }> {
    const { value, calls } = await recordingWindow('showErrorMessage', async () => {
      const running = Promise.resolve(vscode.commands.executeCommand<Connection | undefined>('azureOpenAIBatch.signInWithMicrosoft'));
      await drive();
      return running;
    });
    if (value) {
      added.push(value.id);
    }
    return { connection: value, errors: calls.map((args) => String(args[0])) };
  }

  /** Signs in and adds the `emulator` resource with Entra ID; returns it once its deployments are listed. */
  async function entraConnectionToEmulator(): Promise<Connection> {
    const { connection } = await signInWith(async () => {
      await picks.accept(await picks.ready(0), /^Emulator Subscription$/);
      await picks.accept(await picks.ready(1), /^emulator$/);
      await picks.accept(await picks.ready(2), /Microsoft Entra ID/);
    });
    assert.ok(connection, 'a connection was added');
    await deploymentsShown(connection);
    return connection;
  }

  it('signs in first, then subscription -> resource -> Entra ID adds a connection with its resource and lists its batch deployments', async () => {
    const api = await extensionApi();
    const before = api.connections.all().length;
    const { connection, errors } = await signInWith(async () => {
      const subscriptions = await picks.ready(0);
      assert.match(subscriptions.title ?? '', /Sign in with Microsoft \(1\/3\)/);
      assert.ok(subscriptions.items.some((i) => i.label === 'Emulator Subscription'));
      await picks.accept(subscriptions, /^Emulator Subscription$/);
      const resources = await picks.ready(1);
      assert.deepEqual(
        resources.items.map((i) => i.label),
        ['emulator', 'emulator-ai'],
        'Azure OpenAI and AI Services accounts only (the TextAnalytics one is left out)',
      );
      assert.match(resources.items[0]!.description ?? '', /OpenAI · eastus/);
      await picks.accept(resources, /^emulator$/);
      const how = await picks.ready(2);
      await picks.accept(how, /Microsoft Entra ID/);
    });
    assert.deepEqual(errors, []);
    assert.ok(connection, 'a connection was added');
    assert.equal(connection.auth, 'entra');
    assert.deepEqual(connection.resource, { subscriptionId: '00000000-0000-0000-0000-000000000001', resourceGroup: 'emulator-rg', name: 'emulator' });
    assert.equal(connection.endpoint.replace(/\/+$/, ''), emulator.url.replace(/\/+$/, ''));
    assert.equal(await api.connections.readKey(connection), undefined, 'no key is stored');
    if (before > 0) {
      assert.notEqual(api.connections.defaultConnection()?.id, connection.id, 'a new connection does not silently become the default');
    }
    const first = signIn.calls[0]!;
    assert.deepEqual(first, { providerId: 'microsoft', scopes: [`${emulator.url.replace(/\/+$/, '')}/.default`], interactive: true }, 'signed in first, for the management scope of the endpoint');
    assert.ok(signIn.calls.some((c) => c.scopes.includes('https://cognitiveservices.azure.com/.default') && !c.interactive), 'the data plane asked for its own scope, silently');

    const shown = await deploymentsShown(connection);
    const names = shown.filter((n) => n.kind === 'deployment').map(labelOf);
    assert.deepEqual(names, ['gpt-4.1-batch', 'gpt-4o-batch', 'gpt-4o-mini-batch'], 'the batch deployments, by name');
    assert.ok(shown.some((n) => n.kind === 'message' && /Not batch.*gpt-4o-live \(Standard\)/.test(n.text)), 'the Standard deployment is named as not batch');
    const item = api.tree.getTreeItem(shown.find((n) => n.kind === 'deployment')!);
    assert.match(String(item.description), /gpt-4\.1 .* · (GlobalBatch|DataZoneBatch) · capacity 250/);
    const cached = api.deployments.get(connection.id);
    assert.equal(cached?.deployments.length, 4, 'the cache holds every deployment, batch or not');

    // The data plane with the Entra token of the endpoint's scope: the jobs list loads without an error.
    await waitFor('the jobs of the new connection to list', () => {
      const listing = api.jobs.listing(connection.id);
      return listing && !listing.loading && !listing.error;
    });
  });

  it("shows a deployment's enqueued-token use in its description and tooltip once a job runs on it or a quota is set", () => {
    const deployment = { name: 'gpt-4o-batch', model: 'gpt-4o', version: '2024-08-06', sku: 'GlobalBatch', capacity: 250, batch: true };
    const busy = deploymentTreeItem('d1', deployment, { deployment: deployment.name, used: 1_200_000, limit: 5_000_000, left: 3_800_000, source: 'estimates', activeJobs: 1 });
    assert.match(String(busy.description), /· 1\.2M of 5M enqueued tokens \(24%\)$/);
    assert.match((busy.tooltip as vscode.MarkdownString).value.replace(/\\/g, ''), /Enqueued: 1\.2M of 5M enqueued tokens \(24%\)/);
    const unknownLimit = deploymentTreeItem('d2', deployment, { deployment: deployment.name, used: 40_000, source: 'estimates', activeJobs: 1 });
    assert.match(String(unknownLimit.description), /· 40K enqueued tokens$/);
    const idle = deploymentTreeItem('d3', deployment, { deployment: deployment.name, used: 0, source: 'estimates', activeJobs: 0 });
    assert.doesNotMatch(String(idle.description), /enqueued/);
  });

  it('Add Connection offers "Sign in with Microsoft" first: sign-in, then the resource, no endpoint asked', async () => {
    const running = Promise.resolve(vscode.commands.executeCommand<Connection | undefined>('azureOpenAIBatch.addConnection'));
    const service = await picks.ready(0);
    assert.equal(service.items[0]?.label, 'Sign in with Microsoft', 'the sign-in is the first choice of Add Connection');
    await picks.accept(service, /^Sign in with Microsoft$/);
    const subscriptions = await picks.ready(1);
    assert.match(subscriptions.title ?? '', /Sign in with Microsoft \(1\/3\)/, 'the next question is the subscription, not an endpoint');
    await picks.accept(subscriptions, /^Emulator Subscription$/);
    await picks.accept(await picks.ready(2), /^emulator$/);
    await picks.accept(await picks.ready(3), /Microsoft Entra ID/);
    const connection = await running;
    assert.ok(connection, 'a connection was added');
    added.push(connection.id);
    assert.equal(connection.auth, 'entra');
    assert.equal(connection.resource?.name, 'emulator');
  });

  it('Back returns to the previous step; Escape at any step ends the flow with no message and no connection', async () => {
    const api = await extensionApi();
    const count = api.connections.all().length;
    const atSubscription = await signInWith(async () => {
      await picks.ready(0);
      await picks.escape();
    });
    assert.deepEqual(atSubscription, { connection: undefined, errors: [] });

    const atResource = await signInWith(async () => {
      await picks.accept(await picks.ready(1), /^Emulator Subscription$/);
      await picks.ready(2);
      await picks.back();
      const again = await picks.ready(3);
      assert.match(again.title ?? '', /\(1\/3\)/, 'Back shows the subscriptions again');
      await picks.accept(again, /^Emulator Subscription$/);
      await picks.ready(4);
      await picks.escape();
    });
    assert.deepEqual(atResource, { connection: undefined, errors: [] });

    const atAuth = await signInWith(async () => {
      await picks.accept(await picks.ready(5), /^Emulator Subscription$/);
      await picks.accept(await picks.ready(6), /^emulator-ai$/);
      await picks.ready(7);
      await picks.escape();
    });
    assert.deepEqual(atAuth, { connection: undefined, errors: [] });
    assert.equal(api.connections.all().length, count);
  });

  it('signed out, an Entra connection with a resource shows one sign-in item; it signs in and lists both the jobs and the deployments', async () => {
    const api = await extensionApi();
    const connection = await entraConnectionToEmulator();
    const top = () => api.tree.getChildren().find((node) => node.kind === 'connection' && node.connection.id === connection.id)!;
    const signInItems = (): JobsNode[] => {
      const children = api.tree.getChildren(top());
      const deployments = children.find((node) => node.kind === 'deployments');
      return [...children, ...(deployments ? api.tree.getChildren(deployments) : [])].filter((node) => node.kind === 'message' && node.icon === 'sign-in');
    };

    signIn.signOut();
    signIn.mode = 'decline';
    // Signed out: the jobs list silently (their sign-in item), and a Retry whose sign-in is declined lists the
    // deployments silently too (the sign-in they need as well).
    await api.jobs.refresh(connection);
    await vscode.commands.executeCommand('azureOpenAIBatch.refreshConnection', top());
    const shown = await waitFor('the signed-out connection in the tree', () => {
      const items = signInItems();
      const deployments = api.tree.getChildren(top()).find((node) => node.kind === 'deployments');
      return items.length > 0 && api.jobs.listing(connection.id)?.error?.needsCredential && deployments ? items : undefined;
    });
    assert.equal(shown.length, 1, `one sign-in item: ${shown.map(labelOf).join(' | ')}`);
    assert.match(labelOf(shown[0]!), /Sign in with Microsoft to use/);
    const deployments = api.tree.getChildren(api.tree.getChildren(top()).find((node) => node.kind === 'deployments')!);
    assert.deepEqual(deployments.filter((n) => n.kind === 'deployment').map(labelOf), ['gpt-4.1-batch', 'gpt-4o-batch', 'gpt-4o-mini-batch'], 'the deployments last listed stay shown');

    signIn.mode = 'signIn';
    const item = api.tree.getTreeItem(shown[0]!);
    assert.ok(item.command, 'the sign-in item has a command');
    const callsBefore = signIn.calls.length;
    await vscode.commands.executeCommand(item.command.command, ...(item.command.arguments ?? []));
    await waitFor('the jobs and the deployments to list after the one sign-in', () => {
      const listing = api.jobs.listing(connection.id);
      return listing && !listing.loading && !listing.error && signInItems().length === 0 ? true : undefined;
    });
    const interactive = signIn.calls.slice(callsBefore).filter((c) => c.interactive);
    assert.equal(interactive.length, 1, `one sign-in prompt: ${JSON.stringify(interactive)}`);
    assert.ok(signIn.calls.slice(callsBefore).some((c) => !c.interactive && c.scopes[0] === `${emulator.url.replace(/\/+$/, '')}/.default`), 'the deployments were listed with a silent management session');
  });

  describe('directories (tenants)', () => {
    const contoso = '11111111-2222-3333-4444-555555555555';
    const contosoSub = '00000000-0000-0000-0000-0000000000c1';
    const home = { tenantId: '00000000-0000-0000-0000-0000000000aa', displayName: 'Emulator Directory', defaultDomain: 'emulator.onmicrosoft.com' };
    const contosoTenant = { tenantId: contoso, displayName: 'Contoso', defaultDomain: 'contoso.onmicrosoft.com' };
    const contosoAccount = { subscriptionId: contosoSub, resourceGroup: 'contoso-rg', name: 'contoso-openai', kind: 'OpenAI', endpoint: 'self', deployments: [{ name: 'gpt-4o-batch', model: 'gpt-4o', version: '2024-08-06', sku: 'GlobalBatch', capacity: 50 }] };
    afterEach(() => emulator.setArm({}));

    it('with two directories the first step offers the other one (name, domain, id) before "another directory"; picking it signs in there and lists its subscriptions', async () => {
      emulator.setArm({
        tenants: [home, contosoTenant],
        subscriptions: [
          { subscriptionId: '00000000-0000-0000-0000-000000000001', displayName: 'Emulator Subscription' },
          { subscriptionId: contosoSub, displayName: 'Contoso Subscription', tenantId: contoso },
        ],
        accounts: [{ resourceGroup: 'emulator-rg', name: 'emulator', kind: 'OpenAI', endpoint: 'self' }, contosoAccount],
      });
      const callsBefore = signIn.calls.length;
      const { connection, errors } = await signInWith(async () => {
        const first = await picks.ready(0);
        const labels = first.items.map((i) => i.label);
        assert.deepEqual(labels, ['Emulator Subscription', 'Other directories', '$(organization) Contoso', '$(organization) Sign in to another directory (tenant)...'], labels.join(' | '));
        const directory = first.items[2]!;
        assert.equal(directory.description, 'contoso.onmicrosoft.com');
        assert.equal(directory.detail, contoso);
        await picks.accept(first, /Contoso$/);
        const again = await picks.ready(1);
        assert.match(again.title ?? '', /\(1\/3\)/, 'still the first step');
        assert.deepEqual(
          again.items.map((i) => i.label),
          ['Contoso Subscription', 'Other directories', '$(organization) Emulator Directory', '$(organization) Sign in to another directory (tenant)...'],
          'the subscriptions of Contoso, and the home directory to go back to',
        );
        await picks.accept(again, /^Contoso Subscription$/);
        const resources = await picks.ready(2);
        assert.deepEqual(resources.items.map((i) => i.label), ['contoso-openai']);
        await picks.back();
        const back = await picks.ready(3);
        assert.equal(back.items[0]?.label, 'Contoso Subscription', 'Back keeps the directory picked');
        await picks.accept(back, /^Contoso Subscription$/);
        await picks.accept(await picks.ready(4), /^contoso-openai$/);
        await picks.accept(await picks.ready(5), /Microsoft Entra ID/);
      });
      assert.deepEqual(errors, []);
      assert.ok(connection, 'a connection was added');
      assert.equal(connection.tenant, contoso, 'the connection keeps its directory');
      assert.deepEqual(connection.resource, { subscriptionId: contosoSub, resourceGroup: 'contoso-rg', name: 'contoso-openai' });
      const management = `${emulator.url.replace(/\/+$/, '')}/.default`;
      assert.ok(
        signIn.calls.slice(callsBefore).some((c) => c.interactive && c.scopes.length === 2 && c.scopes[0] === management && c.scopes[1] === `VSCODE_TENANT:${contoso}`),
        'signed in to the directory picked (VSCODE_TENANT)',
      );
      // Its deployments list with a token of its directory (the emulator refuses a home-directory token there).
      const shown = await deploymentsShown(connection);
      assert.deepEqual(shown.filter((n) => n.kind === 'deployment').map(labelOf), ['gpt-4o-batch']);
    });

    it('a home directory without subscriptions offers the other directories; Escape on the new directory\'s pick ends silently', async () => {
      emulator.setArm({ tenants: [home, contosoTenant], subscriptions: [{ subscriptionId: contosoSub, displayName: 'Contoso Subscription', tenantId: contoso }], accounts: [contosoAccount] });
      const api = await extensionApi();
      const count = api.connections.all().length;
      const result = await signInWith(async () => {
        const first = await picks.ready(0);
        assert.deepEqual(first.items.map((i) => i.label), ['Other directories', '$(organization) Contoso', '$(organization) Sign in to another directory (tenant)...']);
        await picks.accept(first, /Contoso$/);
        const contosoPick = await picks.ready(1);
        assert.equal(contosoPick.items[0]?.label, 'Contoso Subscription');
        await picks.escape();
      });
      assert.deepEqual(result, { connection: undefined, errors: [] });
      assert.equal(api.connections.all().length, count);
    });

    it('one directory with subscriptions: no directory items, "another directory" stays last', async () => {
      const result = await signInWith(async () => {
        const first = await picks.ready(0);
        assert.deepEqual(first.items.map((i) => i.label), ['Emulator Subscription', '', '$(organization) Sign in to another directory (tenant)...']);
        await picks.escape();
      });
      assert.deepEqual(result, { connection: undefined, errors: [] });
    });
  });

  it('a declined sign-in ends silently', async () => {
    signIn.signOut();
    signIn.mode = 'decline';
    const result = await signInWith(async () => undefined);
    assert.deepEqual(result, { connection: undefined, errors: [] });
    assert.equal(picks.count, 0, 'no pick after a declined sign-in');
  });

  it('an unreachable Resource Manager ends in one plain sentence that says what to do', async () => {
    const dead = `http://127.0.0.1:${await deadPort()}`;
    await setManagementEndpoint(dead);
    try {
      // The subscriptions pick opens, loading; the listing fails and the pick closes with the message.
      const result = await signInWith(async () => undefined);
      assert.equal(result.connection, undefined);
      assert.equal(result.errors.length, 1, `one message: ${result.errors.join(' | ')}`);
      assert.equal(result.errors[0], `Azure OpenAI Batch: Could not reach Azure at ${dead}: check your network connection and try again.`);
    } finally {
      await setManagementEndpoint(emulator.url);
    }
  });

  it('"API key of the resource" fetches the key with listKeys into the secret storage', async () => {
    const api = await extensionApi();
    const { connection, errors } = await signInWith(async () => {
      await picks.accept(await picks.ready(0), /^Emulator Subscription$/);
      await picks.accept(await picks.ready(1), /^emulator$/);
      await picks.accept(await picks.ready(2), /API key/);
    });
    assert.deepEqual(errors, []);
    assert.ok(connection);
    assert.equal(connection.auth, 'apiKey');
    assert.equal((await api.connections.readKey(connection))?.key, apiKey);
    await waitFor('the jobs of the key connection to list', () => {
      const listing = api.jobs.listing(connection.id);
      return listing && !listing.loading && !listing.error;
    });
  });

  it('a resource without batch deployments says so, with a link to create one', async () => {
    const api = await extensionApi();
    const connection = await entraConnectionToEmulator();
    emulator.setArm({ accounts: [{ resourceGroup: 'emulator-rg', name: 'emulator', kind: 'OpenAI', endpoint: 'self', deployments: [{ name: 'live-only', model: 'gpt-4o', version: '2024-08-06', sku: 'Standard', capacity: 1 }] }] });
    try {
      await vscode.commands.executeCommand('azureOpenAIBatch.refreshDeployments', connection.id);
      const shown = await deploymentsShown(connection);
      const none = shown.find((n) => n.kind === 'message' && /No batch deployments/.test(n.text));
      assert.ok(none, `a "none" line: ${shown.map(labelOf).join(' | ')}`);
      const item = api.tree.getTreeItem(none);
      assert.equal(item.command?.command, 'vscode.open');
      assert.match((item.command?.arguments?.[0] as vscode.Uri).toString(true), /#resource\/subscriptions\/00000000-0000-0000-0000-000000000001\/resourceGroups\/emulator-rg\/providers\/Microsoft\.CognitiveServices\/accounts\/emulator/);
      assert.ok(shown.some((n) => n.kind === 'message' && /Not batch.*live-only \(Standard\)/.test(n.text)));
    } finally {
      emulator.setArm({});
    }
  });
});

describe('Azure CLI and other local credentials (DefaultAzureCredential) on a machine without any', function () {
  this.timeout(90_000);

  it('the connection says in one sentence what to do, not the chain of every credential tried', async () => {
    const api = await extensionApi();
    const connection = (await vscode.commands.executeCommand<Connection>('azureOpenAIBatch.addConnection', { name: 'No local credential', endpoint: `http://127.0.0.1:${await deadPort()}`, apiVersion: 'v1', auth: 'azureCli', skipCheck: true }))!;
    try {
      await api.jobs.refresh(connection).catch(() => undefined);
      const error = await waitFor('the listing error of the connection', () => api.jobs.listing(connection.id)?.error, 60_000);
      assert.doesNotMatch(error.message, /EnvironmentCredential|ManagedIdentityCredential|AzureCliCredential/, 'no credential chain in the message');
      assert.match(error.message, /(Install the Azure CLI|Run 'az login'|Run 'azd auth login'|Check )/, error.message);
    } finally {
      await vscode.commands.executeCommand('azureOpenAIBatch.removeConnection', connection.id, true);
    }
  });
});
