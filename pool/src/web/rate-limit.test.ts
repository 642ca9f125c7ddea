import { describe, expect, it } from 'vitest';
import { RequestRateLimit } from './rate-limit.js';

describe('RequestRateLimit', () => {
  it('lets a burst through, then one request per refill interval, per client', () => {
    let now = 0;
    const r = new RequestRateLimit({ perSecond: 2, burst: 3 }, () => now);
    expect([1, 2, 3, 4].map(() => r.take('a'))).toEqual([true, true, true, false]);
    expect(r.take('b')).toBe(true);
    expect(r.retryAfterSeconds('a')).toBe(1);
    now = 500;
    expect(r.take('a')).toBe(true);
    expect(r.take('a')).toBe(false);
  });

  it('forgets the longest-idle clients past its cap instead of growing', () => {
    let now = 0;
    const r = new RequestRateLimit({ perSecond: 1, burst: 1, maxClients: 100 }, () => now);
    for (let i = 0; i < 1_000; i++) {
      now += 1;
      r.take(`10.0.${i >> 8}.${i & 255}`);
    }
    expect(r.size).toBeLessThanOrEqual(100);
    expect(r.take('10.0.3.231')).toBe(false);
  });
});
