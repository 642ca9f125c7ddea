/**
 * Poly1305 (RFC 8439 §2.5) with ten 13-bit limbs (the 16-bit "donna" layout), so every product
 * and sum stays an exact integer in a double. Only what the AEAD construction needs: every part
 * is padded to 16 bytes, so every block is a full block (high bit 2^128 set).
 */
import { le32 } from './chacha20.js';

/**
 * Poly1305 over 16-byte blocks. The AEAD construction pads every part to 16 bytes, so every
 * block is a full block (high bit 2^128 set); a short tail is read as if zero-padded.
 */
export class Poly1305 {
  private readonly r = new Float64Array(10);
  private readonly h = new Float64Array(10);
  /** s as eight 16-bit words. */
  private readonly s = new Uint16Array(8);

  /** Starts a MAC with the one-time key in ChaCha block words 0–7. */
  reset(block: Uint32Array): void {
    // Clamp r (RFC 8439 §2.5): top 4 bits of bytes 3, 7, 11, 15 and low 2 bits of 4, 8, 12 clear.
    const w0 = block[0] & 0x0fffffff;
    const w1 = block[1] & 0x0ffffffc;
    const w2 = block[2] & 0x0ffffffc;
    const w3 = block[3] & 0x0ffffffc;
    const t0 = w0 & 0xffff;
    const t1 = w0 >>> 16;
    const t2 = w1 & 0xffff;
    const t3 = w1 >>> 16;
    const t4 = w2 & 0xffff;
    const t5 = w2 >>> 16;
    const t6 = w3 & 0xffff;
    const t7 = w3 >>> 16;
    const r = this.r;
    r[0] = t0 & 0x1fff;
    r[1] = ((t0 >>> 13) | (t1 << 3)) & 0x1fff;
    r[2] = ((t1 >>> 10) | (t2 << 6)) & 0x1fff;
    r[3] = ((t2 >>> 7) | (t3 << 9)) & 0x1fff;
    r[4] = ((t3 >>> 4) | (t4 << 12)) & 0x1fff;
    r[5] = (t4 >>> 1) & 0x1fff;
    r[6] = ((t4 >>> 14) | (t5 << 2)) & 0x1fff;
    r[7] = ((t5 >>> 11) | (t6 << 5)) & 0x1fff;
    r[8] = ((t6 >>> 8) | (t7 << 8)) & 0x1fff;
    r[9] = t7 >>> 5;
    this.h.fill(0);
    const s = this.s;
    for (let i = 0; i < 4; i++) {
      const w = block[4 + i];
      s[2 * i] = w & 0xffff;
      s[2 * i + 1] = w >>> 16;
    }
  }

  /** Absorbs `len` bytes of `m` from `off`, zero-padded to a multiple of 16. */
  update(m: Uint8Array, off: number, len: number): void {
    const end = off + len;
    for (let p = off; p < end; p += 16) {
      if (p + 16 <= end) this.block(m, p);
      else {
        const tail = POLY_TAIL;
        tail.fill(0);
        // A byte loop, not set(subarray): no view allocated per message on the hot path.
        for (let i = p; i < end; i++) tail[i - p] = m[i];
        this.block(tail, 0);
      }
    }
  }

  /** Absorbs the final block: LE64(adLength) ‖ LE64(ctLength). */
  lengths(adLength: number, ctLength: number): void {
    const b = POLY_TAIL;
    b.fill(0);
    const view = POLY_TAIL_VIEW;
    view.setUint32(0, adLength >>> 0, true);
    view.setUint32(4, Math.floor(adLength / 0x1_0000_0000), true);
    view.setUint32(8, ctLength >>> 0, true);
    view.setUint32(12, Math.floor(ctLength / 0x1_0000_0000), true);
    this.block(b, 0);
  }

