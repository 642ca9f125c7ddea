/**
 * CKB addresses (RFC 0021) → lock scripts, for the node's `[block_assembler]`.
 *
 * Formats: full (0x00, bech32m), and the deprecated short (0x01, bech32) and deprecated full
 * (0x02 data / 0x04 type, bech32) formats. Full addresses are longer than bech32's 90-character
 * limit, which RFC 0021 lifts.
 */

import { bytesToHex } from '@noble/hashes/utils.js';
import { bech32, bech32m } from '@scure/base';
import type { Chain } from './types.js';

export type HashType = 'data' | 'type' | 'data1' | 'data2';
export type AddressFormat = 'full' | 'short' | 'full-deprecated';

/** A lock script as the node's config and JSON-RPC spell it (0x-prefixed lowercase hex). */
export interface LockScript {
  codeHash: string;
  hashType: HashType;
  args: string;
}

export interface DecodedAddress {
  chain: Chain;
  format: AddressFormat;
  lock: LockScript;
}

/** Type hash of secp256k1_blake160_sighash_all: the default lock, the same on mainnet and testnet. */
export const SECP256K1_BLAKE160_CODE_HASH =
  '0x9bd7e06f3ecf4be0f2fcd2188b23f1b9fcc88e5d4b65a8637b17723bbda3cce8';
const MULTISIG_CODE_HASH = '0x5c5069eb0857efc65e1bca0c07df34c31663b3622fd3876c876320fc9634e2a8';
const ANYONE_CAN_PAY_NAME = 'anyone_can_pay';

const PREFIX: Record<string, Chain> = { ckb: 'mainnet', ckt: 'testnet' };
const HASH_TYPE_BY_BYTE: Record<number, HashType> = { 0: 'data', 1: 'type', 2: 'data1', 4: 'data2' };

export class AddressError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AddressError';
  }
}

const hex0x = (b: Uint8Array): string => `0x${bytesToHex(b)}`;

function decodeWith(
  codec: typeof bech32,
  address: string,
): { prefix: string; bytes: Uint8Array } | undefined {
  const decoded = codec.decodeUnsafe(address, false);
  if (!decoded) return undefined;
  try {
    return { prefix: decoded.prefix, bytes: codec.fromWords(decoded.words) };
  } catch {
    return undefined; // non-zero padding bits
  }
}

/** Decodes any RFC 0021 address into chain, format and lock script. Throws AddressError. */
export function decodeAddress(address: string): DecodedAddress {
  const text = address.trim();
  if (text !== text.toLowerCase() && text !== text.toUpperCase()) {
    throw new AddressError('mixes upper and lower case letters');
  }
  const lower = text.toLowerCase();
  const hrp = lower.slice(0, lower.lastIndexOf('1'));
  const chain = PREFIX[hrp];
  if (!chain) {
    throw new AddressError(`must start with ckb1 (mainnet) or ckt1 (testnet), got '${text.slice(0, 8)}…'`);
  }
  // The full format is bech32m; the deprecated formats are bech32. A string valid in one is
  // invalid in the other (different checksum constants), so the order of trying is irrelevant.
  const m = decodeWith(bech32m, lower);
  if (m) {
    const p = m.bytes;
    if (p[0] !== 0x00)
      throw new AddressError(`bech32m address with payload format 0x${hexByte(p[0])}; expected 0x00`);
    if (p.length < 34) throw new AddressError('full-format payload is too short');
    const hashType = HASH_TYPE_BY_BYTE[p[33]];
    if (!hashType) throw new AddressError(`unknown hash_type byte 0x${hexByte(p[33])}`);
    return {
      chain,
      format: 'full',
      lock: { codeHash: hex0x(p.subarray(1, 33)), hashType, args: hex0x(p.subarray(34)) },
    };
  }
  const b = decodeWith(bech32, lower);
  if (!b) throw new AddressError('checksum or character set is invalid (not a bech32/bech32m CKB address)');
  const p = b.bytes;
  switch (p[0]) {
    case 0x01: {
      if (p.length !== 22) throw new AddressError('short-format payload must be 22 bytes');
      const index = p[1];
      const args = hex0x(p.subarray(2));
      if (index === 0x00)
        return {
          chain,
          format: 'short',
          lock: { codeHash: SECP256K1_BLAKE160_CODE_HASH, hashType: 'type', args },
        };
      if (index === 0x01)
        return { chain, format: 'short', lock: { codeHash: MULTISIG_CODE_HASH, hashType: 'type', args } };
      if (index === 0x02) {
        // anyone_can_pay's type hash differs between chains; its exact value is not needed here.
        return { chain, format: 'short', lock: { codeHash: ANYONE_CAN_PAY_NAME, hashType: 'type', args } };
      }
      throw new AddressError(`unknown short-format code_hash_index 0x${hexByte(index)}`);
    }
    case 0x02:
    case 0x04: {
      if (p.length < 33) throw new AddressError('deprecated full-format payload is too short');
      const hashType: HashType = p[0] === 0x02 ? 'data' : 'type';
      return {
        chain,
        format: 'full-deprecated',
        lock: { codeHash: hex0x(p.subarray(1, 33)), hashType, args: hex0x(p.subarray(33)) },
      };
    }
    case 0x00:
      throw new AddressError('full-format (0x00) payload must be bech32m-encoded, this one is bech32');
    default:
      throw new AddressError(`unknown payload format 0x${hexByte(p[0])}`);
  }
}

