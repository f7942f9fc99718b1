import { mkdtempSync } from 'node:fs';
import { mkdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
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
}

interface StateFile {
  readonly version: 1;
  readonly seq: number;
  readonly files: FileRecord[];
  readonly batches: BatchRecord[];
}

/**
 * Files and batches. Contents live on disk (`files/<id>`) even in memory mode, where the directory is a temp dir
 * removed on close; with a data dir the records are also saved to `state.json` (written to a temp file and
 * renamed, so a crash never leaves it half written) and reloaded on start.
 */
export class Store {
  readonly files = new Map<string, FileRecord>();
  readonly batches = new Map<string, BatchRecord>();
  readonly root: string;
  private seq = 0;
  private saving: Promise<void> | undefined;
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(
    root: string,
    private readonly persistent: boolean,
  ) {
    this.root = root;
  }

  static async open(dataDir: string | undefined): Promise<Store> {
    const store = dataDir === undefined ? new Store(mkdtempSync(join(tmpdir(), 'aoai-emulator-')), false) : new Store(dataDir, true);
    await mkdir(join(store.root, 'files'), { recursive: true });
    await mkdir(join(store.root, 'work'), { recursive: true });
    if (store.persistent) {
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
    const state = JSON.parse(text) as StateFile;
    this.seq = state.seq;
    state.files.forEach((f) => this.files.set(f.id, f));
    state.batches.forEach((b) => this.batches.set(b.id, b));
  }

  /** Saves soon (changes within 50 ms are written together). No-op in memory mode. */
  changed(): void {
    if (!this.persistent || this.closed) {
      return;
    }
    this.dirty = true;
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, 50);
  }

  /** Writes the state now if anything changed (waits for a save in flight first). */
  async flush(): Promise<void> {
    if (!this.persistent) {
      return;
    }
    while (this.saving) {
      await this.saving;
    }
    if (!this.dirty) {
      return;
    }
    this.dirty = false;
    const state: StateFile = { version: 1, seq: this.seq, files: [...this.files.values()], batches: [...this.batches.values()] };
    const text = JSON.stringify(state);
    const temp = `${this.statePath()}.${process.pid}.tmp`;
    this.saving = (async () => {
      await writeFile(temp, text);
      await rename(temp, this.statePath());
    })();
    try {
      await this.saving;
    } finally {
      this.saving = undefined;
    }
  }

  async close(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    await this.flush();
    this.closed = true;
    if (!this.persistent) {
      await rm(this.root, { recursive: true, force: true });
    }
  }

  async removeBlob(fileId: string): Promise<void> {
    await unlink(this.blobPath(fileId)).catch(() => undefined);
  }
}
