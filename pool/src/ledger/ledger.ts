import Database from 'better-sqlite3';
import { accountTablesSql, type RegisteredAccount } from './account-schema.js';
import { AccountTables } from './account-tables.js';
import { BlockHeights } from './heights.js';
import { AWAITING_REWARD_WHERE, PAYOUT_TABLES_SQL, PayoutTables } from './payout-tables.js';
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
import type { LedgerStore } from './store.js';

/**
 * The pool's ledger: one SQLite file in WAL mode. Accepted shares are queued in memory and
 * written in one transaction per flush interval (a crash loses at most that interval); found
 * blocks and their PPLNS split are written synchronously, before the block is submitted, so a
 * found block is never lost.
 */

export type BlockStatus = 'pending' | 'submitted' | 'accepted' | 'rejected';

export interface ShareRecord {
  worker: string;
  difficulty: number;
  timeMs: number;
  height: number;
}

export interface NewBlock {
  height: number;
  /** 0x-prefixed hex strings, as the node writes them. */
  hash: string;
  powHash: string;
  parentHash: string;
  nonce: string;
  worker: string;
  foundAtMs: number;
  networkDifficulty: number;
  shareDifficulty: number;
  workId: string;
  /** The submit_block JSON (everything needed to submit again after a restart). */
  blockJson: string;
  /** Whose block it was: the pool's template, or a miner's declared job (JDS); 'pool' when absent. */
  jobSource?: JobSource;
}

/** Where a found block's transactions came from (docs/job-declaration-ckb.md §6). */
export type JobSource = 'pool' | 'declared';

/**
 * Where a block stands in the node's main chain: `main` (seen at its height, may still be
 * reorganised), `confirmed` (at its height and CONFIRMATION_DEPTH deep: its reward is final,
 * its split payable), `orphaned` (lost: another block holds its height), `contending` (found
 * where the pool already has a block at that height: counted only if the chain picks it;
 * heights.ts). Null until first checked.
 */
export type ChainStatus = 'main' | 'confirmed' | 'orphaned' | 'contending';

/** Block counts: by status, and how many lost at their height or still contend for one. */
export type BlockCounts = Record<BlockStatus | 'orphaned' | 'contending', number>;

export interface BlockRow extends NewBlock {
  id: number;
  jobSource: JobSource;
  status: BlockStatus;
  message: string | null;
  attempts: number;
  updatedAtMs: number;
  chainStatus: ChainStatus | null;
}

export interface WorkerRow {
  name: string;
  acceptedShares: number;
  acceptedDifficulty: number;
  rejectedShares: number;
  blocks: number;
  firstShareAtMs: number | null;
  lastShareAtMs: number | null;
}

export interface SplitRow {
  worker: string;
  difficulty: number;
  parts: number;
}

