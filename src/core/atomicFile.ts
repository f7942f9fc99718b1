import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Writes text to a stream, waiting when it asks for a pause (bounded memory on large outputs). */
export type LineWriter = (text: string) => Promise<void>;

/**
 * Writes `destination` atomically: the content goes to a hidden temporary file beside it, renamed into
 * place only when `produce` finished; on failure the temporary file is removed and `destination` is left
 * as it was, so no half-written file ever carries the final name.
 */
export async function writeFileAtomically<T>(destination: string, produce: (write: LineWriter) => Promise<T>): Promise<T> {
  const temporary = join(dirname(destination), `.${basename(destination)}.${randomUUID().slice(0, 8)}.partial`);
  const out = createWriteStream(temporary);
  try {
    const result = await produce(async (text) => {
      if (!out.write(text)) {
        await once(out, 'drain');
      }
    });
    out.end();
    await once(out, 'close');
    await rename(temporary, destination);
    return result;
  } finally {
    out.destroy();
    await unlink(temporary).catch(() => undefined);
  }
}
