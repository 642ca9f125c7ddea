/**
 * What the ledger keeps for paying miners (schema version 3, both backends): the reward each
 * found block actually received, the credits it gives each account, and payout batches. Amounts
 * are shannons as bigint. A balance is never stored: it is matured credits minus the outputs of
 * batches that did not fail, so writing a batch IS the debit and failing it restores it.
 */

/**
 * `immature`: the cellbase of block N+11 paid it, not spendable yet; `matured`: spendable and
 * deep enough, its credits payable; `orphaned`: the block (or its reward block) left the main
 * chain, its credits dropped.
 */
export type RewardStatus = 'immature' | 'matured' | 'orphaned';

export interface NewReward {
  blockId: number;
  /** Capacity the cellbase of block N+11 pays to the pool lock. */
  shannons: bigint;
  rewardBlockNumber: number;
  rewardBlockHash: string;
  /** Packed epoch (number | index << 24 | length << 40) of the reward block, 0x hex. */
  rewardEpoch: string;
}

export interface RewardRow extends NewReward {
  status: RewardStatus;
  message: string | null;
  updatedAtMs: number;
}

export interface NewCredit {
  /** A canonical address, or a worker name that is never paid. */
  account: string;
  amount: bigint;
  payable: boolean;
  /** `miner` (the PPLNS split) or `fee` (the pool fee, to the operator address). */
  kind: 'miner' | 'fee';
}

export interface AccountBalance {
  account: string;
  /** Matured credits minus the outputs of batches that did not fail. */
  balance: bigint;
  immature: bigint;
  /** Outputs of committed batches. */
  paid: bigint;
  /** An address (paid when its balance reaches the threshold) rather than a bare worker name. */
  payable: boolean;
}

/** `pending`: written (signed) before send_transaction, not yet seen committed. */
export type PayoutBatchStatus = 'pending' | 'committed' | 'failed';

export interface PayoutOutput {
  address: string;
  amount: bigint;
}

export interface NewPayoutBatch {
  txHash: string;
  /** The signed transaction as the node's JSON, re-sent unchanged after a restart. */
  txJson: string;
  fee: bigint;
  outputs: PayoutOutput[];
}

/** One output paying an account, with its batch's state. */
export interface AccountPayout {
  txHash: string;
  amount: bigint;
  status: PayoutBatchStatus;
  /** When the batch last changed state (written, committed or failed). */
  updatedAtMs: number;
}

export interface PayoutBatchRow extends NewPayoutBatch {
  id: number;
  status: PayoutBatchStatus;
  message: string | null;
  /**
   * The block a committed batch was seen in (null otherwise, and for batches committed before
   * schema version 4): the payer re-checks it against reorgs until it is deep enough.
   */
  committedBlock: number | null;
  createdAtMs: number;
  updatedAtMs: number;
}

/** A batch would pay an account more than its balance (a second payer, or a bug). */
export class OverdraftError extends Error {
  constructor(
    readonly account: string,
    readonly amount: bigint,
    readonly balance: bigint,
  ) {
    super(`payout of ${amount} shannons to ${account} exceeds its balance of ${balance}`);
    this.name = 'OverdraftError';
  }
}
