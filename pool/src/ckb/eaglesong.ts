/**
 * Eaglesong, CKB's proof-of-work hash (RFC 0010): a sponge over a 16-word (512-bit) state with
 * a 256-bit rate, delimiter 0x06 and a 43-round ARX permutation.
 *
 * Byte order, as in the reference code and the node: input bytes are absorbed BIG-endian into
 * words, output words are squeezed LITTLE-endian.
 *
 * Speed matters here (the pool checks every share and the CPU miner hashes in a loop), so the
 * permutation is one round body unrolled over 16 local variables (per CPU second on the
 * 2-core Xeon dev box: plain column XORs ~660k permutations/s, with the steps below ~850k):
 * - the bit matrix (120 XORs written out by column) is factored into 59 XORs by common
 *   subexpressions (greedy pair elimination, best of 3000 randomized runs; the tests compare
 *   against the plain matrix in pool/test/support/eaglesong-reference.ts),
 * - `x ^ rotl(x, a) ^ rotl(x, b)` is computed as `x ^ rotl(x ^ rotl(x, b - a), a)`,
 * - rotations are written `(x << n) | (x >>> 32 - n)`, which V8 compiles to one rotate.
 * Measured alternatives that did not pay: unrolling 2 rounds per iteration (same speed),
 * all 43 rounds with literal constants (50× slower: too large for the optimizing compiler),
 * Int32Array constants (same speed).
 *
 * A CKB PoW message is pow_hash (32 bytes) ‖ nonce (16 bytes): two absorbed blocks, the first
 * of which depends on the job only. `powMidstate` absorbs it once per job; each nonce then
 * costs one permutation (`eaglesongPow`, `eaglesongPowInto`). For scanning many nonces,
 * eaglesong-wasm.ts hashes four at a time with WebAssembly SIMD (~3× this scalar path) and
 * `scanNonces` in pow.ts uses it.
 */
import { EAGLESONG_INJECTION } from './eaglesong-constants.js';

// A module-level const, not the imported binding: V8 then treats the array as a constant
// (imported bindings are re-read and hole-checked on every use). Measured ~15% faster.
const IC = EAGLESONG_INJECTION;

