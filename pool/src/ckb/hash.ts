import { blake2b } from '@noble/hashes/blake2.js';

/** CKB's blake2b personalization: every consensus hash uses it, plain blake2b-256 is wrong. */
const PERSONALIZATION = new TextEncoder().encode('ckb-default-hash');

/**
 * 32 zero bytes: what the node uses for "no proposals", "no uncles" and an empty merkle tree.
 * A fresh array each call, because a shared Uint8Array constant could be mutated by a caller.
 */
export function zeroHash(): Uint8Array {
  return new Uint8Array(32);
}

/**
 * ckbhash: blake2b-256 with personalization "ckb-default-hash", no key, over the concatenation
 * of `parts` (fed incrementally, so callers need not concatenate).
 */
export function ckbhash(...parts: Uint8Array[]): Uint8Array {
  const h = blake2b.create({ dkLen: 32, personalization: PERSONALIZATION });
  for (const p of parts) h.update(p);
  return h.digest();
}
