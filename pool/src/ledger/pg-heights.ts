import type pg from 'pg';
import type { HeightChainStatus } from './heights.js';

/**
 * heights.ts for PostgreSQL: the same rules (one counted block per height, contenders, orphans,
 * one confirmed block per height), as queries on the caller's transaction. Several hosts may
 * record blocks at one height at the same moment, so every transition first takes a
 * transaction-level advisory lock on the height: the checks and writes of two hosts at one
 * height run one after the other, never interleaved.
 */

/** First key of the two-key advisory lock taken per height (the second is the height). */
const HEIGHT_LOCK_CLASS = 0x636b62;

interface HeightRow {
  id: number;
  height: number;
  worker: string;
  status: string;
  chainStatus: HeightChainStatus | null;
}

const ROW = 'SELECT id, height, worker, status, chain_status AS "chainStatus" FROM blocks';

function counts(b: Pick<HeightRow, 'status' | 'chainStatus'>): boolean {
  return b.status !== 'rejected' && b.chainStatus !== 'contending' && b.chainStatus !== 'orphaned';
}

export class PgBlockHeights {
  constructor(private readonly db: pg.ClientBase) {}

  /** Serialises this transaction with every other one touching blocks at `height`. */
  async lockHeight(height: number): Promise<void> {
    // int4 second key: CKB heights stay far below 2^31 for centuries; wrap rather than fail.
    await this.db.query('SELECT pg_advisory_xact_lock($1, $2)', [HEIGHT_LOCK_CLASS, height % 2 ** 31]);
  }

  /** Locks the height of block `id` and returns the block as it is under that lock. */
  async lockBlock(id: number): Promise<HeightRow | undefined> {
    const r = await this.db.query<{ height: number }>('SELECT height FROM blocks WHERE id = $1', [id]);
    const h = r.rows[0];
    if (!h) return undefined;
    await this.lockHeight(h.height);
    return this.row(id);
  }

  private async row(id: number): Promise<HeightRow | undefined> {
    return (await this.db.query<HeightRow>(`${ROW} WHERE id = $1`, [id])).rows[0];
  }

  private async others(b: HeightRow): Promise<HeightRow[]> {
    const r = await this.db.query<HeightRow>(`${ROW} WHERE height = $1 AND id <> $2 ORDER BY id ASC`, [
      b.height,
      b.id,
    ]);
    return r.rows;
  }

  private async setChain(id: number, status: HeightChainStatus | null, nowMs: number): Promise<void> {
    await this.db.query('UPDATE blocks SET chain_status = $1, updated_at_ms = $2 WHERE id = $3', [
      status,
      nowMs,
      id,
    ]);
  }

  private async credit(worker: string): Promise<void> {
    await this.db.query(
      `INSERT INTO workers(name, blocks) VALUES ($1, 1)
       ON CONFLICT (name) DO UPDATE SET blocks = workers.blocks + 1`,
      [worker],
    );
  }

  private async uncredit(worker: string): Promise<void> {
    await this.db.query('UPDATE workers SET blocks = GREATEST(blocks - 1, 0) WHERE name = $1', [worker]);
  }

  /** A block was just inserted under its height's lock: counted, or contending. */
  async onRecorded(id: number, nowMs: number): Promise<boolean> {
    const b = (await this.row(id)) as HeightRow;
    if ((await this.others(b)).some(counts)) {
      await this.setChain(id, 'contending', nowMs);
      return false;
    }
    await this.credit(b.worker);
    return true;
  }

  /** The node rejected a block (`was` is its row before, read under the height's lock). */
  async onRejected(was: HeightRow, nowMs: number): Promise<void> {
    if (!counts(was)) return;
    await this.uncredit(was.worker);
    const next = (await this.others(was)).find(
      (o) => o.status !== 'rejected' && o.chainStatus === 'contending',
    );
    if (next) {
      await this.setChain(next.id, null, nowMs);
      await this.credit(next.worker);
    }
  }

  /** Sets a block's chain status, settling its height (`b` read under the height's lock). */
  async setChainStatus(
    b: HeightRow,
    chainStatus: 'main' | 'confirmed' | 'orphaned',
    nowMs: number,
  ): Promise<void> {
    const before = counts(b);
    if (chainStatus === 'orphaned') {
      await this.setChain(b.id, 'orphaned', nowMs);
      if (before) await this.uncredit(b.worker);
      return;
    }
    for (const o of await this.others(b)) {
      if (o.chainStatus === 'orphaned') continue;
      if (counts(o)) await this.uncredit(o.worker);
      await this.setChain(o.id, 'orphaned', nowMs);
    }
    await this.setChain(b.id, chainStatus, nowMs);
    if (!before && b.status !== 'rejected') await this.credit(b.worker);
  }
}
