import { seededRandom } from './random';

/** The data-plane operations the emulator serves; faults and request counts use these names. */
export const operations = ['upload', 'listFiles', 'getFile', 'deleteFile', 'content', 'create', 'listBatches', 'getBatch', 'cancel'] as const;
export type Operation = (typeof operations)[number];

/** An operation, or a group: `get` (getFile, getBatch), `list`, `delete`, `files`, `batches`, `*` (all). */
export type OperationMatcher = Operation | 'get' | 'list' | 'delete' | 'files' | 'batches' | '*';

const groups: Readonly<Record<Exclude<OperationMatcher, Operation>, readonly Operation[]>> = {
  get: ['getFile', 'getBatch'],
  list: ['listFiles', 'listBatches'],
  delete: ['deleteFile'],
  files: ['upload', 'listFiles', 'getFile', 'deleteFile', 'content'],
  batches: ['create', 'listBatches', 'getBatch', 'cancel'],
  '*': operations,
};

/**
 * - `status`: answer `status` (default 500) with an Azure-style error; a 429 carries `Retry-After`.
 * - `delay`: wait `delayMs` before handling the request (combines with the others).
 * - `dropUpload`: destroy the connection after `afterBytes` bytes of the request body were received; nothing is created.
 * - `dropDownload`: send the headers and `afterBytes` bytes of the response body, then destroy the connection.
 * - `dropResponse`: execute the request (a create does create the batch), then destroy the connection without answering.
 * - `executeLate`: read the whole request, wait `delayMs`, then execute it even if the client has given up
 *   meanwhile (a create that the service finishes after the client's timeout), and answer if still connected.
 *
 * A `status` rule with `executeAfterMs` answers at once and executes the request that long afterwards
 * anyway: a gateway's 504 whose backend completes later. On a create, `newerJobs` buries the job under that
 * many newer jobs (copies of the request without its metadata) before anyone can look for it.
 */
export type FaultKind = 'status' | 'delay' | 'dropUpload' | 'dropDownload' | 'dropResponse' | 'executeLate';

export interface FaultRule {
  readonly kind: FaultKind;
  /** Which operations it applies to (default all). */
  readonly operation?: OperationMatcher | readonly OperationMatcher[];
  /** Only requests with this HTTP method (any when unset). */
  readonly method?: string;
  /** For `status`: the HTTP status, e.g. 429, 500, 503. Default 500. */
  readonly status?: number;
  /** For a 429: the `Retry-After` value in seconds. Default 1. */
  readonly retryAfterSeconds?: number;
  /** For `delay` and `executeLate`: milliseconds. Default 1000. */
  readonly delayMs?: number;
  /** For `status`: also execute the request this many milliseconds after answering (a 504 that completes later). */
  readonly executeAfterMs?: number;
  /** For a `create` hit by this rule (that executes it): then create this many newer jobs from the same request. */
  readonly newerJobs?: number;
  /** For `dropUpload` / `dropDownload`: bytes let through before the connection is destroyed. Default 0. */
  readonly afterBytes?: number;
  /**
   * How many matching requests it hits. Default: 1 for a scripted rule (no `rate`), unlimited with a `rate`.
   * "The next 2 POST /batches get 500" is `{kind:'status', status:500, operation:'create', times:2}`.
   */
  readonly times?: number;
  /** Let this many matching requests through before the rule starts hitting. Default 0. */
  readonly skip?: number;
  /** Hit each matching request with this probability (0..1), drawn from the emulator's seed. */
  readonly rate?: number;
}

export interface FaultInfo {
  readonly id: string;
  readonly rule: FaultRule;
  /** Matching requests seen. */
  readonly matched: number;
  /** Times it hit. */
  readonly fired: number;
  /** Hits left; undefined when unlimited. */
  readonly remaining: number | undefined;
}

/** What the server does to one request. */
export interface FaultDecision {
  readonly delayMs: number;
  readonly status?: { readonly status: number; readonly retryAfterSeconds: number };
  readonly dropUploadAfter?: number;
  readonly dropDownloadAfter?: number;
  readonly dropResponse: boolean;
  /** Execute the request after this many ms, whether or not the client still waits (`executeLate`). */
  readonly executeLateMs?: number;
  /** With `status`: execute the request this many ms after the error was sent. */
  readonly executeAfterMs?: number;
  /** Newer jobs to create after a create this decision executes. */
  readonly newerJobs?: number;
}

interface Active {
  id: string;
  rule: FaultRule;
  operations: ReadonlySet<Operation>;
  matched: number;
  fired: number;
  remaining: number | undefined;
}

const kinds: ReadonlySet<string> = new Set(['status', 'delay', 'dropUpload', 'dropDownload', 'dropResponse', 'executeLate']);

