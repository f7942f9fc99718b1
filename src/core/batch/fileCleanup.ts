import type { Batch } from 'openai/resources/batches';
import type { FileObject } from 'openai/resources/files';
import { isTerminal } from './status';

/** A job as the clean-up sees it: its files and whether its results were downloaded here. */
export interface CleanupJob {
  readonly batch: Pick<Batch, 'id' | 'status' | 'input_file_id' | 'output_file_id' | 'error_file_id'>;
  /** The job's results were downloaded on this machine (unknown for jobs not submitted from here: false). */
  readonly downloaded: boolean;
}

export type FileRole = 'input' | 'output' | 'errors';

/** A file that belongs to no active job, so deleting it cannot break a running job. */
export interface CleanupCandidate {
  readonly file: FileObject;
  /** Seconds since the file was uploaded or written. */
  readonly ageSeconds: number;
  /** The finished job it belongs to, if any. */
  readonly batchId?: string;
  readonly role?: FileRole;
  /** An output or error file (not empty) of a job whose results were not downloaded: deleting it loses them. */
  readonly notDownloaded: boolean;
}

export interface CleanupOptions {
  /** Now, in Unix seconds. */
  readonly now: number;
  /** Files to keep whatever the jobs say: the input of a submission whose create has not answered yet, a queued part's upload. */
  readonly keep?: Iterable<string>;
}

const goneStatuses: ReadonlySet<string> = new Set(['deleting', 'deleted']);

/**
 * The files that are safe to delete: every file of the resource less those of non-terminal jobs (input, output,
 * error) and those to keep, oldest first. Output and error files of finished jobs whose results were not
 * downloaded are offered too, flagged, since deleting them loses the results.
 */
export function cleanupCandidates(files: readonly FileObject[], jobs: readonly CleanupJob[], options: CleanupOptions): CleanupCandidate[] {
  const inUse = new Set<string>(options.keep ?? []);
  const owner = new Map<string, { job: CleanupJob; role: FileRole }>();
  for (const job of jobs) {
    const roles: [FileRole, string | null | undefined][] = [
      ['input', job.batch.input_file_id],
      ['output', job.batch.output_file_id],
      ['errors', job.batch.error_file_id],
    ];
    for (const [role, id] of roles) {
      if (!id) {
        continue;
      }
      if (!isTerminal(job.batch.status)) {
        inUse.add(id);
      } else if (!owner.has(id)) {
        owner.set(id, { job, role });
      }
    }
  }
  const candidates: CleanupCandidate[] = [];
  for (const file of files) {
    if (inUse.has(file.id) || goneStatuses.has(file.status as string)) {
      continue;
    }
    const owned = owner.get(file.id);
    const resultFile = owned !== undefined && owned.role !== 'input';
    candidates.push({
      file,
      ageSeconds: Math.max(0, options.now - (file.created_at ?? options.now)),
      batchId: owned?.job.batch.id,
      role: owned?.role,
      notDownloaded: resultFile && !owned.job.downloaded && (file.bytes ?? 0) > 0,
    });
  }
  return candidates.sort((a, b) => b.ageSeconds - a.ageSeconds || a.file.id.localeCompare(b.file.id));
}

/** The bytes of the files, together. */
export function totalBytes(files: readonly Pick<FileObject, 'bytes'>[]): number {
  return files.reduce((sum, file) => sum + (file.bytes ?? 0), 0);
}
