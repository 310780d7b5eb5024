// Suggests the known key nearest to a mistyped one ("databse" → "database") for configuration errors.

/**
 * Optimal string alignment distance (Levenshtein plus adjacent transpositions, so `prot` is one
 * edit from `port`). Written by hand: a dozen lines over keys of a few characters do not justify a
 * dependency.
 */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The closest candidate, compared case-insensitively, if it is close enough to be what was meant:
 * at most a third of the key's length in edits (at least 1, at most 3), so `port` is not offered
 * for `level`.
 */
export function nearestKey(key: string, candidates: readonly string[]): string | undefined {
  let best: { name: string; dist: number } | undefined;
  for (const c of candidates) {
    const dist = editDistance(key.toLowerCase(), c.toLowerCase());
    if (!best || dist < best.dist) best = { name: c, dist };
  }
  const allowed = Math.min(3, Math.max(1, Math.floor(key.length / 3)));
  return best && best.dist <= allowed ? best.name : undefined;
}
