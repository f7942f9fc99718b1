import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One line of an output file, as the service writes it. */
export function resultLine(id: string): string {
  return JSON.stringify({ id: `batch_req_${id}`, custom_id: id, response: { status_code: 200, request_id: 'r', body: { choices: [] } }, error: null });
}

/** Input requests for the custom_ids of `outputLines`, each once, in order of first appearance. */
function inputLinesFor(outputLines: readonly string[]): string[] {
  const idOf = (line: string) => {
    try {
      return (JSON.parse(line) as { custom_id?: string }).custom_id;
    } catch {
      return undefined; // a malformed line answers no request
    }
  };
  const ids = [...new Set(outputLines.map(idOf).filter((id): id is string => id !== undefined))];
  return ids.map((id) => JSON.stringify({ custom_id: id, method: 'POST', url: '/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: id }] } }));
}

/**
 * A stand-in for the service on 127.0.0.1 that answers every batch with the id `../../X` (or whatever
 * `batchId` says), with `metadata`, and serves `outputLines` as its output file (and their requests as its input file, unless `inputGone`); `GET /batches/evil` fails
 * with a message full of escape sequences. With `errorLines` the job has an error file too; while
 * `faults.errorsFile` is above 0, each fetch of that file's content is refused with a 400 (and counts it down).
 */
export async function stubService(
  options: { batchId?: string; metadata?: Record<string, string>; outputLines?: string[]; errorLines?: string[]; inputGone?: boolean; faults?: { errorsFile: number } } = {},
): Promise<{ url: string; close: () => Promise<void> }> {
  const batch = {
    id: options.batchId ?? '../../X',
    object: 'batch',
    endpoint: '/chat/completions',
    errors: null,
    input_file_id: 'file-in',
    completion_window: '24h',
    status: 'completed',
    output_file_id: 'file-out',
    error_file_id: options.errorLines ? 'file-err' : null,
    created_at: 1_700_000_000,
    request_counts: { total: 1, completed: 1, failed: 0 },
    metadata: options.metadata ?? {},
  };
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (/\/files\/file-in\/content$/.test(path) && !options.inputGone) {
      // The submitted input: one request per custom_id the output answers, in order of first answer.
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(inputLinesFor(options.outputLines ?? [resultLine('x1')]).join('\n') + '\n');
    } else if (/\/files\/file-out\/content$/.test(path)) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end((options.outputLines ?? [resultLine('x1')]).join('\n') + '\n');
    } else if (/\/files\/file-err\/content$/.test(path) && options.errorLines) {
      if (options.faults && options.faults.errorsFile > 0) {
        options.faults.errorsFile--;
        json(400, { error: { code: 'fault', message: 'The error file is not available (a fault of the stub).' } });
        return;
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(options.errorLines.join('\n') + '\n');
    } else if (/\/batches\/[^/]+\/cancel$/.test(path)) {
      json(200, { ...batch, status: 'cancelling' });
    } else if (/\/batches\/evil$/.test(path)) {
      json(400, { error: { code: 'bad\x1b[2J', message: 'Bad \x1b[2J\x07request\x1b]0;pwned\x07 \x9b31mhere' } });
    } else if (/\/batches\/[^/]+$/.test(path)) {
      json(200, batch);
    } else if (/\/batches$/.test(path)) {
      json(200, { object: 'list', data: [batch], first_id: batch.id, last_id: batch.id, has_more: false });
    } else {
      json(404, { error: { code: '404', message: 'Resource not found' } });
    }
  });
  await new Promise<void>((resolvePromise) => server.listen(0, '127.0.0.1', resolvePromise));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((resolvePromise) => server.close(() => resolvePromise())) };
}
