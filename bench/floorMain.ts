/**
 * The floor as a process of its own (`node out/bench/floorMain.js FILE`): what the CLI would cost if it
 * did nothing but read, split and parse, Node start-up and a cold JIT included. Prints the counts as JSON.
 */
import { floorPass } from './measure';

if (require.main === module) {
  const file = process.argv[2];
  if (file === undefined) {
    process.stderr.write('usage: node out/bench/floorMain.js FILE\n');
    process.exitCode = 2;
  } else {
    floorPass(file).then(
      (result) => process.stdout.write(JSON.stringify(result) + '\n'),
      (error: unknown) => {
        process.stderr.write(`error: ${String(error)}\n`);
        process.exitCode = 2;
      },
    );
  }
}