  private block(m: Uint8Array, p: number): void {
    const t0 = m[p] | (m[p + 1] << 8);
    const t1 = m[p + 2] | (m[p + 3] << 8);
    const t2 = m[p + 4] | (m[p + 5] << 8);
    const t3 = m[p + 6] | (m[p + 7] << 8);
    const t4 = m[p + 8] | (m[p + 9] << 8);
    const t5 = m[p + 10] | (m[p + 11] << 8);
    const t6 = m[p + 12] | (m[p + 13] << 8);
    const t7 = m[p + 14] | (m[p + 15] << 8);
    const h = this.h;
    const h0 = h[0] + (t0 & 0x1fff);
    const h1 = h[1] + (((t0 >>> 13) | (t1 << 3)) & 0x1fff);
    const h2 = h[2] + (((t1 >>> 10) | (t2 << 6)) & 0x1fff);
    const h3 = h[3] + (((t2 >>> 7) | (t3 << 9)) & 0x1fff);
    const h4 = h[4] + (((t3 >>> 4) | (t4 << 12)) & 0x1fff);
    const h5 = h[5] + ((t4 >>> 1) & 0x1fff);
    const h6 = h[6] + (((t4 >>> 14) | (t5 << 2)) & 0x1fff);
    const h7 = h[7] + (((t5 >>> 11) | (t6 << 5)) & 0x1fff);
    const h8 = h[8] + (((t6 >>> 8) | (t7 << 8)) & 0x1fff);
    // The 2^128 bit of a full block is bit 11 of limb 9 (9 × 13 = 117).
    const h9 = h[9] + ((t7 >>> 5) | (1 << 11));
    const r = this.r;
    const r0 = r[0];
    const r1 = r[1];
    const r2 = r[2];
    const r3 = r[3];
    const r4 = r[4];
    const r5 = r[5];
    const r6 = r[6];
    const r7 = r[7];
    const r8 = r[8];
    const r9 = r[9];
    // 2^130 ≡ 5 (mod p): limbs that wrap past limb 9 come back multiplied by 5.
    const s1 = 5 * r1;
    const s2 = 5 * r2;
    const s3 = 5 * r3;
    const s4 = 5 * r4;
    const s5 = 5 * r5;
    const s6 = 5 * r6;
    const s7 = 5 * r7;
    const s8 = 5 * r8;
    const s9 = 5 * r9;
    // Each d is below 2^34: exact in a double; `>>> 0` after dividing by 2^13 is the carry.
    let d0 =
      h0 * r0 + h1 * s9 + h2 * s8 + h3 * s7 + h4 * s6 + h5 * s5 + h6 * s4 + h7 * s3 + h8 * s2 + h9 * s1;
    let c = (d0 / 8192) >>> 0;
    d0 &= 0x1fff;
    let d1 =
      c + h0 * r1 + h1 * r0 + h2 * s9 + h3 * s8 + h4 * s7 + h5 * s6 + h6 * s5 + h7 * s4 + h8 * s3 + h9 * s2;
    c = (d1 / 8192) >>> 0;
    d1 &= 0x1fff;
    let d2 =
      c + h0 * r2 + h1 * r1 + h2 * r0 + h3 * s9 + h4 * s8 + h5 * s7 + h6 * s6 + h7 * s5 + h8 * s4 + h9 * s3;
    c = (d2 / 8192) >>> 0;
    d2 &= 0x1fff;
    let d3 =
      c + h0 * r3 + h1 * r2 + h2 * r1 + h3 * r0 + h4 * s9 + h5 * s8 + h6 * s7 + h7 * s6 + h8 * s5 + h9 * s4;
    c = (d3 / 8192) >>> 0;
    d3 &= 0x1fff;
    let d4 =
      c + h0 * r4 + h1 * r3 + h2 * r2 + h3 * r1 + h4 * r0 + h5 * s9 + h6 * s8 + h7 * s7 + h8 * s6 + h9 * s5;
    c = (d4 / 8192) >>> 0;
    d4 &= 0x1fff;
    let d5 =
      c + h0 * r5 + h1 * r4 + h2 * r3 + h3 * r2 + h4 * r1 + h5 * r0 + h6 * s9 + h7 * s8 + h8 * s7 + h9 * s6;
    c = (d5 / 8192) >>> 0;
    d5 &= 0x1fff;
    let d6 =
      c + h0 * r6 + h1 * r5 + h2 * r4 + h3 * r3 + h4 * r2 + h5 * r1 + h6 * r0 + h7 * s9 + h8 * s8 + h9 * s7;
    c = (d6 / 8192) >>> 0;
    d6 &= 0x1fff;
    let d7 =
      c + h0 * r7 + h1 * r6 + h2 * r5 + h3 * r4 + h4 * r3 + h5 * r2 + h6 * r1 + h7 * r0 + h8 * s9 + h9 * s8;
    c = (d7 / 8192) >>> 0;
    d7 &= 0x1fff;
    let d8 =
      c + h0 * r8 + h1 * r7 + h2 * r6 + h3 * r5 + h4 * r4 + h5 * r3 + h6 * r2 + h7 * r1 + h8 * r0 + h9 * s9;
    c = (d8 / 8192) >>> 0;
    d8 &= 0x1fff;
    let d9 =
      c + h0 * r9 + h1 * r8 + h2 * r7 + h3 * r6 + h4 * r5 + h5 * r4 + h6 * r3 + h7 * r2 + h8 * r1 + h9 * r0;
    c = (d9 / 8192) >>> 0;
    d9 &= 0x1fff;
    d0 += 5 * c;
    c = d0 >>> 13;
    d0 &= 0x1fff;
    d1 += c;
    h[0] = d0;
    h[1] = d1;
    h[2] = d2;
    h[3] = d3;
    h[4] = d4;
    h[5] = d5;
    h[6] = d6;
    h[7] = d7;
    h[8] = d8;
    h[9] = d9;
  }

