import { operations, type Operation } from './faults';

/** Requests seen per operation (`other`: unknown paths, deployment-scoped paths). Admin calls are not counted. */
export type RequestStats = Record<Operation | 'other', number>;

/** Every count at 0. */
export function emptyStats(): RequestStats {
  const stats = { other: 0 } as RequestStats;
  operations.forEach((op) => (stats[op] = 0));
  return stats;
}
