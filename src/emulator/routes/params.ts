import { badRequest } from '../errors';
import type { BatchRecord } from '../store';

/** `expires_after.seconds` of an upload, and `output_expires_after.seconds` of a create: 14 to 30 days. */
export const expiresAfterRange = { min: 1_209_600, max: 2_592_000 };

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads a JSON request body of at most `limit` bytes; a 400 when larger or not JSON. */
export async function readJson(source: AsyncIterable<Buffer>, limit = 1024 * 1024): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of source) {
    size += chunk.length;
    if (size > limit) {
      throw badRequest('The request body is too large.');
    }
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest('The request body is not valid JSON.');
  }
}

/** Batch `metadata`: up to 16 string pairs, keys up to 64 characters, values up to 512. */
export function checkMetadata(value: unknown): Record<string, string> | null {
  if (value === undefined || value === null) {
    return null;
  }
  if (!isObject(value)) {
    throw badRequest("Invalid type for 'metadata': expected an object of string key-value pairs.", 'metadata');
  }
  const entries = Object.entries(value);
  if (entries.length > 16) {
    throw badRequest("Invalid 'metadata': at most 16 key-value pairs are allowed.", 'metadata');
  }
  for (const [key, item] of entries) {
    if (typeof item !== 'string') {
      throw badRequest(`Invalid type for 'metadata.${key}': expected a string.`, `metadata.${key}`);
    }
    if (key.length > 64 || item.length > 512) {
      throw badRequest(`Invalid 'metadata.${key}': keys are at most 64 characters and values at most 512.`, `metadata.${key}`);
    }
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

/** `output_expires_after` of a create: anchor `created_at` and seconds in range; its seconds, or undefined. */
export function checkOutputExpiresAfter(value: unknown): number | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  const seconds = isObject(value) ? value.seconds : undefined;
  const anchor = isObject(value) ? (value.anchor ?? 'created_at') : undefined;
  if (anchor !== 'created_at' || typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < expiresAfterRange.min || seconds > expiresAfterRange.max) {
    throw badRequest(
      `Invalid 'output_expires_after': anchor must be 'created_at' and seconds between ${expiresAfterRange.min} and ${expiresAfterRange.max}.`,
      'output_expires_after',
    );
  }
  return seconds;
}

/**
 * `$filter` of the 2025-04-01-preview list: `created_at gt|ge|lt|le|eq N` and `status eq 'Completed'` clauses
 * joined with `and` (status compared case-insensitively, as the docs write `'Completed'`).
 */
export function batchFilter(filter: string): (batch: BatchRecord) => boolean {
  const tests: ((batch: BatchRecord) => boolean)[] = [];
  for (const clause of filter.split(/\s+and\s+/i)) {
    const time = /^\s*created_at\s+(gt|ge|lt|le|eq)\s+(\d+)\s*$/i.exec(clause);
    const status = /^\s*status\s+eq\s+'([a-z_]+)'\s*$/i.exec(clause);
    if (time) {
      const op = time[1]!.toLowerCase();
      const n = Number(time[2]);
      tests.push((b) => (op === 'gt' ? b.created_at > n : op === 'ge' ? b.created_at >= n : op === 'lt' ? b.created_at < n : op === 'le' ? b.created_at <= n : b.created_at === n));
    } else if (status) {
      const wanted = status[1]!.toLowerCase();
      tests.push((b) => b.status === wanted);
    } else {
      throw badRequest(`Invalid value for '$filter': ${JSON.stringify(filter)}.`, '$filter');
    }
  }
  return (batch) => tests.every((test) => test(batch));
}

/** `$orderby` of the batch list: `created_at`, `created_at asc` or `created_at desc` (the default); true for ascending. */
export function ascendingOrder(raw: string | null): boolean {
  const orderBy = (raw ?? 'created_at desc').trim().toLowerCase();
  if (!/^created_at(\s+(asc|desc))?$/.test(orderBy)) {
    throw badRequest(`Invalid value for '$orderby': ${JSON.stringify(raw)}.`, '$orderby');
  }
  return orderBy.endsWith('asc');
}
