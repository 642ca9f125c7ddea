import { describe, expect, it } from 'vitest';
import { ShareBatcher } from './batching.js';

describe('SubmitShares.Success batching', () => {
  it('sends a batch when the count bound is reached, with the last sequence number and the sum', () => {
    const b = new ShareBatcher(3, 1000);
    expect(b.add(1, 10, 0)).toBeNull();
    expect(b.add(2, 20, 5)).toBeNull();
    expect(b.add(5, 30, 6)).toEqual({
      lastSequenceNumber: 5,
      newSubmitsAcceptedCount: 3,
      newSharesSum: 60n,
    });
    expect(b.pending).toBe(0);
  });

  it('is due maxDelay after the first unacknowledged share', () => {
    const b = new ShareBatcher(100, 250);
    expect(b.dueAt()).toBeNull();
    b.add(1, 1, 1000);
    b.add(2, 1, 1200);
    expect(b.dueAt()).toBe(1250);
    expect(b.take()).toEqual({ lastSequenceNumber: 2, newSubmitsAcceptedCount: 2, newSharesSum: 2n });
    expect(b.take()).toBeNull();
  });

  it('saturates the sum at U64', () => {
    const b = new ShareBatcher(2, 1000);
    b.add(1, 2 ** 63, 0);
    expect(b.add(2, 2 ** 63, 0)?.newSharesSum).toBe((1n << 64n) - 1n);
  });

  it('acknowledges every share at once with a zero delay', () => {
    const b = new ShareBatcher(10, 0);
    expect(b.add(7, 3, 0)).toEqual({ lastSequenceNumber: 7, newSubmitsAcceptedCount: 1, newSharesSum: 3n });
  });
});
