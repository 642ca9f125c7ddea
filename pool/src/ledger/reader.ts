import Database from 'better-sqlite3';
import type { BlockRow, BlockStatus, SplitRow, WorkerRow } from './records.js';
import { accountNameRange, type SeriesPoint } from './store.js';

/**
 * The ledger's read side for the HTTP API. Its own read-only connection (WAL: readers never
 * wait for the share writer, nor it for them), prepared statements only, and every list a
 * keyset page over an index: a request costs the page it returns, never the table's size, so
 * an API client cannot stall the share path on the pool's event loop.
 */

export interface Page<T> {
  items: T[];
  /** Opaque cursor of the next page; null on the last page. */
  next: string | null;
}

export class CursorError extends Error {}

const WORKER_COLUMNS = `name, accepted_shares AS acceptedShares, accepted_difficulty AS acceptedDifficulty,
  rejected_shares AS rejectedShares, blocks, first_share_ms AS firstShareAtMs, last_share_ms AS lastShareAtMs`;

const BLOCK_COLUMNS = `id, height, hash, pow_hash AS powHash, parent_hash AS parentHash, nonce, worker,
  found_at_ms AS foundAtMs, network_difficulty AS networkDifficulty, share_difficulty AS shareDifficulty,
  work_id AS workId, status, message, attempts, updated_at_ms AS updatedAtMs, chain_status AS chainStatus,
  job_source AS jobSource`;

/** A block as the API lists it: without the submit JSON (large, and of no use to a reader). */
export type BlockSummary = Omit<BlockRow, 'blockJson'>;

export const encode = (s: string): string => Buffer.from(s, 'utf8').toString('base64url');

export function decode(cursor: string): string {
  if (!/^[A-Za-z0-9_-]{1,1400}$/.test(cursor)) throw new CursorError('cursor is not one this API returned');
  return Buffer.from(cursor, 'base64url').toString('utf8');
}

export class LedgerReader {
  private readonly db: Database.Database;
  private readonly ownsDb: boolean;
  private readonly stmts;

  /**
   * `writer` is the ledger's own connection: used as is for an in-memory ledger (which a second
   * connection cannot see), otherwise a read-only connection to the same file is opened.
   */
  constructor(path: string, writer: Database.Database) {
    this.ownsDb = path !== ':memory:' && path !== '';
    this.db = this.ownsDb ? new Database(path, { readonly: true, fileMustExist: true }) : writer;
    if (this.ownsDb) this.db.pragma('busy_timeout = 1000');
    const db = this.db;
    this.stmts = {
      workersAfter: db.prepare(`SELECT ${WORKER_COLUMNS} FROM workers WHERE name > ? ORDER BY name LIMIT ?`),
      worker: db.prepare(`SELECT ${WORKER_COLUMNS} FROM workers WHERE name = ?`),
      blocksBefore: db.prepare(`SELECT ${BLOCK_COLUMNS} FROM blocks WHERE id < ? ORDER BY id DESC LIMIT ?`),
      split: db.prepare(
        'SELECT worker, difficulty, parts FROM block_splits WHERE block_id = ? ORDER BY parts DESC, worker',
      ),
      blockCounts: db.prepare('SELECT status, COUNT(*) AS n FROM blocks GROUP BY status'),
      accountWorkers: db.prepare(
        `SELECT ${WORKER_COLUMNS} FROM workers WHERE name = ? OR (name >= ? AND name < ?) ORDER BY name LIMIT ?`,
      ),
      accountBlocks: db.prepare(
        `SELECT ${BLOCK_COLUMNS} FROM blocks WHERE worker = ? OR (worker >= ? AND worker < ?) ORDER BY id DESC LIMIT ?`,
      ),
      poolSeries: db.prepare(
        'SELECT time_ms - time_ms % ? AS atMs, SUM(difficulty) AS difficulty FROM shares WHERE time_ms >= ? GROUP BY atMs ORDER BY atMs',
      ),
      accountSeries: db.prepare(
        `SELECT time_ms - time_ms % ? AS atMs, SUM(difficulty) AS difficulty FROM shares
         WHERE time_ms >= ? AND (worker = ? OR (worker >= ? AND worker < ?)) GROUP BY atMs ORDER BY atMs`,
      ),
    };
  }

  /** Workers by name, `limit` at most, after the cursor's name. */
  workers(limit: number, cursor: string | null): Page<WorkerRow> {
    const after = cursor === null ? '' : decode(cursor);
    // One more row than asked tells whether a next page exists.
    const rows = this.stmts.workersAfter.all(after, limit + 1) as WorkerRow[];
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    return { items, next: rows.length > limit && last ? encode(last.name) : null };
  }

  worker(name: string): WorkerRow | null {
    return (this.stmts.worker.get(name) as WorkerRow | undefined) ?? null;
  }

  /** Blocks newest first, `limit` at most, older than the cursor's block. */
  blocks(limit: number, cursor: string | null): Page<BlockSummary> {
    let before = Number.MAX_SAFE_INTEGER;
    if (cursor !== null) {
      before = Number(decode(cursor));
      if (!Number.isSafeInteger(before)) throw new CursorError('cursor is not one this API returned');
    }
    const rows = this.stmts.blocksBefore.all(before, limit + 1) as BlockSummary[];
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    return { items, next: rows.length > limit && last ? encode(String(last.id)) : null };
  }

  blockSplit(id: number): SplitRow[] {
    return this.stmts.split.all(id) as SplitRow[];
  }

  blockCounts(): Record<BlockStatus, number> {
    const out: Record<BlockStatus, number> = { pending: 0, submitted: 0, accepted: 0, rejected: 0 };
    for (const r of this.stmts.blockCounts.all() as { status: BlockStatus; n: number }[]) out[r.status] = r.n;
    return out;
  }

  accountWorkers(account: string, limit: number): WorkerRow[] {
    const r = accountNameRange(account);
    return this.stmts.accountWorkers.all(account, r.from, r.to, limit) as WorkerRow[];
  }

  accountBlocks(account: string, limit: number): BlockSummary[] {
    const r = accountNameRange(account);
    return this.stmts.accountBlocks.all(account, r.from, r.to, limit) as BlockSummary[];
  }

  difficultySeries(account: string | null, sinceMs: number, bucketMs: number): SeriesPoint[] {
    const b = Math.max(1, Math.floor(bucketMs));
    if (account === null) return this.stmts.poolSeries.all(b, Math.floor(sinceMs)) as SeriesPoint[];
    const r = accountNameRange(account);
    return this.stmts.accountSeries.all(b, Math.floor(sinceMs), account, r.from, r.to) as SeriesPoint[];
  }

  close(): void {
    if (this.ownsDb && this.db.open) this.db.close();
  }
}
