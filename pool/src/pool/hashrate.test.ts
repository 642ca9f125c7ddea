import { describe, expect, it } from 'vitest';
import { HashrateTracker } from './hashrate.js';

describe('hashrate tracker', () => {
  it('estimates a steady worker from its accepted difficulty', () => {
    const t0 = 1_000_000_000;
    const h = new HashrateTracker(t0);
    // 1e6 H/s: one share of difficulty 1e7 every 10 s, for 30 minutes.
    for (let t = t0; t < t0 + 1_800_000; t += 10_000) h.record('a', 1e7, t);
    const now = t0 + 1_800_000;
    expect(h.rate('a', 600_000, now) / 1e6).toBeGreaterThan(0.9);
    expect(h.rate('a', 600_000, now) / 1e6).toBeLessThan(1.1);
    expect(h.rate('a', 3_600_000, now) / 1e6).toBeGreaterThan(0.9);
    expect(h.rate(null, 600_000, now)).toBe(h.rate('a', 600_000, now));
    expect(h.rate('nobody', 600_000, now)).toBe(0);
  });

  it('does not count time before tracking started', () => {
    const t0 = 5_000_000_000;
    const h = new HashrateTracker(t0);
    for (let t = t0; t < t0 + 30_000; t += 1_000) h.record('b', 1000, t);
    expect(h.rate('b', 600_000, t0 + 30_000) / 1000).toBeGreaterThan(0.9);
  });

  it('sums workers and forgets those idle for an hour', () => {
    const t0 = 2_000_000_000;
    const h = new HashrateTracker(t0);
    h.record('a', 600, t0 + 60_000);
    h.record('b', 1200, t0 + 60_000);
    expect(h.rate(null, 120_000, t0 + 61_000)).toBeCloseTo(3 * h.rate('a', 120_000, t0 + 61_000));
    expect(h.rate('a', 120_000, t0 + 61_000)).toBeGreaterThan(0);
    h.sweep(t0 + 60_000 + 3_600_001);
    expect(h.size).toBe(0);
  });
});
