import { describe, expect, it } from 'vitest';
import { MAX_CHANNEL_INDEX, parseExtranoncePrefix } from '../extranonce.js';
import {
  channelRange,
  instanceAllocator,
  instanceBits,
  instanceCount,
  instanceOfChannelIndex,
} from './layout.js';

describe('instance layout in the extranonce prefix', () => {
  it('resolves auto to the number of cores and bounds N', () => {
    expect(instanceCount('auto', 6)).toBe(6);
    expect(instanceCount(1, 6)).toBe(1);
    expect(instanceCount(500, 6)).toBe(64);
  });

  it('gives one instance the whole channel index space, exactly as one process had', () => {
    expect(instanceBits(1)).toBe(0);
    expect(channelRange(0, 1)).toEqual({ base: 0, size: MAX_CHANNEL_INDEX + 1 });
  });

  it('splits the channel index by its top bits, so instances never hand out the same prefix', () => {
    expect(instanceBits(3)).toBe(2);
    const a = instanceAllocator(7, 0, 3);
    const b = instanceAllocator(7, 2, 3);
    const pa = parseExtranoncePrefix(a.prefixFor(a.allocate() as number));
    const pb = parseExtranoncePrefix(b.prefixFor(b.allocate() as number));
    expect(pa).toEqual({ instanceId: 7, channelIndex: 0 });
    expect(pb).toEqual({ instanceId: 7, channelIndex: 2 << 22 });
    expect(instanceOfChannelIndex(pb.channelIndex, 3)).toBe(2);
  });

  it('keeps an instance inside its range when it reuses freed indexes', () => {
    const a = instanceAllocator(0, 1, 2);
    const first = a.allocate() as number;
    expect(first).toBe(1 << 23);
    a.release(first);
    expect(a.size).toBe(0);
    expect(instanceOfChannelIndex(a.allocate() as number, 2)).toBe(1);
  });

  it('refuses an instance index outside the count', () => {
    expect(() => channelRange(2, 2)).toThrow(RangeError);
  });
});
