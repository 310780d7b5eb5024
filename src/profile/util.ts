// Small helpers shared by the profile linter, generator and explainer: macOS version order and
// did-you-mean suggestions.

/** Compares dotted macOS versions ('14', '15.4', '26.2'); missing parts count as 0. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((n) => Number.parseInt(n, 10) || 0);
  const pb = b.split('.').map((n) => Number.parseInt(n, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

/** Accepts '14', '15.4', '26', 'macos15', 'macOS 15'; returns the dotted number or null. */
export function normaliseMacOS(v: string): string | null {
  const m = /^\s*(?:mac\s*os\s*)?(\d{2})(?:\.(\d{1,2}))?(?:\.\d+)?\s*$/i.exec(v);
  if (!m) return null;
  const major = Number(m[1]);
  // Apple jumped from 15 to 26; 16-25 never existed.
  if (major < 10 || (major > 15 && major < 26) || major > 30) return null;
  return m[2] ? `${major}.${Number(m[2])}` : `${major}`;
}

export function levenshtein(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

/** The closest candidate, compared case-insensitively, if it is close enough to be a likely typo. */
export function didYouMean(input: string, candidates: Iterable<string>): string | undefined {
  const low = input.toLowerCase();
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    const cl = c.toLowerCase();
    if (cl === low) return c;
    let score = levenshtein(low, cl);
    // A truncated or extended name ("UserSecureEnclave", "LoginFrequencySeconds") is a likely typo.
    const short = Math.min(low.length, cl.length);
    if (short >= 4 && short * 10 >= Math.max(low.length, cl.length) * 6 && (cl.startsWith(low) || low.startsWith(cl))) score = Math.min(score, 1.5);
    if (score < bestScore) { bestScore = score; best = c; }
  }
  const limit = Math.max(2, Math.floor(low.length / 3));
  return bestScore <= limit ? best : undefined;
}
