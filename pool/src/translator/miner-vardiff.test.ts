import { describe, expect, it } from 'vitest';
import { difficultyToTarget } from '../ckb/target.js';
import {
  MINER_VARDIFF_DEFAULTS,
  MinerVardiff,
  type MinerVardiffSettings,
  powerOfTwoDifficulty,
} from './miner-vardiff.js';

/** A settled miner's vardiff (not measured first: the `measuring` tests below are about that). */
const S: MinerVardiffSettings = {
  ...MINER_VARDIFF_DEFAULTS,
  startDifficulty: 1024,
  minDifficulty: 1,
  maxDifficulty: 2 ** 40,
  targetShareIntervalSeconds: 1,
  retargetPeriodSeconds: 10,
  measureSeconds: 0,
};
/** The same, measured first for 9 s at 8× the aimed share rate. */
const M: MinerVardiffSettings = { ...S, measureSeconds: 9, measureRate: 8 };

/** `shares` shares at the current difficulty, then the period ends: what retarget says. */
function period(v: MinerVardiff, shares: number, atMs: number): number | null {
  const t = v.target;
  for (let i = 0; i < shares; i++) v.share(t);
  return v.retarget(atMs);
}

describe('per-miner vardiff, settled', () => {
  it('starts at the power of two nearest the start difficulty, inside the bounds', () => {
    expect(new MinerVardiff(S, 1000, 0).difficulty).toBe(1024);
    expect(new MinerVardiff(S, 1400, 0).difficulty).toBe(1024); // nearest in log2: 2^10.45
    expect(new MinerVardiff(S, 1600, 0).difficulty).toBe(2048);
    expect(new MinerVardiff(S, 2 ** 50, 0).difficulty).toBe(2 ** 40);
    expect(powerOfTwoDifficulty(0.1, { minDifficulty: 3, maxDifficulty: 100 })).toBe(4);
    expect(powerOfTwoDifficulty(1e9, { minDifficulty: 3, maxDifficulty: 100 })).toBe(64);
    expect(new MinerVardiff(S, 1024, 0).target).toBe(difficultyToTarget(1024n));
  });

  it('steps at most ×4 up or down per retarget, always to a power of two', () => {
    const up = new MinerVardiff(S, 1024, 0);
    const hashrate = 102_400; // 100× the aim at 1024; 2^16.6, nearest power 2^17
    const steps: Array<number | null> = [];
    for (let i = 1; i <= 5; i++)
      steps.push(period(up, Math.round((hashrate * 10) / up.difficulty), i * 10_000));
    expect(steps).toEqual([4096, 16_384, 65_536, 131_072, null]);
    const down = new MinerVardiff(S, 2 ** 20, 0); // a miner that never finds a share there
    expect(period(down, 0, 10_000)).toBe(2 ** 18);
    expect(period(down, 0, 20_000)).toBe(2 ** 16);
  });

  it('holds a miner within √2 of its power, and moves one 2× off once the evidence shows it', () => {
    const v = new MinerVardiff(S, 1024, 0);
    expect(period(v, 14, 10_000)).toBeNull(); // 1.4× the aim: 1024 is the nearest power
    expect(period(v, 7, 20_000)).toBeNull(); // 0.7×
    expect(v.difficulty).toBe(1024);
    let moved: number | null = null;
    let t = 20_000;
    for (let i = 0; i < 5 && moved === null; i++) {
      t += 10_000;
      moved = period(v, 20, t); // 2×
    }
    expect(moved).toBe(2048);
  });

  it('steps ×4 up only when the shares show the farther power clearly, not on a burst that just favours it', () => {
    // 31 shares where 10 were due: ×2 is e^11 likelier than the aim, ×4 only e^1.5 likelier than ×2.
    expect(period(new MinerVardiff(S, 1024, 0), 31, 10_000)).toBe(2048);
    // 40 where 10 were due: ×4 is e^7.7 likelier than ×2.
    expect(period(new MinerVardiff(S, 1024, 0), 40, 10_000)).toBe(4096);
  });

  it('lowers a fresh miner as soon as its silence is evidence, not at the period end', () => {
    const v = new MinerVardiff(S, 2 ** 20, 0);
    expect(v.retarget(2_000)).toBeNull(); // 2 shares were due: not yet
    expect(v.retarget(3_000)).toBe(2 ** 18); // 3 due, none came
  });

  it("weighs a settled miner's silence only at the period end", () => {
    const v = new MinerVardiff(S, 1024, 0);
    for (let i = 1; i <= 10; i++) period(v, 10, i * 10_000); // 100 s on aim
    expect(v.retarget(105_000)).toBeNull(); // 5 s of silence mid-period
    expect(v.difficulty).toBe(1024);
  });

  it('retargets early when a burst shows the miner far faster than its target', () => {
    const v = new MinerVardiff(S, 1, 0);
    expect(period(v, 100, 1_000)).toBe(4); // within a tenth of the period
  });

  it('never sets a target harder than a block of the job', () => {
    const v = new MinerVardiff(S, 1024, 0);
    expect(v.retarget(1, 600)).toBe(512);
    expect(v.target).toBe(difficultyToTarget(512n));
  });

  it('counts a share by the target it was mined at, so a retarget does not skew the window', () => {
    const v = new MinerVardiff(S, 1024, 0);
    const old = difficultyToTarget(256n);
    for (let i = 0; i < 40; i++) v.share(old); // 40 × 256 = 10 × 1024 over 10 s: on target
    expect(v.retarget(10_000)).toBeNull();
  });
});

