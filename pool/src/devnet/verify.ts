/**
 * `submit_block` verification with the node's error codes and message wording
 * ("Invalid: Header(Pow(InvalidNonce…))", code -3): the header checks against the parent
 * (HeaderVerifier), the block's own contents (BlockVerifier) and the contextual checks. Pure
 * functions; chain.ts supplies the parent, median time and expected reward and runs them in
 * the node's order.
 */
import type { Header } from '../ckb/header.js';
import { bytesToHex0x } from '../ckb/hex.js';
import { readBytes, readTable } from '../ckb/molecule.js';
import { extraHash, proposalsHash, scriptToJson, serializeBlock, transactionsRoot, txHash } from './codec.js';
import {
  ALLOWED_FUTURE_BLOCKTIME_MS,
  chainRoot,
  daoField,
  formatEpoch,
  isCellbaseShaped,
  isEpochSuccessor,
  isEpochWellFormed,
  MAX_BLOCK_BYTES,
  MAX_BLOCK_PROPOSALS,
} from './contents.js';
import type { Block, Script } from './json-decode.js';

/** A JSON-RPC error the server sends as is. */
export class RpcFailure extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: string,
  ) {
    super(message);
    this.name = 'RpcFailure';
  }
}

/** The node's -3 answer: "Invalid: <verifier error>" (RPCError::custom_with_error). */
export function invalid(reason: string): RpcFailure {
  return new RpcFailure(-3, `Invalid: ${reason}`, reason);
}

const NO_REASON = '(No reason provided)';
export const POW_MESSAGE =
  'InvalidNonce: please set logger.filter to "info,ckb-pow=debug" for detailed PoW verification information';

const ENABLED_HASH_TYPES = new Set([0, 1, 2, 4]);

/** Parses a CellbaseWitness strictly (CellbaseWitness::from_slice); null if malformed. */
export function parseCellbaseWitness(witness: Uint8Array): Script | null {
  try {
    const [lock, message] = readTable(witness, 2, 'CellbaseWitness');
    readBytes(message, 'CellbaseWitness.message');
    const [codeHash, hashType, args] = readTable(lock, 3, 'Script');
    if (codeHash.length !== 32 || hashType.length !== 1) return null;
    return {
      codeHash: codeHash.slice(),
      hashType: hashType[0],
      args: readBytes(args, 'Script.args').slice(),
    };
  } catch {
    return null;
  }
}

/** HeaderVerifier after PoW and the parent lookup: number, epoch and timestamp against the parent. */
export function verifyHeaderContinuity(h: Header, p: Header, medianTime: bigint, nowMs: bigint): void {
  if (h.number !== p.number + 1n)
    throw invalid(`Header(Number(NumberError(expected: ${p.number + 1n}, actual: ${h.number})))`);
  if (!isEpochWellFormed(h.epoch)) throw invalid(`Header(Epoch(Malformed(value: ${formatEpoch(h.epoch)})))`);
  if (p.epoch !== 0n && !isEpochSuccessor(h.epoch, p.epoch)) {
    throw invalid(
      `Header(Epoch(NonContinuous(current: ${formatEpoch(h.epoch)}, parent: ${formatEpoch(p.epoch)})))`,
    );
  }
  if (h.timestamp <= medianTime)
    throw invalid(`Header(Timestamp(BlockTimeTooOld(min: ${medianTime}, actual: ${h.timestamp})))`);
  const max = nowMs + ALLOWED_FUTURE_BLOCKTIME_MS;
  if (h.timestamp > max)
    throw invalid(`Header(Timestamp(BlockTimeTooNew(max: ${max}, actual: ${h.timestamp})))`);
}