function checkRule(rule: FaultRule): ReadonlySet<Operation> {
  if (typeof rule !== 'object' || rule === null || !kinds.has(rule.kind)) {
    throw new Error(`a fault rule needs a kind: one of ${[...kinds].join(', ')}`);
  }
  const count = (name: string, value: unknown, integer = true) => {
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (integer && !Number.isInteger(value)))) {
      throw new Error(`fault rule: ${name} must be a non-negative ${integer ? 'integer' : 'number'}`);
    }
  };
  count('times', rule.times);
  count('skip', rule.skip);
  count('afterBytes', rule.afterBytes);
  count('delayMs', rule.delayMs, false);
  count('executeAfterMs', rule.executeAfterMs, false);
  count('newerJobs', rule.newerJobs);
  if (rule.newerJobs !== undefined && rule.newerJobs > 10_000) {
    throw new Error('fault rule: newerJobs must be at most 10000');
  }
  count('retryAfterSeconds', rule.retryAfterSeconds, false);
  count('rate', rule.rate, false);
  if (rule.rate !== undefined && rule.rate > 1) {
    throw new Error('fault rule: rate must be between 0 and 1');
  }
  if (rule.status !== undefined && (!Number.isInteger(rule.status) || rule.status < 400 || rule.status > 599)) {
    throw new Error('fault rule: status must be an HTTP error status (400..599)');
  }
  if (rule.method !== undefined && typeof rule.method !== 'string') {
    throw new Error('fault rule: method must be a string');
  }
  const matchers = rule.operation === undefined ? ['*'] : Array.isArray(rule.operation) ? rule.operation : [rule.operation];
  const result = new Set<Operation>();
  for (const matcher of matchers as readonly string[]) {
    if ((operations as readonly string[]).includes(matcher)) {
      result.add(matcher as Operation);
    } else if (matcher in groups) {
      groups[matcher as keyof typeof groups].forEach((op) => result.add(op));
    } else {
      throw new Error(`fault rule: unknown operation "${matcher}"; use one of ${[...operations, ...Object.keys(groups)].join(', ')}`);
    }
  }
  return result;
}

/**
 * Fault injection for reliability tests. Rules are checked in the order they were added; delays add up and the
 * first other rule that hits decides what happens to the request. Available as `emulator.faults` and through
 * `POST/GET/DELETE /_emulator/faults`.
 */
export class FaultController {
  private readonly rules: Active[] = [];
  private readonly random: () => number;
  private nextId = 1;

  constructor(seed: number, initial: readonly FaultRule[] = []) {
    this.random = seededRandom(seed ^ 0x5eed);
    initial.forEach((rule) => this.add(rule));
  }

  /** Adds a rule; returns its id. Throws on an invalid rule. */
  add(rule: FaultRule): string {
    const ops = checkRule(rule);
    const id = `fault-${this.nextId++}`;
    const remaining = rule.times ?? (rule.rate === undefined ? 1 : undefined);
    this.rules.push({ id, rule: { ...rule }, operations: ops, matched: 0, fired: 0, remaining });
    return id;
  }

  /** Adds several rules, all or none: throws (adding nothing) if any is invalid. */
  addAll(rules: readonly FaultRule[]): string[] {
    rules.forEach(checkRule);
    return rules.map((rule) => this.add(rule));
  }

  remove(id: string): boolean {
    const index = this.rules.findIndex((r) => r.id === id);
    if (index >= 0) {
      this.rules.splice(index, 1);
    }
    return index >= 0;
  }

  clear(): void {
    this.rules.length = 0;
  }

  list(): FaultInfo[] {
    return this.rules.map((r) => ({ id: r.id, rule: { ...r.rule }, matched: r.matched, fired: r.fired, remaining: r.remaining }));
  }

  /** Decides the faults of one request (and counts it against the rules). */
  decide(operation: Operation, method: string): FaultDecision {
    let delayMs = 0;
    let terminal: Active | undefined;
    for (const active of this.rules) {
      const { rule } = active;
      if (!active.operations.has(operation) || (rule.method !== undefined && rule.method.toUpperCase() !== method.toUpperCase())) {
        continue;
      }
      if (rule.kind !== 'delay' && terminal !== undefined) {
        continue;
      }
      active.matched++;
      if (active.matched <= (rule.skip ?? 0) || active.remaining === 0) {
        continue;
      }
      if (rule.rate !== undefined && !(this.random() < rule.rate)) {
        continue;
      }
      active.fired++;
      if (active.remaining !== undefined) {
        active.remaining--;
      }
      if (rule.kind === 'delay') {
        delayMs += rule.delayMs ?? 1000;
      } else {
        terminal = active;
      }
    }
    const rule = terminal?.rule;
    return {
      delayMs,
      status: rule?.kind === 'status' ? { status: rule.status ?? 500, retryAfterSeconds: rule.retryAfterSeconds ?? 1 } : undefined,
      dropUploadAfter: rule?.kind === 'dropUpload' ? (rule.afterBytes ?? 0) : undefined,
      dropDownloadAfter: rule?.kind === 'dropDownload' ? (rule.afterBytes ?? 0) : undefined,
      dropResponse: rule?.kind === 'dropResponse',
      executeLateMs: rule?.kind === 'executeLate' ? (rule.delayMs ?? 1000) : undefined,
      executeAfterMs: rule?.kind === 'status' ? rule.executeAfterMs : undefined,
      newerJobs: rule !== undefined && rule.kind !== 'delay' ? rule.newerJobs : undefined,
    };
  }
}
