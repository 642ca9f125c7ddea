/**
 * Blocks: UncleBlock, Block and BlockV1 (a Block with an `extension`, RFC 0031) in Molecule
 * and in the node's JSON, and the three header commitments the pool must compute itself:
 * transactions_root, proposals_hash and extra_hash. Definitions follow the node
 * (util/types/src/extension.rs `reset_header`, calc_hash.rs, core/extras ExtraHashView).
 */
import { merkleRoot } from './cbmt.js';
import { ckbhash, zeroHash } from './hash.js';
import {
  deserializeHeader,
  HEADER_SIZE,
  type Header,
  type HeaderJson,
  headerFromJson,
  headerToJson,
  serializeHeader,
} from './header.js';
import { bytesToHex0x } from './hex.js';
import {
  bytesVec,
  dynvec,
  expectSize,
  fixvec,
  MoleculeError,
  readBytes,
  readDynvec,
  readFixvec,
  readTable,
  table,
} from './molecule.js';
import { jsonArray, jsonBytes, jsonStrictObject } from './molecule-json.js';
import {
  deserializeTransaction,
  serializeTransaction,
  type Transaction,
  type TransactionJson,
  transactionFromJson,
  transactionHashes,
  transactionToJson,
} from './transaction.js';

/** A proposal short id: the first 10 bytes of a transaction hash. */
export const PROPOSAL_SHORT_ID_SIZE = 10;

export interface UncleBlock {
  header: Header;
  proposals: Uint8Array[];
}

/** What a block carries besides its header. `extension` present ⇒ Molecule BlockV1. */
export interface BlockBody {
  uncles: UncleBlock[];
  transactions: Transaction[];
  proposals: Uint8Array[];
  extension?: Uint8Array | null;
}

export interface Block extends BlockBody {
  header: Header;
}

export interface UncleBlockJson {
  header: HeaderJson;
  proposals: string[];
}

/** The node's JSON `Block` (deny_unknown_fields; `extension` only when present). */
export interface BlockJson {
  header: HeaderJson;
  uncles: UncleBlockJson[];
  transactions: TransactionJson[];
  proposals: string[];
  extension?: string;
}

// ---- commitments ----

/** proposals_hash: zero when there are none, else ckbhash(id_0 ‖ id_1 ‖ …). */
export function calcProposalsHash(proposals: readonly Uint8Array[]): Uint8Array {
  if (proposals.length === 0) return zeroHash();
  return ckbhash(...proposals.map((p, i) => expectSize(p, PROPOSAL_SHORT_ID_SIZE, `proposals[${i}]`)));
}

/** uncles_hash: zero when there are none, else ckbhash(uncle_hash_0 ‖ uncle_hash_1 ‖ …). */
export function calcUnclesHash(uncles: readonly UncleBlock[]): Uint8Array {
  if (uncles.length === 0) return zeroHash();
  return ckbhash(...uncles.map((u) => ckbhash(serializeHeader(u.header))));
}

/** Extension hash: ckbhash of the raw extension bytes (not of the Molecule `Bytes`). */
export function calcExtensionHash(extension: Uint8Array): Uint8Array {
  return ckbhash(extension);
}

/** extra_hash: the uncles hash, or ckbhash(uncles_hash ‖ extension hash) with an extension. */
export function calcExtraHash(unclesHash: Uint8Array, extension?: Uint8Array | null): Uint8Array {
  if (extension === null || extension === undefined) return unclesHash.slice();
  return ckbhash(unclesHash, calcExtensionHash(extension));
}

export interface TransactionsRootParts {
  txHashes: Uint8Array[];
  witnessHashes: Uint8Array[];
  rawTransactionsRoot: Uint8Array;
  witnessesRoot: Uint8Array;
  transactionsRoot: Uint8Array;
}

/** transactions_root = CBMT([CBMT(tx hashes), CBMT(witness hashes)]), with the parts. */
export function calcTransactionsRootParts(transactions: readonly Transaction[]): TransactionsRootParts {
  const hashes = transactions.map(transactionHashes);
  const txHashes = hashes.map((h) => h.txHash);
  const witnessHashes = hashes.map((h) => h.witnessHash);
  const rawTransactionsRoot = merkleRoot(txHashes);
  const witnessesRoot = merkleRoot(witnessHashes);
  const transactionsRoot = merkleRoot([rawTransactionsRoot, witnessesRoot]);
  return { txHashes, witnessHashes, rawTransactionsRoot, witnessesRoot, transactionsRoot };
}

export function calcTransactionsRoot(transactions: readonly Transaction[]): Uint8Array {
  return calcTransactionsRootParts(transactions).transactionsRoot;
}

// ---- Molecule ----

function serializeUncleBlock(u: UncleBlock): Uint8Array {
  return table([serializeHeader(u.header), fixvec(u.proposals.map((p) => expectSize(p, 10, 'proposal')))]);
}

