import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { azureError } from './errors';

interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
}

/** Requests whose body stalled and were answered 408 (the handler sees its body fail and stays quiet). */
export const timedOut = new WeakSet<IncomingMessage>();

/**
 * Bounds how long a client may hold a connection without sending: the request headers must arrive within
 * `headersTimeoutMs` (Node answers 408 itself), and a request body that stops for `bodyIdleTimeoutMs` is
 * answered 408 and the connection closed. The idle clock runs only while a body is being received, so a
 * long-running answer (a delay fault, a large download to a slow reader) is never cut.
 * Returns the function that registers each request with the guard.
 */
export function guardTimeouts(server: Server, limits: { readonly headersTimeoutMs: number; readonly bodyIdleTimeoutMs: number }): (req: IncomingMessage, res: ServerResponse) => void {
  server.headersTimeout = limits.headersTimeoutMs;
  // A 200 MB upload over a slow or throttled link may take longer than any total limit: the idle limit applies.
  server.requestTimeout = 0;
  const current = new WeakMap<Socket, Exchange>();

  // With a listener here Node no longer destroys timed-out sockets on its own, so every case is decided below.
  server.on('timeout', (socket: Socket) => {
    const exchange = current.get(socket);
    if (exchange === undefined || exchange.res.writableEnded) {
      socket.destroy(); // idle between requests (keep-alive), as Node would
      return;
    }
    if (exchange.req.complete) {
      return; // the body is in; the answer is being worked out or sent
    }
    const { req, res } = exchange;
    timedOut.add(req);
    // Once answered, Node no longer aborts the request when the socket closes: destroying it ends the
    // handler's wait for the rest of the body.
    const close = () => {
      socket.destroy();
      req.destroy();
    };
    if (res.headersSent) {
      close();
      return;
    }
    const seconds = limits.bodyIdleTimeoutMs / 1000;
    const body = JSON.stringify(azureError('RequestTimeout', `The request body stopped arriving: no data for ${seconds} s.`));
    res.writeHead(408, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), connection: 'close' });
    res.end(body, close);
  });

  return (req, res) => {
    const socket = req.socket;
    current.set(socket, { req, res });
    if (limits.bodyIdleTimeoutMs > 0) {
      socket.setTimeout(limits.bodyIdleTimeoutMs);
    }
  };
}
