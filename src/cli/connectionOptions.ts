import { BatchClient } from '../core/batch/client';
import { DEFAULT_API_VERSION, defaultAzureCredentialProvider, endpointProblem, type ConnectionConfig } from '../core/batch/connection';
import { redactSecrets } from '../core/batch/errors';
export { isLoopbackEndpoint as isLoopback } from '../core/batch/connection';
import { UsageError, type ParsedArgs } from './args';

/** The options every service command takes. */
export const connectionValued = ['endpoint', 'api-key', 'api-version', 'tenant'];
export const connectionFlags = ['entra'];

/**
 * Builds a client from `--endpoint`, `--api-key`/`--entra` and `--api-version`, falling back to the
 * environment variables the SDK reads (AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_API_KEY, OPENAI_API_VERSION).
 */
export async function clientFromArgs(args: ParsedArgs, env: NodeJS.ProcessEnv = process.env): Promise<BatchClient> {
  // Empty environment variables count as unset.
  const endpoint = stringOption(args, 'endpoint') ?? (env.AZURE_OPENAI_ENDPOINT || undefined);
  if (!endpoint) {
    throw new UsageError('--endpoint (or AZURE_OPENAI_ENDPOINT) is required');
  }
  try {
    new URL(endpoint);
  } catch {
    throw new UsageError(`--endpoint is not a URL: ${redactSecrets(endpoint)}`);
  }
  const problem = endpointProblem(endpoint);
  if (problem) {
    throw new UsageError(`--endpoint: ${problem}`);
  }
  const apiVersion = stringOption(args, 'api-version') ?? (env.OPENAI_API_VERSION || DEFAULT_API_VERSION);
  const apiKey = stringOption(args, 'api-key') ?? (args.options.has('entra') ? undefined : env.AZURE_OPENAI_API_KEY || undefined);
  let config: ConnectionConfig;
  if (args.options.has('entra')) {
    if (stringOption(args, 'api-key')) {
      throw new UsageError('use either --api-key or --entra, not both');
    }
    config = { endpoint, apiVersion, credential: { kind: 'token', getToken: await defaultAzureCredentialProvider(stringOption(args, 'tenant')) } };
  } else if (apiKey) {
    config = { endpoint, apiVersion, credential: { kind: 'apiKey', apiKey } };
  } else {
    throw new UsageError('--api-key (or AZURE_OPENAI_API_KEY) or --entra is required');
  }
  return new BatchClient(config);
}

export function stringOption(args: ParsedArgs, name: string): string | undefined {
  const value = args.options.get(name);
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
