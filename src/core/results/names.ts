import { createHash } from 'node:crypto';
import { lstat, mkdir } from 'node:fs/promises';
import { resolveInside, UnsafePathError } from '../atomicFile';

/** Stems are kept short enough that `STEM.retry-99.output.jsonl` fits every file system's 255-byte limit. */
const maxStemBytes = 120;
/** Names Windows reserves for devices, with or without an extension (`con.output.jsonl` is the console). */
const windowsDeviceName = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])$/i;
/** What a stem may hold: letters, digits, space and `. _ - ( )`. Everything else becomes `_`. */
const notAllowed = /[^\p{L}\p{N} ._()-]/gu;
/** Hex digits of the hash a changed name gets (see {@link sanitize}). */
const hashChars = 6;
/** The stem of last resort, when neither a name nor an id leaves anything usable. */
const lastResort = 'results';

/**
 * A file name stem made safe from a name that came from the service or from metadata (a batch id, a
 * file id, `metadata.source_file`, a group or part name): only letters, digits, space and `._-()`, no
 * `..`, no leading dot, dash or space, no trailing dot or space, not a Windows device name, at most 120
 * bytes; a name that had to be changed ends in `-` and six hex digits of its hash, so distinct names never share
 * a stem. The first candidate that leaves something usable wins; else `results`.
 */
export function safeFileStem(...candidates: readonly (string | undefined)[]): string {
  for (const candidate of candidates) {
    const stem = candidate === undefined ? '' : sanitize(candidate);
    if (stem.length > 0) {
      return stem;
    }
  }
  return lastResort;
}

/**
 * The stem of one candidate. One changed by making it safe gets a short hash of the name it came from, so that
 * distinct names stay distinct (`a#b` and `a%b` would both be `a_b`, and share one results folder) and the same
 * name gives the same stem in every run. A name that is safe already is kept as it is.
 */
function sanitize(raw: string): string {
  const name = raw.normalize('NFC');
  let stem = name.replace(notAllowed, '_').replace(/\.{2,}/g, '.');
  stem = trimEnds(truncateBytes(trimEnds(stem), maxStemBytes));
  stem = windowsDeviceName.test(stem.split('.')[0]!.trimEnd()) ? `_${stem}` : stem;
  if (stem.length === 0 || stem === name) {
    return stem;
  }
  const suffix = `-${createHash('sha256').update(name).digest('hex').slice(0, hashChars)}`;
  return `${trimEnds(truncateBytes(stem, maxStemBytes - suffix.length))}${suffix}`;
}

function trimEnds(stem: string): string {
  return stem.replace(/^[ .-]+/, '').replace(/[ .]+$/, '');
}

/** The longest prefix of `text` that fits in `max` UTF-8 bytes, never cutting a character in two. */
function truncateBytes(text: string, max: number): string {
  if (Buffer.byteLength(text) <= max) {
    return text;
  }
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    bytes += Buffer.byteLength(char);
    if (bytes > max) {
      break;
    }
    end += char.length;
  }
  return text.slice(0, end);
}

/**
 * The stem results are named after: the last segment of the source file's name without `.jsonl`, or the
 * job id; always reduced to a {@link safeFileStem}, since both can come from the service.
 */
export function resultStem(sourceFile: string | undefined, batchId: string): string {
  const name = sourceFile?.split(/[\\/]/).pop() ?? '';
  return safeFileStem(/\.jsonl$/i.test(name) ? name.slice(0, -'.jsonl'.length) : name, batchId);
}

/** The files of one result stem, each in `directory`. */
export interface ResultPaths {
  readonly output: string;
  readonly errors: string;
  readonly results: string;
  readonly summary: string;
}

/** The endings of a job's downloaded files, after `NAME.`; the `.jsonl` ones are results, never batch input. */
export const resultFileSuffixes = { output: 'output.jsonl', errors: 'errors.jsonl', results: 'results.jsonl', summary: 'summary.md' } as const;

/**
 * Where a job's files go: `NAME.output.jsonl`, `NAME.errors.jsonl`, `NAME.results.jsonl`, `NAME.summary.md`,
 * each checked to stay inside `directory` (which must exist). `stem` must come from {@link safeFileStem}.
 */
export async function resultPaths(directory: string, stem: string): Promise<ResultPaths> {
  const [output, errors, results, summary] = await Promise.all([resultFileSuffixes.output, resultFileSuffixes.errors, resultFileSuffixes.results, resultFileSuffixes.summary].map((suffix) => resolveInside(directory, `${stem}.${suffix}`)));
  return { output: output!, errors: errors!, results: results!, summary: summary! };
}

/** Whether a file name is a retry file, `NAME.retry-N.jsonl`: batch input, also inside a job's results folder. */
export function isRetryFileName(name: string): boolean {
  return /^.+\.retry-\d+\.jsonl$/i.test(name);
}

/** `NAME.retry-N.jsonl` in `directory`, checked to stay inside it. */
export function retryPath(directory: string, stem: string, number: number): Promise<string> {
  return resolveInside(directory, `${stem}.retry-${number}.jsonl`);
}

/** The ending of a job's own results folder, `NAME.results/`: what it holds is results, never batch input. */
export const jobFolderSuffix = '.results';

/**
 * Creates (when needed) and returns `NAME.results/` in `parent`: one folder per job, so that downloads do not
 * scatter loose files through the workspace. The folder is checked to stay inside `parent`, and refused when it
 * is a symbolic link (results are never written through one) or not a folder. `stem` must come from
 * {@link safeFileStem}.
 */
export async function prepareJobFolder(parent: string, stem: string): Promise<string> {
  await mkdir(parent, { recursive: true });
  const folder = await resolveInside(parent, `${stem}${jobFolderSuffix}`);
  await mkdir(folder).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') {
      throw error;
    }
  });
  const stat = await lstat(folder);
  if (stat.isSymbolicLink()) {
    throw new UnsafePathError(folder, 'symlink');
  }
  if (!stat.isDirectory()) {
    throw new UnsafePathError(folder, 'not-a-folder');
  }
  return folder;
}
