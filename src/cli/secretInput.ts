import { UsageError } from './args';

const maxSecretBytes = 16 * 1024;

/**
 * Reads a secret from the first line of `input` (`--api-key-stdin`: `printenv KEY | aoai-batch ...`), without
 * its line ending, so it never appears on a command line that other users can read with `ps`.
 */
export async function readSecretLine(input: NodeJS.ReadableStream, flag: string): Promise<string> {
  let text = '';
  for await (const chunk of input as AsyncIterable<Buffer | string>) {
    text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    const newline = text.indexOf('\n');
    if (newline >= 0) {
      text = text.slice(0, newline);
      break;
    }
    if (text.length > maxSecretBytes) {
      throw new UsageError(`${flag}: the first line of standard input is longer than ${maxSecretBytes} bytes`);
    }
  }
  const secret = text.replace(/\r$/, '');
  if (secret.trim().length === 0) {
    throw new UsageError(`${flag}: standard input has no key on its first line`);
  }
  return secret;
}
