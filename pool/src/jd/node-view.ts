/**
 * What the JDS asks of the pool's own CKB node to judge a declaration
 * (docs/job-declaration-ckb.md §4). The JDS re-implements no consensus rule the node already
 * applies to its own template: epoch, difficulty, the cellbase reward of block N − 11, the
 * extension and the eligible uncles all come from the node's template for the declared parent.
 * Implementations: the node's RPC (rpc-view.ts); a dev chain view for tests
 * (pool/test/support/jd-devnet-view.ts).
 */
import type { CellOutput, Transaction } from '../ckb/transaction.js';

/** How the declared parent relates to the node's chain. */
export type ParentStatus = 'tip' | 'recent' | 'stale';

/** What the node's own template for a child of this parent says. */
export interface ChildTemplate {
  version: number;
  compactTarget: number;
  epoch: bigint;
  /** The cellbase outputs the chain fixes (block N − 11's reward), with their data. */
  cellbaseOutputs: CellOutput[];
  cellbaseOutputsData: Uint8Array[];
  /** null when the chain has no block extension. */
  extension: Uint8Array | null;
  /** 0x-hex hashes of the uncles the node would include. */
  uncleHashes: string[];
  unclesCountLimit: number;
  bytesLimit: bigint;
  cyclesLimit: bigint;
}

export interface ParentContext {
  status: ParentStatus;
  number: bigint;
  /** Median timestamp of the parent and its 36 ancestors: a child must be later. */
  medianTime: bigint;
  child: ChildTemplate;
}

/** A transaction the node's pool holds. */
export interface PoolTransaction {
  tx: Transaction;
  cycles: bigint;
  /** Proposed in the window [N − 10, N − 2], so committable in the next block. */
  proposed: boolean;
}

export type ExpectedDao = { dao: Uint8Array } | { refusal: string };

export interface JdNodeView {
  /** null when the node does not know the block. */
  parent(hashHex: string): Promise<ParentContext | null>;
  nowMs(): bigint;
  poolTransaction(txHashHex: string): Promise<PoolTransaction | null>;
  isCommitted(txHashHex: string): Promise<boolean>;
  /** send_transaction to the node: its pool entry, or the node's reason for refusing. */
  submitTransaction(
    tx: Transaction,
  ): Promise<{ ok: true; entry: PoolTransaction } | { ok: false; reason: string }>;
  /**
   * The DAO field the node would give a child of `parentHashHex` committing `transactions`
   * (cellbase first), or why it cannot say (e.g. a DAO withdrawal the view cannot price).
   */
  expectedDao(
    parentHashHex: string,
    number: bigint,
    transactions: readonly Transaction[],
  ): Promise<ExpectedDao>;
}
