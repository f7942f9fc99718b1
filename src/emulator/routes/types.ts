import type { IncomingMessage } from 'node:http';
import { notFound } from '../errors';
import type { Operation } from '../faults';
import type { ResolvedOptions } from '../options';
import type { BatchRunner } from '../runner';
import type { Store } from '../store';
import type { ApiContext } from '../views';

/** What a route answers: JSON, or a file streamed as `application/octet-stream`. */
export interface Reply {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly json?: unknown;
  readonly file?: string;
}

/** One data-plane request, as its route sees it. */
export interface Context {
  readonly req: IncomingMessage;
  readonly url: URL;
  readonly api: ApiContext;
  /** `/openai` or `/openai/v1`. */
  readonly base: string;
  readonly id: string | undefined;
  /** The request body, counted (a `dropUpload` fault destroys the connection inside it). */
  readonly body: () => AsyncIterable<Buffer>;
}

/** What the data-plane routes work on. */
export interface RouteDeps {
  readonly store: Store;
  readonly runner: BatchRunner;
  readonly options: ResolvedOptions;
  /** `http://127.0.0.1:PORT`, once listening. */
  readonly origin: () => string;
}

export type Handler = (ctx: Context) => Promise<Reply>;

/** The handlers of a group of operations. */
export type Handlers<O extends Operation> = Readonly<Record<O, Handler>>;

/** Waits until the change is on disk (data dir); on failure undoes it in memory and rethrows (a 500). */
export async function commit(store: Store, undo: () => void | Promise<void>): Promise<void> {
  try {
    await store.commit();
  } catch (error) {
    await undo();
    throw error;
  }
}

/** The record with this id, or a 404 (unknown ids answer as unknown paths do). */
export function recordOr404<T>(records: ReadonlyMap<string, T>, id: string | undefined): T {
  const record = id === undefined ? undefined : records.get(id);
  if (record === undefined) {
    throw notFound();
  }
  return record;
}
