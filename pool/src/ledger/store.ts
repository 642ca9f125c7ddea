import type { RegisteredAccount } from './account-schema.js';
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
import type { PplnsSplit } from './pplns.js';
import type { BlockSummary, Page } from './reader.js';
import type {
  BlockCounts,
  BlockRow,
  BlockStatus,
  ChainStatus,
  NewBlock,
  ShareRecord,
  SplitRow,
  WorkerRow,
} from './records.js';

/**
 * The ledger as the pool uses it, whichever database holds it: SQLite (`Ledger`, one host,
 * synchronous) or PostgreSQL (`PgLedger`, shared by several hosts, asynchronous). Callers
 * `await` every result, so a synchronous backend satisfies the interface unchanged.
 */

export type Awaitable<T> = T | Promise<T>;

export interface RecordedBlock {
  id: number;
  split: PplnsSplit | null;
  counted: boolean;
}

export interface LedgerStore {
  /** Queues an accepted share; written at the next flush. */
  recordShare(share: ShareRecord): void;
  /** Counts a rejected share against a worker that has done accepted work (aggregate only). */
  recordRejected(worker: string, atMs: number): void;
  readonly queuedShares: number;
  /** Writes queued shares; resolves to how many. Rejects on a database error (batch kept). */
  flush(): Awaitable<number>;
  addPendingBlock(block: NewBlock, windowDifficulty: number): Awaitable<RecordedBlock>;
  markSubmitting(id: number, nowMs?: number): Awaitable<void>;
  setBlockVerdict(
    id: number,
    status: 'accepted' | 'rejected',
    message: string | null,
    nowMs?: number,
  ): Awaitable<void>;
  blocksToConfirm(): Awaitable<BlockRow[]>;
  setChainStatus(
    id: number,
    chainStatus: Exclude<ChainStatus, 'contending'>,
    nowMs?: number,
  ): Awaitable<void>;
  payableBlocks(): Awaitable<BlockRow[]>;
  unresolvedBlocks(): Awaitable<BlockRow[]>;
  blocks(limit?: number, offset?: number): Awaitable<BlockRow[]>;
  block(id: number): Awaitable<BlockRow | null>;
  blockSplit(id: number): Awaitable<SplitRow[]>;
  blockCounts(): Awaitable<BlockCounts>;
  worker(name: string): Awaitable<WorkerRow | null>;
  difficultySince(
    sinceMs: number,
    worker?: string,
  ): Awaitable<{ worker: string; difficulty: number; shares: number }[]>;
  pruneShares(beforeMs: number, chunk?: number): Awaitable<number>;
  // Payouts (payout-types.ts): rewards as the chain paid them, credits, batches.
  /** Accepted blocks on the main chain whose reward is not recorded yet, oldest first. */
  blocksAwaitingReward(): Awaitable<BlockRow[]>;
  /** Writes a block's reward (immature) and its credits together; false if already recorded. */
  recordReward(reward: NewReward, credits: NewCredit[], nowMs?: number): Awaitable<boolean>;
  rewards(status?: RewardStatus): Awaitable<RewardRow[]>;
  /** Moves an immature reward to matured (credits payable) or orphaned (credits dropped). */
  settleReward(
    blockId: number,
    status: Exclude<RewardStatus, 'immature'>,
    message: string | null,
    nowMs?: number,
  ): Awaitable<boolean>;
  accountBalances(): Awaitable<AccountBalance[]>;
  /** One account's balance; null when nothing was ever credited or paid to it. */
  accountBalance(account: string): Awaitable<AccountBalance | null>;
  /** The newest `limit` outputs paying `address`, newest batch first. */
  accountPayouts(address: string, limit: number): Awaitable<AccountPayout[]>;
  /** Writes a signed batch and its outputs (the debit) at once; OverdraftError writes nothing. */
  createPayoutBatch(batch: NewPayoutBatch, nowMs?: number): Awaitable<number>;
  /** Newest first. */
  payoutBatches(status?: PayoutBatchStatus, limit?: number): Awaitable<PayoutBatchRow[]>;
  /**
   * Settles a pending batch; `failed` restores its debits; `committed` records the block it was
   * seen in (re-checked against reorgs). False when it was not pending.
   */
  settlePayoutBatch(
    id: number,
    status: Exclude<PayoutBatchStatus, 'pending'>,
    message: string | null,
    nowMs?: number,
    committedBlock?: number | null,
  ): Awaitable<boolean>;
  /** A committed batch whose transaction left the main chain goes back to pending (still debited). */
  reopenPayoutBatch(id: number, message: string, nowMs?: number): Awaitable<boolean>;
  // accounts.mode registered (account-schema.ts): worker names mapped to addresses.
  /** Maps `name` to `address` (an earlier mapping replaced); true when the name was new. */
  registerAccount(name: string, address: string, nowMs?: number): Awaitable<boolean>;
  /** Forgets `name`; false when it was not registered. */
  removeAccount(name: string): Awaitable<boolean>;
  /** Every registered name, by name. */
  registeredAccounts(): Awaitable<RegisteredAccount[]>;
  /**
   * Whether this host may run a payout cycle now: with several hosts on one PostgreSQL ledger
   * only the holder of the runner lock does (pg-runner-lock.ts); a SQLite ledger has one host.
   */
  holdPayoutRunner(): Awaitable<boolean>;
  shareCount(): Awaitable<number>;
  /** Flushes, stops the timer and closes the connection(s). Safe to call twice. */
  close(): Awaitable<void>;
}

/** The HTTP API's read side: reader.ts (SQLite) or pg-reader.ts (PostgreSQL). */
export interface LedgerReadSide {
  workers(limit: number, cursor: string | null): Awaitable<Page<WorkerRow>>;
  worker(name: string): Awaitable<WorkerRow | null>;
  blocks(limit: number, cursor: string | null): Awaitable<Page<BlockSummary>>;
  blockSplit(id: number): Awaitable<SplitRow[]>;
  blockCounts(): Awaitable<Record<BlockStatus, number>>;
  /** The workers of an account: the name itself and every `<account>.<worker>`. */
  accountWorkers(account: string, limit: number): Awaitable<WorkerRow[]>;
  /** Blocks found by an account's workers, newest first. */
  accountBlocks(account: string, limit: number): Awaitable<BlockSummary[]>;
  /**
   * Accepted difficulty per `bucketMs` since `sinceMs` (oldest first, empty buckets left out),
   * of the whole pool (`account` null) or of one account: what the hashrate charts draw.
   */
  difficultySeries(account: string | null, sinceMs: number, bucketMs: number): Awaitable<SeriesPoint[]>;
  close(): void;
}

export interface SeriesPoint {
  /** Start of the bucket. */
  atMs: number;
  difficulty: number;
}

/**
 * The name range of an account's `<account>.<worker>` names: every name that starts with
 * `<account>.` sorts at or after `from` and before `to` ('/' follows '.'), so the query uses
 * the primary-key index and needs no LIKE escaping.
 */
export function accountNameRange(account: string): { from: string; to: string } {
  return { from: `${account}.`, to: `${account}/` };
}
