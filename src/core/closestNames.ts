// "Did you mean" for names typed by hand (deployment names in `body.model`): an edit distance that gives up
// early, so a long typo against a long list stays cheap.

/** Longest name compared: longer ones are cut here (names in practice are at most 64 characters). */
const maxCompared = 128;

/**
 * The Levenshtein distance between `a` and `b`, ignoring case, or `limit + 1` as soon as it must exceed
 * `limit` (a row of the table whose smallest entry is over the limit ends the walk). O(|a|·|b|) at worst.
 */
export function boundedDistance(a: string, b: string, limit: number): number {
  const s = a.slice(0, maxCompared).toLowerCase();
  const t = b.slice(0, maxCompared).toLowerCase();
  if (Math.abs(s.length - t.length) > limit) {
    return limit + 1;
  }
  let previous = new Array<number>(t.length + 1);
  let current = new Array<number>(t.length + 1);
  for (let j = 0; j <= t.length; j++) {
    previous[j] = j;
  }
  for (let i = 1; i <= s.length; i++) {
    current[0] = i;
    let rowMin = i;
    for (let j = 1; j <= t.length; j++) {
      const cost = s.charCodeAt(i - 1) === t.charCodeAt(j - 1) ? 0 : 1;
      const value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      current[j] = value;
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin > limit) {
      return limit + 1;
    }
    [previous, current] = [current, previous];
  }
  return Math.min(previous[t.length]!, limit + 1);
}

/**
 * Up to `max` of `candidates` close to `name`, closest first (ties in the candidates' order): those within an
 * edit distance of a third of the name's length (at least 2), ignoring case, and those that contain the name
 * or are contained in it. The name itself is left out.
 */
export function closestNames(name: string, candidates: readonly string[], max = 3): string[] {
  // Only the first maxCompared characters count (as in boundedDistance), so a huge name costs no more than a long one.
  const probe = name.slice(0, maxCompared);
  const limit = Math.max(2, Math.floor(probe.length / 3));
  const lower = probe.toLowerCase();
  const scored: { readonly name: string; readonly score: number; readonly order: number }[] = [];
  candidates.forEach((candidate, order) => {
    if (candidate === name) {
      return;
    }
    const other = candidate.slice(0, maxCompared).toLowerCase();
    let score = boundedDistance(probe, candidate, limit);
    if (score > limit && lower.length >= 3 && (other.includes(lower) || lower.includes(other))) {
      score = limit;
    }
    if (score <= limit) {
      scored.push({ name: candidate, score, order });
    }
  });
  scored.sort((x, y) => x.score - y.score || x.order - y.order);
  return [...new Set(scored.map((s) => s.name))].slice(0, max);
}
