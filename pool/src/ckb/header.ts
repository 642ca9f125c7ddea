/**
 * CKB block headers: the Molecule structs RawHeader (192 bytes) and Header (208 bytes), the two
 * hashes a pool needs (pow_hash = ckbhash(RawHeader), block hash = ckbhash(Header)) and the
 * node's JSON form. Integers are little-endian in bytes; hashes are never byte-reversed.
 */
import { ckbhash } from './hash.js';
import { bytesToHex0x, toMinimalHex } from './hex.js';
import { concatBytes, expectSize, readU32, readU64, readU128, u32le, u64le, u128le } from './molecule.js';
import { jsonByte32, jsonStrictObject, jsonUint } from './molecule-json.js';

export const RAW_HEADER_SIZE = 192;
export const HEADER_SIZE = 208;
export const NONCE_SIZE = 16;

export interface RawHeader {
  version: number;
  compactTarget: number;
  /** Milliseconds since the Unix epoch. */
  timestamp: bigint;
  number: bigint;
  /** Packed epoch: number | index << 24 | length << 40 (see `epochParts`). */
  epoch: bigint;
  parentHash: Uint8Array;
  transactionsRoot: Uint8Array;
  proposalsHash: Uint8Array;
  /** uncles hash, or ckbhash(uncles_hash ‖ extension hash) when the block has an extension. */
  extraHash: Uint8Array;
  dao: Uint8Array;
}

export interface Header extends RawHeader {
  /** u128; in the header (and in Eaglesong's input) as 16 little-endian bytes. */
  nonce: bigint;
}

/** The node's JSON `Header`, fields in the node's order (all numbers minimal `0x` hex). */
export interface HeaderJson {
  version: string;
  compact_target: string;
  timestamp: string;
  number: string;
  epoch: string;
  parent_hash: string;
  transactions_root: string;
  proposals_hash: string;
  extra_hash: string;
  dao: string;
  nonce: string;
}

/** The node's JSON `HeaderView` (a header with its hash), as get_tip_header returns it. */
export interface HeaderViewJson extends HeaderJson {
  hash: string;
}

const HASH_FIELDS = ['parentHash', 'transactionsRoot', 'proposalsHash', 'extraHash', 'dao'] as const;

export function serializeRawHeader(raw: RawHeader): Uint8Array {
  for (const f of HASH_FIELDS) expectSize(raw[f], 32, `RawHeader.${f}`);
  return concatBytes(
    u32le(raw.version),
    u32le(raw.compactTarget),
    u64le(raw.timestamp),
    u64le(raw.number),
    u64le(raw.epoch),
    raw.parentHash,
    raw.transactionsRoot,
    raw.proposalsHash,
    raw.extraHash,
    raw.dao,
  );
}

export function serializeHeader(h: Header): Uint8Array {
  return concatBytes(serializeRawHeader(h), u128le(h.nonce));
}

export function deserializeRawHeader(bytes: Uint8Array): RawHeader {
  expectSize(bytes, RAW_HEADER_SIZE, 'RawHeader');
  const hash = (at: number) => bytes.slice(at, at + 32);
  return {
    version: readU32(bytes, 0),
    compactTarget: readU32(bytes, 4),
    timestamp: readU64(bytes, 8),
    number: readU64(bytes, 16),
    epoch: readU64(bytes, 24),
    parentHash: hash(32),
    transactionsRoot: hash(64),
    proposalsHash: hash(96),
    extraHash: hash(128),
    dao: hash(160),
  };
}

export function deserializeHeader(bytes: Uint8Array): Header {
  expectSize(bytes, HEADER_SIZE, 'Header');
  return {
    ...deserializeRawHeader(bytes.subarray(0, RAW_HEADER_SIZE)),
    nonce: readU128(bytes, RAW_HEADER_SIZE),
  };
}

/** pow_hash = ckbhash(RawHeader): the 32 bytes that go into Eaglesong before the nonce. */
export function powHash(raw: RawHeader): Uint8Array {
  return ckbhash(serializeRawHeader(raw));
}

/** Block hash = ckbhash(Header) = ckbhash(RawHeader ‖ nonce LE). */
export function blockHash(header: Header): Uint8Array {
  return ckbhash(serializeHeader(header));
}

/** The header nonce from the 16 bytes a miner rolls (read little-endian). */
export function nonceFromBytes(nonce16: Uint8Array): bigint {
  expectSize(nonce16, NONCE_SIZE, 'nonce');
  return readU128(nonce16);
}

