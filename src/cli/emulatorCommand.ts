import { parseArgs, readOptionFile, UsageError, type ParsedArgs } from './args';
import { readSecretLine } from './secretInput';
import { emulatorFlags, emulatorKeyEnv, emulatorTokenEnv, emulatorUsage, type EmulatorFlag } from '../emulator/cliOptions';
import { startEmulator, type EmulatorOptions } from '../emulator';
import { defaultApiKey, defaultDeployments } from '../emulator/options';

export { emulatorUsage } from '../emulator/cliOptions';

/** `--arm FILE`: the `arm` option as JSON. */
async function readArmFile(path: string): Promise<unknown> {
  const text = await readOptionFile(path, 'arm');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new UsageError(`--arm: ${path} is not JSON`);
  }
}

/** The value of one flag, checked against its kind. */
function flagValue(args: ParsedArgs, flag: EmulatorFlag): unknown {
  const raw = args.options.get(flag.name);
  if (raw === undefined) {
    return undefined;
  }
  if (flag.kind === 'flag') {
    return flag.flagValue ?? true;
  }
  if (raw === true) {
    throw new UsageError(`--${flag.name} needs a value`);
  }
  switch (flag.kind) {
    case 'text':
      return raw;
    case 'list': {
      const items = raw
        .split(',')
        .map((d) => d.trim())
        .filter((d) => d.length > 0);
      if (items.length === 0) {
        throw new UsageError(`--${flag.name} needs at least one name`);
      }
      return items;
    }
    default: {
      const value = Number(raw);
      const valid = raw.trim() !== '' && Number.isFinite(value) && value >= 0;
      switch (flag.kind) {
        case 'port':
          if (!valid || !Number.isInteger(value) || value > 65535) {
            throw new UsageError(`--${flag.name} takes a port number (0-65535)`);
          }
          break;
        case 'integer':
          if (!valid || !Number.isInteger(value)) {
            throw new UsageError(`--${flag.name} takes a non-negative integer`);
          }
          break;
        case 'positive':
          if (!valid || value === 0) {
            throw new UsageError(`--${flag.name} takes a positive number`);
          }
          break;
        case 'probability':
          if (!valid || value > 1) {
            throw new UsageError(`--${flag.name} takes a probability between 0 and 1`);
          }
          break;
        default:
          if (!valid) {
            throw new UsageError(`--${flag.name} takes a non-negative number`);
          }
      }
      return value * (flag.scale ?? 1);
    }
  }
}

/**
 * The key, from (in order) `--api-key`, `--api-key-stdin`, `$AOAI_BATCH_EMULATOR_KEY`, or the default. A key
 * on the command line is visible in `ps`; the other two are not.
 */
async function resolveKey(args: ParsedArgs, env: NodeJS.ProcessEnv, input: NodeJS.ReadableStream): Promise<string> {
  const fromFlag = args.options.get('api-key');
  if (args.options.has('api-key-stdin')) {
    if (fromFlag !== undefined) {
      throw new UsageError('use either --api-key or --api-key-stdin, not both');
    }
    return readSecretLine(input, '--api-key-stdin');
  }
  if (typeof fromFlag === 'string') {
    if (fromFlag.length === 0) {
      throw new UsageError('--api-key must not be empty');
    }
    return fromFlag;
  }
  return env[emulatorKeyEnv] || defaultApiKey;
}

/**
 * `emulator`: runs the local Azure OpenAI Batch emulator until SIGINT or SIGTERM. Prints
 * `listening on http://127.0.0.1:P` on stdout when ready; request logs (with `--verbose`) go to stderr.
 */
export async function runEmulatorCli(
  argv: readonly string[],
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
  env: NodeJS.ProcessEnv = process.env,
  input: NodeJS.ReadableStream = process.stdin,
): Promise<number> {
  const args = parseArgs(
    argv,
    emulatorFlags.filter((f) => f.kind !== 'flag').map((f) => f.name),
    emulatorFlags.filter((f) => f.kind === 'flag').map((f) => f.name),
  );
  if (args.positionals.length > 0) {
    throw new UsageError(`usage: ${emulatorUsage}`);
  }
  const options: Record<string, unknown> = {};
  const setBy = new Map<string, string>();
  for (const flag of emulatorFlags) {
    const value = flagValue(args, flag);
    if (flag.option !== undefined && value !== undefined) {
      // Two spellings of one option (--expire-after-ms, --completion-window-s) must not quietly override each other.
      const earlier = setBy.get(flag.option);
      if (earlier !== undefined) {
        throw new UsageError(`use either --${earlier} or --${flag.name}, not both`);
      }
      setBy.set(flag.option, flag.name);
      options[flag.option] = value;
    }
  }
  if (typeof options.arm === 'string') {
    options.arm = await readArmFile(options.arm);
  }
  options.apiKey = await resolveKey(args, env, input);
  options.token ??= env[emulatorTokenEnv] || undefined;
  options.deployments ??= defaultDeployments;
  options.log = args.options.has('verbose') ? (line: string) => err.write(`${line}\n`) : undefined;

  // Handlers go in before anything is printed: a supervisor may signal as soon as it reads the line.
  let requestStop = (): void => undefined;
  const stopRequested = new Promise<void>((resolve) => (requestStop = resolve));
  const onSignal = () => requestStop();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const emulator = await startEmulator(options as EmulatorOptions);
    out.write(`listening on ${emulator.url}\n`);
    await stopRequested;
    await emulator.close();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return 0;
}
