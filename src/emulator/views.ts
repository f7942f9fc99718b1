import type { BatchRecord, FileRecord } from './store';

/** Which flavour of the API a request speaks; it changes a few answers. */
export interface ApiContext {
  /** `/openai/...?api-version=` or `/openai/v1/...`. */
  readonly surface: 'classic' | 'v1';
  readonly version: string | undefined;
  /**
   * `2025-04-01-preview` and later, and v1: create answers 201 with the enqueued-token headers, files carry
   * `expires_at`, and an upload answers `processed` (older versions answer `pending`, as their example does).
   */
  readonly modern: boolean;
}

/** The File object. `expires_at` exists from the 2025-04-01-preview API on (and in v1). */
export function fileView(file: FileRecord, api: ApiContext, uploadAnswer = false): Record<string, unknown> {
  const view: Record<string, unknown> = {
    id: file.id,
    object: 'file',
    bytes: file.bytes,
    created_at: file.created_at,
    filename: file.filename,
    purpose: file.purpose,
    status: uploadAnswer && !api.modern ? 'pending' : file.status,
    status_details: file.status_details,
  };
  if (api.modern) {
    view.expires_at = file.expires_at;
  }
  return view;
}

/** The Batch object, with every field of the published examples in their order. */
export function batchView(batch: BatchRecord): Record<string, unknown> {
  return {
    object: 'batch',
    id: batch.id,
    endpoint: batch.endpoint,
    errors: batch.errors === null ? null : { object: 'list', data: batch.errors.data.map((e) => ({ ...e })) },
    input_file_id: batch.input_file_id,
    completion_window: batch.completion_window,
    status: batch.status,
    output_file_id: batch.output_file_id,
    error_file_id: batch.error_file_id,
    created_at: batch.created_at,
    in_progress_at: batch.in_progress_at,
    expires_at: batch.expires_at,
    finalizing_at: batch.finalizing_at,
    completed_at: batch.completed_at,
    failed_at: batch.failed_at,
    expired_at: batch.expired_at,
    cancelling_at: batch.cancelling_at,
    cancelled_at: batch.cancelled_at,
    request_counts: { ...batch.request_counts },
    metadata: batch.metadata === null ? null : { ...batch.metadata },
  };
}