function hexByte(n: number | undefined): string {
  return (n ?? 0).toString(16).padStart(2, '0');
}

/** Encodes a lock script as a full-format (bech32m) address. */
export function encodeFullAddress(lock: LockScript, chain: Chain): string {
  const code = hexToBytes(lock.codeHash);
  if (code.length !== 32) throw new AddressError('code_hash must be 32 bytes');
  const hashTypeByte = Number(Object.entries(HASH_TYPE_BY_BYTE).find(([, v]) => v === lock.hashType)?.[0]);
  const args = hexToBytes(lock.args);
  const payload = new Uint8Array(34 + args.length);
  payload[0] = 0x00;
  payload.set(code, 1);
  payload[33] = hashTypeByte;
  payload.set(args, 34);
  return bech32m.encode(chain === 'mainnet' ? 'ckb' : 'ckt', bech32m.toWords(payload), false);
}

function hexToBytes(hex: string): Uint8Array {
  const h = hex.startsWith('0x') ? hex.slice(2) : hex;
  if (h.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(h)) throw new AddressError(`not hex: ${hex}`);
  return Uint8Array.from(h.match(/../g) ?? [], (x) => Number.parseInt(x, 16));
}

/**
 * The lock the node's block assembler will pay to. Only the default secp256k1-blake160 lock
 * (type hash, 20-byte args) is accepted: the node ignores any other lock unless it runs with
 * `--ba-advanced`, and a pool that silently mines to nowhere is the worst failure there is.
 */
export function payoutLock(address: string, chain: Chain): LockScript {
  const decoded = decodeAddress(address);
  if (decoded.chain !== chain) {
    const want = chain === 'mainnet' ? 'ckb1' : 'ckt1';
    throw new AddressError(
      `is a ${decoded.chain} address but chain is ${chain}; use a ${want}… address or set chain: ${decoded.chain}`,
    );
  }
  const { lock } = decoded;
  if (lock.codeHash !== SECP256K1_BLAKE160_CODE_HASH || lock.hashType !== 'type') {
    const what =
      lock.codeHash === MULTISIG_CODE_HASH
        ? 'a multisig lock'
        : lock.codeHash === ANYONE_CAN_PAY_NAME
          ? 'an anyone-can-pay lock'
          : `a lock with code_hash ${lock.codeHash} (hash_type ${lock.hashType})`;
    throw new AddressError(
      `uses ${what}; the node's block assembler only pays to the default secp256k1-blake160 lock. ` +
        'Use a plain wallet address (e.g. from Neuron or `ckb-cli account new`)',
    );
  }
  if (lock.args.length !== 2 + 40) {
    throw new AddressError(
      `has ${(lock.args.length - 2) / 2}-byte args; the default lock needs exactly 20 bytes`,
    );
  }
  return lock;
}
