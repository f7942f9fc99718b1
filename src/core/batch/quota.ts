import { isTerminal } from './status';

/** A job as the quota sees it. */
export interface QuotaJob {
  /** The deployment it runs on (the file's `model`, or the one chosen at submit). */
  readonly deployment?: string;
  /** Its status on the service (undefined while its create has not answered: it counts). */
  readonly status?: string;
  /** Its estimated enqueued tokens (input plus output bound), from the estimate made at submit. */
  readonly tokens?: number;
  /**
   * The `deployment-enqueued-tokens` and `deployment-maximum-enqueued-tokens` headers of its create (API versions
   * from 2025-04-01-preview on), with when they were read (ms since the epoch).
   */
  readonly enqueued?: { readonly tokens: number; readonly max?: number; readonly at: number };
}

/** A deployment's enqueued tokens against its quota. */
export interface QuotaUse {
  readonly deployment: string;
  /** Tokens enqueued on it (an estimate). */
  readonly used: number;
  /** Its quota, when known. */
  readonly limit?: number;
  /** `limit - used` (never below 0), when the limit is known. */
  readonly left?: number;
  /** Where `used` comes from: the service's create header, or the estimates of the active jobs submitted from here. */
  readonly source: 'service' | 'estimates';
  /** Active jobs on it. */
  readonly activeJobs: number;
}

/**
 * Enqueued-token use of a deployment: the sum of the estimates of its non-terminal jobs, or, when a still active job's
 * create answered with the `deployment-enqueued-tokens` header (which counts jobs created elsewhere too), the newest
 * such header plus the estimates of the active jobs created after it, whichever is larger. The limit is the one given
 * (a setting), else the newest `deployment-maximum-enqueued-tokens` header.
 */
export function quotaUse(deployment: string, givenJobs: readonly QuotaJob[], limit?: number): QuotaUse {
  // A count that is not a finite number of tokens (NaN from a broken estimate, a header that did not parse) counts as none.
  const jobs = givenJobs.map(sane);
  const active = jobs.filter((job) => job.deployment === deployment && (job.status === undefined || !isTerminal(job.status)));
  const estimated = active.reduce((sum, job) => sum + (job.tokens ?? 0), 0);
  let newest: QuotaJob['enqueued'];
  for (const job of active) {
    if (job.enqueued && (!newest || job.enqueued.at > newest.at)) {
      newest = job.enqueued;
    }
  }
  let maxFromService: number | undefined;
  let maxAt = -Infinity;
  for (const job of jobs) {
    if (job.deployment === deployment && job.enqueued?.max !== undefined && job.enqueued.at > maxAt) {
      maxFromService = job.enqueued.max;
      maxAt = job.enqueued.at;
    }
  }
  const header = newest;
  const sinceHeader = header ? active.filter((job) => job.enqueued === undefined || job.enqueued.at > header.at).reduce((sum, job) => sum + (job.tokens ?? 0), 0) : 0;
  const fromService = header ? header.tokens + sinceHeader : undefined;
  const useService = fromService !== undefined && fromService >= estimated;
  const used = useService ? fromService : estimated;
  const effectiveLimit = limit !== undefined && Number.isFinite(limit) && limit > 0 ? limit : maxFromService;
  return {
    deployment,
    used,
    limit: effectiveLimit,
    left: effectiveLimit === undefined ? undefined : Math.max(0, effectiveLimit - used),
    source: useService ? 'service' : 'estimates',
    activeJobs: active.length,
  };
}

const finiteOrUndefined = (n: number | undefined): number | undefined => (n !== undefined && Number.isFinite(n) && n >= 0 ? n : undefined);

function sane(job: QuotaJob): QuotaJob {
  const tokens = finiteOrUndefined(job.tokens);
  const enqueuedTokens = finiteOrUndefined(job.enqueued?.tokens);
  const enqueued = job.enqueued && enqueuedTokens !== undefined && Number.isFinite(job.enqueued.at) ? { tokens: enqueuedTokens, max: finiteOrUndefined(job.enqueued.max) || undefined, at: job.enqueued.at } : undefined;
  return { ...job, tokens, enqueued };
}

/** Whether a file of `tokens` fits what is left of the quota (always when the limit is unknown). */
export function fitsQuota(use: QuotaUse, tokens: number): boolean {
  return use.left === undefined || tokens <= use.left;
}

/** A token count in short form: 950, 12.5K, 3.2M, 1.5B. */
export function shortTokens(tokens: number): string {
  const units: [number, string][] = [
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'K'],
  ];
  for (const [size, unit] of units) {
    if (Math.abs(tokens) >= size) {
      const value = tokens / size;
      return `${value >= 100 ? Math.round(value) : Number(value.toFixed(1))}${unit}`;
    }
  }
  return String(Math.round(tokens));
}

/** How much of the quota is used, in whole percent (undefined without a limit; 100 for a limit of 0). */
export function quotaPercent(use: QuotaUse): number | undefined {
  if (use.limit === undefined) {
    return undefined;
  }
  return use.limit > 0 ? Math.round((use.used / use.limit) * 100) : 100;
}