/** The Eaglesong permutation (43 rounds), in place on 16 words. */
export function eaglesongPermutation(state: Uint32Array): void {
  let s0 = state[0] | 0;
  let s1 = state[1] | 0;
  let s2 = state[2] | 0;
  let s3 = state[3] | 0;
  let s4 = state[4] | 0;
  let s5 = state[5] | 0;
  let s6 = state[6] | 0;
  let s7 = state[7] | 0;
  let s8 = state[8] | 0;
  let s9 = state[9] | 0;
  let s10 = state[10] | 0;
  let s11 = state[11] | 0;
  let s12 = state[12] | 0;
  let s13 = state[13] | 0;
  let s14 = state[14] | 0;
  let s15 = state[15] | 0;
  for (let i = 0; i < 688; i += 16) {
    // Bit matrix (by column), factored; generated from EAGLESONG_BIT_MATRIX.
    const u16 = s3 ^ s4;
    const u17 = s0 ^ s1;
    const u18 = s2 ^ s10;
    const u19 = s11 ^ s15;
    const u20 = s5 ^ u16;
    const u21 = s8 ^ u17;
    const u22 = s14 ^ u18;
    const u23 = s12 ^ u21;
    const u24 = s6 ^ s15;
    const u25 = s7 ^ u24;
    const u26 = s9 ^ s13;
    const u27 = s2 ^ u26;
    const u28 = u19 ^ u20;
    const u29 = s1 ^ u27;
    const u30 = u20 ^ u22;
    const u31 = u17 ^ u25;
    const u32 = s13 ^ u23;
    const u33 = s9 ^ u18;
    const u34 = s3 ^ s7;
    const u35 = s14 ^ u28;
    const u36 = s0 ^ u25;
    const u37 = s4 ^ s12;
    let t0 = s5 ^ u36 ^ u37;
    let t1 = s4 ^ s15 ^ u32;
    let t2 = s14 ^ u27 ^ u31 ^ u37;
    let t3 = s6 ^ u16 ^ u22 ^ u32;
    let t4 = s7 ^ u29 ^ u35;
    let t5 = s0 ^ s8 ^ u22 ^ u34;
    let t6 = s1 ^ s8 ^ s9 ^ u16 ^ u19;
    let t7 = u33 ^ u36;
    let t8 = s6 ^ s10 ^ u23 ^ u28;
    let t9 = u17 ^ u19 ^ u27;
    let t10 = u30 ^ u31;
    let t11 = s2 ^ s3 ^ s11 ^ u23;
    let t12 = s12 ^ u16 ^ u29;
    let t13 = s13 ^ u30;
    let t14 = s6 ^ u35;
    let t15 = s5 ^ u19 ^ u21 ^ u33 ^ u34;
    // Circulant multiplication and constant injection.
    const v0 = t0 ^ ((t0 << 2) | (t0 >>> 30));
    t0 = t0 ^ ((v0 << 2) | (v0 >>> 30)) ^ IC[i];
    const v1 = t1 ^ ((t1 << 9) | (t1 >>> 23));
    t1 = t1 ^ ((v1 << 13) | (v1 >>> 19)) ^ IC[i + 1];
    const v2 = t2 ^ ((t2 << 15) | (t2 >>> 17));
    t2 = t2 ^ ((v2 << 4) | (v2 >>> 28)) ^ IC[i + 2];
    const v3 = t3 ^ ((t3 << 11) | (t3 >>> 21));
    t3 = t3 ^ ((v3 << 3) | (v3 >>> 29)) ^ IC[i + 3];
    const v4 = t4 ^ ((t4 << 4) | (t4 >>> 28));
    t4 = t4 ^ ((v4 << 27) | (v4 >>> 5)) ^ IC[i + 4];
    const v5 = t5 ^ ((t5 << 5) | (t5 >>> 27));
    t5 = t5 ^ ((v5 << 3) | (v5 >>> 29)) ^ IC[i + 5];
    const v6 = t6 ^ ((t6 << 9) | (t6 >>> 23));
    t6 = t6 ^ ((v6 << 17) | (v6 >>> 15)) ^ IC[i + 6];
    const v7 = t7 ^ ((t7 << 9) | (t7 >>> 23));
    t7 = t7 ^ ((v7 << 3) | (v7 >>> 29)) ^ IC[i + 7];
    const v8 = t8 ^ ((t8 << 4) | (t8 >>> 28));
    t8 = t8 ^ ((v8 << 18) | (v8 >>> 14)) ^ IC[i + 8];
    const v9 = t9 ^ ((t9 << 6) | (t9 >>> 26));
    t9 = t9 ^ ((v9 << 12) | (v9 >>> 20)) ^ IC[i + 9];
    const v10 = t10 ^ ((t10 << 3) | (t10 >>> 29));
    t10 = t10 ^ ((v10 << 4) | (v10 >>> 28)) ^ IC[i + 10];
    const v11 = t11 ^ ((t11 << 27) | (t11 >>> 5));
    t11 = t11 ^ ((v11 << 4) | (v11 >>> 28)) ^ IC[i + 11];
    const v12 = t12 ^ ((t12 << 15) | (t12 >>> 17));
    t12 = t12 ^ ((v12 << 12) | (v12 >>> 20)) ^ IC[i + 12];
    const v13 = t13 ^ ((t13 << 10) | (t13 >>> 22));
    t13 = t13 ^ ((v13 << 7) | (v13 >>> 25)) ^ IC[i + 13];
    const v14 = t14 ^ ((t14 << 1) | (t14 >>> 31));
    t14 = t14 ^ ((v14 << 7) | (v14 >>> 25)) ^ IC[i + 14];
    const v15 = t15 ^ ((t15 << 12) | (t15 >>> 20));
    t15 = t15 ^ ((v15 << 1) | (v15 >>> 31)) ^ IC[i + 15];
    // Add-rotate-add on pairs.
    s0 = (t0 + t1) | 0;
    s0 = (s0 << 8) | (s0 >>> 24);
    s1 = (((t1 << 24) | (t1 >>> 8)) + s0) | 0;
    s2 = (t2 + t3) | 0;
    s2 = (s2 << 8) | (s2 >>> 24);
    s3 = (((t3 << 24) | (t3 >>> 8)) + s2) | 0;
    s4 = (t4 + t5) | 0;
    s4 = (s4 << 8) | (s4 >>> 24);
    s5 = (((t5 << 24) | (t5 >>> 8)) + s4) | 0;
    s6 = (t6 + t7) | 0;
    s6 = (s6 << 8) | (s6 >>> 24);
    s7 = (((t7 << 24) | (t7 >>> 8)) + s6) | 0;
    s8 = (t8 + t9) | 0;
    s8 = (s8 << 8) | (s8 >>> 24);
    s9 = (((t9 << 24) | (t9 >>> 8)) + s8) | 0;
    s10 = (t10 + t11) | 0;
    s10 = (s10 << 8) | (s10 >>> 24);
    s11 = (((t11 << 24) | (t11 >>> 8)) + s10) | 0;
    s12 = (t12 + t13) | 0;
    s12 = (s12 << 8) | (s12 >>> 24);
    s13 = (((t13 << 24) | (t13 >>> 8)) + s12) | 0;
    s14 = (t14 + t15) | 0;
    s14 = (s14 << 8) | (s14 >>> 24);
    s15 = (((t15 << 24) | (t15 >>> 8)) + s14) | 0;
  }
  state[0] = s0;
  state[1] = s1;
  state[2] = s2;
  state[3] = s3;
  state[4] = s4;
  state[5] = s5;
  state[6] = s6;
  state[7] = s7;
  state[8] = s8;
  state[9] = s9;
  state[10] = s10;
  state[11] = s11;
  state[12] = s12;
  state[13] = s13;
  state[14] = s14;
  state[15] = s15;
}

