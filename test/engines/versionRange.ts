// A small reader of npm `engines` ranges, enough for the forms our dependencies use, so the engines checks
// need no semver dependency of their own. Anything it does not know throws: a new form fails the check
// loudly instead of passing unchecked.

/** A release version: major, minor, patch. */
export type Version = readonly [number, number, number];

/** `22.15.1`, `v24.0.0`, `20` or `14.16` (missing parts are 0); a prerelease or build suffix is refused. */
export function parseVersion(text: string): Version {
  const match = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(text.trim());
  if (!match) {
    throw new Error(`not a release version: "${text}"`);
  }
  return [Number(match[1]), Number(match[2] ?? 0), Number(match[3] ?? 0)];
}

/** Negative, zero or positive as `a` is lower than, equal to or higher than `b`. */
export function compareVersions(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** A half-open interval of versions, `[low, high)`; `high` undefined for no upper bound. */
interface Interval {
  readonly low: Version;
  readonly high?: Version;
}

/**
 * Whether `version` satisfies an npm range made of `||`-joined sets (any may hold) of space-joined
 * comparators (all must hold): `>=X.Y.Z`, `>= X`, `>X`, `<X`, `<=X`, `=X`, a bare `X`, `X.Y` or `X.Y.Z`,
 * `^X.Y.Z`, `~X.Y.Z` (each with one to three parts) and `*`. Throws on any other form.
 */
export function satisfies(version: string, range: string): boolean {
  const v = parseVersion(version);
  return range.split('||').some((set) => comparatorsOf(set).every((interval) => contains(interval, v)));
}

/** The lowest version a range admits (for ranges whose sets all start from a lower bound). */
export function lowestAdmitted(range: string): Version {
  const lows = range.split('||').map((set) => comparatorsOf(set).reduce<Version>((low, interval) => (compareVersions(interval.low, low) > 0 ? interval.low : low), [0, 0, 0]));
  return lows.reduce((a, b) => (compareVersions(a, b) <= 0 ? a : b));
}

function contains(interval: Interval, v: Version): boolean {
  return compareVersions(v, interval.low) >= 0 && (interval.high === undefined || compareVersions(v, interval.high) < 0);
}

function comparatorsOf(set: string): Interval[] {
  // `>= 14` is `>=14`: an operator may be followed by spaces.
  const tokens = set.trim().replace(/(>=|<=|>|<|=|\^|~)\s+/g, '$1').split(/\s+/).filter(Boolean);
  if (tokens.length === 0) {
    throw new Error(`empty comparator set in "${set}"`);
  }
  return tokens.map(intervalOf);
}

function intervalOf(token: string): Interval {
  if (token === '*' || token === 'x') {
    return { low: [0, 0, 0] };
  }
  const match = /^(>=|<=|>|<|=|\^|~)?v?(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(token);
  if (!match) {
    throw new Error(`unsupported range comparator "${token}"`);
  }
  const operator = match[1] ?? '=';
  const parts = [match[2], match[3], match[4]].filter((part): part is string => part !== undefined).map(Number);
  const low: Version = [parts[0]!, parts[1] ?? 0, parts[2] ?? 0];
  // The first version past every version the (possibly partial) one names: 14 -> 15.0.0, 14.16 -> 14.17.0.
  const pastPrefix: Version = parts.length === 1 ? [low[0] + 1, 0, 0] : parts.length === 2 ? [low[0], low[1] + 1, 0] : [low[0], low[1], low[2] + 1];
  switch (operator) {
    case '>=':
      return { low };
    case '>':
      return { low: pastPrefix };
    case '<':
      return { low: [0, 0, 0], high: low };
    case '<=':
      return { low: [0, 0, 0], high: pastPrefix };
    case '=':
      return { low, high: pastPrefix };
    case '^': {
      // Up to the next change of the first non-zero part given: ^1.2.3 < 2.0.0, ^0.2.3 < 0.3.0, ^0.0.3 < 0.0.4.
      const high: Version = low[0] > 0 || parts.length === 1 ? [low[0] + 1, 0, 0] : low[1] > 0 || parts.length === 2 ? [0, low[1] + 1, 0] : [0, 0, low[2] + 1];
      return { low, high };
    }
    case '~':
      return { low, high: parts.length === 1 ? [low[0] + 1, 0, 0] : [low[0], low[1] + 1, 0] };
    default:
      throw new Error(`unsupported operator in "${token}"`);
  }
}