export interface LedgerOptions {
  /** Share flush interval; 0 disables the timer (the caller flushes). */
  flushIntervalMs?: number;
  /** Called after each non-empty flush with its duration, for the metric. */
  onFlush?: (seconds: number, shares: number) => void;
  /** Called when a flush fails (disk full…); the batch stays queued and is retried. */
  onError?: (err: unknown) => void;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS shares (
  id INTEGER PRIMARY KEY,
  worker TEXT NOT NULL,
  difficulty REAL NOT NULL,
  time_ms INTEGER NOT NULL,
  height INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS shares_time ON shares(time_ms);
CREATE TABLE IF NOT EXISTS workers (
  name TEXT PRIMARY KEY,
  accepted_shares INTEGER NOT NULL DEFAULT 0,
  accepted_difficulty REAL NOT NULL DEFAULT 0,
  rejected_shares INTEGER NOT NULL DEFAULT 0,
  blocks INTEGER NOT NULL DEFAULT 0,
  first_share_ms INTEGER,
  last_share_ms INTEGER
);
CREATE TABLE IF NOT EXISTS blocks (
  id INTEGER PRIMARY KEY,
  height INTEGER NOT NULL,
  hash TEXT NOT NULL UNIQUE,
  pow_hash TEXT NOT NULL,
  parent_hash TEXT NOT NULL,
  nonce TEXT NOT NULL,
  worker TEXT NOT NULL,
  found_at_ms INTEGER NOT NULL,
  network_difficulty REAL NOT NULL,
  share_difficulty REAL NOT NULL,
  work_id TEXT NOT NULL,
  block_json TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending','submitted','accepted','rejected')),
  message TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  updated_at_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS blocks_status ON blocks(status);
CREATE TABLE IF NOT EXISTS block_splits (
  block_id INTEGER NOT NULL REFERENCES blocks(id),
  worker TEXT NOT NULL,
  difficulty REAL NOT NULL,
  parts INTEGER NOT NULL,
  PRIMARY KEY (block_id, worker)
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', '1');
`;
// The text above is version 1, on purpose: a new file and an old one take the same
// MIGRATIONS path to SCHEMA_VERSION, so no step exists only for upgraded pools.

/** The schema this code reads and writes; `meta.schema_version` of a migrated file. */
export const SCHEMA_VERSION = 5;

/**
 * Migration to version N (key) from N − 1, each run once, in its own transaction together with
 * the version bump, so an upgraded pool finds the file either before or after a step, never
 * half-way. Each step also tolerates finding its change already made: pools before the version
 * bump existed added the v2 column but left `schema_version` at '1'.
 */
const MIGRATIONS: Record<number, (db: Database.Database) => void> = {
  // Chain status of accepted blocks (an added column: old rows read as not yet checked).
  2: (db) => {
    const cols = db.prepare('PRAGMA table_info(blocks)').all() as { name: string }[];
    if (!cols.some((c) => c.name === 'chain_status'))
      db.exec('ALTER TABLE blocks ADD COLUMN chain_status TEXT');
  },
  // Rewards as the chain paid them, credits per account, payout batches (payout-tables.ts).
  3: (db) => db.exec(PAYOUT_TABLES_SQL),
  // Registered accounts, and the block a payout batch was committed in (account-schema.ts).
  4: (db) => {
    db.exec(accountTablesSql('INTEGER'));
    const cols = db.prepare('PRAGMA table_info(payout_batches)').all() as { name: string }[];
    if (!cols.some((c) => c.name === 'committed_block'))
      db.exec('ALTER TABLE payout_batches ADD COLUMN committed_block INTEGER');
  },
  // Blocks found on a miner's declared job (Job Declaration); older rows were all the pool's.
  5: (db) => {
    const cols = db.prepare('PRAGMA table_info(blocks)').all() as { name: string }[];
    if (!cols.some((c) => c.name === 'job_source'))
      db.exec("ALTER TABLE blocks ADD COLUMN job_source TEXT NOT NULL DEFAULT 'pool'");
  },
};

/** The file's schema version (a fresh file starts at 1, the SCHEMA above). */
export function schemaVersion(db: Database.Database): number {
  const row = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as
    | { value: string }
    | undefined;
  const v = Number(row?.value ?? '1');
  if (!Number.isInteger(v) || v < 1)
    throw new Error(`ledger meta.schema_version '${row?.value}' is not a version`);
  return v;
}

/** Brings the file to SCHEMA_VERSION; refuses a file from a newer pool (a downgrade). */
export function migrate(db: Database.Database): void {
  const from = schemaVersion(db);
  if (from > SCHEMA_VERSION) {
    throw new Error(
      `the ledger has schema version ${from}, newer than this ckb-pool understands (${SCHEMA_VERSION}): ` +
        'it was written by a newer release. Run that release, or restore a backup taken before the upgrade.',
    );
  }
  for (let v = from + 1; v <= SCHEMA_VERSION; v++) {
    db.transaction(() => {
      MIGRATIONS[v]?.(db);
      db.prepare("UPDATE meta SET value = ? WHERE key = 'schema_version'").run(String(v));
    })();
  }
}

const SHARE_CHUNK = 64;
/** Shares per transaction on the timer's flush (a few milliseconds of work). */
const FLUSH_CHUNK = 2_000;

interface RejectedCount {
  count: number;
  atMs: number;
}

export class Ledger implements LedgerStore {
  readonly db: Database.Database;
  private queue: ShareRecord[] = [];
  private rejected = new Map<string, RejectedCount>();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private flushing = false;
  private readonly stmts;
  private readonly heights: BlockHeights;
  private readonly payouts: PayoutTables;
  private readonly accounts: AccountTables;
  private readonly flushTx: (shares: ShareRecord[], rejected: Map<string, RejectedCount>) => void;

  constructor(
    readonly path: string,
    private readonly opts: LedgerOptions = {},
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
      insertShare: db.prepare('INSERT INTO shares(worker, difficulty, time_ms, height) VALUES (?, ?, ?, ?)'),
      // One statement per SHARE_CHUNK rows: far fewer VM round trips than row by row.
      insertShares: db.prepare(
        `INSERT INTO shares(worker, difficulty, time_ms, height) VALUES ${Array(SHARE_CHUNK).fill('(?, ?, ?, ?)').join(', ')}`,
      ),
      upsertWorker: db.prepare(
        `INSERT INTO workers(name, accepted_shares, accepted_difficulty, first_share_ms, last_share_ms)
         VALUES (@name, @n, @d, @first, @last)
         ON CONFLICT(name) DO UPDATE SET accepted_shares = accepted_shares + @n,
           accepted_difficulty = accepted_difficulty + @d,
           first_share_ms = COALESCE(first_share_ms, @first),
           last_share_ms = MAX(COALESCE(last_share_ms, 0), @last)`,
      ),
      // Only workers that did accepted work have a row: a name that only sends rejected shares
      // (free to invent by the thousand) costs no row, just the rejected-shares metric.
      addRejected: db.prepare('UPDATE workers SET rejected_shares = rejected_shares + ? WHERE name = ?'),
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
    this.flushTx = this.db.transaction((shares: ShareRecord[], rejected: Map<string, RejectedCount>) => {
      const agg = new Map<string, { n: number; d: number; first: number; last: number }>();
      const full = shares.length - (shares.length % SHARE_CHUNK);
      const params: (string | number)[] = new Array(SHARE_CHUNK * 4);
      for (let i = 0; i < full; i += SHARE_CHUNK) {
        for (let j = 0; j < SHARE_CHUNK; j++) {
          const s = shares[i + j];
          params[j * 4] = s.worker;
          params[j * 4 + 1] = s.difficulty;
          params[j * 4 + 2] = s.timeMs;
          params[j * 4 + 3] = s.height;
        }
        this.stmts.insertShares.run(params);
      }
      for (let i = full; i < shares.length; i++) {
        const s = shares[i];
        this.stmts.insertShare.run(s.worker, s.difficulty, s.timeMs, s.height);
      }
      for (const s of shares) {
        const a = agg.get(s.worker);
        if (a) {
          a.n += 1;
          a.d += s.difficulty;
          a.first = Math.min(a.first, s.timeMs);
          a.last = Math.max(a.last, s.timeMs);
        } else {
          agg.set(s.worker, { n: 1, d: s.difficulty, first: s.timeMs, last: s.timeMs });
        }
      }
      for (const [name, a] of agg) this.stmts.upsertWorker.run({ name, ...a });
      for (const [name, r] of rejected) this.stmts.addRejected.run(r.count, name);
    });
    const interval = opts.flushIntervalMs ?? 1000;
    if (interval > 0) {
      this.timer = setInterval(() => void this.safeFlush(), interval);
      this.timer.unref();
    }
  }

  /** Queues an accepted share; written at the next flush. */
  recordShare(share: ShareRecord): void {
    this.queue.push(share);
  }

  /** Counts a rejected share against a worker that has done accepted work (aggregate only). */
  recordRejected(worker: string, atMs: number): void {
    const r = this.rejected.get(worker);
    if (r) r.count += 1;
    else this.rejected.set(worker, { count: 1, atMs });
  }

  get queuedShares(): number {
    return this.queue.length;
  }

  /** Writes queued shares in one transaction. Throws on a database error (batch kept). */
  flush(): number {
    if (this.queue.length === 0 && this.rejected.size === 0) return 0;
    const shares = this.queue;
    const rejected = this.rejected;
    const t0 = performance.now();
    this.flushTx(shares, rejected);
    this.queue = [];
    this.rejected = new Map();
    if (shares.length > 0) this.opts.onFlush?.((performance.now() - t0) / 1000, shares.length);
    return shares.length;
  }

  /**
   * The timer's flush: one transaction per FLUSH_CHUNK shares, yielding to the event loop in
   * between, so a large batch never stalls share processing for long. Each committed chunk is
   * durable; what a crash can lose is still bounded by the interval.
   */
  private async safeFlush(): Promise<void> {
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
          this.flushTx(chunk, rejected);
        } catch (err) {
          // Keep the batch (in order) for the next attempt.
          this.queue = chunk.concat(this.queue);
          for (const [w, r] of rejected) this.recordRejectedCount(w, r);
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

  private recordRejectedCount(worker: string, r: RejectedCount): void {
    const cur = this.rejected.get(worker);
    if (cur) cur.count += r.count;
    else this.rejected.set(worker, { ...r });
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
    if (this.timer) clearInterval(this.timer);
    try {
      this.flush();
    } finally {
      this.db.close();
    }
  }
}
