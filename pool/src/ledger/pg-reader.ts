import type pg from 'pg';
import { type BlockSummary, CursorError, decode, encode, type Page } from './reader.js';
import type { BlockStatus, SplitRow, WorkerRow } from './records.js';
import { accountNameRange, type SeriesPoint } from './store.js';

/**
 * reader.ts for the PostgreSQL ledger: the same keyset pages and cursors (a cursor from one
 * backend reads the same on the other), as queries on the ledger's connection pool.
 */

const WORKER_COLUMNS = `name, accepted_shares AS "acceptedShares", accepted_difficulty AS "acceptedDifficulty",
  rejected_shares AS "rejectedShares", blocks, first_share_ms AS "firstShareAtMs", last_share_ms AS "lastShareAtMs"`;

const BLOCK_COLUMNS = `id, height, hash, pow_hash AS "powHash", parent_hash AS "parentHash", nonce, worker,
  found_at_ms AS "foundAtMs", network_difficulty AS "networkDifficulty", share_difficulty AS "shareDifficulty",
  work_id AS "workId", status, message, attempts, updated_at_ms AS "updatedAtMs", chain_status AS "chainStatus",
  job_source AS "jobSource"`;

export class PgLedgerReader {
  constructor(private readonly pool: pg.Pool) {}

  async workers(limit: number, cursor: string | null): Promise<Page<WorkerRow>> {
    const after = cursor === null ? '' : decode(cursor);
    // COLLATE "C": byte order, as SQLite compares names, so pages and cursors agree.
    const r = await this.pool.query<WorkerRow>(
      `SELECT ${WORKER_COLUMNS} FROM workers WHERE name COLLATE "C" > $1 ORDER BY name COLLATE "C" LIMIT $2`,
      [after, limit + 1],
    );
    const items = r.rows.slice(0, limit);
    const last = items.at(-1);
    return { items, next: r.rows.length > limit && last ? encode(last.name) : null };
  }

  async worker(name: string): Promise<WorkerRow | null> {
    const r = await this.pool.query<WorkerRow>(`SELECT ${WORKER_COLUMNS} FROM workers WHERE name = $1`, [
      name,
    ]);
    return r.rows[0] ?? null;
  }

  async blocks(limit: number, cursor: string | null): Promise<Page<BlockSummary>> {
    let before = Number.MAX_SAFE_INTEGER;
    if (cursor !== null) {
      before = Number(decode(cursor));
      if (!Number.isSafeInteger(before)) throw new CursorError('cursor is not one this API returned');
    }
    const r = await this.pool.query<BlockSummary>(
      `SELECT ${BLOCK_COLUMNS} FROM blocks WHERE id < $1 ORDER BY id DESC LIMIT $2`,
      [before, limit + 1],
    );
    const items = r.rows.slice(0, limit);
    const last = items.at(-1);
    return { items, next: r.rows.length > limit && last ? encode(String(last.id)) : null };
  }

  async blockSplit(id: number): Promise<SplitRow[]> {
    const r = await this.pool.query<SplitRow>(
      'SELECT worker, difficulty, parts FROM block_splits WHERE block_id = $1 ORDER BY parts DESC, worker COLLATE "C"',
      [id],
    );
    return r.rows;
  }

  async blockCounts(): Promise<Record<BlockStatus, number>> {
    const out: Record<BlockStatus, number> = { pending: 0, submitted: 0, accepted: 0, rejected: 0 };
    const r = await this.pool.query<{ status: BlockStatus; n: number }>(
      'SELECT status, COUNT(*) AS n FROM blocks GROUP BY status',
    );
    for (const row of r.rows) out[row.status] = row.n;
    return out;
  }

  async accountWorkers(account: string, limit: number): Promise<WorkerRow[]> {
    const r = accountNameRange(account);
    const q = await this.pool.query<WorkerRow>(
      `SELECT ${WORKER_COLUMNS} FROM workers
       WHERE name = $1 OR (name COLLATE "C" >= $2 AND name COLLATE "C" < $3) ORDER BY name COLLATE "C" LIMIT $4`,
      [account, r.from, r.to, limit],
    );
    return q.rows;
  }

  async accountBlocks(account: string, limit: number): Promise<BlockSummary[]> {
    const r = accountNameRange(account);
    const q = await this.pool.query<BlockSummary>(
      `SELECT ${BLOCK_COLUMNS} FROM blocks
       WHERE worker = $1 OR (worker COLLATE "C" >= $2 AND worker COLLATE "C" < $3) ORDER BY id DESC LIMIT $4`,
      [account, r.from, r.to, limit],
    );
    return q.rows;
  }

  async difficultySeries(account: string | null, sinceMs: number, bucketMs: number): Promise<SeriesPoint[]> {
    const b = Math.max(1, Math.floor(bucketMs));
    const bucket = '(time_ms / $1) * $1';
    const q =
      account === null
        ? await this.pool.query<SeriesPoint>(
            `SELECT ${bucket} AS "atMs", SUM(difficulty) AS difficulty FROM shares
             WHERE time_ms >= $2 GROUP BY 1 ORDER BY 1`,
            [b, Math.floor(sinceMs)],
          )
        : await this.pool.query<SeriesPoint>(
            `SELECT ${bucket} AS "atMs", SUM(difficulty) AS difficulty FROM shares
             WHERE time_ms >= $2 AND (worker = $3 OR (worker COLLATE "C" >= $4 AND worker COLLATE "C" < $5))
             GROUP BY 1 ORDER BY 1`,
            [b, Math.floor(sinceMs), account, accountNameRange(account).from, accountNameRange(account).to],
          );
    return q.rows.map((p) => ({ atMs: Number(p.atMs), difficulty: Number(p.difficulty) }));
  }

  /** The pool belongs to the ledger, which closes it. */
  close(): void {}
}