/**
 * Eaglesong of any input; `outputLength` bytes (a permutation between 32-byte squeezes). The
 * reference code only squeezes whole 32-byte blocks; other lengths here are truncations.
 */
export function eaglesong(input: Uint8Array, outputLength = 32): Uint8Array {
  if (!Number.isInteger(outputLength) || outputLength < 0)
    throw new RangeError(`bad outputLength ${outputLength}`);
  const state = new Uint32Array(16);
  const len = input.length;
  // ((len + 1) * 8 + 255) / 256 blocks: the delimiter byte always fits in the last block.
  const blocks = ((len + 1 + 31) / 32) | 0;
  for (let b = 0; b < blocks; b++) {
    for (let j = 0; j < 8; j++) {
      let word = 0;
      for (let k = 0, at = b * 32 + j * 4; k < 4; k++, at++) {
        // Big-endian packing. After the delimiter nothing is shifted in, so a partial last
        // word stays right-aligned: a quirk of the reference code that the node shares.
        if (at < len) word = (word << 8) | input[at];
        else if (at === len) word = (word << 8) | 0x06;
      }
      state[j] ^= word;
    }
    eaglesongPermutation(state);
  }
  const out = new Uint8Array(outputLength);
  for (let at = 0; at < outputLength; at += 32) {
    if (at > 0) eaglesongPermutation(state);
    for (let k = 0; k < 32 && at + k < outputLength; k++) out[at + k] = state[k >> 2] >>> ((k & 3) * 8);
  }
  return out;
}

/** The sponge state after absorbing the first PoW block, `pow_hash` (per job, not per nonce). */
export function powMidstate(powHash: Uint8Array): Uint32Array {
  if (powHash.length !== 32) throw new RangeError(`pow_hash must be 32 bytes, got ${powHash.length}`);
  const state = new Uint32Array(16);
  for (let j = 0; j < 8; j++) {
    const p = j * 4;
    state[j] = (powHash[p] << 24) | (powHash[p + 1] << 16) | (powHash[p + 2] << 8) | powHash[p + 3];
  }
  eaglesongPermutation(state);
  return state;
}

/** The 16-byte nonce as the four big-endian words Eaglesong absorbs. */
export function nonceToWords(nonce16: Uint8Array, out: Uint32Array = new Uint32Array(4)): Uint32Array {
  if (nonce16.length !== 16) throw new RangeError(`nonce must be 16 bytes, got ${nonce16.length}`);
  for (let j = 0; j < 4; j++) {
    const p = j * 4;
    out[j] = (nonce16[p] << 24) | (nonce16[p + 1] << 16) | (nonce16[p + 2] << 8) | nonce16[p + 3];
  }
  return out;
}

/** Inverse of `nonceToWords`. */
export function wordsToNonce(words: Uint32Array, out: Uint8Array = new Uint8Array(16)): Uint8Array {
  for (let j = 0; j < 4; j++) {
    const w = words[j];
    out[j * 4] = w >>> 24;
    out[j * 4 + 1] = w >>> 16;
    out[j * 4 + 2] = w >>> 8;
    out[j * 4 + 3] = w;
  }
  return out;
}

/**
 * The PoW hash on words, for loops over many nonces: `outWords[0..7]` = the output state words
 * of eaglesong(pow_hash ‖ nonce) (output byte 4j + k = byte k of `outWords[j]` little-endian).
 * No allocation. `nonceWords` = `nonceToWords(nonce16)`.
 *
 * The round body is the one of `eaglesongPermutation`, repeated here on purpose: starting from
 * the midstate in locals (no copy through a scratch array, no call) measured ~16% faster.
 * Tests compare both with the reference implementation.
 */
