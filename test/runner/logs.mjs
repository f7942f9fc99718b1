// Log helpers shared by the scripts that run the extension host in the test workbench (runIntegration.mjs,
// bench/host/run.mjs, the UI tests): follow a log file the extension host writes, quote the last lines of a log.
// Node built-ins only.
import * as fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

/** Streams the growth of `file` (which may not exist yet) to `write`, polling every 100 ms. */
export function tailFile(file, write) {
  let offset = 0;
  const decoder = new StringDecoder('utf8');
  const flush = () => {
    let fd;
    try {
      fd = fs.openSync(file, 'r');
    } catch {
      return; // not created yet
    }
    try {
      const buffer = Buffer.alloc(64 * 1024);
      for (;;) {
        const bytes = fs.readSync(fd, buffer, 0, buffer.length, offset);
        if (bytes <= 0) break;
        offset += bytes;
        write(decoder.write(buffer.subarray(0, bytes)));
      }
    } finally {
      fs.closeSync(fd);
    }
  };
  const timer = setInterval(flush, 100);
  return {
    flush,
    stop() {
      clearInterval(timer);
      flush();
    },
  };
}

/** The parsed JSON of `file`, or undefined when it is missing or not JSON. */
export function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** The last `count` lines, indented and marked, for error messages. */
export function tailLines(lines, count = 40) {
  if (!lines.length) return '  | (empty)';
  return lines.slice(-count).map((line) => `  | ${line}`).join('\n');
}
