import type Database from 'better-sqlite3';

/**
 * One found block per height in the accounting. The chain keeps at most one block per height,
 * so the pool may count, credit and pay at most one of its own there, however many it found
 * (two miners on the same template, a resubmission after a restart, a fork):
 *
 * - the first live block recorded at a height is *counted* (the worker's `blocks`, the
 *   `accepted` count); a later one is `contending`: recorded with its PPLNS split, submitted,
 *   but counted only if the chain picks it;
 * - when the chain shows which block holds the height (`main` or `confirmed`), every other
 *   block of ours there is `orphaned` — lost to another at its height — and the count moves to
 *   the winner if it was the contender;
 * - a block the node rejects stops counting, and the oldest contender at its height (if any)
 *   takes its place;
 * - only `confirmed` blocks are payable, and a unique index allows one confirmed block per
 *   height, so a lost block's split can never become payable.
 *
 * Whether a block counts is read from its state alone: not rejected, and chain status neither
 * `contending` nor `orphaned`. Every transition below keeps workers' `blocks` equal to that.
 */

export type HeightChainStatus = 'main' | 'confirmed' | 'orphaned' | 'contending';

interface HeightRow {
  id: number;
  height: number;
  worker: string;
  status: string;
  chainStatus: HeightChainStatus | null;
}

function counts(b: Pick<HeightRow, 'status' | 'chainStatus'>): boolean {
  return b.status !== 'rejected' && b.chainStatus !== 'contending' && b.chainStatus !== 'orphaned';
}

export class BlockHeights {
  private readonly stmts;

  constructor(db: Database.Database) {
    // The guard of last resort: whatever the code above does, one payable block per height.
    db.exec(
      "CREATE UNIQUE INDEX IF NOT EXISTS blocks_one_confirmed_per_height ON blocks(height) WHERE chain_status = 'confirmed'",
    );
    this.stmts = {
      row: db.prepare(
        'SELECT id, height, worker, status, chain_status AS chainStatus FROM blocks WHERE id = ?',
      ),
      atHeight: db.prepare(
        'SELECT id, height, worker, status, chain_status AS chainStatus FROM blocks WHERE height = ? ORDER BY id ASC',
      ),
      setChain: db.prepare('UPDATE blocks SET chain_status = ?, updated_at_ms = ? WHERE id = ?'),
      credit: db.prepare(
        `INSERT INTO workers(name, blocks) VALUES (?, 1)
         ON CONFLICT(name) DO UPDATE SET blocks = blocks + 1`,
      ),
      uncredit: db.prepare('UPDATE workers SET blocks = MAX(blocks - 1, 0) WHERE name = ?'),
    };
  }

  private row(id: number): HeightRow | undefined {
    return this.stmts.row.get(id) as HeightRow | undefined;
  }

  private others(b: HeightRow): HeightRow[] {
    return (this.stmts.atHeight.all(b.height) as HeightRow[]).filter((o) => o.id !== b.id);
  }

  /**
   * A block was just inserted (inside the caller's transaction): counted, and its worker
   * credited, when no other block of ours counts at its height; else recorded as contending.
   * Returns true when it counts.
   */
  onRecorded(id: number, nowMs: number): boolean {
    const b = this.row(id) as HeightRow;
    if (this.others(b).some(counts)) {
      this.stmts.setChain.run('contending', nowMs, id);
      return false;
    }
    this.stmts.credit.run(b.worker);
    return true;
  }

  /** The node rejected `id` (status already written as rejected, `was` is the row before). */
  onRejected(was: HeightRow, nowMs: number): void {
    if (!counts(was)) return;
    this.stmts.uncredit.run(was.worker);
    const next = this.others(was).find((o) => o.status !== 'rejected' && o.chainStatus === 'contending');
    if (next) {
      this.stmts.setChain.run(null, nowMs, next.id);
      this.stmts.credit.run(next.worker);
    }
  }

  /** Sets a block's chain status, settling its height (call inside a transaction). */
  setChainStatus(id: number, chainStatus: 'main' | 'confirmed' | 'orphaned', nowMs: number): void {
    const b = this.row(id);
    if (!b) return;
    const before = counts(b);
    if (chainStatus === 'orphaned') {
      this.stmts.setChain.run('orphaned', nowMs, id);
      if (before) this.stmts.uncredit.run(b.worker);
      return;
    }
    // The chain holds this block at its height: every other one of ours there lost.
    for (const o of this.others(b)) {
      if (o.chainStatus === 'orphaned') continue;
      if (counts(o)) this.stmts.uncredit.run(o.worker);
      this.stmts.setChain.run('orphaned', nowMs, o.id);
    }
    this.stmts.setChain.run(chainStatus, nowMs, id);
    if (!before && b.status !== 'rejected') this.stmts.credit.run(b.worker);
  }

  /** The row as `onRejected` needs it, read before the verdict is written. */
  snapshot(id: number): HeightRow | undefined {
    return this.row(id);
  }
}
