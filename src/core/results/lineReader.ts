import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

/** Reads a UTF-8 text file line by line with bounded memory; yields each line with its 0-based number. */
export async function* readLines(path: string): AsyncGenerator<{ text: string; line: number }> {
  const input = createReadStream(path, { encoding: 'utf8', highWaterMark: 1024 * 1024 });
  const lines = createInterface({ input, crlfDelay: Infinity });
  let line = 0;
  try {
    for await (const text of lines) {
      yield { text: line === 0 && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, line: line++ };
    }
  } finally {
    lines.close();
    input.destroy();
  }
}