/** Molecule `Block`, or `BlockV1` when the block has an extension (as the node encodes it). */
export function serializeBlock(b: Block): Uint8Array {
  const fields = [
    serializeHeader(b.header),
    dynvec(b.uncles.map(serializeUncleBlock)),
    dynvec(b.transactions.map(serializeTransaction)),
    fixvec(b.proposals.map((p) => expectSize(p, PROPOSAL_SHORT_ID_SIZE, 'proposal'))),
  ];
  if (b.extension) fields.push(bytesVec(b.extension));
  return table(fields);
}

function deserializeUncleBlock(buf: Uint8Array, what: string): UncleBlock {
  const [header, proposals] = readTable(buf, 2, what);
  expectSize(header, HEADER_SIZE, `${what}.header`);
  return {
    header: deserializeHeader(header),
    proposals: readFixvec(proposals, PROPOSAL_SHORT_ID_SIZE, `${what}.proposals`).map((p) => p.slice()),
  };
}

/** Molecule `UncleBlockVec`, as a block carries its uncles (and a JD declaration declares them). */
export function serializeUncleBlockVec(uncles: readonly UncleBlock[]): Uint8Array {
  return dynvec(uncles.map(serializeUncleBlock));
}

export function deserializeUncleBlockVec(buf: Uint8Array, what = 'UncleBlockVec'): UncleBlock[] {
  return readDynvec(buf, what).map((u, i) => deserializeUncleBlock(u, `${what}[${i}]`));
}

/** Reads a Block (4 fields) or BlockV1 (5 fields, with extension). */
export function deserializeBlock(buf: Uint8Array, what = 'Block'): Block {
  const fields = readTable(buf, 4, what, true);
  if (fields.length > 5) throw new MoleculeError(`${what}: expected 4 or 5 fields, got ${fields.length}`);
  const [header, uncles, transactions, proposals, extension] = fields;
  expectSize(header, HEADER_SIZE, `${what}.header`);
  const block: Block = {
    header: deserializeHeader(header),
    uncles: readDynvec(uncles, `${what}.uncles`).map((u, i) =>
      deserializeUncleBlock(u, `${what}.uncles[${i}]`),
    ),
    transactions: readDynvec(transactions, `${what}.transactions`).map((t, i) =>
      deserializeTransaction(t, `${what}.transactions[${i}]`),
    ),
    proposals: readFixvec(proposals, PROPOSAL_SHORT_ID_SIZE, `${what}.proposals`).map((p) => p.slice()),
  };
  if (extension) block.extension = readBytes(extension, `${what}.extension`).slice();
  return block;
}

// ---- JSON ----

function uncleBlockToJson(u: UncleBlock): UncleBlockJson {
  return { header: headerToJson(u.header), proposals: u.proposals.map(bytesToHex0x) };
}

/** The node's JSON `Block`: field order header, uncles, transactions, proposals, extension. */
export function blockToJson(b: Block): BlockJson {
  const json: BlockJson = {
    header: headerToJson(b.header),
    uncles: b.uncles.map(uncleBlockToJson),
    transactions: b.transactions.map(transactionToJson),
    proposals: b.proposals.map(bytesToHex0x),
  };
  if (b.extension) json.extension = bytesToHex0x(b.extension);
  return json;
}

export function proposalsFromJson(v: unknown, what: string): Uint8Array[] {
  return jsonArray(v, what).map((p, i) => jsonBytes(p, `${what}[${i}]`, PROPOSAL_SHORT_ID_SIZE));
}

function uncleBlockFromJson(v: unknown, what = 'uncle'): UncleBlock {
  const o = jsonStrictObject(v, ['header', 'proposals'], what);
  return {
    header: headerFromJson(o.header, `${what}.header`, false),
    proposals: proposalsFromJson(o.proposals, `${what}.proposals`),
  };
}

/** Parses the node's JSON `Block` strictly. */
export function blockFromJson(v: unknown, what = 'block'): Block {
  const o = jsonStrictObject(v, ['header', 'uncles', 'transactions', 'proposals', 'extension'], what);
  const block: Block = {
    header: headerFromJson(o.header, `${what}.header`, false),
    uncles: jsonArray(o.uncles, `${what}.uncles`).map((u, i) =>
      uncleBlockFromJson(u, `${what}.uncles[${i}]`),
    ),
    transactions: jsonArray(o.transactions, `${what}.transactions`).map((t, i) =>
      transactionFromJson(t, `${what}.transactions[${i}]`),
    ),
    proposals: proposalsFromJson(o.proposals, `${what}.proposals`),
  };
  if (o.extension !== undefined && o.extension !== null) {
    block.extension = jsonBytes(o.extension, `${what}.extension`);
  }
  return block;
}
