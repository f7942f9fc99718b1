import { checkInputPath, describeInputProblem } from '../core/jsonl/inputFile';

/**
 * The check every command that reads an input file makes first (`validate`, `estimate`, `submit`): the path
 * must be a regular file, looked at without opening it (a FIFO would block, `/dev/zero` never ends). Returns
 * its size, or undefined after saying why on `err` (the caller exits with 2).
 */
export async function checkInputFile(file: string, err: NodeJS.WritableStream): Promise<{ readonly size: number } | undefined> {
  const check = await checkInputPath(file);
  if (!check.ok) {
    err.write(`error: ${describeInputProblem(file, check.problem)}\n`);
    return undefined;
  }
  return { size: check.size };
}

/** A parsed command line: positional arguments and `--name value` / `--flag` options. */
export interface ParsedArgs {
  readonly positionals: string[];
  readonly options: Map<string, string | true>;
}

/** Thrown for wrong arguments; the CLI prints it and exits with code 2. */
export class UsageError extends Error {}

/**
 * Parses `argv` against the flags a command accepts. Flags listed in `valued` take the next argument
 * (or `--name=value`); the rest are booleans. Unknown flags are a usage error.
 */
export function parseArgs(argv: readonly string[], valued: readonly string[], flags: readonly string[]): ParsedArgs {
  const positionals: string[] = [];
  const options = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--') || arg === '--') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (valued.includes(name)) {
      const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined) {
        throw new UsageError(`--${name} needs a value`);
      }
      options.set(name, value);
    } else if (flags.includes(name) && eq < 0) {
      options.set(name, true);
    } else {
      throw new UsageError(`unknown option --${name}`);
    }
  }
  return { positionals, options };
}

/** Reads a non-negative integer option (a count such as `--max-diagnostics`), or `fallback` when absent. */
export function countOption(args: ParsedArgs, name: string, fallback: number): number {
  const raw = args.options.get(name);
  if (raw === undefined) {
    return fallback;
  }
  const value = raw === true || raw.trim() === '' ? Number.NaN : Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new UsageError(`--${name} takes a whole number, 0 or more`);
  }
  return value;
}

/** Reads a positive number option, or `fallback` when absent. */
export function numberOption(args: ParsedArgs, name: string, fallback: number): number {
  const raw = args.options.get(name);
  if (raw === undefined) {
    return fallback;
  }
  const value = Number(raw);
  if (raw === true || !Number.isFinite(value) || value <= 0) {
    throw new UsageError(`--${name} takes a positive number`);
  }
  return value;
}
