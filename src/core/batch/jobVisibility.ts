import type { Batch } from './client';
import { GROUP_ID_KEY } from './groupRunner';

/** What the jobs list knows beyond the service's answer: what the user removed, and which jobs are parts of a group. */
export interface ListingMarks {
  /** Batch ids and job group ids the user removed from the list. */
  readonly hidden: ReadonlySet<string>;
  /** Job groups known here: their parts are shown under the group node, never as jobs of their own. */
  readonly groupIds: ReadonlySet<string>;
  /** The batch ids of those groups' parts (known as soon as a part is created, before any listing). */
  readonly partBatchIds: ReadonlySet<string>;
}

/** Whether a job belongs at the top of the jobs list: neither removed by the user nor a part of a known (or removed) group. */
export function isListedJob(batchId: string, batch: Pick<Batch, 'metadata'> | undefined, marks: ListingMarks): boolean {
  if (marks.hidden.has(batchId) || marks.partBatchIds.has(batchId)) {
    return false;
  }
  // The service's listing carries the group in the part's metadata, even for a part whose create has not answered here yet.
  const groupId = batch?.metadata?.[GROUP_ID_KEY];
  return !(groupId && (marks.groupIds.has(groupId) || marks.hidden.has(groupId)));
}

export type FileRole = 'input' | 'output' | 'errors';

/** A batch's file ids by role (only the ones it has). */
export function fileIdsOf(batch: Pick<Batch, 'input_file_id' | 'output_file_id' | 'error_file_id'>): { role: FileRole; id: string }[] {
  const ids: { role: FileRole; id: string }[] = [];
  const add = (role: FileRole, id: string | null | undefined) => {
    if (typeof id === 'string' && id.length > 0) {
      ids.push({ role, id });
    }
  };
  add('input', batch.input_file_id);
  add('output', batch.output_file_id);
  add('errors', batch.error_file_id);
  return ids;
}

/**
 * A batch as the list shows it once some of its files were deleted on the service: the service still names
 * them, but they are gone, so their ids are cleared and nothing offers to open or download them.
 */
export function withoutDeletedFiles(batch: Batch, deleted: ReadonlySet<string>): { batch: Batch; deleted: FileRole[] } {
  const gone = fileIdsOf(batch).filter((file) => deleted.has(file.id));
  if (gone.length === 0) {
    return { batch, deleted: [] };
  }
  const roles = gone.map((file) => file.role);
  return {
    batch: {
      ...batch,
      input_file_id: roles.includes('input') ? '' : batch.input_file_id,
      output_file_id: roles.includes('output') ? undefined : batch.output_file_id,
      error_file_id: roles.includes('errors') ? undefined : batch.error_file_id,
    },
    deleted: roles,
  };
}
