// `aoai-batch resources`: the Azure OpenAI / AI Services resources a sign-in can reach through Azure Resource
// Manager, with their deployments (which of them take batch jobs). Uses the core ManagementClient, as the
// extension does; the ARM SDKs are loaded only when it runs.
import { isCredentialError, rawCredentialChain, summarizeCredentialError } from '../core/azure/credentialErrors';
import type { ResourceInfo } from '../core/azure/deployments';
import { DEFAULT_MANAGEMENT_ENDPOINT, ManagementClient, ManagementError, scopeFor } from '../core/azure/management';
import { BundleLoadError } from '../core/bundles';
import { terminalJson, terminalSafe } from '../core/terminalText';
import { numberOption, parseArgs, UsageError } from './args';
import { stringOption } from './connectionOptions';
import { usages } from './usage';

const valued = ['subscription', 'token', 'management-endpoint', 'tenant', 'timeout-s'];
const flags = ['json', 'entra', 'verbose'];

/** Where `--token` may also come from. */
export const armTokenEnv = 'AOAI_BATCH_ARM_TOKEN';

/** A token provider from DefaultAzureCredential for the endpoint's scope (Azure Identity loaded now). */
async function entraTokens(endpoint: string, tenantId: string | undefined): Promise<() => Promise<string>> {
  const identity = await import('@azure/identity').catch((error: unknown) => {
    throw new BundleLoadError('azureIdentity.js', error);
  });
  const credential = new identity.DefaultAzureCredential(tenantId ? { tenantId } : undefined);
  return identity.getBearerTokenProvider(credential, scopeFor(endpoint));
}

/** The `--json` shape: exactly these fields, in this order. */
function jsonView(resources: readonly ResourceInfo[]): unknown {
  return {
    resources: resources.map((r) => ({
      subscriptionId: r.subscriptionId,
      resourceGroup: r.resourceGroup,
      name: r.name,
      kind: r.kind,
      location: r.location,
      endpoint: r.endpoint,
      deployments: r.deployments.map((d) => ({ name: d.name, model: d.model, version: d.version, sku: d.sku, capacity: d.capacity, batch: d.batch })),
    })),
  };
}

/** The readable listing: a block per resource, a row per deployment. */
function table(resources: readonly ResourceInfo[]): string {
  if (resources.length === 0) {
    return 'No Azure OpenAI or AI Services resources found.\n';
  }
  const lines: string[] = [];
  for (const r of resources) {
    lines.push(`${r.name}  (${r.kind}, ${r.location}, resource group ${r.resourceGroup}, subscription ${r.subscriptionId})`, `  endpoint: ${r.endpoint || '(none)'}`);
    if (r.deployments.length === 0) {
      lines.push('  no deployments');
    } else {
      const rows = r.deployments.map((d) => [d.name, d.version ? `${d.model} ${d.version}` : d.model, d.sku, d.capacity === null ? '' : String(d.capacity), d.batch ? 'batch' : 'not batch']);
      const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((row) => row[i]!.length)));
      for (const row of rows) {
        lines.push(`  ${row.map((cell, i) => (i < 4 ? cell.padEnd(widths[i]!) : cell)).join('  ')}`.trimEnd());
      }
    }
    const batch = r.deployments.filter((d) => d.batch).length;
    lines.push(`  ${batch} batch deployment${batch === 1 ? '' : 's'}`, '');
  }
  return `${lines.map(terminalSafe).join('\n')}`;
}

export async function runResources(argv: readonly string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const args = parseArgs(argv, valued, flags);
  if (args.positionals.length > 0) {
    throw new UsageError(`usage: ${usages.resources}`);
  }
  const endpoint = stringOption(args, 'management-endpoint') ?? DEFAULT_MANAGEMENT_ENDPOINT;
  try {
    new URL(endpoint);
  } catch {
    throw new UsageError('--management-endpoint is not a URL');
  }
  const token = stringOption(args, 'token') ?? (args.options.has('entra') ? undefined : env[armTokenEnv] || undefined);
  if (args.options.has('token') && args.options.has('entra')) {
    throw new UsageError('use either --token or --entra, not both');
  }
  if (!args.options.has('entra') && token === undefined) {
    throw new UsageError(`--entra or --token T (or $${armTokenEnv}) is required`);
  }
  const timeoutMs = numberOption(args, 'timeout-s', 60) * 1000;
  const verbose = args.options.has('verbose');
  let getToken: () => Promise<string>;
  if (token !== undefined) {
    getToken = async () => token;
  } else {
    const provider = await entraTokens(endpoint, stringOption(args, 'tenant'));
    getToken = provider;
  }
  try {
    const client = new ManagementClient({ endpoint, getToken, timeoutMs });
    const resources = await client.discover(stringOption(args, 'subscription'));
    out.write(args.options.has('json') ? `${terminalJson(jsonView(resources))}\n` : table(resources));
    return 0;
  } catch (error) {
    if (error instanceof ManagementError) {
      // A token given by hand cannot be refreshed by signing in again: say what to do with it instead.
      const message =
        error.reason === 'unauthorized' && token !== undefined
          ? `Azure Resource Manager did not accept the token given with --token (or $${armTokenEnv}): it is invalid, expired or not for ${endpoint} (get a new one with az account get-access-token --resource ${endpoint}).`
          : error.message;
      err.write(`error: ${terminalSafe(message)}\n`);
      return 2;
    }
    if (isCredentialError(error)) {
      err.write(`error: ${terminalSafe(summarizeCredentialError(error, { env }))}\n`);
      if (verbose) {
        err.write(`${terminalSafe(rawCredentialChain(error))}\n`);
      }
      return 2;
    }
    throw error;
  }
}
