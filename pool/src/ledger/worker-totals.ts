import type { ShareRecord } from './records.js';

/** One worker's part of a batch of shares: its row in `workers` grows by this much. */
export interface WorkerTotal {
  /** Shares. */
  n: number;
  /** Σ difficulty. */
  d: number;
  /** Earliest and latest share time, ms. */
  first: number;
  last: number;
}

/** Totals per worker, so a flush updates each worker's row once whatever its share count. */
export function workerTotals(shares: readonly ShareRecord[]): Map<string, WorkerTotal> {
  const totals = new Map<string, WorkerTotal>();
  for (const s of shares) {
    const t = totals.get(s.worker);
    if (t) {
      t.n += 1;
      t.d += s.difficulty;
      if (s.timeMs < t.first) t.first = s.timeMs;
      if (s.timeMs > t.last) t.last = s.timeMs;
    } else {
      totals.set(s.worker, { n: 1, d: s.difficulty, first: s.timeMs, last: s.timeMs });
    }
  }
  return totals;
}
