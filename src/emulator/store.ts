import { mkdtempSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type FileStatus = 'pending' | 'running' | 'processed' | 'error' | 'deleting' | 'deleted';
export type BatchStatus = 'validating' | 'failed' | 'in_progress' | 'finalizing' | 'completed' | 'expired' | 'cancelling' | 'cancelled';

export const terminalStatuses: ReadonlySet<BatchStatus> = new Set(['failed', 'completed', 'expired', 'cancelled']);

export interface FileRecord {
  id: string;
  bytes: number;
  created_at: number;
  filename: string;
  purpose: string;
  status: FileStatus;
  status_details: string | null;
  expires_at: number | null;
  /** Creation order, to sort files created in the same second. */
  seq: number;
  /** True when uploaded with `expires_after` (they count against the larger file limit). */
  expiresAfterSet: boolean;
}

export interface BatchError {
  code: string;
  message: string;
  param: string | null;
  line: number | null;
}

export interface BatchRecord {
  id: string;
  endpoint: string;
  errors: { object: 'list'; data: BatchError[] } | null;
  input_file_id: string;
  completion_window: string;
  status: BatchStatus;
  output_file_id: string | null;
  error_file_id: string | null;
  created_at: number;
  in_progress_at: number | null;
  expires_at: number | null;
  finalizing_at: number | null;
  completed_at: number | null;
  failed_at: number | null;
  expired_at: number | null;
  cancelling_at: number | null;
  cancelled_at: number | null;
  request_counts: { total: number; completed: number; failed: number };
  metadata: Record<string, string> | null;
  /** Emulator bookkeeping, never sent to clients. */
  internal: BatchInternal;
}

export interface BatchInternal {
  seq: number;
  /** Milliseconds since the epoch at creation (expiry uses it). */
  createdMs: number;
  deployment?: string;
  /** Enqueued-token estimate; counts against the deployment's quota while the batch is not terminal. */
  estimatedTokens?: number;
  /** `output_expires_after.seconds`, for the output files' `expires_at`. */
  outputExpiresAfter?: number;
  /** Seed of the execution order (null: input order), fixed when the batch starts so a restart keeps it. */
  orderSeed?: number | null;
  /** Rows processed so far, in execution order; bytes of the partial output and error files at that point. */
  processed: number;
  outputBytes: number;
  errorBytes: number;
  /** Result files already published while the batch is still finalizing; shown on the batch once it is terminal. */
  publishedOutputId?: string;
  publishedErrorId?: string;
}

interface StateFile {
  readonly version: 1;
  readonly seq: number;
  readonly files: FileRecord[];
  readonly batches: BatchRecord[];
}

/** A save of the state that failed (disk full, unwritable data dir): answered 500, the process keeps serving. */
export class StateSaveError extends Error {
  /** The system error code (`ENOSPC`, `EACCES`, `EISDIR`...), or the error's text. */
  readonly code: string;

  constructor(reason: unknown) {
    const code = (reason as NodeJS.ErrnoException | undefined)?.code ?? (reason instanceof Error ? reason.message : String(reason));
    super(`the emulator state could not be saved: ${code}`);
    this.code = code;
  }
}

/**
 * Files and batches. Contents live on disk (`files/<id>`) even in memory mode, where the directory is a temp dir
 * removed on close; with a data dir the records are also saved to `state.json` (written to a temp file, synced
 * and renamed, so a crash never leaves it half written) and reloaded on start.
 *
 * Two ways to save: {@link Store.commit} for a change a client is told about (the answer waits until that change
 * is on disk; concurrent commits share one write), and {@link Store.changed} for progress the runner can redo
 * (written within 50 ms).
 */
export class Store {
  readonly files = new Map<string, FileRecord>();
  readonly batches = new Map<string, BatchRecord>();
  readonly root: string;
  private seq = 0;
  /** The write in flight. */
  private saving: Promise<void> | undefined;
  /** The next write, shared by every commit made since the one in flight serialized the state. */
  private next: Promise<void> | undefined;
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(
    root: string,
    private readonly persistent: boolean,
    private readonly log: ((line: string) => void) | undefined,
  ) {
    this.root = root;
  }

  static async open(dataDir: string | undefined, log?: (line: string) => void): Promise<Store> {
    const store = dataDir === undefined ? new Store(mkdtempSync(join(tmpdir(), 'aoai-emulator-')), false, log) : new Store(dataDir, true, log);
    await mkdir(join(store.root, 'files'), { recursive: true });
    await mkdir(join(store.root, 'work'), { recursive: true });
    if (store.persistent) {
      await store.removeLeftovers();
      await store.load();
    }
    return store;
  }

  nextSeq(): number {
    return ++this.seq;
  }

  blobPath(fileId: string): string {
    return join(this.root, 'files', fileId);
  }

  /** Where an upload is received before it becomes a file. */
  incomingPath(token: string): string {
    return join(this.root, 'work', `upload-${token}.part`);
  }

  partialPath(batchId: string, kind: 'output' | 'error'): string {
    return join(this.root, 'work', `${batchId}.${kind}.partial`);
  }

  private statePath(): string {
    return join(this.root, 'state.json');
  }

  /** Uploads and state writes cut short by a crash (`kill -9`): nothing refers to them. */
  private async removeLeftovers(): Promise<void> {
    const leftovers = [
      ...(await readdir(join(this.root, 'work'))).filter((name) => /^upload-.*\.part$/.test(name)).map((name) => join(this.root, 'work', name)),
      ...(await readdir(this.root)).filter((name) => /^state\.json\..*\.tmp$/.test(name)).map((name) => join(this.root, name)),
    ];
    await Promise.all(leftovers.map((path) => unlink(path).catch(() => undefined)));
  }

  private async load(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.statePath(), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return;
      }
      throw error;
    }
    const state = parseState(text, this.statePath());
    this.seq = state.seq;
    state.files.forEach((f) => this.files.set(f.id, f));
    state.batches.forEach((b) => this.batches.set(b.id, b));
  }

  /** Saves soon (changes within 50 ms are written together). No-op in memory mode. A failed save is logged and retried by the next one. */
  changed(): void {
    if (!this.persistent || this.closed) {
      return;
    }
    this.dirty = true;
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.flush().catch((error: unknown) => this.log?.(`error: ${error instanceof Error ? error.message : String(error)}`));
    }, 50);
  }

  /**
   * Resolves once every change made so far is on disk; rejects with {@link StateSaveError} when the write
   * fails. No-op in memory mode.
   */
  commit(): Promise<void> {
    if (!this.persistent) {
      return Promise.resolve();
    }
    this.dirty = true;
    this.next ??= this.afterCurrentWrite();
    return this.next;
  }

  /** Writes the state now if anything changed (waits for a save in flight first). */
  async flush(): Promise<void> {
    if (!this.persistent) {
      return;
    }
    if (this.dirty || this.next !== undefined) {
      await this.commit();
    } else {
      await this.saving?.catch(() => undefined);
    }
  }

  private async afterCurrentWrite(): Promise<void> {
    // The write in flight serialized the state before these changes; they need the next one. The loop awaits
    // at least once, so `commit` has stored this promise in `next` before it is cleared below.
    do {
      await this.saving?.catch(() => undefined);
    } while (this.saving !== undefined);
    this.next = undefined;
    const text = this.serialize();
    const saving = this.write(text);
    this.saving = saving;
    try {
      await saving;
    } catch (error) {
      this.dirty = true; // a later save writes these changes again
      throw new StateSaveError(error);
    } finally {
      if (this.saving === saving) {
        this.saving = undefined;
      }
    }
  }

  private serialize(): string {
    this.dirty = false;
    const state: StateFile = { version: 1, seq: this.seq, files: [...this.files.values()], batches: [...this.batches.values()] };
    return JSON.stringify(state);
  }

  /** Temp file, fsync, rename, fsync of the directory: the old state or the new one, whole, survives a crash. */
  private async write(text: string): Promise<void> {
    const temp = `${this.statePath()}.${process.pid}.tmp`;
    try {
      const handle = await open(temp, 'w');
      try {
        await handle.writeFile(text);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, this.statePath());
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw error;
    }
    await syncDirectory(this.root);
  }

  /** Makes a file's content durable before the state refers to it (data dir only). */
  async syncFile(path: string): Promise<void> {
    if (!this.persistent) {
      return;
    }
    const handle = await open(path, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  async close(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    try {
      await this.flush();
    } catch (error) {
      this.log?.(`error: ${error instanceof Error ? error.message : String(error)}`);
    }
    this.closed = true;
    if (!this.persistent) {
      await rm(this.root, { recursive: true, force: true });
    }
  }

  async removeBlob(fileId: string): Promise<void> {
    await unlink(this.blobPath(fileId)).catch(() => undefined);
  }
}

/** A `state.json` the emulator cannot start from: not its JSON, another version's, or records it did not write. */
export class EmulatorStateError extends Error {
  constructor(path: string, problem: string) {
    super(`the emulator's state ${path} cannot be used: ${problem}. Move it away (or delete it) to start an empty emulator.`);
    this.name = 'EmulatorStateError';
  }
}

/** The ids the emulator makes (`file-...`, `batch_...`): also file names in its data dir, so nothing else is taken. */
const safeId = /^[A-Za-z0-9_-]{1,200}$/;

/** The state file's records, checked before any is used: ids name files on disk, so `../` must not pass. */
function parseState(text: string, path: string): StateFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new EmulatorStateError(path, `it is not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const state = value as Partial<StateFile> | null;
  if (typeof state !== 'object' || state === null || Array.isArray(state)) {
    throw new EmulatorStateError(path, 'it is not an object');
  }
  if (state.version !== 1) {
    throw new EmulatorStateError(path, `it has version ${JSON.stringify(state.version)?.slice(0, 20)}, not 1 (another version of the emulator wrote it)`);
  }
  if (typeof state.seq !== 'number' || !Number.isSafeInteger(state.seq) || !Array.isArray(state.files) || !Array.isArray(state.batches)) {
    throw new EmulatorStateError(path, 'it lacks "seq", "files" or "batches"');
  }
  const idOk = (id: unknown, optional: boolean) => (optional && (id === null || id === undefined)) || (typeof id === 'string' && safeId.test(id));
  for (const file of state.files as unknown[]) {
    const record = file as Partial<FileRecord> | null;
    if (typeof record !== 'object' || record === null || !idOk(record.id, false)) {
      throw new EmulatorStateError(path, `a file record has no usable id (${JSON.stringify(record?.id)?.slice(0, 60)})`);
    }
  }
  for (const batch of state.batches as unknown[]) {
    const record = batch as Partial<BatchRecord> | null;
    if (
      typeof record !== 'object' ||
      record === null ||
      !idOk(record.id, false) ||
      !idOk(record.input_file_id, false) ||
      !idOk(record.output_file_id, true) ||
      !idOk(record.error_file_id, true) ||
      typeof record.internal !== 'object' ||
      record.internal === null
    ) {
      throw new EmulatorStateError(path, `a batch record is not one the emulator wrote (id ${JSON.stringify(record?.id)?.slice(0, 60)})`);
    }
  }
  return state as StateFile;
}

/** fsync of a directory, so a rename in it survives a power cut; skipped where directories cannot be opened (Windows). */
async function syncDirectory(path: string): Promise<void> {
  let handle;
  try {
    handle = await open(path, 'r');
    await handle.sync();
  } catch {
    // best effort
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
