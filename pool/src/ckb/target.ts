/**
 * Targets and difficulty exactly as the CKB node computes them
 * (ckb `util/types/src/utilities/difficulty.rs`):
 * - compact target: Bitcoin-style nBits but unsigned (no sign bit, so a mantissa of 0x800000
 *   is legal): `target = mantissa * 256^(exponent - 3)`, overflow when the mantissa is not
 *   zero and the exponent exceeds 32;
 * - difficulty = 2^256 / target (integer division; target 1 → 2^256 − 1), i.e. the expected
 *   number of hashes per solution. The same formula maps a difficulty back to a target.
 * A PoW output meets a target when the output read as a big-endian integer is ≤ the target.
 */
import { beBytesToUint, leBytesToUint, uintToLeBytes } from './hex.js';

export const TWO_256 = 1n << 256n;
export const MAX_U256 = TWO_256 - 1n;

function assertU256(t: bigint, what: string): void {
  if (typeof t !== 'bigint' || t < 0n || t > MAX_U256) throw new RangeError(`${what} is not a u256: ${t}`);
}

function assertU32(n: number, what: string): void {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`${what} is not a u32: ${n}`);
}

/**
 * The node's `compact_to_target`: the target (shifted within 256 bits, high bits lost as in the
 * node's U256) and whether the compact value overflows. A header is valid only if
 * `!overflow && target !== 0n`.
 */
export function decodeCompact(compact: number): { target: bigint; overflow: boolean } {
  assertU32(compact, 'compact target');
  const exponent = compact >>> 24;
  let mantissa = BigInt(compact & 0xffffff);
  let target: bigint;
  if (exponent <= 3) {
    mantissa >>= BigInt(8 * (3 - exponent));
    target = mantissa;
  } else {
    target = (mantissa << BigInt(8 * (exponent - 3))) & MAX_U256;
  }
  return { target, overflow: mantissa !== 0n && exponent > 32 };
}

/** Target of a compact value; throws on a value the node reports as overflowing. */
export function compactToTarget(compact: number): bigint {
  const { target, overflow } = decodeCompact(compact);
  if (overflow) throw new RangeError(`compact target 0x${compact.toString(16)} overflows 256 bits`);
  return target;
}

/** The node's `target_to_compact`: exponent = byte length, mantissa = the top 3 bytes (truncated). */
export function targetToCompact(target: bigint): number {
  assertU256(target, 'target');
  const bits = target === 0n ? 0 : target.toString(2).length;
  const exponent = Math.floor((bits + 7) / 8);
  const mantissa =
    exponent <= 3 ? Number(target) * 256 ** (3 - exponent) : Number(target >> BigInt(8 * (exponent - 3)));
  return (exponent * 0x1000000 + mantissa) >>> 0;
}

/** difficulty = 2^256 / target (target 1 → 2^256 − 1, as in the node). */
export function targetToDifficulty(target: bigint): bigint {
  assertU256(target, 'target');
  if (target === 0n) throw new RangeError('target 0 has no difficulty');
  return target === 1n ? MAX_U256 : TWO_256 / target;
}

/**
 * target = 2^256 / difficulty. Integral difficulties follow the node exactly; a fractional
 * `number` (vardiff output) is resolved to 2^-20, and difficulties below 1 give the easiest
 * target 2^256 − 1.
 */
export function difficultyToTarget(difficulty: bigint | number): bigint {
  if (typeof difficulty === 'number') {
    if (!Number.isFinite(difficulty) || difficulty <= 0) throw new RangeError(`bad difficulty ${difficulty}`);
    if (!Number.isInteger(difficulty) && difficulty < 2 ** 32) {
      const scaled = BigInt(Math.round(difficulty * 2 ** 20));
      if (scaled === 0n) return MAX_U256;
      const t = (TWO_256 << 20n) / scaled;
      return t > MAX_U256 ? MAX_U256 : t < 1n ? 1n : t;
    }
    return difficultyToTarget(BigInt(Math.round(difficulty)));
  }
  if (difficulty <= 0n) throw new RangeError(`bad difficulty ${difficulty}`);
  if (difficulty === 1n) return MAX_U256;
  const t = TWO_256 / difficulty;
  return t === 0n ? 1n : t;
}

/** The node's `compact_to_difficulty`: 0 for an overflowing or zero target. */
export function compactToDifficulty(compact: number): bigint {
  const { target, overflow } = decodeCompact(compact);
  return overflow || target === 0n ? 0n : targetToDifficulty(target);
}

/** The node's `difficulty_to_compact`. */
export function difficultyToCompact(difficulty: bigint): number {
  return targetToCompact(difficultyToTarget(difficulty));
}

/**
 * The target of a channel at share difficulty `difficulty`, clamped so it is never harder
 * than the network target: the result is ≥ `networkTarget` numerically, so every block
 * solution is also a share.
 */
export function shareTargetForDifficulty(difficulty: bigint | number, networkTarget: bigint): bigint {
  assertU256(networkTarget, 'network target');
  const t = difficultyToTarget(difficulty);
  return t < networkTarget ? networkTarget : t;
}

/** SV2 U256 wire form: 32 bytes little-endian. */
export function targetToU256Le(target: bigint): Uint8Array {
  assertU256(target, 'target');
  return uintToLeBytes(target, 32);
}

/** Target from SV2 U256 wire bytes (32 bytes little-endian). */
export function u256LeToTarget(bytes: Uint8Array): bigint {
  if (bytes.length !== 32) throw new RangeError(`U256 must be 32 bytes, got ${bytes.length}`);
  return leBytesToUint(bytes);
}

/** 64 lowercase hex digits, big-endian, no `0x`: Stratum V1 `mining.set_target`. */
export function targetToBeHex(target: bigint): string {
  assertU256(target, 'target');
  return target.toString(16).padStart(64, '0');
}

/** 32 big-endian bytes, as the target compares with a PoW output. */
export function targetToBeBytes(target: bigint): Uint8Array {
  return targetToU256Le(target).reverse();
}

/** True when int_be(powOutput) ≤ target. */
export function meetsTarget(powOutput: Uint8Array, target: bigint): boolean {
  if (powOutput.length !== 32) throw new RangeError(`PoW output must be 32 bytes, got ${powOutput.length}`);
  return beBytesToUint(powOutput) <= target;
}

/**
 * The target as 8 big-endian words, for `powWordsMeetTarget` in nonce loops.
 */
export function targetToBeWords(target: bigint): Uint32Array {
  const b = targetToBeBytes(target);
  const w = new Uint32Array(8);
  for (let j = 0; j < 8; j++)
    w[j] = ((b[j * 4] << 24) | (b[j * 4 + 1] << 16) | (b[j * 4 + 2] << 8) | b[j * 4 + 3]) >>> 0;
  return w;
}

/**
 * `meetsTarget` on the output words of `eaglesongPowInto` without building bytes: output
 * word j holds bytes 4j..4j+3 little-endian, so its big-endian value is the byte-swapped word.
 * Usually decided by the first word.
 */
export function powWordsMeetTarget(outWords: Uint32Array, targetBeWords: Uint32Array): boolean {
  for (let j = 0; j < 8; j++) {
    const w = outWords[j];
    const be = ((w << 24) | ((w & 0xff00) << 8) | ((w >>> 8) & 0xff00) | (w >>> 24)) >>> 0;
    const t = targetBeWords[j];
    if (be !== t) return be < t;
  }
  return true;
}
