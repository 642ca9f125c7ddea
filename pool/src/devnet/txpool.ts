/**
 * The dev chain's transaction pool: `send_transaction` verifies a transaction against the
 * live cells (tx-verify.ts) and keeps it pending until a block containing it is accepted.
 * Simplification (documented in the README): no proposal window — a pending transaction goes
 * straight into the next template's `transactions`, and its outputs cannot be spent before it
 * is committed.
 */
import { toMinimalHex } from '../ckb/hex.js';
import { type CellState, outPointKey } from './cells.js';
import { isCellbaseShaped } from './contents.js';
import { decodeTransaction, ParamsError, type Transaction } from './json-decode.js';
import { type EpochFraction, RpcCode, toCcc, verifyTransaction } from './tx-verify.js';
import { RpcFailure } from './verify.js';

export interface PendingTx {
  tx: Transaction;
  hash: string;
  fee: bigint;
  addedAt: number;
}

/** Cycles reported for a secp256k1-blake160 input group (the node measures; we estimate). */
export const SIGHASH_ALL_CYCLES = 1_700_561n;

export class TxPool {
  private readonly pending = new Map<string, PendingTx>();
  private readonly spentBy = new Map<string, string>();

  constructor(
    private readonly cells: CellState,
    private readonly env: () => { commitEpoch: bigint; cellbaseMaturity: EpochFraction; now: number },
  ) {}

  /** send_transaction(tx, outputs_validator?): the hash, or an RpcFailure like the node's. */
  submit(params: unknown): string {
    return this.add(decodeParams(params));
  }

  /**
   * After a reorg: transactions of the detached blocks go back into the pool, re-verified
   * against the new chain, as the node does; those that no longer fit are dropped silently.
   */
  readmit(detached: Transaction[]): void {
    for (const tx of detached) {
      try {
        this.add(tx);
      } catch {}
    }
  }

  private add(tx: Transaction): string {
    if (isCellbaseShaped(tx)) {
      throw new RpcFailure(
        RpcCode.PoolRejectedMalformedTransaction,
        'PoolRejectedMalformedTransaction: cellbase like transaction is not acceptable',
      );
    }
    const hash = toCcc(tx).hash();
    if (this.pending.has(hash) || this.cells.transaction(hash)) {
      throw new RpcFailure(
        RpcCode.PoolRejectedDuplicatedTransaction,
        `PoolRejectedDuplicatedTransaction: Transaction(Byte32(${hash})) already exists in transaction_pool`,
      );
    }
    const env = this.env();
    const { fee } = verifyTransaction(tx, {
      cell: (k) => this.cells.cell(k),
      spentByPending: (k) => this.spentBy.has(k),
      spentOnChain: (k) => this.cells.isSpent(k),
      commitEpoch: env.commitEpoch,
      cellbaseMaturity: env.cellbaseMaturity,
    });
    this.pending.set(hash, { tx, hash, fee, addedAt: env.now });
    for (const k of inputKeys(tx)) this.spentBy.set(k, hash);
    return hash;
  }

  /**
   * Forgets every pending transaction, as a node restarted without its pool file does: how a
   * test makes the node lose a transaction a reorg put back in the pool.
   */
  clear(): void {
    this.pending.clear();
    this.spentBy.clear();
  }

  get(hash: string): PendingTx | null {
    return this.pending.get(hash) ?? null;
  }

  /** Pending transactions in arrival order (what the next template carries). */
  list(): PendingTx[] {
    return [...this.pending.values()];
  }

  /** After the cell state changed: drop what got committed or can no longer resolve. */
  refresh(): void {
    for (const [hash, p] of this.pending) {
      const keys = inputKeys(p.tx);
      if (this.cells.transaction(hash) || !keys.every((k) => this.cells.cell(k))) {
        this.pending.delete(hash);
        for (const k of keys) if (this.spentBy.get(k) === hash) this.spentBy.delete(k);
      }
    }
  }
}

function inputKeys(tx: Transaction): string[] {
  return tx.inputs.map((i) => outPointKey(i.previousOutput.txHash, i.previousOutput.index));
}

function decodeParams(params: unknown): Transaction {
  try {
    if (!Array.isArray(params) || params.length < 1 || params.length > 2) {
      throw new ParamsError('invalid length, expected a tuple of size 1 or 2', 'params');
    }
    const validator = params[1];
    if (
      validator !== undefined &&
      validator !== null &&
      validator !== 'passthrough' &&
      validator !== 'well_known_scripts_only'
    ) {
      throw new ParamsError(
        `unknown variant \`${String(validator)}\`, expected \`passthrough\` or \`well_known_scripts_only\``,
        'params[1]',
      );
    }
    return decodeTransaction(params[0], 'params[0]');
  } catch (err) {
    if (err instanceof ParamsError)
      throw new RpcFailure(-32602, `Invalid params: ${err.message}.`, `at ${err.path}`);
    throw err;
  }
}

/** get_transaction's TransactionWithStatusResponse (verbosity 2, or 0 = Molecule hex). */
export function transactionWithStatus(
  cells: CellState,
  pool: TxPool,
  hash: string,
  verbosity: bigint,
  toJson: (tx: Transaction) => unknown,
  toHex: (tx: Transaction) => string,
): unknown {
  const committed = cells.transaction(hash);
  const pending = committed ? null : pool.get(hash);
  const tx = committed?.tx ?? pending?.tx ?? null;
  const view =
    tx === null || verbosity === 1n
      ? null
      : verbosity === 0n
        ? toHex(tx)
        : { ...(toJson(tx) as object), hash };
  const status = committed ? 'committed' : pending ? 'pending' : 'unknown';
  return {
    transaction: view,
    cycles: tx && !isCellbaseShaped(tx) ? toMinimalHex(SIGHASH_ALL_CYCLES) : null,
    time_added_to_pool: pending ? toMinimalHex(pending.addedAt) : null,
    tx_status: {
      status,
      block_number: committed ? toMinimalHex(committed.blockNumber) : null,
      block_hash: committed ? committed.blockHash : null,
      tx_index: committed ? toMinimalHex(committed.index) : null,
      reason: null,
    },
    fee: pending ? toMinimalHex(pending.fee) : null,
    min_replace_fee: null,
  };
}
