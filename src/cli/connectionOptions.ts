import { BatchClient } from '../core/batch/client';
import { DEFAULT_API_VERSION, DEFAULT_TIMEOUT_MS, defaultAzureCredentialProvider, endpointProblem, entraScopeFor, type ConnectionConfig } from '../core/batch/connection';
import { EXPIRY_DAYS, expirySeconds } from '../core/batch/expiry';
import { defaultRetry, maxTimerMs } from '../core/batch/retry';
import { terminalSafe } from '../core/terminalText';
export { isLoopbackEndpoint as isLoopback } from '../core/batch/connection';
import { numberOption, UsageError, type ParsedArgs } from './args';
import { readSecretLine } from './secretInput';

/** The options every service command takes. */
export const connectionValued = ['endpoint', 'api-key', 'api-version', 'tenant', 'timeout-s'];
export const connectionFlags = ['entra', 'api-key-stdin'];

/**
 * Builds a client from `--endpoint`, `--api-key`/`--api-key-stdin`/`--entra` and `--api-version`, falling back
 * to the environment variables the SDK reads (AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_API_KEY, OPENAI_API_VERSION).
 */
export async function clientFromArgs(args: ParsedArgs, env: NodeJS.ProcessEnv = process.env, input: NodeJS.ReadableStream = process.stdin, notices: NodeJS.WritableStream = process.stderr): Promise<BatchClient> {
  // Empty environment variables count as unset.
  const endpoint = stringOption(args, 'endpoint') ?? (env.AZURE_OPENAI_ENDPOINT || undefined);
  if (!endpoint) {
    throw new UsageError('--endpoint (or AZURE_OPENAI_ENDPOINT) is required');
  }
  try {
    new URL(endpoint);
  } catch {
    // Not echoed: a mistyped endpoint may hold a key pasted into it.
    throw new UsageError('--endpoint is not a URL');
  }
  const problem = endpointProblem(endpoint);
  if (problem) {
    throw new UsageError(`--endpoint: ${problem}`);
  }
  const apiVersion = stringOption(args, 'api-version') ?? (env.OPENAI_API_VERSION || DEFAULT_API_VERSION);
  const keySources = [args.options.has('api-key') && '--api-key', args.options.has('api-key-stdin') && '--api-key-stdin', args.options.has('entra') && '--entra'].filter(Boolean);
  if (keySources.length > 1) {
    throw new UsageError(keySources.length === 2 ? `use either ${keySources[0]} or ${keySources[1]}, not both` : `use only one of ${keySources.join(', ')}`);
  }
  const apiKey = args.options.has('api-key-stdin')
    ? await readSecretLine(input, '--api-key-stdin')
    : (stringOption(args, 'api-key') ?? (args.options.has('entra') ? undefined : env.AZURE_OPENAI_API_KEY || undefined));
  // Beyond what a timer holds, a timeout would fire at once.
  const timeoutMs = Math.min(numberOption(args, 'timeout-s', DEFAULT_TIMEOUT_MS / 1000) * 1000, maxTimerMs);
  let config: ConnectionConfig;
  if (args.options.has('entra')) {
    config = { endpoint, apiVersion, timeoutMs, credential: { kind: 'token', getToken: await defaultAzureCredentialProvider(stringOption(args, 'tenant'), entraScopeFor(apiVersion, endpoint)) } };
  } else if (apiKey) {
    config = { endpoint, apiVersion, timeoutMs, credential: { kind: 'apiKey', apiKey } };
  } else {
    throw new UsageError('--api-key (or AZURE_OPENAI_API_KEY, or --api-key-stdin) or --entra is required');
  }
  // Every retry is told, so a service that does not answer never means minutes of silence.
  return new BatchClient(
    config,
    {
      ...defaultRetry,
      onRetry: (error, attempt, delayMs) =>
        notices.write(`${terminalSafe(error.message).replace(/\.$/, '')}; trying again in ${Math.ceil(delayMs / 1000)} s (retry ${attempt} of ${defaultRetry.retries})\n`),
    },
    { expireAfterSeconds: expirySeconds(expireAfterDays(args)) },
  );
}

/** `--expire-after-days N` (0 turns expiry off; default 14, as the extension's setting): days files and outputs are kept. */
function expireAfterDays(args: ParsedArgs): number {
  const raw = args.options.get('expire-after-days');
  if (raw === undefined) {
    return EXPIRY_DAYS.default;
  }
  const days = Number(raw);
  if (raw === true || !Number.isFinite(days) || days < 0) {
    throw new UsageError('--expire-after-days takes a number of days (0 for none; 14 to 30 are used)');
  }
  return days;
}

export function stringOption(args: ParsedArgs, name: string): string | undefined {
  const value = args.options.get(name);
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