/** BlockVerifier: proposals limit, size, cellbase, duplicates, merkle roots. */
export function verifyBody(block: Block): void {
  if (block.proposals.length > MAX_BLOCK_PROPOSALS)
    throw invalid(`Block(ExceededMaximumProposalsLimit${NO_REASON})`);
  if (serializeBlock(block).length > MAX_BLOCK_BYTES)
    throw invalid(`Block(ExceededMaximumBlockBytes${NO_REASON})`);

  const txs = block.transactions;
  const cellbases = txs.filter(isCellbaseShaped).length;
  if (cellbases !== 1) throw invalid('Block(Cellbase(InvalidQuantity))');
  const cellbase = txs[0];
  if (!isCellbaseShaped(cellbase)) throw invalid('Block(Cellbase(InvalidPosition))');
  if (
    cellbase.outputs.length > 1 ||
    cellbase.outputsData.length > 1 ||
    cellbase.outputs.length !== cellbase.outputsData.length
  ) {
    throw invalid('Block(Cellbase(InvalidOutputQuantity))');
  }
  if (cellbase.outputsData.length === 1 && cellbase.outputsData[0].length !== 0) {
    throw invalid('Block(Cellbase(InvalidOutputData))');
  }
  const witnessLock = parseCellbaseWitness(cellbase.witnesses[0] ?? new Uint8Array(0));
  if (!witnessLock || !ENABLED_HASH_TYPES.has(witnessLock.hashType))
    throw invalid('Block(Cellbase(InvalidWitness))');
  if (cellbase.outputs.some((o) => o.type !== null)) throw invalid('Block(Cellbase(InvalidTypeScript))');
  if (cellbase.outputs.some((o) => !ENABLED_HASH_TYPES.has(o.lock.hashType))) {
    throw invalid('Block(Cellbase(InvalidOutputLock))');
  }
  if (cellbase.inputs[0].since !== block.header.number) throw invalid('Block(Cellbase(InvalidInput))');

  const seenTx = new Set<string>();
  for (const tx of txs) {
    const id = bytesToHex0x(txHash(tx));
    if (seenTx.has(id)) throw invalid(`Block(CommitTransactionDuplicate${NO_REASON})`);
    seenTx.add(id);
  }
  const seenProposal = new Set(block.proposals.map(bytesToHex0x));
  if (seenProposal.size !== block.proposals.length)
    throw invalid(`Block(ProposalTransactionDuplicate${NO_REASON})`);

  if (bytesToHex0x(transactionsRoot(txs)) !== bytesToHex0x(block.header.transactionsRoot)) {
    throw invalid(`Block(TransactionsRoot${NO_REASON})`);
  }
  if (bytesToHex0x(proposalsHash(block.proposals)) !== bytesToHex0x(block.header.proposalsHash)) {
    throw invalid(`Block(ProposalTransactionsHash${NO_REASON})`);
  }
}

/** Contextual checks: difficulty, uncles, DAO, reward, extension and extra_hash. */
export function verifyContext(
  block: Block,
  parentHash: Uint8Array,
  compactTarget: number,
  expected: { lock: Script; capacity: bigint } | null,
): void {
  const h = block.header;
  if (h.compactTarget !== compactTarget) {
    throw invalid(
      `Header(Epoch(TargetMismatch(expected: ${compactTarget.toString(16)}, actual: ${h.compactTarget.toString(16)})))`,
    );
  }
  if (block.uncles.length > 0)
    throw invalid('Block(Uncles(this dev chain has no uncle candidates; send uncles: []))');
  if (bytesToHex0x(h.dao) !== bytesToHex0x(daoField(h.number)))
    throw invalid(`Block(InvalidDAO${NO_REASON})`);

  const outputs = block.transactions[0].outputs;
  if (
    expected === null
      ? outputs.length !== 0
      : outputs.length !== 1 || outputs[0].capacity !== expected.capacity
  ) {
    throw invalid('Block(Cellbase(InvalidRewardAmount))');
  }
  if (
    expected &&
    JSON.stringify(scriptToJson(outputs[0].lock)) !== JSON.stringify(scriptToJson(expected.lock))
  ) {
    throw invalid('Block(Cellbase(InvalidRewardTarget))');
  }

  const ext = block.extension;
  if (ext === null) throw invalid(`Block(NoBlockExtension${NO_REASON})`);
  if (ext.length === 0) throw invalid(`Block(EmptyBlockExtension${NO_REASON})`);
  if (ext.length > 96) throw invalid(`Block(ExceededMaximumBlockExtensionBytes${NO_REASON})`);
  if (ext.length < 32) throw invalid(`Block(InvalidBlockExtension${NO_REASON})`);
  if (bytesToHex0x(ext.subarray(0, 32)) !== bytesToHex0x(chainRoot(parentHash))) {
    throw invalid(`Block(InvalidChainRoot${NO_REASON})`);
  }
  if (bytesToHex0x(extraHash(block.uncles, ext)) !== bytesToHex0x(h.extraHash)) {
    throw invalid(`Block(InvalidExtraHash${NO_REASON})`);
  }
}
