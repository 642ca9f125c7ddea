import { MAX_U256, targetToBeHex } from '../../ckb/target.js';
import { notificationLine } from '../wire.js';

/**
 * The three ways CKB firmware is told its share target. The target itself is always the
 * pool's: 2^256 / difficulty, met when the Eaglesong output read big-endian is ≤ it.
 */

/** btcpool's CKB difficulty 1 (`Difficulty<0x2100ffff>`): 0xffff · 2^240. */
export const BTCPOOL_DIFF1 = 0xffffn << 240n;

/** `mining.set_target` with 64 hex characters, big-endian (btcpool, godminer, gominer). */
export function setTargetBeLine(target: bigint): string {
  return notificationLine('mining.set_target', [targetToBeHex(target)]);
}

/** The target's 32 bytes little-endian, as 64 hex characters (NerdMiner-style firmware). */
export function targetToLeHex(target: bigint): string {
  return Buffer.from(targetToBeHex(target), 'hex').reverse().toString('hex');
}

export function setTargetLeLine(target: bigint): string {
  return notificationLine('mining.set_target', [targetToLeHex(target)]);
}

/**
 * The btcpool-scale difficulty a miner must be told so that the target it derives
 * (BTCPOOL_DIFF1 / d) is never easier than `target`: rounded up, never down, so every share
 * it sends meets the pool's target. Below difficulty 1 (dev chains) it is a fraction.
 */
export function btcpoolDifficultyFor(target: bigint): number {
  if (target <= 0n) throw new RangeError('target must be positive');
  // d · 2^32, rounded up: exact enough for any target, integer or fraction.
  const scaled = ((BTCPOOL_DIFF1 << 32n) + target - 1n) / target;
  // Number() rounds to nearest: step up when it went down, so d stays ≥ the exact value.
  let n = Number(scaled);
  if (BigInt(n) < scaled) n = nextUp(n);
  return n / 2 ** 32;
}

function nextUp(x: number): number {
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, x);
  buf.setBigUint64(0, buf.getBigUint64(0) + 1n);
  return buf.getFloat64(0);
}

/** The target a btcpool-scale difficulty stands for (what such firmware mines to). */
export function targetForBtcpoolDifficulty(d: number): bigint {
  if (!Number.isFinite(d) || d <= 0) throw new RangeError(`bad difficulty ${d}`);
  // d as a fraction of 2^32 keeps sub-1 difficulties exact enough.
  const scaled = BigInt(Math.max(1, Math.round(d * 2 ** 32)));
  const t = (BTCPOOL_DIFF1 << 32n) / scaled;
  return t > MAX_U256 ? MAX_U256 : t < 1n ? 1n : t;
}

/** `mining.set_difficulty` on btcpool's scale (Goldshell firmware). */
export function setDifficultyLine(target: bigint): string {
  return notificationLine('mining.set_difficulty', [btcpoolDifficultyFor(target)]);
}
