import type { Batch } from 'openai/resources/batches';
import type { FileObject } from 'openai/resources/files';
import { BatchServiceError } from './errors';

// Checks that what the service answered has the fields the client reads, so an HTML page from a proxy,
// `{}` or wrong types fail with a clear message instead of showing `undefined` or an empty list.

const batchStatuses: ReadonlySet<string> = new Set(['validating', 'failed', 'in_progress', 'finalizing', 'completed', 'expired', 'cancelling', 'cancelled']);

/** A status word the service may add: lower-case letters and `_`, as its known statuses are. */
const unknownStatus = /^[a-z][a-z_]{0,39}$/;

/** A non-retryable error saying the answer was not the `what` expected, with the start of what came. */
export function unexpectedAnswer(what: string, value: unknown, problem?: string): BatchServiceError {
  return new BatchServiceError(
    `The service answered with something that is not ${what}${problem ? ` (${problem})` : ''}: ${preview(value)}. Check the endpoint: a proxy or sign-in page may be answering instead of Azure OpenAI.`,
    undefined,
    'unexpected_answer',
    false,
  );
}

/** The answer as a file object, or a {@link BatchServiceError} when it is not one. */
export function asFileObject(value: unknown): FileObject {
  const what = 'a file';
  const record = objectOr(value, what);
  if (!nonEmptyString(record.id)) {
    throw unexpectedAnswer(what, value, 'no "id"');
  }
  if (record.status !== undefined && typeof record.status !== 'string') {
    throw unexpectedAnswer(what, value, '"status" is not a string');
  }
  if (record.bytes !== undefined && record.bytes !== null && typeof record.bytes !== 'number') {
    throw unexpectedAnswer(what, value, '"bytes" is not a number');
  }
  return record as unknown as FileObject;
}

/**
 * The answer as a batch, or a {@link BatchServiceError} when it is not one. Statuses are compared without
 * case and ISO timestamps are turned into Unix seconds (both forms appear in Azure's samples).
 */
export function asBatch(value: unknown): Batch {
  const what = 'a batch';
  const record = objectOr(value, what);
  if (!nonEmptyString(record.id)) {
    throw unexpectedAnswer(what, value, 'no "id"');
  }
  const status = typeof record.status === 'string' ? record.status.toLowerCase() : undefined;
  // A status word this version does not know (one the service adds later) keeps the job, shown as it is and
  // treated as still running: refusing it would fail the whole list, every other job with it.
  if (status === undefined || !(batchStatuses.has(status) || unknownStatus.test(status))) {
    throw unexpectedAnswer(what, value, record.status === undefined ? 'no "status"' : `unknown status ${JSON.stringify(record.status).slice(0, 60)}`);
  }
  const normalized: Record<string, unknown> = { ...record, status };
  for (const [key, stamp] of Object.entries(record)) {
    if (key.endsWith('_at') && stamp !== null && stamp !== undefined) {
      const seconds = unixSeconds(stamp);
      if (seconds === undefined) {
        throw unexpectedAnswer(what, value, `"${key}" is not a time`);
      }
      normalized[key] = seconds;
    }
  }
  if (typeof normalized.created_at !== 'number') {
    throw unexpectedAnswer(what, value, 'no "created_at"');
  }
  const metadata = record.metadata;
  if (metadata !== undefined && metadata !== null && (typeof metadata !== 'object' || Array.isArray(metadata) || Object.values(metadata).some((v) => typeof v !== 'string'))) {
    throw unexpectedAnswer(what, value, '"metadata" is not a map of strings');
  }
  const counts = record.request_counts as Record<string, unknown> | null | undefined;
  if (counts !== undefined && counts !== null && (typeof counts !== 'object' || ['total', 'completed', 'failed'].some((key) => typeof counts[key] !== 'number'))) {
    throw unexpectedAnswer(what, value, '"request_counts" are not numbers');
  }
  for (const key of ['input_file_id', 'output_file_id', 'error_file_id']) {
    if (record[key] !== undefined && record[key] !== null && typeof record[key] !== 'string') {
      throw unexpectedAnswer(what, value, `"${key}" is not a string`);
    }
  }
  const errors = record.errors as { data?: unknown } | null | undefined;
  if (errors !== undefined && errors !== null && (typeof errors !== 'object' || (errors.data !== undefined && !Array.isArray(errors.data)))) {
    throw unexpectedAnswer(what, value, '"errors" is not a list');
  }
  return normalized as unknown as Batch;
}

/** A page of the batch list: `data` (each a batch), `has_more`, `last_id`. */
export function asBatchList(value: unknown): { data: Batch[]; hasMore: boolean; lastId: string | undefined } {
  const what = 'a list of batches';
  const record = objectOr(value, what);
  if (!Array.isArray(record.data)) {
    throw unexpectedAnswer(what, value, 'no "data" list');
  }
  if (record.has_more !== undefined && record.has_more !== null && typeof record.has_more !== 'boolean') {
    throw unexpectedAnswer(what, value, '"has_more" is not true or false');
  }
  const data = record.data.map((item) => asBatch(item));
  const lastId = typeof record.last_id === 'string' && record.last_id.length > 0 ? record.last_id : data[data.length - 1]?.id;
  return { data, hasMore: record.has_more === true, lastId };
}

/** A page of the file list: `data` (each a file), `has_more` (v1 only), `last_id`. */
export function asFileList(value: unknown): { data: FileObject[]; hasMore: boolean; lastId: string | undefined } {
  const what = 'a list of files';
  const record = objectOr(value, what);
  if (!Array.isArray(record.data)) {
    throw unexpectedAnswer(what, value, 'no "data" list');
  }
  const data = record.data.map((item) => asFileObject(item));
  const lastId = typeof record.last_id === 'string' && record.last_id.length > 0 ? record.last_id : data[data.length - 1]?.id;
  return { data, hasMore: record.has_more === true, lastId };
}

function objectOr(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw unexpectedAnswer(what, value);
  }
  return value as Record<string, unknown>;
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/** The largest time a JavaScript date can hold, in seconds either side of 1970: anything beyond cannot be shown. */
const maxDateSeconds = 8.64e12;

function unixSeconds(value: unknown): number | undefined {
  if (typeof value === 'number') {
    return Number.isFinite(value) && Math.abs(value) <= maxDateSeconds ? value : undefined;
  }
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
  }
  return undefined;
}

/** The first characters of an answer, on one line. */
function preview(value: unknown): string {
  let text: string;
  if (value === undefined) {
    text = 'an empty answer';
    return text;
  }
  if (typeof value === 'string') {
    text = value.trim() === '' ? '(an empty body)' : JSON.stringify(value.replace(/\s+/g, ' ').trim().slice(0, 80));
  } else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
    if (text.length > 80) {
      text = `${text.slice(0, 80)}...`;
    }
  }
  return text;
}
