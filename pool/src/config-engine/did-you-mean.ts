/**
 * The closest known name to a typo, for "did you mean" hints: a small edit away, or a longer
 * name it starts (`targetShareInterval` → `targetShareIntervalSeconds`); undefined when none is close.
 */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  const all = [...candidates];
  const lower = name.toLowerCase();
  const longer = all.find((c) => lower.length >= 4 && c.toLowerCase().startsWith(lower));
  if (longer) return longer;
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const c of all) {
    const d = editDistance(name.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}

/** Levenshtein distance, one row at a time. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j] as number;
      row[j] = Math.min(tmp + 1, (row[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length] as number;
}
