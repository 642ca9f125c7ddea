import pg from 'pg';
import type { RegisteredAccount } from './account-schema.js';
import type { LedgerOptions } from './ledger.js';
import type {
  AccountBalance,
  AccountPayout,
  NewCredit,
  NewPayoutBatch,
  NewReward,
  PayoutBatchRow,
  PayoutBatchStatus,
  RewardRow,
  RewardStatus,
} from './payout-types.js';
import { pgRegisterAccount, pgRegisteredAccounts, pgRemoveAccount } from './pg-account-tables.js';
import { connectionString, inTransaction, numericTypes } from './pg-connection.js';
import { PgBlockHeights } from './pg-heights.js';
import {
  pgAccountBalance,
  pgAccountBalances,
  pgAccountPayouts,
  pgCreatePayoutBatch,
  pgPayoutBatches,
  pgRecordReward,
  pgReopenPayoutBatch,
  pgRewards,
  pgSettlePayoutBatch,
  pgSettleReward,
} from './pg-payout-tables.js';
import { PgRunnerLock } from './pg-runner-lock.js';
import { migratePg } from './pg-schema.js';
import { PgShareWriter } from './pg-share-writer.js';
import { type PplnsShare, type PplnsSplit, pplnsSplit } from './pplns.js';
import type {
  BlockCounts,
  BlockRow,
  ChainStatus,
  NewBlock,
  ShareRecord,
  SplitRow,
  WorkerRow,
} from './records.js';
import type { LedgerStore, RecordedBlock } from './store.js';

/**
 * The ledger in PostgreSQL, so several pool hosts share one: same schema and versions as the
 * SQLite file, the same queue-and-flush of shares (one multi-row insert per batch, through
 * `unnest` of column arrays: one statement whatever the batch size), found blocks unique by
 * hash and written before submission, one counted block per height (pg-heights.ts).
 */

export interface PgLedgerOptions extends LedgerOptions {
  /** Connections in this host's pool (the share writer, block writes, reads). */
  maxConnections?: number;
  /** Password from a file, kept out of the URL and so out of any log line that prints it. */
  password?: string;
}

/** Shares read per query while walking the PPLNS window newest first. */
const WINDOW_PAGE = 5_000;

const BLOCK_COLUMNS = `id, height, hash, pow_hash AS "powHash", parent_hash AS "parentHash", nonce, worker,
  found_at_ms AS "foundAtMs", network_difficulty AS "networkDifficulty", share_difficulty AS "shareDifficulty",
  work_id AS "workId", block_json AS "blockJson", status, message, attempts, updated_at_ms AS "updatedAtMs",
  chain_status AS "chainStatus", job_source AS "jobSource"`;
const WORKER_COLUMNS = `name, accepted_shares AS "acceptedShares", accepted_difficulty AS "acceptedDifficulty",
  rejected_shares AS "rejectedShares", blocks, first_share_ms AS "firstShareAtMs", last_share_ms AS "lastShareAtMs"`;

export class PgLedger implements LedgerStore {
  private readonly shares: PgShareWriter;
  private closed = false;
  private readonly runner: PgRunnerLock;

  private constructor(
    readonly pool: pg.Pool,
    opts: PgLedgerOptions,
    connection: string,
  ) {
    this.runner = new PgRunnerLock(connection);
    this.shares = new PgShareWriter(pool, opts);
  }

  /** Connects, creates or migrates the schema (once, however many hosts start together). */
  static async open(url: string, opts: PgLedgerOptions = {}): Promise<PgLedger> {
    const connection = connectionString(url, opts.password);
    const pool = new pg.Pool({
      connectionString: connection,
      max: opts.maxConnections ?? 4,
      types: numericTypes(),
    });
    // An idle connection dropped by the server is replaced on next use; never crash the pool.
    pool.on('error', (err) => opts.onError?.(err));
    try {
      await migratePg(pool);
    } catch (err) {
      await pool.end();
      throw err;
    }
    return new PgLedger(pool, opts, connection);
  }

  recordShare(share: ShareRecord): void {
    this.shares.recordShare(share);
  }

  recordRejected(worker: string, _atMs: number): void {
    this.shares.recordRejected(worker);
  }

  get queuedShares(): number {
    return this.shares.queued;
  }

  /** Writes everything queued, in one transaction. Rejects on a database error (batch kept). */
  flush(): Promise<number> {
    return this.shares.flush();
  }

