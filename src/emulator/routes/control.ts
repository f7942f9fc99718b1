import type { IncomingMessage } from 'node:http';
import { azureError, badRequest, HttpError, notFound } from '../errors';
import type { FaultController, FaultRule } from '../faults';
import type { RequestStats } from '../stats';
import { countingBody } from '../wire';
import { isObject, readJson } from './params';
import type { Reply } from './types';

/** What the control routes read and change. */
export interface ControlDeps {
  readonly faults: FaultController;
  readonly stats: RequestStats;
}

function isLoopback(address: string | undefined): boolean {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}

/**
 * The test and fault routes under `/_emulator/`: `GET|POST|DELETE faults`, `DELETE faults/{id}`, `GET stats`.
 * Only from loopback, and only with the key or token (`authenticate`, called after the loopback check).
 */
export function controlRoute(
  deps: ControlDeps,
  authenticate: (req: IncomingMessage) => void,
  /** More control routes (the token issuer, the ARM resources): a reply, or undefined when the path is not theirs. */
  more?: (req: IncomingMessage, path: string[]) => Promise<Reply | undefined>,
): (req: IncomingMessage, path: string[]) => Promise<Reply> {
  const { faults, stats } = deps;
  return async (req, path) => {
    if (!isLoopback(req.socket.remoteAddress)) {
      throw new HttpError(403, azureError('403', 'The emulator admin API is only available from loopback.'));
    }
    authenticate(req);
    const method = (req.method ?? 'GET').toUpperCase();
    const [area, id] = path;
    if (area === 'faults' && id === undefined) {
      if (method === 'GET') {
        return { status: 200, json: { object: 'list', data: faults.list() } };
      }
      if (method === 'DELETE') {
        faults.clear();
        return { status: 200, json: { deleted: true } };
      }
      if (method === 'POST') {
        const body = await readJson(countingBody(req, undefined));
        const rules = Array.isArray(body) ? body : isObject(body) && Array.isArray(body.rules) ? body.rules : [body];
        try {
          const added = faults.addAll(rules as FaultRule[]);
          return { status: 201, json: { ids: added } };
        } catch (error) {
          throw badRequest(error instanceof Error ? error.message : String(error));
        }
      }
    }
    if (area === 'faults' && id !== undefined && method === 'DELETE') {
      if (!faults.remove(id)) {
        throw notFound();
      }
      return { status: 200, json: { id, deleted: true } };
    }
    if (area === 'stats' && id === undefined && method === 'GET') {
      return { status: 200, json: { ...stats } };
    }
    const reply = await more?.(req, path);
    if (reply !== undefined) {
      return reply;
    }
    throw notFound();
  };
}
