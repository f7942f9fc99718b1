import { azureError, HttpError, notFound } from '../errors';
import type { Operation } from '../faults';
import type { ApiContext } from '../views';

// What a path and an api-version address on the resource: the data-plane operation (files, batches), the
// control routes, or nothing. Deployment-scoped paths (`/openai/deployments/{d}/batches|files`) and ARM-like
// management paths are not served: Azure has no batch or file operations there, so they answer 404.

/** A request's place: an operation on the data plane (`api`), a control route (`admin`), or none. */
export interface Route {
  readonly kind: 'api' | 'admin' | 'none';
  readonly surface?: 'classic' | 'v1';
  readonly base?: string;
  readonly operation?: Operation;
  readonly id?: string;
  readonly adminPath?: string[];
}

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** Maps method + path to an operation. Unknown shapes (including `/openai/deployments/{d}/...`) have none. */
export function route(method: string, pathname: string): Route {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  if (path === '/_emulator' || path.startsWith('/_emulator/')) {
    return { kind: 'admin', adminPath: path.split('/').slice(2) };
  }
  let surface: 'classic' | 'v1';
  let base: string;
  if (path === '/openai/v1' || path.startsWith('/openai/v1/')) {
    surface = 'v1';
    base = '/openai/v1';
  } else if (path === '/v1' || path.startsWith('/v1/')) {
    // OpenAI's own API (api.openai.com/v1) speaks the same protocol: an OpenAI connection can point here.
    surface = 'v1';
    base = '/v1';
  } else if (path === '/openai' || path.startsWith('/openai/')) {
    surface = 'classic';
    base = '/openai';
  } else {
    return { kind: 'none' };
  }
  const parts = path.slice(base.length).split('/').slice(1).map(decode);
  if (parts.some((p) => p === undefined || p === '')) {
    return { kind: 'api', surface, base };
  }
  const [collection, id, action] = parts as string[];
  const m = method.toUpperCase();
  let operation: Operation | undefined;
  if (collection === 'files') {
    if (parts.length === 1) {
      operation = m === 'GET' ? 'listFiles' : m === 'POST' ? 'upload' : undefined;
    } else if (parts.length === 2) {
      operation = m === 'GET' ? 'getFile' : m === 'DELETE' ? 'deleteFile' : undefined;
    } else if (parts.length === 3 && action === 'content') {
      operation = m === 'GET' ? 'content' : undefined;
    }
  } else if (collection === 'batches') {
    if (parts.length === 1) {
      operation = m === 'GET' ? 'listBatches' : m === 'POST' ? 'create' : undefined;
    } else if (parts.length === 2) {
      operation = m === 'GET' ? 'getBatch' : undefined;
    } else if (parts.length === 3 && action === 'cancel') {
      operation = m === 'POST' ? 'cancel' : undefined;
    }
  }
  return { kind: 'api', surface, base, operation, id };
}

const supportedV1Versions: ReadonlySet<string> = new Set(['v1', 'preview', 'latest']);

/**
 * The API version rules. Classic paths need `api-version`: batch exists from `2024-07-01-preview` on. Azure
 * answers a missing or unknown api-version on these paths with 404 "Resource not found" (the reference records
 * 404 for a wrong version; a missing one gets the same answer, Azure's long-standing behaviour, e.g.
 * MicrosoftDocs/azure-docs#114602), so the emulator does both. v1 paths need none; they accept `v1`, `preview`
 * and `latest`, and answer a dated version with 400 "API version not supported".
 */
export function apiContext(surface: 'classic' | 'v1', version: string | null): ApiContext {
  if (surface === 'v1') {
    if (version === null || supportedV1Versions.has(version)) {
      return { surface, version: version ?? undefined, modern: true };
    }
    throw new HttpError(400, azureError('BadRequest', 'API version not supported'));
  }
  const match = version === null ? null : /^(\d{4})-(\d{2})-(\d{2})(-preview)?$/.exec(version);
  if (match === null) {
    throw notFound();
  }
  const date = `${match[1]}-${match[2]}-${match[3]}`;
  if (date < '2024-07-01' || Number(match[2]) > 12 || Number(match[3]) > 31) {
    throw notFound();
  }
  return { surface, version: version!, modern: date >= '2025-04-01' };
}
