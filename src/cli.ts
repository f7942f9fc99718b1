import { join } from 'node:path';
import { UsageError } from './cli/args';
import { commandHelp, usages } from './cli/usage';
import { loadBundled } from './core/bundles';
import { terminalSafe } from './core/terminalText';
import { runValidate } from './cli/validateCommand';

type Command = (argv: readonly string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream) => Promise<number>;
type ServiceModule = typeof import('./cliService');
type EstimateModule = typeof import('./cli/estimateCommand');

/** Loads `estimate` from its own bundle (the tokenizer's tables are large), only when it runs. */
function estimate(): EstimateModule {
  return loadBundled('cliEstimate.js', () => require(join(__dirname, 'cliEstimate.js')) as EstimateModule);
}

/** Loads the service commands from their own bundle, at run time, only when needed. */
function service(): ServiceModule {
  // A computed path keeps the bundler from inlining the module into this file.
  return loadBundled('cliService.js', () => require(join(__dirname, 'cliService.js')) as ServiceModule);
}

const commands: Record<keyof typeof usages, Command> = {
  validate: runValidate,
  estimate: (...args) => estimate().runEstimate(...args),
  submit: (...args) => service().runSubmit(...args),
  status: (...args) => service().runStatus(...args),
  download: (...args) => service().runDownload(...args),
  cancel: (...args) => service().runCancel(...args),
  emulator: (...args) => service().runEmulatorCli(...args),
  demo: (...args) => service().runDemo(...args),
  resources: (...args) => service().runResources(...args),
};

function usage(): string {
  return ['usage: aoai-batch <command> [options]', '', 'commands:', ...Object.values(usages).map((line) => `  ${line}`)].join('\n') + '\n';
}

/** True when the arguments ask for help (`--help` or `-h` before a `--`). */
function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}

/** Runs the CLI; resolves to the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  const command = Object.hasOwn(commands, name) ? commands[name as keyof typeof usages] : undefined;
  if (!command) {
    process.stderr.write(`error: unknown command "${name}"\n${usage()}`);
    return 2;
  }
  if (wantsHelp(rest)) {
    process.stdout.write(commandHelp(name as keyof typeof usages));
    return 0;
  }
  try {
    return await command(rest, process.stdout, process.stderr);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`error: ${error.message}\n`);
      return 2;
    }
    // An unexpected error can quote the service: printed without its control characters.
    process.stderr.write(`error: ${terminalSafe(error instanceof Error ? error.message : String(error))}\n`);
    return 2;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      // Set the code rather than exit, so a large --json output drains through a pipe first.
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`error: ${terminalSafe(error)}\n`);
      process.exitCode = 2;
    },
  );
}
