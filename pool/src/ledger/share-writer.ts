import type Database from 'better-sqlite3';
import type { ShareRecord } from './records.js';
import { workerTotals } from './worker-totals.js';

/**
 * The SQLite ledger's hot path, apart from its block and payout bookkeeping: accepted shares
 * queue in memory and go to disk in batched transactions (multi-row inserts, one worker upsert
 * per name), so the ledger writes hundreds of thousands of shares a second and never bounds
 * the pool. A failed batch stays queued, in order, for the next flush.
 */

/** Rows per multi-row INSERT: far fewer VM round trips than row by row. */
const SHARE_CHUNK = 64;
/** Shares per transaction on the timer's flush (a few milliseconds of work). */
const FLUSH_CHUNK = 2_000;

export interface ShareWriterOptions {
  /** Flush interval; 0 disables the timer (the caller flushes). */
  flushIntervalMs?: number;
  /** Called after each non-empty flush with its duration, for the metric. */
  onFlush?: (seconds: number, shares: number) => void;
  /** Called when a timer flush fails (disk full…); the batch stays queued and is retried. */
  onError?: (err: unknown) => void;
}

interface RejectedCount {
  count: number;
  atMs: number;
}

type Batch = (shares: ShareRecord[], rejected: Map<string, RejectedCount>) => void;

export class SqliteShareWriter {
  private queue: ShareRecord[] = [];
  private rejected = new Map<string, RejectedCount>();
  private readonly timer: NodeJS.Timeout | null = null;
  private closed = false;
  private flushing = false;
  private readonly writeBatch: Batch;

  constructor(
    db: Database.Database,
    private readonly opts: ShareWriterOptions = {},
  ) {
    this.writeBatch = batchTransaction(db);
    const interval = opts.flushIntervalMs ?? 1000;
    if (interval > 0) {
      this.timer = setInterval(() => void this.flushInChunks(), interval);
      this.timer.unref();
    }
  }

  get queued(): number {
    return this.queue.length;
  }

  recordShare(share: ShareRecord): void {
    this.queue.push(share);
  }

  recordRejected(worker: string, atMs: number): void {
    const r = this.rejected.get(worker);
    if (r) r.count += 1;
    else this.rejected.set(worker, { count: 1, atMs });
  }

  /** Writes queued shares in one transaction. Throws on a database error (batch kept). */
  flush(): number {
    if (this.queue.length === 0 && this.rejected.size === 0) return 0;
    const shares = this.queue;
    const rejected = this.rejected;
    const t0 = performance.now();
    this.writeBatch(shares, rejected);
    this.queue = [];
    this.rejected = new Map();
    if (shares.length > 0) this.opts.onFlush?.((performance.now() - t0) / 1000, shares.length);
    return shares.length;
  }

  /** Stops the timer and writes what is queued (the caller closes the file). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.flush();
  }

  /**
   * The timer's flush: one transaction per FLUSH_CHUNK shares, yielding to the event loop in
   * between, so a large batch never stalls share processing for long. Each committed chunk is
   * durable; what a crash can lose is still bounded by the interval.
   */
  private async flushInChunks(): Promise<void> {
    if (this.flushing || this.closed) return;
    this.flushing = true;
    try {
      while (!this.closed && (this.queue.length > 0 || this.rejected.size > 0)) {
        const chunk = this.queue.length > FLUSH_CHUNK ? this.queue.splice(0, FLUSH_CHUNK) : this.queue;
        if (chunk === this.queue) this.queue = [];
        const rejected = this.rejected;
        this.rejected = new Map();
        const t0 = performance.now();
        try {
          this.writeBatch(chunk, rejected);
        } catch (err) {
          // Keep the batch (in order) for the next attempt.
          this.queue = chunk.concat(this.queue);
          for (const [w, r] of rejected) this.requeueRejected(w, r);
          this.opts.onError?.(err);
          return;
        }
        if (chunk.length > 0) this.opts.onFlush?.((performance.now() - t0) / 1000, chunk.length);
        if (this.queue.length === 0) return;
        await new Promise((r) => setImmediate(r));
      }
    } finally {
      this.flushing = false;
    }
  }

  private requeueRejected(worker: string, r: RejectedCount): void {
    const cur = this.rejected.get(worker);
    if (cur) cur.count += r.count;
    else this.rejected.set(worker, { ...r });
  }
}

/** One transaction: the shares' rows, each worker's totals, the rejected counts. */
function batchTransaction(db: Database.Database): Batch {
  const insertShare = db.prepare(
    'INSERT INTO shares(worker, difficulty, time_ms, height) VALUES (?, ?, ?, ?)',
  );
  const insertShares = db.prepare(
    `INSERT INTO shares(worker, difficulty, time_ms, height) VALUES ${Array(SHARE_CHUNK).fill('(?, ?, ?, ?)').join(', ')}`,
  );
  const upsertWorker = db.prepare(
    `INSERT INTO workers(name, accepted_shares, accepted_difficulty, first_share_ms, last_share_ms)
     VALUES (@name, @n, @d, @first, @last)
     ON CONFLICT(name) DO UPDATE SET accepted_shares = accepted_shares + @n,
       accepted_difficulty = accepted_difficulty + @d,
       first_share_ms = COALESCE(first_share_ms, @first),
       last_share_ms = MAX(COALESCE(last_share_ms, 0), @last)`,
  );
  // Only workers that did accepted work have a row: a name that only sends rejected shares
  // (free to invent by the thousand) costs no row, just the rejected-shares metric.
  const addRejected = db.prepare('UPDATE workers SET rejected_shares = rejected_shares + ? WHERE name = ?');
  const params: (string | number)[] = new Array(SHARE_CHUNK * 4);
  return db.transaction((shares: ShareRecord[], rejected: Map<string, RejectedCount>) => {
    const full = shares.length - (shares.length % SHARE_CHUNK);
    for (let i = 0; i < full; i += SHARE_CHUNK) {
      for (let j = 0; j < SHARE_CHUNK; j++) {
        const s = shares[i + j] as ShareRecord;
        params[j * 4] = s.worker;
        params[j * 4 + 1] = s.difficulty;
        params[j * 4 + 2] = s.timeMs;
        params[j * 4 + 3] = s.height;
      }
      insertShares.run(params);
    }
    for (let i = full; i < shares.length; i++) {
      const s = shares[i] as ShareRecord;
      insertShare.run(s.worker, s.difficulty, s.timeMs, s.height);
    }
    for (const [name, a] of workerTotals(shares)) upsertWorker.run({ name, ...a });
    for (const [name, r] of rejected) addRejected.run(r.count, name);
  });
}
