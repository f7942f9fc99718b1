import { stat } from 'node:fs/promises';

/** Why a path cannot be read as an input file. */
export type InputFileProblem =
  | { readonly kind: 'missing' }
  | { readonly kind: 'directory' }
  /** A FIFO, a device (`/dev/zero`), a socket: reading it could block forever or never end. */
  | { readonly kind: 'special'; readonly what: string }
  | { readonly kind: 'unreadable'; readonly code: string };

export type InputFileCheck = { readonly ok: true; readonly size: number } | { readonly ok: false; readonly problem: InputFileProblem };

/**
 * The one check every reader of an input file makes before opening it: the path must name a regular file.
 * Only `stat` is called, so a FIFO is never opened (opening one blocks until a writer appears) and a device
 * such as `/dev/zero` is never read. The size is what the file holds now.
 */
export async function checkInputPath(path: string): Promise<InputFileCheck> {
  try {
    const stats = await stat(path);
    if (stats.isFile()) {
      return { ok: true, size: stats.size };
    }
    if (stats.isDirectory()) {
      return { ok: false, problem: { kind: 'directory' } };
    }
    const what = stats.isFIFO() ? 'a FIFO' : stats.isCharacterDevice() ? 'a character device' : stats.isBlockDevice() ? 'a block device' : stats.isSocket() ? 'a socket' : 'something other than a file';
    return { ok: false, problem: { kind: 'special', what } };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    return { ok: false, problem: code === 'ENOENT' || code === 'ENOTDIR' ? { kind: 'missing' } : { kind: 'unreadable', code } };
  }
}

/**
 * The problem in one English sentence naming the path: `cannot read PATH: ENOENT`, `PATH is not a file: it is
 * a directory`, `PATH is not a file: it is a FIFO, not a regular file, so it was not read`.
 */
export function describeInputProblem(path: string, problem: InputFileProblem): string {
  switch (problem.kind) {
    case 'missing':
      return `cannot read ${path}: ENOENT`;
    case 'directory':
      return `${path} is not a file: it is a directory`;
    case 'special':
      return `${path} is not a file: it is ${problem.what}, not a regular file, so it was not read`;
    case 'unreadable':
      return `cannot read ${path}: ${problem.code}`;
  }
}

/** Thrown by readers of input files for a path that fails {@link checkInputPath}. */
export class InputFileError extends Error {
  constructor(
    readonly path: string,
    readonly problem: InputFileProblem,
  ) {
    super(describeInputProblem(path, problem));
    this.name = 'InputFileError';
  }
}
