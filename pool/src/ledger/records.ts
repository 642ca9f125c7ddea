/**
 * What the ledger keeps, as both backends (SQLite, ledger.ts; PostgreSQL, pg-ledger.ts) read and
 * write it: one set of row types, so the API, payouts and the instances never know which
 * backend is behind the LedgerStore.
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