describe('per-miner vardiff, measuring a fresh miner first', () => {
  it('starts measureRate× easier than its start, standing for the same hashrate', () => {
    const v = new MinerVardiff(M, 1024, 0);
    expect(v.measuring).toBe(true);
    expect(v.difficulty).toBe(128);
    expect(v.hashRate).toBe(new MinerVardiff(S, 1024, 0).hashRate);
    expect(new MinerVardiff(M, 4, 0).difficulty).toBe(1); // never below minDifficulty
  });

  it('weighs its shares against measureRate× the aim while it is measured', () => {
    const v = new MinerVardiff(M, 1024, 0);
    // 1024 H/s: at 128, 8 shares a second, as many as aimed for while measuring.
    expect(period(v, 64, 8_000)).toBeNull();
    expect(v.difficulty).toBe(128);
  });

  it('settles after measureSeconds, ×maxStep per job, keeping the power its shares chose', () => {
    const v = new MinerVardiff(M, 1024, 0);
    expect(period(v, 64, 8_000)).toBeNull();
    expect(v.retarget(8_999)).toBeNull(); // not before measureSeconds
    expect(v.retarget(9_000)).toBe(512); // ×4
    expect(v.measuring).toBe(true);
    expect(v.hashRate).toBe(1024);
    expect(v.retarget(10_000)).toBe(1024); // ×2: settled at its aim
    expect(v.measuring).toBe(false);
    expect(v.hashRate).toBe(1024);
    expect(period(v, 10, 20_000)).toBeNull();
  });

  it('settles a miner measured at 4× its start at the power of two its shares showed', () => {
    const v = new MinerVardiff(M, 1024, 0);
    // 4096 H/s: 32 shares a second at 128; steps ×4 on the burst, then settles at 4096.
    let t = 0;
    while (v.difficulty === 128 && t < 9_000) {
      t += 500;
      for (let i = 0; i < 16; i++) v.share(v.target);
      v.retarget(t);
    }
    expect(v.difficulty).toBe(512);
    for (; t < 9_000; t += 500) {
      for (let i = 0; i < 4; i++) v.share(v.target);
      v.retarget(t);
    }
    expect(v.retarget(9_000)).toBe(2048);
    expect(v.retarget(9_500)).toBe(4096);
  });

  it('rounds measureRate to a power of two, and settles at once with measureSeconds 0', () => {
    expect(new MinerVardiff({ ...M, measureRate: 6 }, 1024, 0).difficulty).toBe(128);
    expect(new MinerVardiff({ ...M, measureRate: 1 }, 1024, 0).measuring).toBe(false);
    expect(new MinerVardiff(S, 1024, 0).measuring).toBe(false);
    expect(new MinerVardiff(S, 1024, 0).difficulty).toBe(1024);
  });

  it('starts a miner that is already known (settled) at its difficulty, not measured', () => {
    const v = new MinerVardiff(M, 1024, 0, { settled: true });
    expect(v.measuring).toBe(false);
    expect(v.difficulty).toBe(1024);
    expect(v.hashRate).toBe(1024);
    // Weighed against the aim itself: a period on aim changes nothing, as for any settled miner.
    expect(period(v, 10, 10_000)).toBeNull();
  });

  it('settles no harder than a block of the job', () => {
    const v = new MinerVardiff(M, 1024, 0);
    expect(v.retarget(9_000, 300)).toBe(256);
    expect(v.retarget(10_000, 300)).toBeNull();
    expect(v.difficulty).toBe(256);
  });
});
