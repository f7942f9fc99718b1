import { numberOption, parseArgs, UsageError, type ParsedArgs } from '../cli/args';
import { startEmulator, type EmulatorOptions } from './index';
import { defaultApiKey, defaultDeployments } from './options';

export const emulatorUsage =
  'emulator [--port P] [--api-key K] [--token T] [--deployments a,b] [--request-delay-ms N] [--validating-delay-ms N] ' +
  '[--finalizing-delay-ms N] [--max-enqueued-tokens N] [--fail-fast] [--failure-rate R] [--failure-marker S] [--data-dir DIR] [--seed N] [--verbose]';

/** A number option that may be 0 (ports, delays, seeds). */
function countOption(args: ParsedArgs, name: string, integer = false): number | undefined {
  const raw = args.options.get(name);
  if (raw === undefined) {
    return undefined;
  }
  const value = Number(raw);
  if (raw === true || raw.trim() === '' || !Number.isFinite(value) || value < 0 || (integer && !Number.isInteger(value))) {
    throw new UsageError(`--${name} takes a non-negative ${integer ? 'integer' : 'number'}`);
  }
  return value;
}

function stringOption(args: ParsedArgs, name: string): string | undefined {
  const raw = args.options.get(name);
  if (raw === true) {
    throw new UsageError(`--${name} needs a value`);
  }
  return raw;
}

/**
 * `emulator`: runs the local Azure OpenAI Batch emulator until SIGINT or SIGTERM. Prints
 * `listening on http://127.0.0.1:P` on stdout when ready; request logs (with `--verbose`) go to stderr.
 */
export async function runEmulatorCli(argv: readonly string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const args = parseArgs(
    argv,
    ['port', 'api-key', 'token', 'deployments', 'request-delay-ms', 'validating-delay-ms', 'finalizing-delay-ms', 'max-enqueued-tokens', 'failure-rate', 'failure-marker', 'data-dir', 'seed'],
    ['fail-fast', 'verbose'],
  );
  if (args.positionals.length > 0) {
    throw new UsageError(`usage: ${emulatorUsage}`);
  }
  const port = countOption(args, 'port', true);
  if (port !== undefined && port > 65535) {
    throw new UsageError('--port takes a port number (0-65535)');
  }
  const failureRate = countOption(args, 'failure-rate');
  if (failureRate !== undefined && failureRate > 1) {
    throw new UsageError('--failure-rate takes a probability between 0 and 1');
  }
  const deployments = stringOption(args, 'deployments')
    ?.split(',')
    .map((d) => d.trim())
    .filter((d) => d.length > 0);
  if (deployments !== undefined && deployments.length === 0) {
    throw new UsageError('--deployments needs at least one deployment name');
  }
  const apiKey = stringOption(args, 'api-key') ?? defaultApiKey;
  const verbose = args.options.has('verbose');
  const options: EmulatorOptions = {
    port,
    apiKey,
    token: stringOption(args, 'token'),
    deployments: deployments ?? defaultDeployments,
    requestDelayMs: countOption(args, 'request-delay-ms'),
    validatingDelayMs: countOption(args, 'validating-delay-ms'),
    finalizingDelayMs: countOption(args, 'finalizing-delay-ms'),
    maxEnqueuedTokens: args.options.has('max-enqueued-tokens') ? numberOption(args, 'max-enqueued-tokens', 0) : undefined,
    failFast: args.options.has('fail-fast'),
    failureRate,
    failureMarker: stringOption(args, 'failure-marker'),
    dataDir: stringOption(args, 'data-dir'),
    seed: countOption(args, 'seed', true),
    log: verbose ? (line) => err.write(`${line}\n`) : undefined,
  };
  // Handlers go in before anything is printed: a supervisor may signal as soon as it reads the line.
  let requestStop = (): void => undefined;
  const stopRequested = new Promise<void>((resolve) => (requestStop = resolve));
  const onSignal = () => requestStop();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const emulator = await startEmulator(options);
    out.write(`listening on ${emulator.url}\n`);
    await stopRequested;
    await emulator.close();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return 0;
}
