import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { setPropertyEdit } from '../jsonl/fixes';
import { readLocatedLines } from '../results/byteLines';

/**
 * Writes a copy of a batch file with `body.model` set to `deployment` on every request, keeping each
 * line's formatting (the source file is never changed). Written atomically.
 */
export async function writeWithDeployment(inputPath: string, deployment: string, destination: string): Promise<number> {
  const temporary = `${destination}.partial`;
  let rows = 0;
  try {
    const out = createWriteStream(temporary);
    for await (const { text, line } of readLocatedLines(inputPath)) {
      const edit = setPropertyEdit(line, text, ['body'], 'model', deployment);
      const rewritten = edit ? text.slice(0, edit.startColumn) + edit.newText + text.slice(edit.endColumn) : text;
      if (!out.write(rewritten + '\n')) {
        await once(out, 'drain');
      }
      rows++;
    }
    out.end();
    await once(out, 'close');
    await rename(temporary, destination);
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
  return rows;
}
