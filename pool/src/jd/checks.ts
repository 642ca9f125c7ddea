/**
 * The declaration checks that need no transaction data (docs/job-declaration-ckb.md §4.2, 4.4,
 * 4.6): header fields against the node's template for the parent, the cellbase, proposals,
 * uncles and extension. Each returns a refusal with the §5 error code, or null.
 */
import { deserializeUncleBlockVec, PROPOSAL_SHORT_ID_SIZE, type UncleBlock } from '../ckb/block.js';
import { type PayoutLock, payoutLockProblem } from '../ckb/cellbase-lock.js';
import { blockHash, epochParts } from '../ckb/header.js';
import { bytesToHex, bytesToHex0x } from '../ckb/hex.js';
import { MoleculeError } from '../ckb/molecule.js';
import {
  cellbaseWitnessOf,
  deserializeTransaction,
  serializeCellOutput,
  type Transaction,
} from '../ckb/transaction.js';
import type { DeclareCkbMiningJob } from '../sv2/messages/ckb-jd.js';
import { type JdErrorCode, JdErrorCodes } from '../sv2/messages/constants.js';
import type { ParentContext } from './node-view.js';

export interface JdRefusal {
  code: JdErrorCode;
  /** A sentence naming the field and both values (DeclareMiningJob.Error.error_details). */
  details: string;
}

export const refuse = (code: JdErrorCode, details: string): JdRefusal => ({ code, details });

/** A node's rule (ALLOWED_FUTURE_BLOCKTIME): a timestamp at most 15 s ahead of the clock. */
export const ALLOWED_FUTURE_BLOCKTIME_MS = 15_000n;
export const MAX_BLOCK_PROPOSALS = 1500;
/** Our bound on the miner's cellbase witness message (the node bounds the block size only). */
export const MAX_CELLBASE_MESSAGE_BYTES = 1000;
const MAX_EXTENSION_BYTES = 96;

const fmtEpoch = (e: bigint): string => {
  const p = epochParts(e);
  return `${p.number}(${p.index}/${p.length})`;
};

/** Number, epoch, difficulty, version and timestamp (§4.2). */
export function checkHeader(m: DeclareCkbMiningJob, parent: ParentContext, nowMs: bigint): JdRefusal | null {
  const { child } = parent;
  if (m.number !== parent.number + 1n)
    return refuse(JdErrorCodes.invalidNumber, `number ${m.number}, the parent is #${parent.number}`);
  if (m.epoch !== child.epoch)
    return refuse(
      JdErrorCodes.invalidEpoch,
      `epoch ${fmtEpoch(m.epoch)}, the node's is ${fmtEpoch(child.epoch)}`,
    );
  if (m.compactTarget !== child.compactTarget) {
    const hex = (n: number) => `0x${n.toString(16)}`;
    return refuse(
      JdErrorCodes.invalidCompactTarget,
      `compact_target ${hex(m.compactTarget)}, the node's is ${hex(child.compactTarget)}`,
    );
  }
  if (m.version !== child.version)
    return refuse(JdErrorCodes.invalidVersion, `version ${m.version}, the node's is ${child.version}`);
  if (m.timestamp <= parent.medianTime)
    return refuse(
      JdErrorCodes.invalidTimestamp,
      `timestamp ${m.timestamp} is not after the median time ${parent.medianTime}`,
    );
  const max = nowMs + ALLOWED_FUTURE_BLOCKTIME_MS;
  if (m.timestamp > max)
    return refuse(
      JdErrorCodes.invalidTimestamp,
      `timestamp ${m.timestamp} is more than 15 s ahead (limit ${max})`,
    );
  return null;
}

const isNullOutPoint = (tx: Transaction): boolean =>
  tx.inputs.length === 1 &&
  tx.inputs[0].previousOutput.index === 0xffffffff &&
  tx.inputs[0].previousOutput.txHash.every((b) => b === 0);

/** A transaction with the cellbase's shape, which only the cellbase may have. */
export const isCellbaseShaped = isNullOutPoint;

