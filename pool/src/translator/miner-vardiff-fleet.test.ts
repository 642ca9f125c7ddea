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
function fleetRuns(intervalS: number, runs: number) {
  const { start, max } = fleetDifficulties(intervalS);
  const s: MinerVardiffSettings = {
    ...MINER_VARDIFF_DEFAULTS,
    startDifficulty: start,
    minDifficulty: 1,
    maxDifficulty: max,
    targetShareIntervalSeconds: intervalS,
    retargetPeriodSeconds: REAL.retargetPeriodS,
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
  it('keeps each miner within 2× after two minutes, but not all 50 in every run at 10 s a share', () => {
    const at10 = fleetRuns(10, 300);
    const at2 = fleetRuns(2.5, 300);
    const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
    console.log(
      `v1 fleet simulated, 300 runs: at 10 s a share ${pct(at10.minerFraction)} of miners off 2×, ` +
        `${pct(at10.runFraction)} of runs with one off; at 2.5 s ${pct(at2.minerFraction)}, ${pct(at2.runFraction)}`,
    );
    // Measured, 300 runs (1,000): at 10 s 0.34 % of miners (0.31 %), 16 % of runs (14.4 %); at
    // 2.5 s none. Before a second power up needed UP_STEP_EVIDENCE: 0.43 % (0.39 %), 20 % (17.7 %);
    // before the fast start and guessMargin: 8.6 % of miners, 99 % of runs.
    //
    // Who is off at 10 s (1,000 runs, 194 miners before the change, 156 after): a step up too far,
    // leaving a miner ~2.05× too hard (107 before, 68 after; a ×4 on a lucky burst from 1.95× off,
    // or a ×2 in its first periods from just under its aim); a step down from a start on aim after
    // an early silence, then stuck ~2.05× too easy (38, 39); a miner started ~2.05× too easy that
    // has not moved by the end (41, 41); a step out during the judged window (8, 8).
    //
    // 1 % of runs is out of reach at 10 s for any rule that counts shares, not just this one: the
    // two miners started at 2.05× and 2.13× their aim must step up within ~300 s (the window
    // average allows no longer), and in that time send Poisson(66) and Poisson(65) shares where a
    // miner on aim sends Poisson(32) and Poisson(30). Even told apart at one look over the whole
    // span, a rule that steps on ≥ 48 shares misses one of the two in 2.1 % of runs and steps one
    // of the seven miners at 0.90–0.98× their power (aims 30, 123–126, 231–244) out of band in
    // 2.1 %; on ≥ 44, 0.4 % and 12 %. That floor, ~4 % of runs, is before any miner on the other
    // side of a power or any early silence; a rule that looks once a period does worse.
    expect(at10.minerFraction).toBeLessThan(0.005);
    expect(at10.runFraction).toBeLessThanOrEqual(0.18);
    expect(at2.runFraction).toBe(0);
  });
});
