import { UsageError } from './cli/args';
import { cancelUsage, downloadUsage, runCancel, runDownload, runStatus, runSubmit, statusUsage, submitUsage } from './cli/serviceCommands';
import { runValidate, validateUsage } from './cli/validateCommand';

type Command = (argv: readonly string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream) => Promise<number>;

const commands: Record<string, { run: Command; usage: string }> = {
  validate: { run: runValidate, usage: validateUsage },
  submit: { run: runSubmit, usage: submitUsage },
  status: { run: runStatus, usage: statusUsage },
  download: { run: runDownload, usage: downloadUsage },
  cancel: { run: runCancel, usage: cancelUsage },
};

function usage(): string {
  return ['usage: aoai-batch <command> [options]', '', 'commands:', ...Object.values(commands).map((c) => `  ${c.usage}`)].join('\n') + '\n';
}

/** Runs the CLI; resolves to the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`error: unknown command "${name}"\n${usage()}`);
    return 2;
  }
  try {
    return await command.run(rest, process.stdout, process.stderr);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`error: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      // Let stdout drain before exiting (large --json output through a pipe).
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`error: ${String(error)}\n`);
      process.exitCode = 2;
    },
  );
}
