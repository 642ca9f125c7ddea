/**
 * ChaCha20-Poly1305 (RFC 8439) with Noise's nonce layout: 12 bytes = 4 zero bytes ‖ LE64(n).
 * Two interchangeable implementations, both tested against the handshake vector:
 * node:crypto (OpenSSL) and @noble/ciphers (pure JS). The default is the one measured faster
 * for SV2-sized messages in pool/bench/noise.bench.ts.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';

export const TAG_SIZE = 16;
/** Largest Noise message: 65535 bytes of ciphertext, i.e. 65519 of plaintext. */
export const MAX_NOISE_MESSAGE = 65535;
export const MAX_PLAINTEXT_CHUNK = MAX_NOISE_MESSAGE - TAG_SIZE;

export type AeadName = 'node' | 'noble';

export interface Aead {
  readonly name: AeadName;
  /** ciphertext ‖ tag. */
  seal(key: Uint8Array, n: number, ad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** The plaintext, or null when the tag does not verify. */
  open(key: Uint8Array, n: number, ad: Uint8Array, ciphertext: Uint8Array): Uint8Array | null;
}

export function nonce12(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`bad Noise nonce ${n}`);
  const out = new Uint8Array(12);
  // LE64 from a safe integer: low 32 bits, then the rest.
  const view = new DataView(out.buffer);
  view.setUint32(4, n >>> 0, true);
  view.setUint32(8, Math.floor(n / 0x1_0000_0000), true);
  return out;
}

export const nodeAead: Aead = {
  name: 'node',
  seal(key, n, ad, plaintext) {
    const c = createCipheriv('chacha20-poly1305', key, nonce12(n), { authTagLength: TAG_SIZE });
    if (ad.length) c.setAAD(ad, { plaintextLength: plaintext.length });
    const body = c.update(plaintext);
    c.final();
    const out = new Uint8Array(body.length + TAG_SIZE);
    out.set(body, 0);
    out.set(c.getAuthTag(), body.length);
    return out;
  },
  open(key, n, ad, ciphertext) {
    if (ciphertext.length < TAG_SIZE) return null;
    const split = ciphertext.length - TAG_SIZE;
    const d = createDecipheriv('chacha20-poly1305', key, nonce12(n), { authTagLength: TAG_SIZE });
    d.setAuthTag(ciphertext.subarray(split));
    if (ad.length) d.setAAD(ad, { plaintextLength: split });
    const body = d.update(ciphertext.subarray(0, split));
    try {
      d.final();
    } catch {
      return null;
    }
    return new Uint8Array(body.buffer, body.byteOffset, body.length);
  },
};

export const nobleAead: Aead = {
  name: 'noble',
  seal: (key, n, ad, plaintext) => chacha20poly1305(key, nonce12(n), ad).encrypt(plaintext),
  open(key, n, ad, ciphertext) {
    if (ciphertext.length < TAG_SIZE) return null;
    try {
      return chacha20poly1305(key, nonce12(n), ad).decrypt(ciphertext);
    } catch {
      return null;
    }
  },
};

export const AEADS: Record<AeadName, Aead> = { node: nodeAead, noble: nobleAead };

/** Faster in this repository's benchmark (see the module comment); override with CKB_POOL_AEAD. */
export function defaultAead(): Aead {
  const forced = process.env.CKB_POOL_AEAD as AeadName | undefined;
  if (forced) {
    const a = AEADS[forced];
    if (!a) throw new Error(`CKB_POOL_AEAD=${forced}: expected node or noble`);
    return a;
  }
  return nodeAead;
}
