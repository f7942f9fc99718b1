import { writeFileAtomically } from '../atomicFile';
import { setPropertyEdit } from '../jsonl/fixes';
import { readLocatedLines } from '../io/lineReader';

/**
 * Writes a copy of a batch file with `body.model` set to `deployment` on every request, keeping each
 * line's formatting (the source file is never changed). Written atomically.
 */
export async function writeWithDeployment(inputPath: string, deployment: string, destination: string): Promise<number> {
  return writeFileAtomically(destination, async (write) => {
    let rows = 0;
    for await (const { text, line } of readLocatedLines(inputPath)) {
      const edit = setPropertyEdit(line, text, ['body'], 'model', deployment);
      await write((edit ? text.slice(0, edit.startColumn) + edit.newText + text.slice(edit.endColumn) : text) + '\n');
      rows++;
    }
    return rows;
  });
}
