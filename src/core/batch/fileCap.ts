import type { FileObject } from 'openai/resources/files';

/** Input files a resource may hold (`purpose=batch`), when any lacks an expiry. */
export const FILE_CAP = 500;
/** Input files a resource may hold when they were uploaded with `expires_after`. */
export const FILE_CAP_WITH_EXPIRY = 10_000;

/** How many input files a resource holds against the cap. */
export interface FileCapUse {
  /** Batch input files (`purpose` `batch`; outputs do not count). */
  readonly count: number;
  /** Of them, those without an `expires_at`: they count against the 500. */
  readonly withoutExpiry: number;
  /** The cap that applies: 500 while any file lacks an expiry, else 10,000. */
  readonly cap: number;
}

/** Counts a resource's batch input files against Azure's cap (500, or 10,000 when every upload set an expiry). */
export function fileCapUse(files: readonly Pick<FileObject, 'purpose' | 'expires_at' | 'status'>[]): FileCapUse {
  let count = 0;
  let withoutExpiry = 0;
  for (const file of files) {
    if (file.purpose !== 'batch' || (file.status as string) === 'deleted') {
      continue;
    }
    count++;
    if (typeof file.expires_at !== 'number') {
      withoutExpiry++;
    }
  }
  return { count, withoutExpiry, cap: withoutExpiry > 0 ? FILE_CAP : FILE_CAP_WITH_EXPIRY };
}
