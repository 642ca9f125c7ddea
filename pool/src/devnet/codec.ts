/**
 * Molecule encodings and consensus hashes of blocks and transactions (blockchain.mol), and
 * their JSON forms as the node writes them. Written for the dev chain independently of the
 * pool's template code (see json-decode.ts for why).
 *
 * - tx_hash = ckbhash(RawTransaction); witness_hash = ckbhash(Transaction)
 * - transactions_root = ckbhash(CBMT(tx_hashes) ‖ CBMT(witness_hashes))
 * - proposals_hash = zero if none, else ckbhash(concat of 10-byte ids)
 * - extra_hash = uncles_hash, or ckbhash(uncles_hash ‖ ckbhash(extension)) with an extension
 */
import { ckbhash } from '../ckb/hash.js';
import { headerToJson, serializeHeader } from '../ckb/header.js';
import { bytesToHex0x, toMinimalHex } from '../ckb/hex.js';
import { bytesVec, concatBytes, dynvec, fixvec, table, u32le, u64le } from '../ckb/molecule.js';
import type { BlockJson, ScriptJson, TransactionJson } from '../ckb/rpc-types.js';
import {
  type Block,
  type CellOutput,
  hashTypeToJson,
  type Script,
  type Transaction,
  type UncleBlock,
} from './json-decode.js';

export const ZERO32 = new Uint8Array(32);

export function serializeScript(s: Script): Uint8Array {
  return table([s.codeHash, Uint8Array.of(s.hashType), bytesVec(s.args)]);
}

function serializeOutPoint(txHash: Uint8Array, index: number): Uint8Array {
  return concatBytes(txHash, u32le(index));
}

function serializeCellOutput(o: CellOutput): Uint8Array {
  return table([
    u64le(o.capacity),
    serializeScript(o.lock),
    o.type ? serializeScript(o.type) : new Uint8Array(0),
  ]);
}

export function serializeRawTransaction(tx: Transaction): Uint8Array {
  return table([
    u32le(tx.version),
    fixvec(
      tx.cellDeps.map((d) =>
        concatBytes(serializeOutPoint(d.outPoint.txHash, d.outPoint.index), Uint8Array.of(d.depType)),
      ),
    ),
    fixvec(tx.headerDeps),
    fixvec(
      tx.inputs.map((i) =>
        concatBytes(u64le(i.since), serializeOutPoint(i.previousOutput.txHash, i.previousOutput.index)),
      ),
    ),
    dynvec(tx.outputs.map(serializeCellOutput)),
    dynvec(tx.outputsData.map(bytesVec)),
  ]);
}

export function serializeTransaction(tx: Transaction): Uint8Array {
  return table([serializeRawTransaction(tx), dynvec(tx.witnesses.map(bytesVec))]);
}

export function txHash(tx: Transaction): Uint8Array {
  return ckbhash(serializeRawTransaction(tx));
}

export function witnessHash(tx: Transaction): Uint8Array {
  return ckbhash(serializeTransaction(tx));
}

/** Complete binary merkle tree root (RFC 0006 / merkle-cbt): zero for none, the leaf for one. */
function cbmtRoot(leaves: Uint8Array[]): Uint8Array {
  const n = leaves.length;
  if (n === 0) return ZERO32;
  const nodes: Uint8Array[] = new Array(2 * n - 1);
  for (let i = 0; i < n; i++) nodes[n - 1 + i] = leaves[i];
  for (let i = n - 2; i >= 0; i--) nodes[i] = ckbhash(nodes[2 * i + 1], nodes[2 * i + 2]);
  return nodes[0];
}

export function transactionsRoot(txs: Transaction[]): Uint8Array {
  return ckbhash(cbmtRoot(txs.map(txHash)), cbmtRoot(txs.map(witnessHash)));
}

export function proposalsHash(proposals: Uint8Array[]): Uint8Array {
  return proposals.length === 0 ? ZERO32 : ckbhash(...proposals);
}

export function unclesHash(uncles: UncleBlock[]): Uint8Array {
  return uncles.length === 0 ? ZERO32 : ckbhash(...uncles.map((u) => ckbhash(serializeHeader(u.header))));
}

export function extraHash(uncles: UncleBlock[], extension: Uint8Array | null): Uint8Array {
  const u = unclesHash(uncles);
  return extension === null ? u : ckbhash(u, ckbhash(extension));
}

/** Molecule `Block` (or `BlockV1` when it has an extension): what `get_block` verbosity 0 returns. */
export function serializeBlock(b: Block): Uint8Array {
  const fields = [
    serializeHeader(b.header),
    dynvec(b.uncles.map((u) => table([serializeHeader(u.header), fixvec(u.proposals)]))),
    dynvec(b.transactions.map(serializeTransaction)),
    fixvec(b.proposals),
  ];
  if (b.extension !== null) fields.push(bytesVec(b.extension));
  return table(fields);
}

/** CellbaseWitness table { lock: Script, message: Bytes }. */
export function serializeCellbaseWitness(lock: Script, message: Uint8Array): Uint8Array {
  return table([serializeScript(lock), bytesVec(message)]);
}

// ---- JSON (the node's field order) ----

export function scriptToJson(s: Script): ScriptJson {
  return {
    code_hash: bytesToHex0x(s.codeHash),
    hash_type: hashTypeToJson(s.hashType),
    args: bytesToHex0x(s.args),
  };
}

export function transactionToJson(tx: Transaction): TransactionJson {
  return {
    version: toMinimalHex(tx.version),
    cell_deps: tx.cellDeps.map((d) => ({
      out_point: { tx_hash: bytesToHex0x(d.outPoint.txHash), index: toMinimalHex(d.outPoint.index) },
      dep_type: d.depType === 0 ? 'code' : 'dep_group',
    })),
    header_deps: tx.headerDeps.map(bytesToHex0x),
    inputs: tx.inputs.map((i) => ({
      since: toMinimalHex(i.since),
      previous_output: {
        tx_hash: bytesToHex0x(i.previousOutput.txHash),
        index: toMinimalHex(i.previousOutput.index),
      },
    })),
    outputs: tx.outputs.map((o) => ({
      capacity: toMinimalHex(o.capacity),
      lock: scriptToJson(o.lock),
      type: o.type ? scriptToJson(o.type) : null,
    })),
    outputs_data: tx.outputsData.map(bytesToHex0x),
    witnesses: tx.witnesses.map(bytesToHex0x),
  };
}

/** The strict `Block` JSON (as submit_block takes it). */
export function blockToJson(b: Block): BlockJson {
  const json: BlockJson = {
    header: headerToJson(b.header),
    uncles: b.uncles.map((u) => ({
      header: headerToJson(u.header),
      proposals: u.proposals.map(bytesToHex0x),
    })),
    transactions: b.transactions.map(transactionToJson),
    proposals: b.proposals.map(bytesToHex0x),
  };
  if (b.extension !== null) json.extension = bytesToHex0x(b.extension);
  return json;
}
