import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { link, lstat, mkdtemp, open, realpath, rename, rm, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

/** Writes text or bytes to the file being written (buffered: call it as often as is convenient). */
export type LineWriter = (data: string | Uint8Array) => Promise<void>;

export interface WriteOptions {
  /**
   * The user agreed to replace an existing file (a "Replace" answer in the editor, `--force` in the CLI).
   * Without it an existing file is never replaced; with it a symbolic link is still never written through.
   */
  readonly overwrite?: boolean;
}

/** Thrown when a write would replace an existing file and the user did not agree to it. */
export class FileExistsError extends Error {
  constructor(readonly path: string) {
    super(`${path} already exists.`);
    this.name = 'FileExistsError';
  }
}

/** Why a path is refused: each one is a way a write could land somewhere other than where it was meant to. */
export type UnsafePathReason = 'symlink' | 'not-a-file' | 'not-a-folder' | 'outside' | 'folder-changed';

const reasonText: Record<UnsafePathReason, string> = {
  symlink: 'it is a symbolic link, and files are never written through one',
  'not-a-file': 'it exists and is not a regular file',
  'not-a-folder': 'it exists and is not a folder',
  outside: 'it is outside the folder it belongs in',
  'folder-changed': 'its folder was moved or replaced while the file was written',
};

/** Thrown when a destination is a symbolic link, not a regular file, or not inside its folder. Nothing was written. */
export class UnsafePathError extends Error {
  constructor(
    readonly path: string,
    readonly reason: UnsafePathReason,
  ) {
    super(`Refusing to write ${path}: ${reasonText[reason]}.`);
    this.name = 'UnsafePathError';
  }
}

/**
 * The absolute path of `name` inside `folder`, checked to stay inside it: `name` may not climb out with
 * `..` or be absolute, and after resolving symbolic links in its parent folders the path must still be
 * inside the (resolved) folder. Throws {@link UnsafePathError} otherwise. The folder must exist.
 */
export async function resolveInside(folder: string, name: string): Promise<string> {
  const base = resolve(folder);
  const target = resolve(base, name);
  if (name.includes('\0') || !isStrictlyInside(base, target)) {
    throw new UnsafePathError(target, 'outside');
  }
  const [realBase, realParent] = await Promise.all([realpath(base), realpath(dirname(target))]);
  if (!isStrictlyInside(realBase, join(realParent, basename(target)))) {
    throw new UnsafePathError(target, 'outside');
  }
  return target;
}

/**
 * The paths that already exist, for asking the user once before any of them is replaced. Throws
 * {@link UnsafePathError} for a path that is a symbolic link or not a regular file, which no answer makes writable.
 */
export async function existingFiles(paths: readonly string[]): Promise<string[]> {
  const existing: string[] = [];
  for (const path of paths) {
    if (await checkDestination(path, path, true)) {
      existing.push(path);
    }
  }
  return existing;
}

/**
 * A file written beside its destination under a hidden temporary name (created exclusively, so nothing
 * already there is ever opened) and moved into place by {@link commit} only when complete. The final
 * move never follows a symbolic link and never replaces a file without {@link WriteOptions.overwrite}.
 */
export class AtomicFile {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private position = 0;
  private closed = false;
  private settled = false;

  private constructor(
    /** The destination as the caller named it (used in messages). */
    readonly destination: string,
    private readonly realFolder: string,
    private readonly temporary: string,
    private readonly handle: FileHandle,
    private readonly overwrite: boolean,
  ) {}

  /** Checks the destination and opens the temporary file. Throws {@link FileExistsError} or {@link UnsafePathError}. */
  static async create(destination: string, options: WriteOptions = {}): Promise<AtomicFile> {
    const overwrite = options.overwrite === true;
    const realFolder = await realpath(dirname(resolve(destination)));
    const name = basename(destination);
    await checkDestination(join(realFolder, name), destination, overwrite);
    const temporary = join(realFolder, `.${name}.${randomUUID().slice(0, 8)}.partial`);
    const handle = await open(temporary, 'wx');
    return new AtomicFile(destination, realFolder, temporary, handle, overwrite);
  }

  /** Appends text (UTF-8) or bytes. */
  readonly write: LineWriter = async (data) => {
    // A copy, so a caller that reuses its buffer cannot change what was written.
    const chunk = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes >= flushBytes) {
      await this.flush();
    }
  };

  /** Drops everything written so far (a transfer that starts again from the beginning). */
  async restart(): Promise<void> {
    this.pending = [];
    this.pendingBytes = 0;
    this.position = 0;
    await this.handle.truncate(0);
  }

  /**
   * Moves the complete file into place. Right before the move it checks again that the folder is the one
   * it was opened in and that the destination is not a symbolic link; without `overwrite` the move is a
   * hard link, which fails if anything took the name meanwhile.
   */
  async commit(): Promise<void> {
    await this.flush();
    await this.close();
    const target = join(this.realFolder, basename(this.destination));
    const [folderNow, realFolderNow] = await Promise.all([realpath(dirname(resolve(this.destination))), realpath(this.realFolder)]);
    if (folderNow !== this.realFolder || realFolderNow !== this.realFolder) {
      throw new UnsafePathError(this.destination, 'folder-changed');
    }
    await placeFile(this.temporary, target, this.destination, this.overwrite);
    this.settled = true;
    await unlink(this.temporary).catch(() => undefined);
  }

  /** Removes the temporary file unless it was committed; safe to call more than once. */
  async discard(): Promise<void> {
    await this.close().catch(() => undefined);
    if (!this.settled) {
      this.settled = true;
      await unlink(this.temporary).catch(() => undefined);
    }
  }

  private async flush(): Promise<void> {
    if (this.pendingBytes === 0) {
      return;
    }
    const data = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    let offset = 0;
    while (offset < data.length) {
      const { bytesWritten } = await this.handle.write(data, offset, data.length - offset, this.position);
      offset += bytesWritten;
      this.position += bytesWritten;
    }
  }

  private async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      await this.handle.close();
    }
  }
}

