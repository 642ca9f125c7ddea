import { targetToDifficulty, targetToU256Le, u256LeToTarget } from '../ckb/target.js';
import { type Channel, openingTargetFields } from './channel.js';
import { type ShareTarget, shareTarget } from './job-targets.js';

/**
 * The 256-bit conversions of a channel open, remembered for the last input: miners and proxies
 * send the same max_target and get the same target channel after channel, and each conversion
 * is BigInt work. A flood of opens then costs the pool far less per open. The values returned
 * are shared: callers only read them (a target change makes new ones, see applyTarget).
 */

let lastMaxBytes: Uint8Array | null = null;
let lastMax = { target: 0n, minDifficulty: 0 };

/** max_target (U256 LE) → the target and the difficulty it allows at least (2^256 / target). */
export function parseMaxTarget(bytes: Uint8Array): { target: bigint; minDifficulty: number } {
  if (lastMaxBytes && sameBytes(bytes, lastMaxBytes)) return lastMax;
  const target = u256LeToTarget(bytes);
  lastMax = { target, minDifficulty: Number(targetToDifficulty(target)) };
  lastMaxBytes = bytes.slice();
  return lastMax;
}

let lastShareTarget: ShareTarget | null = null;

/** The target fields of a new channel; the ShareTarget is remembered for the last target. */
export function targetFields(target: bigint): Pick<Channel, 'target' | 'shareTarget' | 'jobTargets'> {
  if (lastShareTarget?.target !== target) lastShareTarget = shareTarget(target);
  return openingTargetFields(target, lastShareTarget);
}

let lastLeTarget = -1n;
let lastLe: Uint8Array = new Uint8Array(32);

/** targetToU256Le, remembered for the last target (the encoder only reads it). */
export function targetLe(target: bigint): Uint8Array {
  if (target !== lastLeTarget) {
    lastLe = targetToU256Le(target);
    lastLeTarget = target;
  }
  return lastLe;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
