/**
 * PPLNS ("pay per last N shares") split of a found block, pure. N is measured in share
 * difficulty: the window is the newest accepted shares whose difficulties add up to
 * `windowDifficulty` (the oldest share in the window counts partially, so the window is exact).
 * The split is returned as integer parts of PARTS_TOTAL that always add up exactly (largest
 * remainder), so a payout engine can multiply the real reward without rounding drift.
 */

export const PARTS_TOTAL = 1_000_000_000_000;

export interface PplnsShare {
  worker: string;
  difficulty: number;
}

export interface PplnsEntry {
  worker: string;
  /** Share difficulty of this worker inside the window. */
  difficulty: number;
  /** Integer parts of PARTS_TOTAL. */
  parts: number;
}

export interface PplnsSplit {
  /** Difficulty actually covered (less than asked when the ledger holds fewer shares). */
  windowDifficulty: number;
  shareCount: number;
  entries: PplnsEntry[];
}

/** Walks shares newest first until the window is full. */
export function pplnsSplit(sharesNewestFirst: Iterable<PplnsShare>, windowDifficulty: number): PplnsSplit {
  const byWorker = new Map<string, number>();
  let covered = 0;
  let count = 0;
  if (windowDifficulty > 0) {
    for (const s of sharesNewestFirst) {
      if (!(s.difficulty > 0)) continue;
      const take = Math.min(s.difficulty, windowDifficulty - covered);
      byWorker.set(s.worker, (byWorker.get(s.worker) ?? 0) + take);
      covered += take;
      count += 1;
      if (covered >= windowDifficulty) break;
    }
  }
  return { windowDifficulty: covered, shareCount: count, entries: splitParts(byWorker) };
}

/** Turns weights into integer parts of PARTS_TOTAL that add up exactly (largest remainder). */
export function splitParts(weights: Map<string, number>): PplnsEntry[] {
  const total = [...weights.values()].reduce((a, b) => a + b, 0);
  if (!(total > 0)) return [];
  const rows = [...weights.entries()].map(([worker, difficulty]) => {
    const exact = (difficulty / total) * PARTS_TOTAL;
    const parts = Math.floor(exact);
    return { worker, difficulty, parts, rest: exact - parts };
  });
  let missing = PARTS_TOTAL - rows.reduce((a, r) => a + r.parts, 0);
  // Largest remainders first; ties by name so the split is deterministic.
  const order = [...rows].sort((a, b) => b.rest - a.rest || (a.worker < b.worker ? -1 : 1));
  for (let i = 0; missing > 0; i = (i + 1) % order.length, missing--)
    (order[i] as (typeof rows)[0]).parts += 1;
  for (let i = order.length - 1; missing < 0; i = (i - 1 + order.length) % order.length) {
    const r = order[i] as (typeof rows)[0];
    if (r.parts > 0) {
      r.parts -= 1;
      missing += 1;
    }
  }
  return rows
    .map(({ worker, difficulty, parts }) => ({ worker, difficulty, parts }))
    .sort((a, b) => b.parts - a.parts || (a.worker < b.worker ? -1 : 1));
}
