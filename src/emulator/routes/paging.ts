import { badRequest } from '../errors';

/** The `limit` query parameter: `fallback` when absent, else an integer in 1..`max` (a 400 otherwise). */
export function pageLimit(raw: string | null, fallback: number, max: number): number {
  if (raw === null) {
    return fallback;
  }
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw badRequest(`Invalid value for 'limit': ${JSON.stringify(raw)}. It must be an integer between 1 and ${max}.`, 'limit');
  }
  return value;
}

/** How a list is cut into pages: the default and the largest `limit`. */
export interface PageSize {
  readonly fallback: number;
  readonly max: number;
}

/**
 * One page of a sorted list, cursor-paged as the service does: the items after the one whose id is `after`
 * (none when that id is unknown), at most `limit` of them, with `first_id`, `last_id` and `has_more`.
 */
export function listPage<T extends { readonly id: string }>(
  list: readonly T[],
  params: URLSearchParams,
  size: PageSize,
  view: (item: T) => unknown,
): { object: 'list'; data: unknown[]; first_id: string | null; last_id: string | null; has_more: boolean } {
  let rest = list;
  const after = params.get('after');
  if (after !== null) {
    const at = rest.findIndex((item) => item.id === after);
    rest = at < 0 ? [] : rest.slice(at + 1);
  }
  const limit = pageLimit(params.get('limit'), size.fallback, size.max);
  const page = rest.slice(0, limit);
  return {
    object: 'list',
    data: page.map((item) => view(item)),
    first_id: page[0]?.id ?? null,
    last_id: page[page.length - 1]?.id ?? null,
    has_more: rest.length > page.length,
  };
}