/** Parses and checks the cellbase (§4.4): shape, payout lock, and the chain's reward outputs. */
export function checkCellbase(
  m: DeclareCkbMiningJob,
  parent: ParentContext,
  payoutLock: PayoutLock,
): { cellbase: Transaction } | JdRefusal {
  let cellbase: Transaction;
  try {
    cellbase = deserializeTransaction(m.cellbase, 'cellbase');
  } catch (err) {
    if (err instanceof MoleculeError) return refuse(JdErrorCodes.invalidCellbase, err.message);
    throw err;
  }
  if (!isNullOutPoint(cellbase))
    return refuse(JdErrorCodes.invalidCellbase, 'the cellbase must have one input with the null out point');
  if (cellbase.inputs[0].since !== m.number)
    return refuse(
      JdErrorCodes.invalidCellbase,
      `cellbase input since ${cellbase.inputs[0].since}, not the number ${m.number}`,
    );
  if (cellbase.outputs.some((o) => o.type !== null))
    return refuse(JdErrorCodes.invalidCellbase, 'a cellbase output has a type script');
  const witness = cellbaseWitnessOf(cellbase);
  if (!witness) return refuse(JdErrorCodes.invalidCellbase, 'the cellbase has no single CellbaseWitness');
  if (witness.message.length > MAX_CELLBASE_MESSAGE_BYTES) {
    return refuse(
      JdErrorCodes.invalidCellbase,
      `cellbase message of ${witness.message.length} bytes, limit ${MAX_CELLBASE_MESSAGE_BYTES}`,
    );
  }
  const lockProblem = payoutLockProblem({ transactions: [cellbase] }, payoutLock);
  if (lockProblem) return refuse(JdErrorCodes.invalidCellbaseLock, lockProblem);
  const outputs = (os: typeof cellbase.outputs, data: Uint8Array[]) =>
    os
      .map((o, i) => `${bytesToHex(serializeCellOutput(o))}/${bytesToHex(data[i] ?? new Uint8Array(0))}`)
      .join(',');
  const declared = outputs(cellbase.outputs, cellbase.outputsData);
  const expected = outputs(parent.child.cellbaseOutputs, parent.child.cellbaseOutputsData);
  if (cellbase.outputsData.length !== cellbase.outputs.length || declared !== expected) {
    const describe = (os: typeof cellbase.outputs) =>
      os.length === 0 ? 'no output' : os.map((o) => `${o.capacity} shannons`).join(', ');
    return refuse(
      JdErrorCodes.invalidCellbaseReward,
      `the cellbase pays ${describe(cellbase.outputs)}; the chain fixes ${describe(parent.child.cellbaseOutputs)} (block N − 11's reward, to its lock)`,
    );
  }
  return { cellbase };
}

/** Splits and checks the proposals (§4.6 rule 11). */
export function checkProposals(m: DeclareCkbMiningJob): { proposals: Uint8Array[] } | JdRefusal {
  const bytes = m.proposals;
  if (bytes.length % PROPOSAL_SHORT_ID_SIZE !== 0)
    return refuse(
      JdErrorCodes.invalidProposals,
      `${bytes.length} bytes is not a whole number of 10-byte ids`,
    );
  const proposals: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += PROPOSAL_SHORT_ID_SIZE)
    proposals.push(bytes.slice(at, at + PROPOSAL_SHORT_ID_SIZE));
  if (proposals.length > MAX_BLOCK_PROPOSALS)
    return refuse(
      JdErrorCodes.invalidProposals,
      `${proposals.length} proposals, limit ${MAX_BLOCK_PROPOSALS}`,
    );
  if (new Set(proposals.map(bytesToHex)).size !== proposals.length)
    return refuse(JdErrorCodes.invalidProposals, 'a proposal id appears twice');
  return { proposals };
}

/** Uncles must be ones the node itself offers for this parent (§4.6 rule 12). */
export function checkUncles(
  m: DeclareCkbMiningJob,
  parent: ParentContext,
): { uncles: UncleBlock[] } | JdRefusal {
  let uncles: UncleBlock[];
  try {
    uncles = deserializeUncleBlockVec(m.uncles, 'uncles');
  } catch (err) {
    if (err instanceof MoleculeError) return refuse(JdErrorCodes.invalidUncles, err.message);
    throw err;
  }
  if (uncles.length > parent.child.unclesCountLimit)
    return refuse(
      JdErrorCodes.invalidUncles,
      `${uncles.length} uncles, limit ${parent.child.unclesCountLimit}`,
    );
  const offered = new Set(parent.child.uncleHashes.map((h) => h.toLowerCase()));
  const seen = new Set<string>();
  for (const u of uncles) {
    const hash = bytesToHex0x(blockHash(u.header));
    if (!offered.has(hash))
      return refuse(JdErrorCodes.invalidUncles, `uncle ${hash} is not one the node offers`);
    if (seen.has(hash)) return refuse(JdErrorCodes.invalidUncles, `uncle ${hash} appears twice`);
    seen.add(hash);
  }
  return { uncles };
}

/** The extension equals the node's for this parent (§4.6 rule 13); empty on the wire = none. */
export function checkExtension(
  m: DeclareCkbMiningJob,
  parent: ParentContext,
): { extension: Uint8Array | null } | JdRefusal {
  const extension = m.extension.length === 0 ? null : m.extension;
  const expected = parent.child.extension;
  const show = (e: Uint8Array | null) => (e ? bytesToHex0x(e) : 'none');
  if (extension && extension.length > MAX_EXTENSION_BYTES)
    return refuse(
      JdErrorCodes.invalidExtension,
      `extension of ${extension.length} bytes, limit ${MAX_EXTENSION_BYTES}`,
    );
  if (show(extension) !== show(expected))
    return refuse(
      JdErrorCodes.invalidExtension,
      `extension ${show(extension)}, the node's is ${show(expected)}`,
    );
  return { extension };
}

export const isRefusal = (x: object): x is JdRefusal => 'code' in x && 'details' in x;
