import Database from 'better-sqlite3';
import type { RegisteredAccount } from './account-schema.js';
import { AccountTables } from './account-tables.js';
import { BlockHeights } from './heights.js';
import { AWAITING_REWARD_WHERE, PayoutTables } from './payout-tables.js';
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
import { type PplnsSplit, pplnsSplit } from './pplns.js';
import type {
  BlockCounts,
  BlockRow,
  ChainStatus,
  NewBlock,
  ShareRecord,
  SplitRow,
  WorkerRow,
} from './records.js';
import { type ShareWriterOptions, SqliteShareWriter } from './share-writer.js';
import { migrate, SCHEMA } from './sqlite-schema.js';
import type { LedgerStore } from './store.js';

/**
 * The pool's ledger: one SQLite file in WAL mode. Accepted shares are queued in memory and
 * written in one transaction per flush interval (a crash loses at most that interval); found
 * blocks and their PPLNS split are written synchronously, before the block is submitted, so a
 * found block is never lost.
 */

/** The ledger's options are its share writer's (flush interval, flush and error callbacks). */
export type LedgerOptions = ShareWriterOptions;

export class Ledger implements LedgerStore {
  readonly db: Database.Database;
  private readonly shares: SqliteShareWriter;
  private closed = false;
  private readonly stmts;
  private readonly heights: BlockHeights;
  private readonly payouts: PayoutTables;
  private readonly accounts: AccountTables;

