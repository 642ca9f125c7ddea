import { describe, expect, it } from 'vitest';
import { fleetDifficulties, fleetSpecs, REAL } from '../../test/support/v1-fleet-specs.js';
import { type SimRun, seededRandom, simulateMiner } from '../../test/support/vardiff-sim.js';
import { difficultyToTarget } from '../ckb/target.js';
import { dialectByName } from '../stratum-v1/dialects/index.js';
import { startDifficultyFor } from './miner-targets.js';
import { MINER_VARDIFF_DEFAULTS, MinerVardiff, type MinerVardiffSettings } from './miner-vardiff.js';

/**
 * Issue 15's fleet (test/support/v1-fleet-specs.ts: 50 miners of five dialects, 8–256 H/s,
 * joining over 30 s) in simulation, in real-world seconds: each miner starts where the
 * translator starts it (miner-targets.ts: its suggestion, or 16× easier than its dialect's
 * guess, capped as in the fleet), finds shares as a Poisson process, is retargeted with each job
 * (a block every 10 s) and is judged as v1-fleet.e2e.test.ts judges it: its share rate, from two
 * minutes after the last join to the end of 350 s, within 2× of the aim. Many seeded runs say how
 * often the e2e test's "every miner" can hold at a share interval, which one run cannot.
 */
const JOINS_S = 30;
const RUN_S = 350;
const JUDGED_FROM_S = JOINS_S + 120;

/** The time-weighted share rate / aim of a run over [fromMs, toMs] (rateRatioOver's measure). */
function rateRatio(r: SimRun, aim: number, fromMs: number, toMs: number): number {
  let weighted = 0;
  for (let i = 0; i < r.steps.length; i++) {
    const [at, d] = r.steps[i] as [number, number];
    const begin = Math.max(fromMs, at);
    const end = Math.min(toMs, r.steps[i + 1]?.[0] ?? toMs);
    if (end > begin) weighted += ((end - begin) * aim) / d;
  }
  return weighted / (toMs - fromMs);
}

/** `runs` seeded runs of the fleet at `intervalS`: how many miners, and runs, had one off 2×. */
function fleetRuns(intervalS: number, runs: number, measureSeconds = MINER_VARDIFF_DEFAULTS.measureSeconds) {
  const { start, max } = fleetDifficulties(intervalS);
  const s: MinerVardiffSettings = {
    ...MINER_VARDIFF_DEFAULTS,
    startDifficulty: start,
    minDifficulty: 1,
    maxDifficulty: max,
    targetShareIntervalSeconds: intervalS,
    retargetPeriodSeconds: REAL.retargetPeriodS,
    measureSeconds,
  };
  const specs = fleetSpecs(50, JOINS_S * 1000);
  let minersOff = 0;
  let runsOff = 0;
  for (let run = 0; run < runs; run++) {
    let off = 0;
    for (const [i, spec] of specs.entries()) {
      // The fleet's rates are per scaled second: hashRate / 10 per real-world second.
      const hashrate = spec.hashRate / 10;
      const aim = hashrate * intervalS;
      const dialect = dialectByName(spec.dialect);
      if (!dialect) throw new Error(spec.dialect);
      // A Goldshell suggests 2^round(log2 hashRate) (FleetMiner), as a CKB-scale difficulty.
      const suggested = difficultyToTarget(2n ** BigInt(Math.round(Math.log2(spec.hashRate))));
      const v = new MinerVardiff(
        s,
        startDifficultyFor({ dialect, suggestedTarget: suggested, requestedTarget: null }, s),
        0,
      );
      const r = simulateMiner(
        {
          get difficulty() {
            return v.difficulty;
          },
          share: () => v.share(difficultyToTarget(BigInt(v.difficulty))),
          check: (t) => void v.retarget(t),
        },
        {
          hashrate,
          seconds: RUN_S,
          random: seededRandom(run * 100 + i + 1),
          tickSeconds: REAL.blockIntervalS,
          checkOnShare: false,
        },
      );
      const joinMs = spec.joinAtMs;
      const ratio = rateRatio(r, aim, JUDGED_FROM_S * 1000 - joinMs, RUN_S * 1000 - joinMs);
      if (ratio < 0.5 || ratio > 2) off += 1;
    }
    minersOff += off;
    if (off > 0) runsOff += 1;
  }
  return { minerFraction: minersOff / (runs * specs.length), runFraction: runsOff / runs };
}

describe("issue 15's V1 fleet, simulated at the production share interval and the fleet test's", () => {
  it('keeps every miner of the 50 within 2× after two minutes at 10 s a share, measuring each one first', () => {
    const at10 = fleetRuns(10, 300);
    const at2 = fleetRuns(2.5, 300);
    const settled = fleetRuns(10, 300, 0);
    const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
    console.log(
      `v1 fleet simulated, 300 runs: at 10 s a share ${pct(at10.minerFraction)} of miners off 2×, ` +
        `${pct(at10.runFraction)} of runs with one off; at 2.5 s ${pct(at2.minerFraction)}, ${pct(at2.runFraction)}; ` +
        `at 10 s settled at once (not measured first) ${pct(settled.minerFraction)}, ${pct(settled.runFraction)}`,
    );
    // Measured, 300 runs: at 10 s none off (3,000 runs: 0.07 % of runs, two miners); settled at
    // once, 0.34 % of miners and 16 % of runs. At 2.5 s none either way.
    //
    // Why measuring first is what it takes at 10 s: settled at once, a miner has ~12 shares in its
    // first two minutes. The fleet has miners whose aim sits near 2× a power of two: stepping them
    // one power in time, without stepping a miner just under its power the same way out of band,
    // needs ~50 shares before the two minutes are up, whatever rule counts them (with ~12 at 10 s
    // and ~65 over the whole judged window, no rule got under ~4 % of runs). Measured for 90 s at
    // 8× the share rate, a miner has sent ~100 by the time it settles, and settles on the power of
    // two those shares chose: the misses were a step up too far on a lucky burst, a step down after
    // an early silence, and a start ~2× too easy that never moved; all of them now happen at the
    // measuring rate, where eight times the shares undo them within seconds.
    expect(at10.runFraction).toBeLessThanOrEqual(0.01);
    expect(at10.minerFraction).toBeLessThan(settled.minerFraction / 10);
    expect(at2.runFraction).toBe(0);
  });
});