  private transaction<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, fn);
  }

  async addPendingBlock(block: NewBlock, windowDifficulty: number): Promise<RecordedBlock> {
    await this.flush();
    return this.transaction(async (c) => {
      const heights = new PgBlockHeights(c);
      // Two hosts with blocks at one height decide "counted" one after the other.
      await heights.lockHeight(block.height);
      const ins = await c.query<{ id: number }>(
        `INSERT INTO blocks(height, hash, pow_hash, parent_hash, nonce, worker, found_at_ms, network_difficulty,
           share_difficulty, work_id, block_json, status, updated_at_ms, job_source)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'pending', $7, $12)
         ON CONFLICT (hash) DO NOTHING RETURNING id`,
        [
          block.height,
          block.hash,
          block.powHash,
          block.parentHash,
          block.nonce,
          block.worker,
          block.foundAtMs,
          block.networkDifficulty,
          block.shareDifficulty,
          block.workId,
          block.blockJson,
          block.jobSource ?? 'pool',
        ],
      );
      const inserted = ins.rows[0];
      if (!inserted) {
        const r = await c.query<{ id: number }>('SELECT id FROM blocks WHERE hash = $1', [block.hash]);
        return { id: (r.rows[0] as { id: number }).id, split: null, counted: false };
      }
      const split = pplnsSplit(await windowShares(c, windowDifficulty), windowDifficulty);
      await insertSplit(c, inserted.id, split);
      const counted = await heights.onRecorded(inserted.id, block.foundAtMs);
      return { id: inserted.id, split, counted };
    });
  }

  async markSubmitting(id: number, nowMs = Date.now()): Promise<void> {
    await this.pool.query(
      "UPDATE blocks SET status = 'submitted', attempts = attempts + 1, updated_at_ms = $1 WHERE id = $2",
      [nowMs, id],
    );
  }

  async setBlockVerdict(
    id: number,
    status: 'accepted' | 'rejected',
    message: string | null,
    nowMs = Date.now(),
  ): Promise<void> {
    await this.transaction(async (c) => {
      const heights = new PgBlockHeights(c);
      const was = await heights.lockBlock(id);
      await c.query(
        'UPDATE blocks SET status = $1, message = COALESCE($2, message), updated_at_ms = $3 WHERE id = $4',
        [status, message, nowMs, id],
      );
      if (status === 'rejected' && was && was.status !== 'rejected') await heights.onRejected(was, nowMs);
    });
  }

  async setChainStatus(
    id: number,
    chainStatus: Exclude<ChainStatus, 'contending'>,
    nowMs = Date.now(),
  ): Promise<void> {
    await this.transaction(async (c) => {
      const heights = new PgBlockHeights(c);
      const b = await heights.lockBlock(id);
      if (b) await heights.setChainStatus(b, chainStatus, nowMs);
    });
  }

  blocksToConfirm(): Promise<BlockRow[]> {
    return this.blockRows(
      "WHERE status = 'accepted' AND (chain_status IS NULL OR chain_status IN ('main', 'contending')) ORDER BY id ASC",
    );
  }

  payableBlocks(): Promise<BlockRow[]> {
    return this.blockRows("WHERE status = 'accepted' AND chain_status = 'confirmed' ORDER BY id ASC");
  }

  blocksAwaitingReward(): Promise<BlockRow[]> {
    return this.blockRows(
      `WHERE status = 'accepted' AND chain_status IN ('main', 'confirmed')
         AND id NOT IN (SELECT block_id FROM block_rewards) ORDER BY id ASC`,
    );
  }

  recordReward(reward: NewReward, credits: NewCredit[], nowMs = Date.now()): Promise<boolean> {
    return this.transaction((c) => pgRecordReward(c, reward, credits, nowMs));
  }

  rewards(status?: RewardStatus): Promise<RewardRow[]> {
    return pgRewards(this.pool, status);
  }

  settleReward(
    blockId: number,
    status: Exclude<RewardStatus, 'immature'>,
    message: string | null,
    nowMs = Date.now(),
  ): Promise<boolean> {
    return pgSettleReward(this.pool, blockId, status, message, nowMs);
  }

  accountBalances(): Promise<AccountBalance[]> {
    return pgAccountBalances(this.pool);
  }

  accountBalance(account: string): Promise<AccountBalance | null> {
    return pgAccountBalance(this.pool, account);
  }

  accountPayouts(address: string, limit: number): Promise<AccountPayout[]> {
    return pgAccountPayouts(this.pool, address, limit);
  }

  createPayoutBatch(batch: NewPayoutBatch, nowMs = Date.now()): Promise<number> {
    return this.transaction((c) => pgCreatePayoutBatch(c, batch, nowMs));
  }

  payoutBatches(status?: PayoutBatchStatus, limit?: number): Promise<PayoutBatchRow[]> {
    return pgPayoutBatches(this.pool, status, limit);
  }

  settlePayoutBatch(
    id: number,
    status: Exclude<PayoutBatchStatus, 'pending'>,
    message: string | null,
    nowMs = Date.now(),
    committedBlock: number | null = null,
  ): Promise<boolean> {
    return pgSettlePayoutBatch(this.pool, id, status, message, nowMs, committedBlock);
  }

  unresolvedBlocks(): Promise<BlockRow[]> {
    return this.blockRows("WHERE status IN ('pending','submitted') ORDER BY id ASC");
  }

  blocks(limit = 100, offset = 0): Promise<BlockRow[]> {
    return this.blockRows('ORDER BY id DESC LIMIT $1 OFFSET $2', [limit, offset]);
  }

  async block(id: number): Promise<BlockRow | null> {
    return (await this.blockRows('WHERE id = $1', [id]))[0] ?? null;
  }

  private async blockRows(tail: string, params: unknown[] = []): Promise<BlockRow[]> {
    return (await this.pool.query<BlockRow>(`SELECT ${BLOCK_COLUMNS} FROM blocks ${tail}`, params)).rows;
  }

  async blockSplit(id: number): Promise<SplitRow[]> {
    const r = await this.pool.query<SplitRow>(
      'SELECT worker, difficulty, parts FROM block_splits WHERE block_id = $1 ORDER BY parts DESC, worker COLLATE "C"',
      [id],
    );
    return r.rows;
  }

  async blockCounts(): Promise<BlockCounts> {
    const out: BlockCounts = {
      pending: 0,
      submitted: 0,
      accepted: 0,
      rejected: 0,
      orphaned: 0,
      contending: 0,
    };
    const r = await this.pool.query<{ k: keyof BlockCounts; n: number }>(
      `SELECT CASE WHEN status <> 'rejected' AND chain_status IN ('orphaned', 'contending')
                THEN chain_status ELSE status END AS k, COUNT(*) AS n
       FROM blocks GROUP BY k`,
    );
    for (const row of r.rows) out[row.k] = row.n;
    return out;
  }

  async worker(name: string): Promise<WorkerRow | null> {
    const r = await this.pool.query<WorkerRow>(`SELECT ${WORKER_COLUMNS} FROM workers WHERE name = $1`, [
      name,
    ]);
    return r.rows[0] ?? null;
  }

  async difficultySince(
    sinceMs: number,
    worker?: string,
  ): Promise<{ worker: string; difficulty: number; shares: number }[]> {
    const byWorker = worker !== undefined ? 'AND worker = $2' : '';
    const r = await this.pool.query<{ worker: string; difficulty: number; shares: number }>(
      `SELECT worker, SUM(difficulty) AS difficulty, COUNT(*) AS shares FROM shares
       WHERE time_ms >= $1 ${byWorker} GROUP BY worker`,
      worker !== undefined ? [sinceMs, worker] : [sinceMs],
    );
    return r.rows;
  }

  /** Deletes shares older than `beforeMs` in chunks (totals, blocks and splits stay). */
  async pruneShares(beforeMs: number, chunk = 10_000): Promise<number> {
    let total = 0;
    for (;;) {
      const r = await this.pool.query(
        'DELETE FROM shares WHERE id IN (SELECT id FROM shares WHERE time_ms < $1 LIMIT $2)',
        [beforeMs, chunk],
      );
      const n = r.rowCount ?? 0;
      total += n;
      if (n < chunk) return total;
    }
  }

  registerAccount(name: string, address: string, nowMs = Date.now()): Promise<boolean> {
    return pgRegisterAccount(this.pool, name, address, nowMs);
  }

  removeAccount(name: string): Promise<boolean> {
    return pgRemoveAccount(this.pool, name);
  }

  registeredAccounts(): Promise<RegisteredAccount[]> {
    return pgRegisteredAccounts(this.pool);
  }

  reopenPayoutBatch(id: number, message: string, nowMs = Date.now()): Promise<boolean> {
    return pgReopenPayoutBatch(this.pool, id, message, nowMs);
  }

  /** One payout runner among the hosts of this database (pg-runner-lock.ts). */
  holdPayoutRunner(): Promise<boolean> {
    return this.closed ? Promise.resolve(false) : this.runner.hold();
  }

  async shareCount(): Promise<number> {
    return (await this.pool.query<{ n: number }>('SELECT COUNT(*) AS n FROM shares')).rows[0]?.n ?? 0;
  }

  /** Flushes, stops the timer and closes the connections. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.shares.close();
    } finally {
      await this.runner.release();
      await this.pool.end();
    }
  }
}

/** The newest shares until their difficulty covers the window, newest first. */
async function windowShares(c: pg.ClientBase, windowDifficulty: number): Promise<PplnsShare[]> {
  const out: PplnsShare[] = [];
  let covered = 0;
  let before = Number.MAX_SAFE_INTEGER;
  while (covered < windowDifficulty) {
    const r = await c.query<PplnsShare & { id: number }>(
      'SELECT id, worker, difficulty FROM shares WHERE id < $1 ORDER BY id DESC LIMIT $2',
      [before, WINDOW_PAGE],
    );
    for (const s of r.rows) {
      out.push({ worker: s.worker, difficulty: s.difficulty });
      if (s.difficulty > 0) covered += s.difficulty;
      before = s.id;
    }
    if (r.rows.length < WINDOW_PAGE) break;
  }
  return out;
}

async function insertSplit(c: pg.ClientBase, blockId: number, split: PplnsSplit): Promise<void> {
  if (split.entries.length === 0) return;
  await c.query(
    `INSERT INTO block_splits(block_id, worker, difficulty, parts)
     SELECT $1, * FROM unnest($2::text[], $3::float8[], $4::int8[])`,
    [
      blockId,
      split.entries.map((e) => e.worker),
      split.entries.map((e) => e.difficulty),
      split.entries.map((e) => e.parts),
    ],
  );
}
