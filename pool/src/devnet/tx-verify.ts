/**
 * `send_transaction` checks as the node's tx-pool runs them (tx-pool/src/process.rs,
 * verification/src/transaction_verifier.rs), with the node's error codes and wording:
 * resolve (-301), output capacity ≥ occupied and inputs ≥ outputs (-302), cellbase maturity
 * (-302), min fee rate 1000 shannons/KW over the serialized size + 4 (-1104), and the
 * secp256k1-blake160 sighash-all lock of each input group (-302, the script's error code).
 *
 * Hashing, serialization, occupied sizes and the sighash message come from `@ckb-ccc/core`,
 * public-key recovery from `@noble/curves`: the dev chain composes them but implements no
 * cryptography of its own. Scripts other than the default secp256k1-blake160 lock cannot run
 * here and are refused.
 */
import { ccc } from '@ckb-ccc/core';
import { cccA } from '@ckb-ccc/core/advanced';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { epochParts } from '../ckb/header.js';
import { bytesToHex0x } from '../ckb/hex.js';
import { type LiveCell, outPointKey } from './cells.js';
import { transactionToJson } from './codec.js';
import type { Transaction } from './json-decode.js';
import { SECP256K1_BLAKE160_CODE_HASH } from './lock.js';
import { RpcFailure } from './verify.js';

/** tx_pool.min_fee_rate default: shannons per 1000 weight (bytes). */
export const MIN_FEE_RATE = 1000n;

export const RpcCode = {
  TransactionFailedToResolve: -301,
  TransactionFailedToVerify: -302,
  PoolRejectedTransactionByMinFeeRate: -1104,
  PoolRejectedDuplicatedTransaction: -1107,
  PoolRejectedMalformedTransaction: -1108,
} as const;

/** Cellbase maturity as an epoch fraction (`number + index/length` epochs). */
export interface EpochFraction {
  number: bigint;
  index: number;
  length: number;
}

export interface TxContext {
  /** Live cell by outpoint key, or null; `spentByPending` is checked by the caller's lookup. */
  cell(key: string): LiveCell | null;
  spentByPending(key: string): boolean;
  /** The outpoint's transaction is committed but this output is spent (Dead, not Unknown). */
  spentOnChain(key: string): boolean;
  /** Packed epoch of the block that would commit the transaction (tip + 1). */
  commitEpoch: bigint;
  cellbaseMaturity: EpochFraction;
}

function failure(code: keyof typeof RpcCode, message: string): RpcFailure {
  return new RpcFailure(RpcCode[code], `${code}: ${message}`);
}

function verifyFailed(reason: string): RpcFailure {
  return failure('TransactionFailedToVerify', `Verification failed ${reason}`);
}

export function toCcc(tx: Transaction): ccc.Transaction {
  return cccA.JsonRpcTransformers.transactionTo(transactionToJson(tx) as never);
}

/** Serialized size in a block: the transaction plus its 4-byte offset (get_transaction_size). */
export function blockSize(cccTx: ccc.Transaction): bigint {
  return BigInt(cccTx.toBytes().length + 4);
}

/** epoch_a + maturity > epoch_b, as rationals (EpochNumberWithFraction::to_rational). */
function immature(created: bigint, maturity: EpochFraction, commit: bigint): boolean {
  const c = epochParts(created);
  const n = epochParts(commit);
  // created + maturity as a fraction over c.length * maturity.length
  const den = BigInt(c.length) * BigInt(maturity.length);
  const sum =
    (c.number * BigInt(c.length) + BigInt(c.index)) * BigInt(maturity.length) +
    (maturity.number * BigInt(maturity.length) + BigInt(maturity.index)) * BigInt(c.length);
  const commitNum = n.number * BigInt(n.length) + BigInt(n.index);
  return sum * BigInt(n.length) > commitNum * den;
}

/** Resolves inputs, checks capacity, maturity and fee; returns the resolved cells and fee. */
export function verifyTransaction(tx: Transaction, ctx: TxContext): { fee: bigint; size: bigint } {
  if (tx.inputs.length === 0) throw verifyFailed('Transaction(Empty(Inputs))');
  if (tx.outputs.length !== tx.outputsData.length) {
    throw verifyFailed(
      `Transaction(OutputsDataLengthMismatch: expected outputs data length (${tx.outputsData.length}) = outputs length (${tx.outputs.length}))`,
    );
  }
  const cells: LiveCell[] = [];
  const seen = new Set<string>();
  for (const input of tx.inputs) {
    const key = outPointKey(input.previousOutput.txHash, input.previousOutput.index);
    // The same cell twice in one transaction is a double spend: Dead on its second use.
    if (seen.has(key)) throw failure('TransactionFailedToResolve', `Resolve failed Dead(OutPoint(${key}))`);
    seen.add(key);
    const cell = ctx.cell(key);
    if (!cell) {
      const status = ctx.spentOnChain(key) ? 'Dead' : 'Unknown';
      throw failure('TransactionFailedToResolve', `Resolve failed ${status}(OutPoint(${key}))`);
    }
    if (ctx.spentByPending(key))
      throw failure('TransactionFailedToResolve', `Resolve failed Dead(OutPoint(${key}))`);
    cells.push(cell);
  }
  const cccTx = toCcc(tx);
  cccTx.outputs.forEach((o, i) => {
    const occupied = ccc.fixedPointFrom(o.occupiedSize + ccc.bytesFrom(cccTx.outputsData[i] ?? '0x').length);
    if (o.capacity < occupied) {
      throw verifyFailed(
        `Transaction(InsufficientCellCapacity(Outputs[${i}]): expected occupied capacity (${occupied}) <= capacity (${o.capacity}))`,
      );
    }
  });
  const inputsSum = cells.reduce((a, c) => a + c.output.capacity, 0n);
  const outputsSum = cccTx.getOutputsCapacity();
  if (outputsSum > inputsSum) {
    throw verifyFailed(
      `Transaction(OutputsSumOverflow: expected outputs capacity (${outputsSum}) <= inputs capacity (${inputsSum}))`,
    );
  }
  const size = blockSize(cccTx);
  const fee = inputsSum - outputsSum;
  const minFee = (size * MIN_FEE_RATE) / 1000n;
  if (fee < minFee) {
    throw failure(
      'PoolRejectedTransactionByMinFeeRate',
      `The min fee rate is ${MIN_FEE_RATE} shannons/KW, requires a transaction fee of at least ${minFee}, but the fee provided is only ${fee}`,
    );
  }
  cells.forEach((c, i) => {
    if (c.cellbase && c.blockNumber > 0n && immature(c.epoch, ctx.cellbaseMaturity, ctx.commitEpoch)) {
      throw verifyFailed(`Transaction(CellbaseImmaturity(Inputs[${i}]))`);
    }
  });
  verifyLocks(cccTx, cells);
  return { fee, size };
}

