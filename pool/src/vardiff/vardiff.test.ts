import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bestSupported,
  checkRate,
  clampDifficulty,
  evidenceNeeded,
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

  it('lowers a silent new channel as soon as the silence is evidence, in its first two periods', () => {
    const s = newVardiffState(1600, 0);
    expect(retarget(s, 20_000, p, 1e20)).toBeNull(); // 2 shares expected: not yet
    expect(retarget(s, 30_000, p, 1e20)).toBe(400); // 3 expected, none came: e^2.25 for a quarter
  });

  it("waits for the period end to weigh a settled channel's silence", () => {
    const s = newVardiffState(1000, 0);
    let t = 0;
    for (let i = 0; i < 60; i++) {
      t += 10_000;
      recordShare(s, 1000);
      retarget(s, t, p, 1e20);
    }
    expect(retarget(s, t + 50_000, p, 1e20)).toBeNull(); // 5 silent intervals mid-period
    expect(s.difficulty).toBe(1000);
  });

  it('needs period-end evidence mid-period only to move a fresh channel down, and only ≥ 2× off', () => {
    const fresh = { periodDone: false, young: true, fastStart: true, shares: 0, expected: 0 };
    expect(evidenceNeeded(fresh, 1 / 4)).toBe(2);
    expect(evidenceNeeded(fresh, 1 / 1.5)).toBe(Number.POSITIVE_INFINITY);
    expect(evidenceNeeded(fresh, 4)).toBe(9);
    expect(evidenceNeeded({ ...fresh, fastStart: false }, 1 / 4)).toBe(9);
    expect(evidenceNeeded({ ...fresh, periodDone: true }, 1.5)).toBe(2);
    expect(evidenceNeeded({ ...fresh, periodDone: true, young: false }, 1.5)).toBe(4);
  });

  it('steps ÷2, not ÷4, while the shares cannot yet tell the two apart', () => {
    const end = { periodDone: true, young: true, fastStart: false };
    // 2 shares where 7 were due: a half fits (e^2.1), a quarter only e^0.4 better than a half.
    expect(bestSupported({ ...end, shares: 2, expected: 7 }, [1 / 2, 1 / 4])).toBe(1 / 2);
    // 2 where 8 were due: a quarter is e^0.6 better than a half.
    expect(bestSupported({ ...end, shares: 2, expected: 8 }, [1 / 2, 1 / 4])).toBe(1 / 4);
    expect(bestSupported({ ...end, shares: 5, expected: 6 }, [1 / 2, 1 / 4])).toBeNull();
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