/** The 16 nonce bytes (as they enter Eaglesong) of a header nonce. */
export function nonceToBytes(n: bigint): Uint8Array {
  return u128le(n);
}

export interface EpochParts {
  number: bigint;
  index: number;
  length: number;
}

/** Unpacks the header epoch (`number` 24 bits | `index` 16 bits << 24 | `length` 16 bits << 40). */
export function epochParts(epoch: bigint): EpochParts {
  return {
    number: epoch & 0xffffffn,
    index: Number((epoch >> 24n) & 0xffffn),
    length: Number((epoch >> 40n) & 0xffffn),
  };
}

export function packEpoch(p: EpochParts): bigint {
  if (p.number < 0n || p.number > 0xffffffn) throw new RangeError(`epoch number out of range: ${p.number}`);
  if (p.index < 0 || p.index > 0xffff || p.length < 0 || p.length > 0xffff) {
    throw new RangeError(`epoch index/length out of range: ${p.index}/${p.length}`);
  }
  return p.number | (BigInt(p.index) << 24n) | (BigInt(p.length) << 40n);
}

function rawHeaderToJson(raw: RawHeader): Omit<HeaderJson, 'nonce'> {
  return {
    version: toMinimalHex(raw.version),
    compact_target: toMinimalHex(raw.compactTarget),
    timestamp: toMinimalHex(raw.timestamp),
    number: toMinimalHex(raw.number),
    epoch: toMinimalHex(raw.epoch),
    parent_hash: bytesToHex0x(raw.parentHash),
    transactions_root: bytesToHex0x(raw.transactionsRoot),
    proposals_hash: bytesToHex0x(raw.proposalsHash),
    extra_hash: bytesToHex0x(raw.extraHash),
    dao: bytesToHex0x(raw.dao),
  };
}

/** The node's JSON `Header` (exact field order, minimal hex numbers, no `hash`). */
export function headerToJson(h: Header): HeaderJson {
  return { ...rawHeaderToJson(h), nonce: toMinimalHex(h.nonce) };
}

/** The node's JSON `HeaderView`: the header followed by its (computed) hash. */
export function headerViewToJson(h: Header): HeaderViewJson {
  return { ...headerToJson(h), hash: bytesToHex0x(blockHash(h)) };
}

const HEADER_KEYS = [
  'version',
  'compact_target',
  'timestamp',
  'number',
  'epoch',
  'parent_hash',
  'transactions_root',
  'proposals_hash',
  'extra_hash',
  'dao',
  'nonce',
];

/**
 * Parses a header as the node's RPC returns it (`Header`, or `HeaderView` with `hash`).
 * Strict like the node: minimal lowercase hex numbers, 32-byte hashes, no unknown fields.
 * Errors name the field, prefixed with `what` (e.g. `header.compact_target: …`).
 */
export function headerViewFromJson(
  json: unknown,
  what = 'header',
  allowHash = true,
): { header: Header; hash: Uint8Array | null } {
  const o = jsonStrictObject(json, allowHash ? [...HEADER_KEYS, 'hash'] : HEADER_KEYS, what);
  const header: Header = {
    version: Number(jsonUint(o.version, 32, `${what}.version`)),
    compactTarget: Number(jsonUint(o.compact_target, 32, `${what}.compact_target`)),
    timestamp: jsonUint(o.timestamp, 64, `${what}.timestamp`),
    number: jsonUint(o.number, 64, `${what}.number`),
    epoch: jsonUint(o.epoch, 64, `${what}.epoch`),
    parentHash: jsonByte32(o.parent_hash, `${what}.parent_hash`),
    transactionsRoot: jsonByte32(o.transactions_root, `${what}.transactions_root`),
    proposalsHash: jsonByte32(o.proposals_hash, `${what}.proposals_hash`),
    extraHash: jsonByte32(o.extra_hash, `${what}.extra_hash`),
    dao: jsonByte32(o.dao, `${what}.dao`),
    nonce: jsonUint(o.nonce, 128, `${what}.nonce`),
  };
  const hash = o.hash === undefined ? null : jsonByte32(o.hash, `${what}.hash`);
  return { header, hash };
}

/**
 * {@link headerViewFromJson} without the hash. `allowHash = false` is the node's strict JSON
 * `Header` (inside a `Block`, where a `hash` field is an unknown field).
 */
export function headerFromJson(json: unknown, what = 'header', allowHash = true): Header {
  return headerViewFromJson(json, what, allowHash).header;
}
