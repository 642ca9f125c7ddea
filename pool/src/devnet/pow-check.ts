/**
 * The dev chain's PoW judgement, written the way the node's verifier reads
 * (pow/src/eaglesong.rs, util/types/src/utilities/difficulty.rs): the generic Eaglesong sponge
 * over `pow_hash ‖ nonce (u128 LE)`, compared as a big-endian integer with the target of the
 * header's own compact_target; an overflowing or zero target fails. Grinding (for the chain's
 * "other miners" and for tests) uses the midstate fast path instead, so the two paths check
 * each other.
 */
import { eaglesong, eaglesongPow, powMidstate } from '../ckb/eaglesong.js';
import { ckbhash } from '../ckb/hash.js';
import { type Header, powHash, type RawHeader } from '../ckb/header.js';
import { beBytesToUint, uintToLeBytes } from '../ckb/hex.js';

/** `eaglesong` = mainnet/dev-with-Eaglesong; `eaglesong-blake2b` = testnet (ckbhash of the output). */
export type PowFunc = 'eaglesong' | 'eaglesong-blake2b';

/** compact_to_target: `[target, overflow]` (unsigned nBits; exponent > 32 overflows). */
export function compactToTarget(compact: number): [bigint, boolean] {
  const exponent = compact >>> 24;
  const mantissa = BigInt(compact & 0xffffff);
  const target =
    exponent <= 3 ? mantissa >> BigInt(8 * (3 - exponent)) : mantissa << BigInt(8 * (exponent - 3));
  const overflow = mantissa !== 0n && exponent > 32;
  return [overflow ? 0n : target & ((1n << 256n) - 1n), overflow];
}

/** The node's difficulty = 2^256 / target (target 1 → 2^256 − 1). */
export function compactToDifficulty(compact: number): bigint {
  const [target] = compactToTarget(compact);
  if (target === 0n) return 0n;
  if (target === 1n) return (1n << 256n) - 1n;
  return (1n << 256n) / target;
}

/** The value compared with the target, for a header with its nonce. */
export function powValue(header: Header, func: PowFunc): bigint {
  const message = new Uint8Array(48);
  message.set(powHash(header), 0);
  message.set(uintToLeBytes(header.nonce, 16), 32);
  let out = eaglesong(message);
  if (func === 'eaglesong-blake2b') out = ckbhash(out);
  return beBytesToUint(out);
}

/** PowEngine::verify: valid iff target is neither overflowing nor zero and value ≤ target. */
export function verifyPow(header: Header, func: PowFunc): boolean {
  const [target, overflow] = compactToTarget(header.compactTarget);
  if (overflow || target === 0n) return false;
  return powValue(header, func) <= target;
}

/**
 * Searches nonces from `startNonce` for one that meets the header's compact_target; returns
 * the nonce or null after `maxTries`. Midstate fast path (one permutation per nonce).
 */
export function grindNonce(
  raw: RawHeader,
  func: PowFunc,
  startNonce: bigint,
  maxTries: number,
): bigint | null {
  const [target, overflow] = compactToTarget(raw.compactTarget);
  if (overflow || target === 0n) return null;
  const midstate = powMidstate(powHash(raw));
  const out = new Uint8Array(32);
  let nonce = startNonce;
  for (let i = 0; i < maxTries; i++) {
    eaglesongPow(midstate, uintToLeBytes(nonce, 16), out);
    const value = func === 'eaglesong-blake2b' ? beBytesToUint(ckbhash(out)) : beBytesToUint(out);
    if (value <= target) return nonce;
    nonce = (nonce + 1n) & ((1n << 128n) - 1n);
  }
  return null;
}