export function eaglesongPowInto(
  midstate: Uint32Array,
  nonceWords: Uint32Array,
  outWords: Uint32Array,
): void {
  let s0 = midstate[0] ^ nonceWords[0];
  let s1 = midstate[1] ^ nonceWords[1];
  let s2 = midstate[2] ^ nonceWords[2];
  let s3 = midstate[3] ^ nonceWords[3];
  // The 48-byte message ends on a block's 16th byte: the delimiter is the whole fifth word.
  let s4 = midstate[4] ^ 0x06;
  let s5 = midstate[5] | 0;
  let s6 = midstate[6] | 0;
  let s7 = midstate[7] | 0;
  let s8 = midstate[8] | 0;
  let s9 = midstate[9] | 0;
  let s10 = midstate[10] | 0;
  let s11 = midstate[11] | 0;
  let s12 = midstate[12] | 0;
  let s13 = midstate[13] | 0;
  let s14 = midstate[14] | 0;
  let s15 = midstate[15] | 0;
  for (let i = 0; i < 688; i += 16) {
    const u16 = s3 ^ s4;
    const u17 = s0 ^ s1;
    const u18 = s2 ^ s10;
    const u19 = s11 ^ s15;
    const u20 = s5 ^ u16;
    const u21 = s8 ^ u17;
    const u22 = s14 ^ u18;
    const u23 = s12 ^ u21;
    const u24 = s6 ^ s15;
    const u25 = s7 ^ u24;
    const u26 = s9 ^ s13;
    const u27 = s2 ^ u26;
    const u28 = u19 ^ u20;
    const u29 = s1 ^ u27;
    const u30 = u20 ^ u22;
    const u31 = u17 ^ u25;
    const u32 = s13 ^ u23;
    const u33 = s9 ^ u18;
    const u34 = s3 ^ s7;
    const u35 = s14 ^ u28;
    const u36 = s0 ^ u25;
    const u37 = s4 ^ s12;
    let t0 = s5 ^ u36 ^ u37;
    let t1 = s4 ^ s15 ^ u32;
    let t2 = s14 ^ u27 ^ u31 ^ u37;
    let t3 = s6 ^ u16 ^ u22 ^ u32;
    let t4 = s7 ^ u29 ^ u35;
    let t5 = s0 ^ s8 ^ u22 ^ u34;
    let t6 = s1 ^ s8 ^ s9 ^ u16 ^ u19;
    let t7 = u33 ^ u36;
    let t8 = s6 ^ s10 ^ u23 ^ u28;
    let t9 = u17 ^ u19 ^ u27;
    let t10 = u30 ^ u31;
    let t11 = s2 ^ s3 ^ s11 ^ u23;
    let t12 = s12 ^ u16 ^ u29;
    let t13 = s13 ^ u30;
    let t14 = s6 ^ u35;
    let t15 = s5 ^ u19 ^ u21 ^ u33 ^ u34;
    const v0 = t0 ^ ((t0 << 2) | (t0 >>> 30));
    t0 = t0 ^ ((v0 << 2) | (v0 >>> 30)) ^ IC[i];
    const v1 = t1 ^ ((t1 << 9) | (t1 >>> 23));
    t1 = t1 ^ ((v1 << 13) | (v1 >>> 19)) ^ IC[i + 1];
    const v2 = t2 ^ ((t2 << 15) | (t2 >>> 17));
    t2 = t2 ^ ((v2 << 4) | (v2 >>> 28)) ^ IC[i + 2];
    const v3 = t3 ^ ((t3 << 11) | (t3 >>> 21));
    t3 = t3 ^ ((v3 << 3) | (v3 >>> 29)) ^ IC[i + 3];
    const v4 = t4 ^ ((t4 << 4) | (t4 >>> 28));
    t4 = t4 ^ ((v4 << 27) | (v4 >>> 5)) ^ IC[i + 4];
    const v5 = t5 ^ ((t5 << 5) | (t5 >>> 27));
    t5 = t5 ^ ((v5 << 3) | (v5 >>> 29)) ^ IC[i + 5];
    const v6 = t6 ^ ((t6 << 9) | (t6 >>> 23));
    t6 = t6 ^ ((v6 << 17) | (v6 >>> 15)) ^ IC[i + 6];
    const v7 = t7 ^ ((t7 << 9) | (t7 >>> 23));
    t7 = t7 ^ ((v7 << 3) | (v7 >>> 29)) ^ IC[i + 7];
    const v8 = t8 ^ ((t8 << 4) | (t8 >>> 28));
    t8 = t8 ^ ((v8 << 18) | (v8 >>> 14)) ^ IC[i + 8];
    const v9 = t9 ^ ((t9 << 6) | (t9 >>> 26));
    t9 = t9 ^ ((v9 << 12) | (v9 >>> 20)) ^ IC[i + 9];
    const v10 = t10 ^ ((t10 << 3) | (t10 >>> 29));
    t10 = t10 ^ ((v10 << 4) | (v10 >>> 28)) ^ IC[i + 10];
    const v11 = t11 ^ ((t11 << 27) | (t11 >>> 5));
    t11 = t11 ^ ((v11 << 4) | (v11 >>> 28)) ^ IC[i + 11];
    const v12 = t12 ^ ((t12 << 15) | (t12 >>> 17));
    t12 = t12 ^ ((v12 << 12) | (v12 >>> 20)) ^ IC[i + 12];
    const v13 = t13 ^ ((t13 << 10) | (t13 >>> 22));
    t13 = t13 ^ ((v13 << 7) | (v13 >>> 25)) ^ IC[i + 13];
    const v14 = t14 ^ ((t14 << 1) | (t14 >>> 31));
    t14 = t14 ^ ((v14 << 7) | (v14 >>> 25)) ^ IC[i + 14];
    const v15 = t15 ^ ((t15 << 12) | (t15 >>> 20));
    t15 = t15 ^ ((v15 << 1) | (v15 >>> 31)) ^ IC[i + 15];
    s0 = (t0 + t1) | 0;
    s0 = (s0 << 8) | (s0 >>> 24);
    s1 = (((t1 << 24) | (t1 >>> 8)) + s0) | 0;
    s2 = (t2 + t3) | 0;
    s2 = (s2 << 8) | (s2 >>> 24);
    s3 = (((t3 << 24) | (t3 >>> 8)) + s2) | 0;
    s4 = (t4 + t5) | 0;
    s4 = (s4 << 8) | (s4 >>> 24);
    s5 = (((t5 << 24) | (t5 >>> 8)) + s4) | 0;
    s6 = (t6 + t7) | 0;
    s6 = (s6 << 8) | (s6 >>> 24);
    s7 = (((t7 << 24) | (t7 >>> 8)) + s6) | 0;
    s8 = (t8 + t9) | 0;
    s8 = (s8 << 8) | (s8 >>> 24);
    s9 = (((t9 << 24) | (t9 >>> 8)) + s8) | 0;
    s10 = (t10 + t11) | 0;
    s10 = (s10 << 8) | (s10 >>> 24);
    s11 = (((t11 << 24) | (t11 >>> 8)) + s10) | 0;
    s12 = (t12 + t13) | 0;
    s12 = (s12 << 8) | (s12 >>> 24);
    s13 = (((t13 << 24) | (t13 >>> 8)) + s12) | 0;
    s14 = (t14 + t15) | 0;
    s14 = (s14 << 8) | (s14 >>> 24);
    s15 = (((t15 << 24) | (t15 >>> 8)) + s14) | 0;
  }
  outWords[0] = s0;
  outWords[1] = s1;
  outWords[2] = s2;
  outWords[3] = s3;
  outWords[4] = s4;
  outWords[5] = s5;
  outWords[6] = s6;
  outWords[7] = s7;
}

const powWords = new Uint32Array(8);
const powNonce = new Uint32Array(4);

/** eaglesong(pow_hash ‖ nonce16) from the job's midstate: one permutation per nonce. */
export function eaglesongPow(
  midstate: Uint32Array,
  nonce16: Uint8Array,
  out: Uint8Array = new Uint8Array(32),
): Uint8Array {
  eaglesongPowInto(midstate, nonceToWords(nonce16, powNonce), powWords);
  return powWordsToBytes(powWords, out);
}

/** The 32 output bytes of `eaglesongPowInto`'s words (words are squeezed little-endian). */
export function powWordsToBytes(words: Uint32Array, out: Uint8Array = new Uint8Array(32)): Uint8Array {
  for (let j = 0; j < 8; j++) {
    const w = words[j];
    out[j * 4] = w;
    out[j * 4 + 1] = w >>> 8;
    out[j * 4 + 2] = w >>> 16;
    out[j * 4 + 3] = w >>> 24;
  }
  return out;
}