  /** Writes (h mod p + s) mod 2^128, little-endian, to `out` at `off`. */
  finish(out: Uint8Array, off: number): void {
    const h = POLY_FINISH_H;
    const g = POLY_FINISH_G;
    for (let i = 0; i < 10; i++) h[i] = this.h[i];
    // Carry every limb down to 13 bits; h < 2^130 afterwards.
    let c = 0;
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i < 10; i++) {
        const v = h[i] + c;
        c = v >>> 13;
        h[i] = v & 0x1fff;
      }
      h[0] = h[0] + 5 * c;
      c = 0;
    }
    // g = h + 5 - 2^130; when that is not negative, h ≥ p and h mod p = g.
    c = 5;
    for (let i = 0; i < 10; i++) {
      const v = h[i] + c;
      c = v >>> 13;
      g[i] = v & 0x1fff;
    }
    // c is the bit 2^130 of h + 5: 1 exactly when h ≥ p. Select without branching on it.
    const useG = -c;
    const useH = ~useG;
    for (let i = 0; i < 10; i++) h[i] = (h[i] & useH) | (g[i] & useG);
    const h0 = h[0];
    const h1 = h[1];
    const h2 = h[2];
    const h3 = h[3];
    const h4 = h[4];
    const h5 = h[5];
    const h6 = h[6];
    const h7 = h[7];
    const h8 = h[8];
    const h9 = h[9];
    const w = POLY_FINISH_W;
    w[0] = h0 | (h1 << 13);
    w[1] = (h1 >>> 3) | (h2 << 10);
    w[2] = (h2 >>> 6) | (h3 << 7);
    w[3] = (h3 >>> 9) | (h4 << 4);
    w[4] = (h4 >>> 12) | (h5 << 1) | (h6 << 14);
    w[5] = (h6 >>> 2) | (h7 << 11);
    w[6] = (h7 >>> 5) | (h8 << 8);
    w[7] = (h8 >>> 8) | (h9 << 5);
    let carry = 0;
    for (let i = 0; i < 8; i++) {
      const v = w[i] + this.s[i] + carry;
      carry = v >>> 16;
      out[off + 2 * i] = v & 0xff;
      out[off + 2 * i + 1] = (v >>> 8) & 0xff;
    }
  }
}

// Scratch shared by every instance: the event loop never runs two of these at once.
const POLY_TAIL = new Uint8Array(16);
const POLY_TAIL_VIEW = new DataView(POLY_TAIL.buffer);
const POLY_FINISH_H = new Int32Array(10);
const POLY_FINISH_G = new Int32Array(10);
/** Uint16Array: keeps only the low 16 bits of each word written. */
const POLY_FINISH_W = new Uint16Array(8);

/**
 * Poly1305 of a message whose length is a multiple of 16 (every AEAD input is), with a
 * 32-byte one-time key r ‖ s. Exposed for the edge-case tests of the reduction.
 */
export function poly1305FullBlocks(oneTimeKey: Uint8Array, message: Uint8Array): Uint8Array {
  if (oneTimeKey.length !== 32) throw new RangeError('Poly1305 key must be 32 bytes');
  if (message.length % 16 !== 0) throw new RangeError('message length must be a multiple of 16');
  const words = new Uint32Array(16);
  for (let i = 0; i < 8; i++) words[i] = le32(oneTimeKey, 4 * i);
  const poly = new Poly1305();
  poly.reset(words);
  poly.update(message, 0, message.length);
  const out = new Uint8Array(16);
  poly.finish(out, 0);
  return out;
}
