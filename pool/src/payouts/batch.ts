/**
 * One payout batch: one transaction, many outputs, built and signed with CCC from the pool
 * wallet. Inputs are chosen here from matured wallet cells (CCC is never left to add inputs of
 * its own, which could pick an immature cellbase); change goes back to the wallet lock.
 */
import { ccc } from '@ckb-ccc/core';
import { cccA } from '@ckb-ccc/core/advanced';
import { asLike } from '../ckb/ccc-like.js';
import type { PayoutOutputPlan } from './selection.js';
import { MIN_CELL_SHANNONS, SHANNONS_PER_CKB } from './selection.js';
import type { WalletCell } from './wallet-cells.js';

/** Inputs cover the outputs plus a change cell and a fee far above any capped fee rate. */
const CHANGE_AND_FEE_MARGIN = MIN_CELL_SHANNONS + SHANNONS_PER_CKB;

export class InsufficientFundsError extends Error {
  constructor(
    readonly needed: bigint,
    readonly available: bigint,
  ) {
    super(`the pool wallet has ${available} spendable shannons; the batch needs ${needed}`);
    this.name = 'InsufficientFundsError';
  }
}

export interface BuiltBatch {
  tx: ccc.Transaction;
  txHash: string;
  /** The signed transaction as send_transaction takes it, JSON text. */
  txJson: string;
  fee: bigint;
  /** Serialized size in a block (transaction + 4). */
  size: number;
}

export async function buildBatch(opts: {
  signer: ccc.Signer;
  walletLock: ccc.Script;
  cells: readonly WalletCell[];
  outputs: readonly PayoutOutputPlan[];
  feeRate: bigint;
}): Promise<BuiltBatch> {
  const { signer, walletLock, cells, outputs, feeRate } = opts;
  const paying = outputs.reduce((a, o) => a + o.amount, 0n);
  const needed = paying + CHANGE_AND_FEE_MARGIN;
  const inputs: WalletCell[] = [];
  let have = 0n;
  for (const c of cells) {
    if (have >= needed) break;
    inputs.push(c);
    have += c.capacity;
  }
  if (have < needed)
    throw new InsufficientFundsError(
      needed,
      cells.reduce((a, c) => a + c.capacity, 0n),
    );
  const tx = ccc.Transaction.from({
    inputs: inputs.map((c) => ({
      previousOutput: { txHash: c.txHash, index: c.index },
      cellOutput: { capacity: c.capacity, lock: walletLock },
      outputData: '0x',
    })),
    outputs: outputs.map((o) => ({ capacity: o.amount, lock: o.lock })),
    outputsData: outputs.map(() => '0x'),
  });
  await tx.completeFeeChangeToLock(signer, walletLock, feeRate, undefined, { shouldAddInputs: false });
  const signed = await signer.signTransaction(asLike(tx));
  const outSum = signed.outputs.reduce((a, o) => a + o.capacity, 0n);
  return {
    tx: signed,
    txHash: signed.hash(),
    txJson: JSON.stringify(cccA.JsonRpcTransformers.transactionFrom(asLike(signed))),
    fee: have - outSum,
    size: signed.toBytes().length + 4,
  };
}
