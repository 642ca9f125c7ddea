import { describe, expect, it } from 'vitest';
import { TokenBucket } from './rate-limit.js';

/** Takes tokens at one instant until one is refused; returns how many were granted. */
function drain(b: TokenBucket, nowMs: number, max = 1_000_000): number {
  let n = 0;
  while (n < max && b.take(nowMs)) n++;
  return n;
}

describe('TokenBucket', () => {
  it('allows a full burst at once, then refuses the next message', () => {
    const b = new TokenBucket(10, 50, 0);
    expect(drain(b, 0)).toBe(50);
    expect(b.take(0)).toBe(false);
  });

  it('refills at the sustained rate as the injected clock advances, never above the burst', () => {
    const b = new TokenBucket(100, 20, 1_000);
    expect(drain(b, 1_000)).toBe(20);
    // 100/s = one token per 10 ms.
    expect(b.take(1_005)).toBe(false);
    expect(b.take(1_010)).toBe(true);
    expect(b.take(1_010)).toBe(false);
    expect(drain(b, 1_060)).toBe(5);
    // An hour of silence refills to the burst, not beyond.
    expect(drain(b, 3_601_060)).toBe(20);
  });

  it('holds a client sending as fast as it can to the sustained rate over time', () => {
    const b = new TokenBucket(2_000, 4_000, 0);
    let granted = 0;
    // 10 s of a flood: one attempt every 0.1 ms (10,000 msg/s offered).
    for (let t = 0; t <= 10_000; t += 0.1) if (b.take(t)) granted++;
    // burst + 10 s × 2,000/s, give or take one token of rounding.
    expect(granted).toBeGreaterThanOrEqual(24_000 - 1);
    expect(granted).toBeLessThanOrEqual(24_000 + 1);
  });

  it('lets a client that stays under the rate send for ever', () => {
    const b = new TokenBucket(1_000, 1, 0);
    let refused = 0;
    for (let t = 0; t < 60_000; t += 1) if (!b.take(t)) refused++;
    expect(refused).toBe(0);
  });

  it('ignores a clock that goes backwards instead of minting tokens', () => {
    const b = new TokenBucket(1_000, 2, 500);
    expect(drain(b, 500)).toBe(2);
    expect(b.take(100)).toBe(false);
    expect(b.take(500)).toBe(false);
    expect(b.take(501)).toBe(true);
  });

  it('treats a rate of 0 as unlimited', () => {
    const b = new TokenBucket(0, 1, 0);
    expect(drain(b, 0, 100_000)).toBe(100_000);
  });

  it('refuses nonsensical parameters', () => {
    expect(() => new TokenBucket(-1, 10, 0)).toThrow(RangeError);
    expect(() => new TokenBucket(10, 0, 0)).toThrow(RangeError);
    expect(() => new TokenBucket(Number.NaN, 10, 0)).toThrow(RangeError);
  });
});
