/**
 * Rolling hashrate per worker, in memory: accepted share difficulty summed into one-minute
 * buckets over the last hour. The API reads it instead of scanning the ledger's share rows
 * (which at tens of thousands of shares per second would block the event loop). Workers with
 * no share for an hour are forgotten, so memory follows the active workers.
 */

const BUCKET_MS = 60_000;
const BUCKETS = 60;

interface WorkerBuckets {
  sums: Float64Array;
  /** Minute index each slot holds. */
  minutes: Float64Array;
  lastMs: number;
}

export class HashrateTracker {
  private readonly workers = new Map<string, WorkerBuckets>();

  /** `startMs`: when tracking began (windows never count time before it). */
  constructor(private readonly startMs = Date.now()) {}

  record(worker: string, difficulty: number, nowMs: number): void {
    let w = this.workers.get(worker);
    if (!w) {
      w = { sums: new Float64Array(BUCKETS), minutes: new Float64Array(BUCKETS).fill(-1), lastMs: nowMs };
      this.workers.set(worker, w);
    }
    const minute = Math.floor(nowMs / BUCKET_MS);
    const slot = minute % BUCKETS;
    if (w.minutes[slot] !== minute) {
      w.minutes[slot] = minute;
      w.sums[slot] = 0;
    }
    w.sums[slot] = w.sums[slot] + difficulty;
    if (nowMs > w.lastMs) w.lastMs = nowMs;
  }

  /**
   * Hashrate (H/s) of a worker (or of all workers) over the last `windowMs` (≤ 1 h), counting
   * whole minutes: the current partial minute plus the full minutes before it.
   */
  rate(worker: string | null, windowMs: number, nowMs: number): number {
    const minutes = Math.max(1, Math.min(BUCKETS, Math.round(windowMs / BUCKET_MS)));
    const current = Math.floor(nowMs / BUCKET_MS);
    const oldest = current - minutes + 1;
    // Elapsed time covered: the full minutes plus the part of the current one.
    const covered = (minutes - 1) * BUCKET_MS + (nowMs - current * BUCKET_MS);
    const seconds = Math.min(covered, nowMs - this.startMs) / 1000;
    let sum = 0;
    const add = (w: WorkerBuckets) => {
      for (let i = 0; i < BUCKETS; i++) {
        const m = w.minutes[i];
        if (m >= oldest && m <= current) sum += w.sums[i];
      }
    };
    if (worker === null) for (const w of this.workers.values()) add(w);
    else {
      const w = this.workers.get(worker);
      if (w) add(w);
    }
    return seconds > 0 ? sum / seconds : 0;
  }

  /** Workers with a share in the last hour. */
  activeWorkers(): string[] {
    return [...this.workers.keys()];
  }

  /** Forgets workers idle for more than an hour. */
  sweep(nowMs: number): void {
    for (const [name, w] of this.workers)
      if (nowMs - w.lastMs > BUCKETS * BUCKET_MS) this.workers.delete(name);
  }

  get size(): number {
    return this.workers.size;
  }
}
