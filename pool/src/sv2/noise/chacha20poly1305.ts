/**
 * ChaCha20-Poly1305 (RFC 8439) bound to one key, for the small messages SV2 is made of.
 *
 * Why our own: a share is two AEAD messages of 6 and ~31 bytes. node:crypto pays OpenSSL's
 * per-message context setup (~10–20 µs) and @noble/ciphers' general API allocates and checks
 * per call (~17–31 µs); this one keeps the key's words and all scratch state in the instance, so
 * a small message costs a few ChaCha blocks and Poly1305 blocks and nothing else
 * (pool/bench/noise.bench.ts measures all three). Large messages are better served by
 * OpenSSL's SIMD code; `aead.ts` picks per message size.
 *
 * The halves are chacha20.ts and poly1305.ts; the whole is checked against RFC 8439's vectors
 * and, for random keys, nonces, sizes and tampering, against node:crypto and @noble/ciphers.
 */
import { chachaBlock, le32 } from './chacha20.js';
import { Poly1305 } from './poly1305.js';

export const TAG_LENGTH = 16;

// Scratch shared by every key: one call always finishes before the next begins.
const TAG_SCRATCH = new Uint8Array(TAG_LENGTH);
const BLOCK = new Uint32Array(16);
const POLY = new Poly1305();

/**
 * ChaCha20-Poly1305 with one fixed 32-byte key. The 12-byte nonce is given as three
 * little-endian words, so Noise's `4 zero bytes ‖ LE64(n)` costs no buffer at all.
 * Holds only the key's words; instances are cheap (a pool keeps two per connection).
 */
export class ChaCha20Poly1305Key {
  private readonly key = new Uint32Array(8);
  // Scratch is shared by every key: a pool holds two keys per connection, and one call always
  // finishes before the next begins (nothing here awaits or calls out).
  private readonly block = BLOCK;
  private readonly poly = POLY;

  constructor(key: Uint8Array) {
    if (key.length !== 32) throw new RangeError(`ChaCha20-Poly1305 key must be 32 bytes, got ${key.length}`);
    for (let i = 0; i < 8; i++) this.key[i] = le32(key, 4 * i);
  }

  /** Nonce words from 12 nonce bytes. */
  static nonceWords(nonce: Uint8Array): [number, number, number] {
    if (nonce.length !== 12)
      throw new RangeError(`ChaCha20-Poly1305 nonce must be 12 bytes, got ${nonce.length}`);
    return [le32(nonce, 0), le32(nonce, 4), le32(nonce, 8)];
  }

  /**
   * Encrypts `plaintext` and writes ciphertext ‖ tag to `out` at `offset` (the caller leaves
   * room for plaintext.length + 16); returns the bytes written. `out` may be `plaintext`'s
   * own buffer only at the same offset (in-place).
   */
  sealInto(
    n0: number,
    n1: number,
    n2: number,
    ad: Uint8Array,
    plaintext: Uint8Array,
    out: Uint8Array,
    offset: number,
  ): number {
    return this.sealRangeInto(n0, n1, n2, ad, plaintext, 0, plaintext.length, out, offset);
  }

  /** `sealInto` of `src[start…end)`, with no view made of it. */
  sealRangeInto(
    n0: number,
    n1: number,
    n2: number,
    ad: Uint8Array,
    src: Uint8Array,
    start: number,
    end: number,
    out: Uint8Array,
    offset: number,
  ): number {
    const len = end - start;
    this.xor(n0, n1, n2, src, start, len, out, offset);
    this.tag(n0, n1, n2, ad, out, offset, len, out, offset + len);
    return len + TAG_LENGTH;
  }

  /** The plaintext of ciphertext ‖ tag, or null when the tag does not verify. */
  open(n0: number, n1: number, n2: number, ad: Uint8Array, sealed: Uint8Array): Uint8Array | null {
    if (sealed.length < TAG_LENGTH) return null;
    const len = sealed.length - TAG_LENGTH;
    const expected = TAG_SCRATCH;
    this.tag(n0, n1, n2, ad, sealed, 0, len, expected, 0);
    let diff = 0;
    for (let i = 0; i < TAG_LENGTH; i++) diff |= expected[i] ^ sealed[len + i];
    if (diff !== 0) return null;
    const out = new Uint8Array(len);
    this.xor(n0, n1, n2, sealed, 0, len, out, 0);
    return out;
  }

  /** Poly1305 tag over pad16(ad) ‖ pad16(ct) ‖ lengths, with the one-time key of block 0. */
  private tag(
    n0: number,
    n1: number,
    n2: number,
    ad: Uint8Array,
    ct: Uint8Array,
    ctOff: number,
    ctLen: number,
    out: Uint8Array,
    outOff: number,
  ): void {
    chachaBlock(this.key, 0, n0, n1, n2, this.block);
    const poly = this.poly;
    poly.reset(this.block);
    if (ad.length) poly.update(ad, 0, ad.length);
    poly.update(ct, ctOff, ctLen);
    poly.lengths(ad.length, ctLen);
    poly.finish(out, outOff);
  }

  /** out[outOff…] = input[inOff…inOff+len] XOR the key stream from block counter 1. */
  private xor(
    n0: number,
    n1: number,
    n2: number,
    input: Uint8Array,
    inOff: number,
    len: number,
    out: Uint8Array,
    outOff: number,
  ): void {
    const ks = this.block;
    let counter = 1;
    for (let done = 0; done < len; done += 64) {
      chachaBlock(this.key, counter++, n0, n1, n2, ks);
      const n = Math.min(64, len - done);
      for (let i = 0; i < n; i++) {
        const word = ks[i >>> 2];
        out[outOff + done + i] = input[inOff + done + i] ^ ((word >>> ((i & 3) << 3)) & 0xff);
      }
    }
  }
}