/** secp256k1_blake160_sighash_all error codes (ckb-system-scripts). */
const ERROR_SECP_RECOVER_PUBKEY = -11;
const ERROR_WITNESS_SIZE = -22;
const ERROR_PUBKEY_BLAKE160_HASH = -31;

function scriptFailed(index: number, codeHash: string, code: number): RpcFailure {
  return verifyFailed(
    `Script(TransactionScriptError { source: Inputs[${index}].Lock, cause: ValidationFailure: see error code ${code} on page https://nervosnetwork.github.io/ckb-script-error-codes/by-type-hash/${codeHash.slice(2)}.html#${code} })`,
  );
}

/** Each lock group: the first input's witness signs the sighash-all message of the group. */
function verifyLocks(cccTx: ccc.Transaction, cells: LiveCell[]): void {
  const groups = new Map<string, number[]>();
  cells.forEach((c, i) => {
    const id = ccc.Script.from(toCccScript(c)).hash();
    groups.set(id, [...(groups.get(id) ?? []), i]);
  });
  const txHash = cccTx.hash();
  for (const indexes of groups.values()) {
    const first = indexes[0];
    const lock = cells[first].output.lock;
    const codeHash = bytesToHex0x(lock.codeHash);
    if (codeHash !== bytesToHex0x(SECP256K1_BLAKE160_CODE_HASH) || lock.hashType !== 1) {
      throw verifyFailed(
        `Script(TransactionScriptError { source: Inputs[${first}].Lock, cause: ScriptNotFound: code_hash: ${codeHash} (the dev chain runs only the secp256k1-blake160 sighash-all lock) })`,
      );
    }
    const signature = signatureOf(cccTx.witnesses[first]);
    if (!signature) throw scriptFailed(first, codeHash, ERROR_WITNESS_SIZE);
    const message = sighashAllMessage(cccTx, txHash, indexes, first);
    let pubkey: Uint8Array;
    try {
      pubkey = secp256k1.Signature.fromBytes(signature.slice(0, 64), 'compact')
        .addRecoveryBit(signature[64])
        .recoverPublicKey(ccc.bytesFrom(message))
        .toBytes(true);
    } catch {
      throw scriptFailed(first, codeHash, ERROR_SECP_RECOVER_PUBKEY);
    }
    const blake160 = ccc.hashCkb(pubkey).slice(0, 42);
    if (blake160 !== bytesToHex0x(lock.args)) throw scriptFailed(first, codeHash, ERROR_PUBKEY_BLAKE160_HASH);
  }
}

function toCccScript(c: LiveCell): ccc.ScriptLike {
  return {
    codeHash: bytesToHex0x(c.output.lock.codeHash),
    hashType: c.output.lock.hashType === 1 ? 'type' : c.output.lock.hashType === 0 ? 'data' : 'data1',
    args: bytesToHex0x(c.output.lock.args),
  };
}

/** The 65-byte lock of a WitnessArgs, or null when the witness is not one. */
function signatureOf(witness: ccc.Hex | undefined): Uint8Array | null {
  if (!witness) return null;
  try {
    const lock = ccc.WitnessArgs.fromBytes(witness).lock;
    const bytes = lock ? ccc.bytesFrom(lock) : null;
    return bytes && bytes.length === 65 ? bytes : null;
  } catch {
    return null;
  }
}

/**
 * The sighash-all message, as Transaction.getSignHashInfo builds it: tx hash, the group's
 * first witness with its lock zeroed, the group's other witnesses, witnesses past the inputs.
 */
function sighashAllMessage(cccTx: ccc.Transaction, txHash: ccc.Hex, group: number[], first: number): ccc.Hex {
  const hasher = new ccc.HasherCkb();
  hasher.update(txHash);
  const firstArgs = ccc.WitnessArgs.fromBytes(cccTx.witnesses[first]);
  firstArgs.lock = ccc.hexFrom(new Uint8Array(65));
  ccc.Transaction.hashWitnessToHasher(firstArgs.toBytes(), hasher);
  // The script loads group witnesses until the index is out of bound: a missing one ends it.
  for (const i of group.slice(1)) {
    if (i >= cccTx.witnesses.length) break;
    ccc.Transaction.hashWitnessToHasher(cccTx.witnesses[i], hasher);
  }
  for (let i = cccTx.inputs.length; i < cccTx.witnesses.length; i++) {
    ccc.Transaction.hashWitnessToHasher(cccTx.witnesses[i], hasher);
  }
  return hasher.digest();
}
