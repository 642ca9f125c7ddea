import { describe, expect, it } from 'vitest';
import {
  type SimulatedVardiff,
  seededRandom,
  simulateMiner,
  timeToReach,
  wrongWaySteps,
} from '../../test/support/vardiff-sim.js';
import { difficultyToTarget } from '../ckb/target.js';
import { MINER_VARDIFF_DEFAULTS, MinerVardiff, type MinerVardiffSettings } from './miner-vardiff.js';

/**
 * The translator's per-miner vardiff at its production defaults (a share per 10 s, a period of
 * 60 s, ×4 at most per step: ~6 shares per period), against Poisson share arrivals from a seeded
 * PRNG. The translator retargets when a job goes out; here a job every 5 s.
 */
const S: MinerVardiffSettings = { ...MINER_VARDIFF_DEFAULTS, minDifficulty: 1, maxDifficulty: 2 ** 60 };
const IDEAL = 2 ** 40;
const HASHRATE = IDEAL / S.targetShareIntervalSeconds;
const PERIOD_MS = S.retargetPeriodSeconds * 1000;

function miner(start: number): SimulatedVardiff {
  const v = new MinerVardiff(S, start, 0);
  return {
    get difficulty() {
      return v.difficulty;
    },
    share: () => v.share(difficultyToTarget(BigInt(v.difficulty))),
    check: (t) => void v.retarget(t),
  };
}

function run(start: number, seed: number, seconds: number) {
  return simulateMiner(miner(start), {
    hashrate: HASHRATE,
    seconds,
    random: seededRandom(seed),
    tickSeconds: 5,
    checkOnShare: false,
  });
}

describe('per-miner vardiff at the production defaults (simulated)', () => {
  it('rarely moves a miner already on aim: under 0.5 % of retarget periods step the wrong way', () => {
    const miners = 300;
    const seconds = 3600;
    let wrong = 0;
    for (let i = 0; i < miners; i++) wrong += wrongWaySteps(run(IDEAL, i + 1, seconds), IDEAL);
    const fraction = wrong / ((miners * seconds * 1000) / PERIOD_MS);
    console.log(`miner vardiff: wrong-way steps per retarget period ${(fraction * 100).toFixed(3)} %`);
    // Measured 0.17 % (30 of 18,000); the window-only estimate this replaced stepped the wrong
    // way in ~15 % of periods at these defaults.
    expect(fraction).toBeLessThan(0.005);
  });

  it('brings a miner started 2^10 too easy to its power of two within a period', () => {
    for (let i = 0; i < 100; i++) {
      const t = timeToReach(run(IDEAL / 1024, 1000 + i, 600), IDEAL, 1);
      // Measured 25 s for every seed: ×4 with each of five jobs.
      expect(t).not.toBeNull();
      expect(t as number).toBeLessThanOrEqual(PERIOD_MS);
    }
  });

  it('brings a miner started 2^10 too hard to its power of two (silence is slow evidence)', () => {
    const times = Array.from({ length: 200 }, (_, i) =>
      timeToReach(run(IDEAL * 1024, 2000 + i, 3600), IDEAL, 1),
    );
    const periods = times.map((t) => (t ?? Number.POSITIVE_INFINITY) / PERIOD_MS).sort((a, b) => a - b);
    console.log(`miner vardiff from 2^10: median ${periods[100]} p95 ${periods[190]} periods`);
    // Measured: median 6, p95 16 periods (÷4 per silent period, then the last power or two on
    // evidence, which near the aim takes a few periods of ~6 shares).
    expect(periods[100]).toBeLessThanOrEqual(8);
    expect(periods[190]).toBeLessThanOrEqual(20);
    expect(periods[199]).toBeLessThanOrEqual(40);
  });
});
