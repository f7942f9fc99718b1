import { BatchServiceError } from './errors';
import { V1_API_VERSION } from './connection';

/** `expires_after.seconds` (uploads) and `output_expires_after.seconds` (creates) Azure accepts: 14 to 30 days. */
export const EXPIRY_DAYS = { min: 14, max: 30, default: 14 } as const;

const daySeconds = 86_400;

/**
 * The expiry to set, in seconds, from a number of days: undefined when off (0, null, undefined, not a number);
 * otherwise clamped to the 14–30 days Azure accepts (a wish of 7 days becomes 14; 90 becomes 30).
 */
export function expirySeconds(days: number | null | undefined): number | undefined {
  if (days === null || days === undefined || !Number.isFinite(days) || days <= 0) {
    return undefined;
  }
  const clamped = Math.min(EXPIRY_DAYS.max, Math.max(EXPIRY_DAYS.min, Math.round(days)));
  return clamped * daySeconds;
}

/**
 * Whether an API version takes `expires_after` on uploads and `output_expires_after` on creates: `2025-04-01-preview`
 * and later dated versions, and v1. `2024-10-21` (GA) and older previews do not know the fields.
 */
export function supportsExpiry(apiVersion: string): boolean {
  if (apiVersion === V1_API_VERSION) {
    return true;
  }
  const match = /^(\d{4}-\d{2}-\d{2})/.exec(apiVersion);
  return match !== null && match[1] >= '2025-04-01';
}

/**
 * A 400 that refuses the named field (its message or code names it): the service does not take it, though the
 * API version says it should, so the request is sent once more without it.
 */
export function refusesField(error: unknown, field: string): boolean {
  if (!(error instanceof BatchServiceError) || error.status !== 400) {
    return false;
  }
  // The field as a name of its own: `expires_after` is not named by a message about `output_expires_after`.
  const escaped = field.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|\\W)${escaped}(?![\\w])`).test(`${error.code ?? ''} ${error.message}`);
}