  constructor(
    readonly path: string,
    opts: LedgerOptions = {},
  ) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    // FULL: a committed batch survives even an OS crash; batching keeps the fsyncs few.
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    try {
      this.db.exec(SCHEMA);
      migrate(this.db);
      this.heights = new BlockHeights(this.db);
      this.payouts = new PayoutTables(this.db);
      this.accounts = new AccountTables(this.db);
    } catch (err) {
      this.db.close();
      throw err;
    }
    const db = this.db;
    this.stmts = {
      insertBlock: db.prepare(
        `INSERT INTO blocks(height, hash, pow_hash, parent_hash, nonce, worker, found_at_ms, network_difficulty,
           share_difficulty, work_id, block_json, status, updated_at_ms, job_source)
         VALUES (@height, @hash, @powHash, @parentHash, @nonce, @worker, @foundAtMs, @networkDifficulty,
           @shareDifficulty, @workId, @blockJson, 'pending', @foundAtMs, @jobSource)
         ON CONFLICT(hash) DO NOTHING`,
      ),
      blockIdByHash: db.prepare('SELECT id FROM blocks WHERE hash = ?'),
      insertSplit: db.prepare(
        'INSERT INTO block_splits(block_id, worker, difficulty, parts) VALUES (?, ?, ?, ?)',
      ),
      sharesNewestFirst: db.prepare('SELECT worker, difficulty FROM shares ORDER BY id DESC'),
      setStatus: db.prepare(
        'UPDATE blocks SET status = ?, message = COALESCE(?, message), updated_at_ms = ? WHERE id = ?',
      ),
      bumpAttempts: db.prepare(
        "UPDATE blocks SET status = 'submitted', attempts = attempts + 1, updated_at_ms = ? WHERE id = ?",
      ),
    };
    this.shares = new SqliteShareWriter(db, opts);
  }

  /** Queues an accepted share; written at the next flush. */
  recordShare(share: ShareRecord): void {
    this.shares.recordShare(share);
  }

  /** Counts a rejected share against a worker that has done accepted work (aggregate only). */
  recordRejected(worker: string, atMs: number): void {
    this.shares.recordRejected(worker, atMs);
  }

  get queuedShares(): number {
    return this.shares.queued;
  }

  /** Writes queued shares in one transaction. Throws on a database error (batch kept). */
  flush(): number {
    return this.shares.flush();
  }

  /**
   * Writes a found block as pending, together with its PPLNS split over `windowDifficulty`,
   * synchronously (queued shares are flushed first, so the finder's shares count). Returns the
   * block id; a block already recorded (same hash) returns the existing id and changes nothing.
   * `counted` is false when the pool already has a block at that height: this one is recorded
   * as `contending` and counts only if the chain picks it (heights.ts).
   */
  addPendingBlock(
    block: NewBlock,
    windowDifficulty: number,
  ): { id: number; split: PplnsSplit | null; counted: boolean } {
    this.flush();
    let split: PplnsSplit | null = null;
    let counted = false;
    const tx = this.db.transaction(() => {
      const info = this.stmts.insertBlock.run({ ...block, jobSource: block.jobSource ?? 'pool' });
      if (info.changes === 0) {
        return (this.stmts.blockIdByHash.get(block.hash) as { id: number }).id;
      }
      const id = Number(info.lastInsertRowid);
      split = pplnsSplit(this.stmts.sharesNewestFirst.iterate() as Iterable<SplitRow>, windowDifficulty);
      for (const e of split.entries) this.stmts.insertSplit.run(id, e.worker, e.difficulty, e.parts);
      counted = this.heights.onRecorded(id, block.foundAtMs);
      return id;
    });
    const id = tx() as number;
    return { id, split, counted };
  }

  /** A submission attempt is starting. */
  markSubmitting(id: number, nowMs = Date.now()): void {
    this.stmts.bumpAttempts.run(nowMs, id);
  }

  /** The node's verdict. */
  setBlockVerdict(
    id: number,
    status: 'accepted' | 'rejected',
    message: string | null,
    nowMs = Date.now(),
  ): void {
    this.db.transaction(() => {
      const was = status === 'rejected' ? this.heights.snapshot(id) : undefined;
      this.stmts.setStatus.run(status, message, nowMs, id);
      // A rejected block is no block: it stops counting, and a contender at its height may.
      if (was && was.status !== 'rejected') this.heights.onRejected(was, nowMs);
    })();
  }

  /** Accepted blocks whose place in the main chain is not final yet, oldest first. */
  blocksToConfirm(): BlockRow[] {
    return this.blockRows(
      "WHERE status = 'accepted' AND (chain_status IS NULL OR chain_status IN ('main', 'contending')) ORDER BY id ASC",
      [],
    );
  }

  /**
   * Where the chain put a block. `main`/`confirmed` settle its height: every other block of
   * ours there is orphaned, and only this one counts (heights.ts).
   */
  setChainStatus(id: number, chainStatus: Exclude<ChainStatus, 'contending'>, nowMs = Date.now()): void {
    this.db.transaction(() => this.heights.setChainStatus(id, chainStatus, nowMs))();
  }

  /** Confirmed blocks, oldest first: the only ones whose PPLNS split may be paid (one per height). */
  payableBlocks(): BlockRow[] {
    return this.blockRows("WHERE status = 'accepted' AND chain_status = 'confirmed' ORDER BY id ASC", []);
  }

  /** Accepted blocks on the main chain whose reward is not recorded yet, oldest first. */
  blocksAwaitingReward(): BlockRow[] {
    return this.blockRows(AWAITING_REWARD_WHERE, []);
  }

  recordReward(reward: NewReward, credits: NewCredit[], nowMs = Date.now()): boolean {
    return this.payouts.recordReward(reward, credits, nowMs);
  }

  rewards(status?: RewardStatus): RewardRow[] {
    return this.payouts.rewards(status);
  }

  settleReward(
    blockId: number,
    status: Exclude<RewardStatus, 'immature'>,
    message: string | null,
    nowMs = Date.now(),
  ): boolean {
    return this.payouts.settleReward(blockId, status, message, nowMs);
  }

  accountBalances(): AccountBalance[] {
    return this.payouts.accountBalances();
  }

  accountBalance(account: string): AccountBalance | null {
    return this.payouts.accountBalance(account);
  }

  accountPayouts(address: string, limit: number): AccountPayout[] {
    return this.payouts.accountPayouts(address, limit);
  }

  createPayoutBatch(batch: NewPayoutBatch, nowMs = Date.now()): number {
    return this.payouts.createPayoutBatch(batch, nowMs);
  }

  payoutBatches(status?: PayoutBatchStatus, limit?: number): PayoutBatchRow[] {
    return this.payouts.payoutBatches(status, limit);
  }

  settlePayoutBatch(
    id: number,
    status: Exclude<PayoutBatchStatus, 'pending'>,
    message: string | null,
    nowMs = Date.now(),
    committedBlock: number | null = null,
  ): boolean {
    return this.payouts.settlePayoutBatch(id, status, message, nowMs, committedBlock);
  }

  reopenPayoutBatch(id: number, message: string, nowMs = Date.now()): boolean {
    return this.payouts.reopenPayoutBatch(id, message, nowMs);
  }

  registerAccount(name: string, address: string, nowMs = Date.now()): boolean {
    return this.accounts.register(name, address, nowMs);
  }

  removeAccount(name: string): boolean {
    return this.accounts.remove(name);
  }

  registeredAccounts(): RegisteredAccount[] {
    return this.accounts.list();
  }

  /** Blocks with no verdict yet (pending or submitted), oldest first. */
  unresolvedBlocks(): BlockRow[] {
    return this.blockRows("WHERE status IN ('pending','submitted') ORDER BY id ASC", []);
  }

  blocks(limit = 100, offset = 0): BlockRow[] {
    return this.blockRows('ORDER BY id DESC LIMIT ? OFFSET ?', [limit, offset]);
  }

  block(id: number): BlockRow | null {
    return this.blockRows('WHERE id = ?', [id])[0] ?? null;
  }

  blockSplit(id: number): SplitRow[] {
    return this.db
      .prepare(
        'SELECT worker, difficulty, parts FROM block_splits WHERE block_id = ? ORDER BY parts DESC, worker',
      )
      .all(id) as SplitRow[];
  }

  /**
   * Blocks by status, each height counted once: a block that lost at its height (`orphaned`)
   * or still contends for one (`contending`) is counted under that instead of its status.
   */
  blockCounts(): BlockCounts {
    const out: BlockCounts = {
      pending: 0,
      submitted: 0,
      accepted: 0,
      rejected: 0,
      orphaned: 0,
      contending: 0,
    };
    const rows = this.db
      .prepare(
        `SELECT CASE WHEN status != 'rejected' AND chain_status IN ('orphaned', 'contending')
                  THEN chain_status ELSE status END AS k, COUNT(*) AS n
         FROM blocks GROUP BY k`,
      )
      .all() as { k: keyof BlockCounts; n: number }[];
    for (const r of rows) out[r.k] = r.n;
    return out;
  }

  private blockRows(tail: string, params: unknown[]): BlockRow[] {
    const rows = this.db
      .prepare(
        `SELECT id, height, hash, pow_hash AS powHash, parent_hash AS parentHash, nonce, worker,
           found_at_ms AS foundAtMs, network_difficulty AS networkDifficulty,
           share_difficulty AS shareDifficulty, work_id AS workId, block_json AS blockJson, status,
           message, attempts, updated_at_ms AS updatedAtMs, chain_status AS chainStatus,
           job_source AS jobSource FROM blocks ${tail}`,
      )
      .all(...params) as BlockRow[];
    return rows;
  }

  worker(name: string): WorkerRow | null {
    return this.workerRows('WHERE name = ?', [name])[0] ?? null;
  }

  private workerRows(tail: string, params: unknown[]): WorkerRow[] {
    return this.db
      .prepare(
        `SELECT name, accepted_shares AS acceptedShares, accepted_difficulty AS acceptedDifficulty,
           rejected_shares AS rejectedShares, blocks, first_share_ms AS firstShareAtMs,
           last_share_ms AS lastShareAtMs FROM workers ${tail}`,
      )
      .all(...params) as WorkerRow[];
  }

  /** Σ accepted difficulty and share count per worker since `sinceMs` (hashrate windows). */
  difficultySince(
    sinceMs: number,
    worker?: string,
  ): { worker: string; difficulty: number; shares: number }[] {
    if (worker !== undefined) {
      return this.db
        .prepare(
          'SELECT worker, SUM(difficulty) AS difficulty, COUNT(*) AS shares FROM shares WHERE worker = ? AND time_ms >= ? GROUP BY worker',
        )
        .all(worker, sinceMs) as { worker: string; difficulty: number; shares: number }[];
    }
    return this.db
      .prepare(
        'SELECT worker, SUM(difficulty) AS difficulty, COUNT(*) AS shares FROM shares WHERE time_ms >= ? GROUP BY worker',
      )
      .all(sinceMs) as { worker: string; difficulty: number; shares: number }[];
  }

  /**
   * Deletes shares older than `beforeMs` in chunks (worker totals, blocks and splits stay).
   * Keep more than any PPLNS window: retention is hours to days, a window minutes.
   */
  pruneShares(beforeMs: number, chunk = 10_000): number {
    const stmt = this.db.prepare(
      'DELETE FROM shares WHERE id IN (SELECT id FROM shares WHERE time_ms < ? LIMIT ?)',
    );
    let total = 0;
    for (;;) {
      const n = stmt.run(beforeMs, chunk).changes;
      total += n;
      if (n < chunk) return total;
    }
  }

  /** A SQLite ledger belongs to one host: its pool is the only payout runner. */
  holdPayoutRunner(): boolean {
    return !this.closed;
  }

  shareCount(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM shares').get() as { n: number }).n;
  }

  /** Flushes, stops the timer and closes the file. Safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.shares.close();
    } finally {
      this.db.close();
    }
  }
}