/** Writes are gathered into chunks of this size: one system call per chunk rather than per line. */
const flushBytes = 256 * 1024;

/**
 * Writes `destination` atomically: `produce` writes the content into a hidden temporary file beside it,
 * moved into place only when `produce` finished; on failure the temporary file is removed and
 * `destination` is left as it was, so no half-written file ever carries the final name. Refuses a
 * destination that is a symbolic link or exists without `options.overwrite`. `restart` empties the
 * file, for a producer that starts over (a download cut off midway).
 */
export async function writeFileAtomically<T>(destination: string, produce: (write: LineWriter, restart: () => Promise<void>) => Promise<T>, options: WriteOptions = {}): Promise<T> {
  const file = await AtomicFile.create(destination, options);
  try {
    const result = await produce(file.write, () => file.restart());
    await file.commit();
    return result;
  } finally {
    await file.discard();
  }
}

/**
 * Puts the complete file `from` at `target` (same file system), never through a symbolic link: with
 * `overwrite` a rename; without, a hard link, which fails with {@link FileExistsError} if anything has the
 * name (`from` is then left for the caller to remove).
 */
async function placeFile(from: string, target: string, shown: string, overwrite: boolean): Promise<void> {
  if (overwrite) {
    await checkDestination(target, shown, true);
    // rename() replaces the directory entry itself, never what a link there would point to.
    await rename(from, target);
    return;
  }
  try {
    await link(from, target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new FileExistsError(shown);
    }
    // A file system without hard links: check once more, then move.
    await checkDestination(target, shown, false);
    await rename(from, target);
  }
}

/**
 * Writes several files in `folder` as one: `produce` writes each (atomically, as usual) to its staged path in
 * a hidden folder inside `folder`, and only when it finished do they move to their names, each checked as
 * {@link AtomicFile.commit} does; otherwise none is moved and `folder` is left as it was. So a download that
 * fails midway leaves nothing behind, and running it again needs no consent to replace what it wrote.
 * Staged paths `produce` did not write are skipped. Returns what `produce` returned.
 */
export async function writeFilesTogether<K extends string, T>(
  folder: string,
  destinations: Readonly<Record<K, string>>,
  produce: (staged: Readonly<Record<K, string>>) => Promise<T>,
  options: WriteOptions = {},
): Promise<T> {
  const realFolder = await realpath(folder);
  const keys = Object.keys(destinations) as K[];
  for (const key of keys) {
    if ((await realpath(dirname(resolve(destinations[key])))) !== realFolder) {
      throw new UnsafePathError(destinations[key], 'outside');
    }
  }
  const staging = await mkdtemp(join(realFolder, '.aoai-batch-staging-'));
  try {
    const staged = Object.fromEntries(keys.map((key) => [key, join(staging, basename(destinations[key]))])) as Record<K, string>;
    const result = await produce(staged);
    const written = keys.filter((key) => existsSync(staged[key]));
    // All refused before any is moved: a file that appeared meanwhile stops the lot.
    for (const key of written) {
      await checkDestination(join(realFolder, basename(destinations[key])), destinations[key], options.overwrite === true);
    }
    for (const key of written) {
      await placeFile(staged[key], join(realFolder, basename(destinations[key])), destinations[key], options.overwrite === true);
    }
    return result;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/**
 * Whether `path` exists as a regular file; throws for a symbolic link or anything else that is not a regular
 * file, and, unless `overwrite`, for a file that exists.
 */
async function checkDestination(path: string, shown: string, overwrite: boolean): Promise<boolean> {
  let stats;
  try {
    stats = await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return false;
    }
    throw error;
  }
  if (stats.isSymbolicLink()) {
    throw new UnsafePathError(shown, 'symlink');
  }
  if (!stats.isFile()) {
    throw new UnsafePathError(shown, 'not-a-file');
  }
  if (!overwrite) {
    throw new FileExistsError(shown);
  }
  return true;
}

function isStrictlyInside(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}
