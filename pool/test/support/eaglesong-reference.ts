/**
 * A deliberately plain Eaglesong, written to read like RFC 0010's reference code: table-driven
 * loops over a Uint32Array, what a straightforward port looks like. It is the independent
 * oracle for the unrolled implementation in eaglesong.ts (tests compare both on random inputs;
 * it reads the bit matrix from its table, not from the factored XORs) and a baseline of its
 * benchmark. Do not use it on a hot path.
 */
import {
  EAGLESONG_BIT_MATRIX,
  EAGLESONG_INJECTION,
  EAGLESONG_ROTATIONS,
  EAGLESONG_ROUNDS,
} from '../../src/ckb/eaglesong-constants.js';

/** For each output column j, the input words k with a 1 in row k, column j. */
const COLUMNS: number[][] = Array.from({ length: 16 }, (_, j) =>
  EAGLESONG_BIT_MATRIX.flatMap((row, k) => (row[j] === '1' ? [k] : [])),
);

function rotl(x: number, n: number): number {
  return ((x << n) | (x >>> (32 - n))) >>> 0;
}

const next = new Uint32Array(16);

/** The Eaglesong permutation, in place, step by step as the RFC describes it. */
export function referencePermutation(state: Uint32Array): void {
  for (let round = 0; round < EAGLESONG_ROUNDS; round++) {
    // Bit matrix, by column: output j XORs the inputs k whose row k has a 1 at column j.
    for (let j = 0; j < 16; j++) {
      let acc = 0;
      for (const k of COLUMNS[j]) acc ^= state[k];
      next[j] = acc;
    }
    state.set(next);
    // Circulant multiplication.
    for (let j = 0; j < 16; j++) {
      const [a, b] = EAGLESONG_ROTATIONS[j];
      state[j] = state[j] ^ rotl(state[j], a) ^ rotl(state[j], b);
    }
    // Constant injection.
    for (let j = 0; j < 16; j++) state[j] ^= EAGLESONG_INJECTION[round * 16 + j];
    // Add-rotate-add on word pairs.
    for (let j = 0; j < 16; j += 2) {
      state[j] = rotl((state[j] + state[j + 1]) >>> 0, 8);
      state[j + 1] = (rotl(state[j + 1], 24) + state[j]) >>> 0;
    }
  }
}

/** Eaglesong sponge (rate 256 bits, delimiter 0x06), byte order exactly as the reference C. */
export function referenceEaglesong(input: Uint8Array, outputLength = 32): Uint8Array {
  const state = new Uint32Array(16);
  const blocks = Math.floor(((input.length + 1) * 8 + 255) / 256);
  for (let i = 0; i < blocks; i++) {
    for (let j = 0; j < 8; j++) {
      let word = 0;
      for (let k = 0; k < 4; k++) {
        const at = i * 32 + j * 4 + k;
        // Big-endian packing; the delimiter follows the last byte; nothing is shifted in
        // past it, so a partial last word stays right-aligned (a quirk of the reference).
        if (at < input.length) word = ((word << 8) ^ input[at]) >>> 0;
        else if (at === input.length) word = ((word << 8) ^ 0x06) >>> 0;
      }
      state[j] ^= word;
    }
    referencePermutation(state);
  }
  const out = new Uint8Array(outputLength);
  for (let at = 0; at < outputLength; at += 32) {
    if (at > 0) referencePermutation(state);
    for (let b = 0; b < 32 && at + b < outputLength; b++)
      out[at + b] = (state[b >> 2] >>> (8 * (b & 3))) & 0xff;
  }
  return out;
}
