import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  clampDifficulty,
  initialDifficulty,
  newVardiffState,
  recordShare,
  retarget,
  type VardiffParams,
} from './vardiff.js';

const p: VardiffParams = {
  targetShareIntervalSeconds: 10,
  minDifficulty: 100,
  maxDifficulty: 1e15,
  retargetPeriodSeconds: 60,
  tolerancePercent: 25,
};

/** Simulates a miner of `hashrate` H/s finding shares exactly at the expected rate. */
function simulate(hashrate: number, start: number, seconds: number, network = 1e20): number {
  const s = newVardiffState(start, 0);
  let t = 0;
  let carry = 0;
  while (t < seconds * 1000) {
    t += 1000;
    carry += hashrate / s.difficulty;
    while (carry >= 1) {
      recordShare(s, s.difficulty);
      carry -= 1;
    }
    retarget(s, t, p, network);
  }
  return s.difficulty;
}

describe('vardiff', () => {
  it('converges to hashrate × target interval from far below and far above', () => {
    const hashrate = 1e9;
    for (const start of [1_000, 1e13]) {
      const d = simulate(hashrate, start, 1800);
      expect(d / (hashrate * 10)).toBeGreaterThan(0.7);
      expect(d / (hashrate * 10)).toBeLessThan(1.4);
    }
  });

  it('raises a low start difficulty within seconds on a burst of shares', () => {
    const s = newVardiffState(100, 0);
    for (let i = 0; i < 20; i++) recordShare(s, 100);
    const d = retarget(s, 2_000, p, 1e20);
    expect(d).not.toBeNull();
    expect(d as number).toBeGreaterThan(100);
  });

  it('halves the difficulty after a silent period and stops at the minimum', () => {
    const s = newVardiffState(800, 0);
    expect(retarget(s, 60_000, p, 1e20)).toBe(400);
    expect(retarget(s, 120_000, p, 1e20)).toBe(200);
    expect(retarget(s, 180_000, p, 1e20)).toBe(100);
    expect(retarget(s, 240_000, p, 1e20)).toBeNull();
  });

  it('skips changes within the tolerance', () => {
    const s = newVardiffState(1000, 0);
    for (let i = 0; i < 6; i++) recordShare(s, 1000 * 1.1);
    expect(retarget(s, 60_000, p, 1e20)).toBeNull();
    expect(s.difficulty).toBe(1000);
  });

  it('never exceeds bounds or the network difficulty, whatever the shares', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1, max: 1e16, noNaN: true }),
        fc.array(fc.double({ min: 1, max: 1e18, noNaN: true }), { maxLength: 50 }),
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.double({ min: 1, max: 1e18, noNaN: true }),
        (start, shares, elapsedMs, network) => {
          const s = newVardiffState(clampDifficulty(start, p, network), 0);
          for (const d of shares) recordShare(s, d);
          const d = retarget(s, elapsedMs, p, network);
          const now = d ?? s.difficulty;
          expect(now).toBeLessThanOrEqual(Math.max(Math.min(p.maxDifficulty, network), 1));
          expect(now).toBeGreaterThanOrEqual(Math.min(p.minDifficulty, network, now));
          expect(Number.isFinite(now)).toBe(true);
        },
      ),
    );
  });

  it('starts from nominal hashrate, the fallback, and the client max_target', () => {
    expect(initialDifficulty(1e6, 5000, p, 1e20)).toBe(1e7);
    expect(initialDifficulty(0, 5000, p, 1e20)).toBe(5000);
    expect(initialDifficulty(Number.NaN, 5000, p, 1e20)).toBe(5000);
    expect(initialDifficulty(0, 5000, p, 1e20, 9000)).toBe(9000);
    expect(initialDifficulty(1e6, 5000, p, 256)).toBe(256);
  });
});
