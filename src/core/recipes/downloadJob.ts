import type { BatchClient } from '../batch/client';

/** The result files a job has on the service (either may be missing). */
export interface JobFileIds {
  readonly output_file_id?: string | null;
  readonly error_file_id?: string | null;
}

/** The local files written by {@link downloadJobFiles}. */
export interface DownloadedFiles {
  output?: string;
  errors?: string;
}

/**
 * Downloads a job's output and error files (those it has) to `paths`, each atomically, never through a
 * symbolic link and replacing an existing file only with `overwrite`. `onFile` is told which file starts.
 * The one copy of this sequence: the editor, the CLI and a group's parts all use it.
 */
export async function downloadJobFiles(
  client: BatchClient,
  job: JobFileIds,
  paths: { readonly output: string; readonly errors: string },
  options: { readonly overwrite?: boolean; readonly signal?: AbortSignal; readonly onFile?: (which: 'output' | 'errors') => void } = {},
): Promise<DownloadedFiles> {
  const written: DownloadedFiles = {};
  const { overwrite, signal } = options;
  if (job.output_file_id) {
    options.onFile?.('output');
    await client.downloadFile(job.output_file_id, paths.output, { overwrite, signal });
    written.output = paths.output;
  }
  if (job.error_file_id) {
    options.onFile?.('errors');
    await client.downloadFile(job.error_file_id, paths.errors, { overwrite, signal });
    written.errors = paths.errors;
  }
  return written;
}
