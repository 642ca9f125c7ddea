/**
 * Deterministic payout locks for the dev chain: a secp256k1 key derived from a seed, and the
 * default secp256k1_blake160_sighash_all lock over it (code_hash = the type hash used on
 * mainnet and testnet, hash_type "type", args = blake160(compressed pubkey) = the first 20
 * bytes of its ckbhash). This is the only kind of lock a stock node accepts in
 * `[block_assembler]` without `--ba-advanced`.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { encodeFullAddress } from '../ckb/address.js';
import { ckbhash } from '../ckb/hash.js';
import { hexToBytes, uintToLeBytes } from '../ckb/hex.js';
import type { Script } from './json-decode.js';

export const SECP256K1_BLAKE160_CODE_HASH = hexToBytes(
  '9bd7e06f3ecf4be0f2fcd2188b23f1b9fcc88e5d4b65a8637b17723bbda3cce8',
);

const DOMAIN = new TextEncoder().encode('ckb-pool devnet key');

/** A valid secp256k1 secret key from `seed` (hashing with a counter until it is in range). */
function devnetSecretKey(seed: bigint): Uint8Array {
  for (let counter = 0n; ; counter++) {
    const key = ckbhash(DOMAIN, uintToLeBytes(seed & ((1n << 64n) - 1n), 8), uintToLeBytes(counter, 8));
    if (secp256k1.utils.isValidSecretKey(key)) return key;
  }
}

function blake160(data: Uint8Array): Uint8Array {
  return ckbhash(data).slice(0, 20);
}

/** The secp256k1-blake160 lock of a compressed public key. */
function secp256k1Blake160Lock(compressedPubkey: Uint8Array): Script {
  return { codeHash: SECP256K1_BLAKE160_CODE_HASH, hashType: 1, args: blake160(compressedPubkey) };
}

/** The dev chain's default payout lock for `seed`. */
export function devnetLock(seed: bigint): Script {
  return secp256k1Blake160Lock(secp256k1.getPublicKey(devnetSecretKey(seed), true));
}

/** The address of the dev chain's lock for `seed` (a `ckt…` full address). */
export function devnetAddress(seed: bigint): string {
  const lock = devnetLock(seed);
  return encodeFullAddress({ codeHash: lock.codeHash, hashType: lock.hashType, args: lock.args }, 'dev');
}
