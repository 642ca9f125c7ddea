import { availableParallelism } from 'node:os';
import { ExtranonceAllocator, MAX_CHANNEL_INDEX } from '../extranonce.js';

/**
 * How N instances on one host split the nonce space. The extranonce_prefix stays 4 bytes:
 *
 *   byte 0        sv2.instanceId  — the host (unique per pool host on one payout)
 *   bytes 1..3    channel index   — its top `bits` bits: the instance on that host,
 *                                   the rest: the channel inside that instance
 *
 * `bits` is ceil(log2(N)), so one instance (bits = 0) is exactly the single-process layout,
 * and two hosts or two instances never hand out the same prefix. Each instance still has
 * 2^(24 − bits) channel indexes: 4,194,304 with four instances.
 */

/** Most instances one host runs (the config's bound; 6 bits of the channel index). */
export const MAX_INSTANCES = 64;

/** `instances: auto | N` → N (auto = one per core, at least 1). */
export function instanceCount(setting: number | 'auto', cores = availableParallelism()): number {
  const n = setting === 'auto' ? cores : setting;
  return Math.max(1, Math.min(MAX_INSTANCES, Math.floor(n)));
}

/** Bits of the channel index that name the instance. */
export function instanceBits(count: number): number {
  let bits = 0;
  while (1 << bits < count) bits++;
  return bits;
}

/** The channel indexes instance `index` of `count` hands out: [base, base + size). */
export function channelRange(index: number, count: number): { base: number; size: number } {
  if (!Number.isInteger(index) || index < 0 || index >= count) {
    throw new RangeError(`instance index must be 0..${count - 1}, got ${index}`);
  }
  const size = (MAX_CHANNEL_INDEX + 1) >>> instanceBits(count);
  return { base: index * size, size };
}

/** The allocator of instance `index` of `count` on host `hostId` (sv2.instanceId). */
export function instanceAllocator(hostId: number, index: number, count: number): ExtranonceAllocator {
  const { base, size } = channelRange(index, count);
  return new ExtranonceAllocator(hostId, size, base);
}

/** Which instance of `count` handed out a channel index (tests, logs). */
export function instanceOfChannelIndex(channelIndex: number, count: number): number {
  return channelIndex >>> (24 - instanceBits(count));
}
