import { readFile } from 'node:fs/promises';
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

/** The largest settings file an option reads whole (`--prices`, `--arm`): far above any real one. */
export const MAX_OPTION_FILE_BYTES = 16 * 1024 * 1024;

/**
 * The text of a small file an option names (`--prices FILE`), read only once it is known to be a regular file
 * of at most `maxBytes`: a FIFO is never opened (it would block) and `/dev/zero` is never read. Throws a
 * {@link UsageError} saying why otherwise.
 */
export async function readOptionFile(path: string, flag: string, maxBytes = MAX_OPTION_FILE_BYTES): Promise<string> {
  const check = await checkInputPath(path);
  if (!check.ok) {
    throw new UsageError(`--${flag}: ${describeInputProblem(path, check.problem)}`);
  }
  if (check.size > maxBytes) {
    throw new UsageError(`--${flag}: ${path} is ${check.size} bytes, more than the ${maxBytes} a settings file may have`);
  }
  try {
    const text = await readFile(path, 'utf8');
    if (text.length > maxBytes) {
      // It grew after the check.
      throw new UsageError(`--${flag}: ${path} is more than the ${maxBytes} bytes a settings file may have`);
    }
    return text;
  } catch (error) {
    if (error instanceof UsageError) {
      throw error;
    }
    throw new UsageError(`--${flag}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
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
 * (or `--name=value`); the rest are booleans. Unknown flags, short options (`-x`) and a flag given twice are
 * usage errors.
 */
export function parseArgs(argv: readonly string[], valued: readonly string[], flags: readonly string[]): ParsedArgs {
  const positionals: string[] = [];
  const options = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (/^-[A-Za-z]/.test(arg)) {
      // Not a file or an id: a short option, which no command takes (`-h` is read before parsing).
      throw new UsageError(`unknown option ${arg.slice(0, 40)}`);
    }
    if (!arg.startsWith('--') || arg === '--') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (options.has(name) && (valued.includes(name) || flags.includes(name))) {
      // The last one would win without a word: `--api-key A --api-key B` sends B.
      throw new UsageError(`--${name} is given more than once`);
    }
    if (valued.includes(name)) {
      const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined) {
        throw new UsageError(`--${name} needs a value`);
      }
      options.set(name, value);
    } else if (flags.includes(name) && eq < 0) {
      options.set(name, true);
    } else {
      throw new UsageError(`unknown option --${name.slice(0, 40)}`);
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
