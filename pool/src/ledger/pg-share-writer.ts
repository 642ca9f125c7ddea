import type pg from 'pg';
import { inTransaction } from './pg-connection.js';
import type { ShareRecord } from './records.js';
import type { ShareWriterOptions } from './share-writer.js';
import { type WorkerTotal, workerTotals } from './worker-totals.js';

/**
 * The PostgreSQL ledger's hot path: shares queue in memory as in share-writer.ts, and a flush
 * is three statements whatever its size (shares through `unnest` of column arrays, worker
 * totals as one upsert, rejected counts as one update), with rows locked in name order so two
 * hosts' batches wait and never deadlock.
 */

/** Shares per flush transaction on the timer (as in share-writer.ts). */
const FLUSH_CHUNK = 2_000;

export class PgShareWriter {
  private queue: ShareRecord[] = [];
  private rejected = new Map<string, number>();
  private readonly timer: NodeJS.Timeout | null = null;
  private closed = false;
  /** Flushes of this host run one after another (a caller's flush waits for the timer's). */
  private writing: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly pool: pg.Pool,
    private readonly opts: ShareWriterOptions,
  ) {
    const interval = opts.flushIntervalMs ?? 1000;
    if (interval > 0) {
      this.timer = setInterval(() => void this.timedFlush(), interval);
      this.timer.unref();
    }
  }

  get queued(): number {
    return this.queue.length;
  }

  recordShare(share: ShareRecord): void {
    this.queue.push(share);
  }

  recordRejected(worker: string): void {
    this.rejected.set(worker, (this.rejected.get(worker) ?? 0) + 1);
  }

  /** Writes everything queued, in one transaction. Rejects on a database error (batch kept). */
  flush(): Promise<number> {
    return this.serial(() => this.writeQueued(Number.POSITIVE_INFINITY));
  }

  /** Stops the timer and writes what is queued (the caller closes the connections). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.flush();
  }

  /** The timer's flush: FLUSH_CHUNK shares per transaction; errors go to onError, batch kept. */
  private async timedFlush(): Promise<void> {
    if (this.closed) return;
    try {
      await this.serial(async () => {
        while (!this.closed && (this.queue.length > 0 || this.rejected.size > 0)) {
          await this.writeQueued(FLUSH_CHUNK);
        }
      });
    } catch (err) {
      this.opts.onError?.(err);
    }
  }

  private serial<T>(job: () => Promise<T>): Promise<T> {
    const run = this.writing.then(job, job);
    this.writing = run.catch(() => {});
    return run;
  }

  /** Takes up to `max` queued shares (and all rejected counts) and commits them, or puts them back. */
  private async writeQueued(max: number): Promise<number> {
    if (this.queue.length === 0 && this.rejected.size === 0) return 0;
    const shares = this.queue.length > max ? this.queue.splice(0, max) : this.queue;
    if (shares === this.queue) this.queue = [];
    const rejected = this.rejected;
    this.rejected = new Map();
    const t0 = performance.now();
    try {
      await inTransaction(this.pool, (c) => writeBatch(c, shares, rejected));
    } catch (err) {
      this.queue = shares.concat(this.queue);
      for (const [w, n] of rejected) this.rejected.set(w, (this.rejected.get(w) ?? 0) + n);
      throw err;
    }
    if (shares.length > 0) this.opts.onFlush?.((performance.now() - t0) / 1000, shares.length);
    return shares.length;
  }
}

/** One batch: shares as one multi-row insert, worker totals as one upsert, rejected counts. */
async function writeBatch(
  c: pg.ClientBase,
  shares: ShareRecord[],
  rejected: Map<string, number>,
): Promise<void> {
  if (shares.length > 0) {
    await c.query(
      `INSERT INTO shares(worker, difficulty, time_ms, height)
       SELECT * FROM unnest($1::text[], $2::float8[], $3::int8[], $4::int8[])`,
      [
        shares.map((s) => s.worker),
        shares.map((s) => s.difficulty),
        shares.map((s) => s.timeMs),
        shares.map((s) => s.height),
      ],
    );
  }
  const agg = workerTotals(shares);
  // Rows locked in name order by every host: two hosts' batches wait, never deadlock.
  const names = [...agg.keys()].sort();
  if (names.length > 0) {
    const rows = names.map((n) => agg.get(n) as WorkerTotal);
    await c.query(
      `INSERT INTO workers(name, accepted_shares, accepted_difficulty, first_share_ms, last_share_ms)
       SELECT * FROM unnest($1::text[], $2::int8[], $3::float8[], $4::int8[], $5::int8[]) ORDER BY 1
       ON CONFLICT (name) DO UPDATE SET accepted_shares = workers.accepted_shares + EXCLUDED.accepted_shares,
         accepted_difficulty = workers.accepted_difficulty + EXCLUDED.accepted_difficulty,
         first_share_ms = COALESCE(workers.first_share_ms, EXCLUDED.first_share_ms),
         last_share_ms = GREATEST(COALESCE(workers.last_share_ms, 0), EXCLUDED.last_share_ms)`,
      [names, rows.map((a) => a.n), rows.map((a) => a.d), rows.map((a) => a.first), rows.map((a) => a.last)],
    );
  }
  // Only workers with accepted work have a row; a rejected-only name costs nothing.
  const bad = [...rejected.keys()].sort();
  if (bad.length > 0) {
    await c.query(
      `UPDATE workers SET rejected_shares = rejected_shares + r.n
       FROM unnest($1::text[], $2::int8[]) AS r(name, n) WHERE workers.name = r.name`,
      [bad, bad.map((w) => rejected.get(w) as number)],
    );
  }
}
