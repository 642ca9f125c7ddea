import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkRate,
  clampDifficulty,
  initialDifficulty,
  newVardiffState,
  recordShare,
  retarget,
  setVardiffDifficulty,
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

  it('lowers a silent channel ÷4 per period once the silence is evidence, down to the minimum', () => {
    const s = newVardiffState(1600, 0);
    expect(retarget(s, 60_000, p, 1e20)).toBe(400); // 6 shares expected, none came
    expect(retarget(s, 120_000, p, 1e20)).toBe(100);
    expect(retarget(s, 180_000, p, 1e20)).toBeNull();
  });

  it('keeps a channel on aim where it is through an unlucky window', () => {
    const s = newVardiffState(1000, 0);
    let t = 0;
    // Ten periods on aim (a share every 10 s), then a period with one share instead of six.
    for (let i = 0; i < 60; i++) {
      t += 10_000;
      recordShare(s, 1000);
      expect(retarget(s, t, p, 1e20)).toBeNull();
    }
    t += 60_000;
    recordShare(s, 1000);
    expect(retarget(s, t, p, 1e20)).toBeNull();
    expect(s.difficulty).toBe(1000);
  });

  it('moves a settled channel whose rate really changed, within a few periods', () => {
    const s = newVardiffState(1000, 0);
    let t = 0;
    let moved: number | null = null;
    for (let i = 0; i < 60; i++) {
      t += 10_000;
      recordShare(s, 1000);
      retarget(s, t, p, 1e20);
    }
    // Now three shares per 10 s: the hashrate tripled.
    for (let i = 0; i < 30 && moved === null; i++) {
      t += 10_000;
      for (let k = 0; k < 3; k++) recordShare(s, 1000);
      moved = retarget(s, t, p, 1e20);
    }
    expect(moved).not.toBeNull();
    expect(t).toBeLessThanOrEqual(600_000 + 3 * 60_000);
    expect(moved as number).toBeGreaterThan(1500);
  });

  it('keeps what shares at an old difficulty taught across a retarget', () => {
    const s = newVardiffState(100, 0);
    for (let i = 0; i < 100; i++) recordShare(s, 100); // 100× the aim within a second
    expect(retarget(s, 1_000, p, 1e20)).toBe(1600); // ×16 at most per step
    // No new share: the evidence still says ×100, so the next check goes on up.
    expect(retarget(s, 1_500, p, 1e20)).toBe(1600 * 16);
  });

  it('counts the time before a difficulty set from outside (a network clamp) at the old one', () => {
    const s = newVardiffState(1000, 0);
    setVardiffDifficulty(s, 500, 30_000, p);
    // 30 s at 1000 and 30 s at 500: a miner on aim at 500 would have sent 1.5 + 3 shares.
    expect(checkRate(s, 60_000, p)?.expected).toBeCloseTo(4.5, 9);
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
