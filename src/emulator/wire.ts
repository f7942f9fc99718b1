import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { finished } from 'node:stream/promises';
import { ConnectionDropped } from './errors';
import { ids } from './random';
import type { Reply } from './routes/types';

// Reading request bodies and writing answers on the socket, including the faults that cut either short.

/**
 * Reads and discards what is left of a request body, so an early answer does not reset the connection; past
 * `limit` bytes the connection is closed instead (a body that never ends is not read forever).
 */
export async function drain(req: IncomingMessage, limit: number): Promise<void> {
  if (req.readableEnded || req.destroyed) {
    return;
  }
  let received = 0;
  try {
    for await (const chunk of req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
      received += chunk.length;
      if (received > limit) {
        req.socket.destroy();
        return;
      }
    }
  } catch {
    // the client went away
  }
}

/**
 * After a refused request was answered: reads up to `limit` more bytes of its body, so a small one ends
 * cleanly; past that it stops reading (the client's sending stalls) and the connection is closed after
 * `ms` at the latest, which leaves the client time to read the answer before the close resets it.
 */
export function drainRefused(req: IncomingMessage, limit: number, ms: number): Promise<void> {
  return new Promise((resolve) => {
    if (req.readableEnded || req.destroyed || req.socket.destroyed) {
      resolve();
      return;
    }
    let received = 0;
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > limit) {
        req.off('data', onData);
        req.pause();
      }
    };
    const finish = () => {
      clearTimeout(deadline);
      // A kept-alive socket serves more requests: nothing of this one stays attached to it.
      req.off('data', onData);
      req.off('end', finish);
      req.off('close', finish);
      req.socket.off('close', finish);
      resolve();
    };
    const deadline = setTimeout(() => {
      req.socket.destroy();
      finish();
    }, ms);
    req.on('data', onData);
    req.once('end', finish);
    req.once('close', finish);
    req.socket.once('close', finish);
    req.resume();
  });
}

/** The request body; with `dropAfter`, the connection is destroyed once that many bytes arrived. */
export function countingBody(req: IncomingMessage, dropAfter: number | undefined): AsyncIterable<Buffer> {
  return {
    async *[Symbol.asyncIterator]() {
      let received = 0;
      if (dropAfter === 0) {
        req.socket.destroy();
        throw new ConnectionDropped();
      }
      for await (const chunk of req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
        received += chunk.length;
        if (dropAfter !== undefined && received >= dropAfter) {
          req.socket.destroy();
          throw new ConnectionDropped();
        }
        yield chunk;
      }
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The whole body, kept to be replayed. */
export async function bufferBody(source: AsyncIterable<Buffer>): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of source) {
    chunks.push(chunk);
  }
  return chunks;
}

/** A kept body, as a body again. */
export async function* replay(chunks: readonly Buffer[]): AsyncGenerator<Buffer> {
  yield* chunks;
}

/** Sends a reply; with `dropAfter`, sends the headers and that many body bytes, then destroys the connection. */
export async function send(res: ServerResponse, reply: Reply, dropAfter?: number): Promise<void> {
  const requestId = ids.request();
  const common = { 'apim-request-id': requestId, 'x-request-id': requestId, ...reply.headers };
  if (reply.file !== undefined) {
    const { size } = await stat(reply.file);
    res.writeHead(reply.status, { ...common, 'content-type': 'application/octet-stream', 'content-length': String(size) });
    if (dropAfter === undefined) {
      const source = createReadStream(reply.file);
      source.pipe(res);
      await finished(res).catch(() => undefined);
      source.destroy();
      return;
    }
    const head = dropAfter > 0 ? createReadStream(reply.file, { start: 0, end: Math.min(dropAfter, size) - 1 }) : undefined;
    if (head !== undefined && size > 0) {
      for await (const chunk of head as AsyncIterable<Buffer>) {
        await new Promise<void>((resolve) => res.write(chunk, () => resolve()));
      }
    } else {
      res.flushHeaders();
    }
    await new Promise<void>((resolve) => setImmediate(resolve));
    res.socket?.destroy();
    return;
  }
  const body = Buffer.from(JSON.stringify(reply.json ?? null));
  res.writeHead(reply.status, { ...common, 'content-type': 'application/json', 'content-length': String(body.length) });
  if (dropAfter === undefined) {
    res.end(body);
    await finished(res).catch(() => undefined);
    return;
  }
  if (dropAfter > 0) {
    await new Promise<void>((resolve) => res.write(body.subarray(0, dropAfter), () => resolve()));
  } else {
    res.flushHeaders();
  }
  await new Promise<void>((resolve) => setImmediate(resolve));
  res.socket?.destroy();
}
