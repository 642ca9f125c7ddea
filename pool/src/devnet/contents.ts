/**
 * What goes into a dev chain block besides the header: the cellbase (shaped exactly like the
 * node's: one null-outpoint input with since = number, a CellbaseWitness carrying the miner's
 * lock, a reward output only after the finalization delay paying the lock committed 11
 * blocks earlier), the DAO field, the extension, and optional synthetic transactions and
 * proposals so that pools exercise transactions_root and proposals_hash with more than one
 * leaf. Economics are simplified (a constant reward, a monotone DAO field); consensus
 * encodings are not.
 */
import { ckbhash } from '../ckb/hash.js';
import { epochParts, packEpoch } from '../ckb/header.js';
import { uintToLeBytes } from '../ckb/hex.js';
import { concatBytes, u64le } from '../ckb/molecule.js';
import { serializeCellbaseWitness } from './codec.js';
import type { Script, Transaction } from './json-decode.js';

/** Blocks whose reward is not yet paid: the cellbase of block n pays block n − 11's miner. */
export const FINALIZATION_DELAY = 11n;
/** Simplified constant block reward, 1000 CKB in shannons. */
export const BLOCK_REWARD = 1000n * 100_000_000n;
/** Consensus limits (spec/src/consensus.rs). */
export const MAX_BLOCK_BYTES = 597_000;
export const MAX_BLOCK_PROPOSALS = 1500;
export const MAX_BLOCK_CYCLES = 3_500_000_000n;
export const MEDIAN_TIME_BLOCK_COUNT = 37;
export const ALLOWED_FUTURE_BLOCKTIME_MS = 15_000n;

const NULL_TX_HASH = new Uint8Array(32);
const enc = new TextEncoder();

/** The epoch after `parent` with a fixed epoch length (dev chains keep difficulty constant). */
export function nextEpoch(parent: bigint, epochLength: number): bigint {
  const p = epochParts(parent);
  if (p.index + 1 >= p.length) return packEpoch({ number: p.number + 1n, index: 0, length: epochLength });
  return packEpoch({ number: p.number, index: p.index + 1, length: p.length });
}

/** Epoch::is_successor_of (util/types/src/core/extras.rs). */
export function isEpochSuccessor(epoch: bigint, parent: bigint): boolean {
  const e = epochParts(epoch);
  const p = epochParts(parent);
  if (p.index + 1 === p.length) return e.number === p.number + 1n && e.index === 0;
  return e.number === p.number && e.index === p.index + 1 && e.length === p.length;
}

export function isEpochWellFormed(epoch: bigint): boolean {
  const e = epochParts(epoch);
  return e.length > 0 && e.length > e.index;
}

/** The node's alternate epoch display: `number(index/length)`. */
export function formatEpoch(epoch: bigint): string {
  const e = epochParts(epoch);
  return `${e.number}(${e.index}/${e.length})`;
}

/**
 * DAO field (C, AR, S, U as four u64 LE) after `number` blocks: total issued capacity grows
 * by the reward, the accumulated rate grows slowly, a quarter of the capacity is "occupied".
 */
export function daoField(number: bigint): Uint8Array {
  const genesisCapacity = 33_600_000_000n * 100_000_000n;
  const c = genesisCapacity + number * BLOCK_REWARD;
  const ar = 10_000_000_000_000_000n + number * 1_000_000n;
  return concatBytes(u64le(c), u64le(ar), u64le(0n), u64le(c / 4n));
}

/**
 * The 32-byte extension a block at height parent+1 must carry: stands in for the chain-root
 * MMR hash that the node puts there since RFC 0044 (a deterministic function of the parent).
 */
export function chainRoot(parentHash: Uint8Array): Uint8Array {
  return ckbhash(enc.encode('ckb-pool devnet chain root'), parentHash);
}

export function cellbaseMessage(message: string): Uint8Array {
  return enc.encode(message);
}

/** Cellbase of block `number`: pays `reward` to `rewardLock` (null before finalization). */
export function buildCellbase(
  number: bigint,
  witnessLock: Script,
  message: Uint8Array,
  reward: { lock: Script; capacity: bigint } | null,
): Transaction {
  return {
    version: 0,
    cellDeps: [],
    headerDeps: [],
    inputs: [{ since: number, previousOutput: { txHash: NULL_TX_HASH, index: 0xffffffff } }],
    outputs: reward ? [{ capacity: reward.capacity, lock: reward.lock, type: null }] : [],
    outputsData: reward ? [new Uint8Array(0)] : [],
    witnesses: [serializeCellbaseWitness(witnessLock, message)],
  };
}

export function isCellbaseShaped(tx: Transaction): boolean {
  if (tx.inputs.length !== 1) return false;
  const o = tx.inputs[0].previousOutput;
  return o.index === 0xffffffff && o.txHash.every((b) => b === 0);
}

/**
 * A synthetic transfer for block `number` (index `i`): one input spending a made-up cell, one
 * output to `lock`, a 65-byte-signature-sized witness. The dev chain runs no scripts, so it
 * only has to be well formed; it gives the template more than one transaction.
 */
export function syntheticTransaction(number: bigint, i: number, lock: Script): Transaction {
  const seed = concatBytes(uintToLeBytes(number, 8), uintToLeBytes(BigInt(i), 4));
  const witness = new Uint8Array(85);
  witness.set(ckbhash(enc.encode('ckb-pool devnet witness'), seed), 20);
  return {
    version: 0,
    cellDeps: [
      { outPoint: { txHash: ckbhash(enc.encode('ckb-pool devnet dep group')), index: 0 }, depType: 1 },
    ],
    headerDeps: [],
    inputs: [
      { since: 0n, previousOutput: { txHash: ckbhash(enc.encode('ckb-pool devnet cell'), seed), index: 0 } },
    ],
    outputs: [{ capacity: 61n * 100_000_000n + BigInt(i), lock, type: null }],
    outputsData: [new Uint8Array(0)],
    witnesses: [witness],
  };
}

/** A proposal short id (10 bytes) for block `number`, index `i`. */
export function syntheticProposal(number: bigint, i: number): Uint8Array {
  return ckbhash(
    enc.encode('ckb-pool devnet proposal'),
    uintToLeBytes(number, 8),
    uintToLeBytes(BigInt(i), 4),
  ).slice(0, 10);
}
