import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type FleetResult,
  type FleetStack,
  firstJobDelay,
  fleetSpecs,
  REAL,
  rateRatioOver,
  runFleet,
  startFleetStack,
  timeToTarget,
} from '../support/v1-fleet.js';

/**
 * Issue 15's fleet: 50 V1 miners of mixed dialects join over the first 30 s at different
 * hashrates, against a real translator and a real dev pool, at the translator's production
 * vardiff: a share every 10 s (~6 per vardiff period), each fresh miner measured for 90 s at 8×
 * that. TIME IS SCALED 10×: the share interval, the vardiff period (60 s), the measuring, the
 * block interval (10 s), the 30 s of joins and the "first two minutes" all run ten times faster,
 * so two minutes take 12 s. The run goes on to 350 s scaled, and every miner's share rate is
 * judged from two minutes after the last join to the end (200 s scaled, over three vardiff
 * periods). The seeded simulation of the same fleet (miner-vardiff-fleet.test.ts) says how often
 * one run like this can have a miner off: 2 runs in 3,000.
 */
const SCALE = 10;
const INTERVAL_S = REAL.shareIntervalS / SCALE;
const JOINS_MS = 30_000 / SCALE;
const RUN_MS = 350_000 / SCALE;
/** From two (scaled) minutes after the last join. */
const JUDGED_FROM_MS = JOINS_MS + 120_000 / SCALE;

let stack: FleetStack;
let result: FleetResult;

beforeAll(async () => {
  stack = await startFleetStack(SCALE);
  result = await runFleet(stack, fleetSpecs(50, JOINS_MS), SCALE, RUN_MS);
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

describe('a fleet of 50 V1 miners joining a translator (time scaled 10×)', () => {
  it('loses under 1 % of its shares in the first two minutes and overall', () => {
    const { firstTwoMinutes: first, overall } = result;
    console.log(
      'v1 fleet:',
      JSON.stringify({
        first,
        overall,
        codes: result.miners.map((m) => m.rejectCodes).filter((c) => Object.keys(c).length),
      }),
    );
    // The fleet did mine: ~5,200 in its first 2 minutes, most while each miner is measured at 8×
    // the aimed share rate (~1,300 in the 230 s after).
    expect(first.accepted).toBeGreaterThan(300);
    expect(first.rejected / (first.accepted + first.rejected)).toBeLessThan(0.01);
    expect(overall.rejected / (overall.accepted + overall.rejected)).toBeLessThan(0.01);
  });

  it("brings every miner's share rate within 2× of the vardiff aim after two minutes", () => {
    const rated = result.miners.map((m) => ({
      i: m.index,
      dialect: m.spec.dialect,
      h: m.spec.hashRate,
      ratio: rateRatioOver(m, INTERVAL_S, JUDGED_FROM_MS, RUN_MS),
    }));
    const ratios = rated.map((x) => x.ratio).sort((a, b) => a - b);
    const reached = result.miners
      .map((m) => ((timeToTarget(m, INTERVAL_S) ?? Number.POSITIVE_INFINITY) * SCALE) / 1000)
      .sort((a, b) => a - b);
    console.log(
      'v1 fleet, scaled seconds to a target within 2×:',
      JSON.stringify({ median: reached[25], p90: reached[45], max: reached[49] }),
      'share rate / aim after 2 min: min',
      ratios[0]?.toFixed(2),
      'max',
      ratios[49]?.toFixed(2),
    );
    const off = rated.filter((x) => x.ratio < 0.5 || x.ratio > 2);
    for (const x of off) {
      const m = result.miners[x.i]!;
      console.log(
        x,
        m.spec.joinAtMs,
        m.accepted,
        JSON.stringify(m.difficulties.filter((d, j, a) => j === 0 || a[j - 1]!.difficulty !== d.difficulty)),
      );
    }
    expect(off).toEqual([]);
    for (const m of result.miners) expect(timeToTarget(m, INTERVAL_S)).not.toBeNull();
  });

  it('sends every miner its first job with its authorize answer, not later', () => {
    // Nothing holds the first job (not the next block, which comes every 1 s here, nor a
    // declaration or a vardiff decision): set_target and notify follow the authorize answer at
    // once. Connect to first job is the pool's channel-open round trip behind the subscribe
    // answer: 5-140 ms on a quiet machine, seconds when the CPU is contended, so only logged.
    const max = (xs: Array<number | null>) => Math.max(...xs.map((x) => x ?? Number.NaN));
    console.log(
      'first job, ms after connect: max',
      max(result.miners.map((m) => firstJobDelay(m, 'connect'))),
    );
    for (const m of result.miners) {
      const d = firstJobDelay(m, 'authorize');
      expect(d).not.toBeNull();
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(250);
    }
  });

  it('gives every miner powers of two, never stepping more than 4× at once', () => {
    for (const m of result.miners) {
      const ds = m.difficulties.map((d) => d.difficulty);
      // Goldshell reads btcpool's difficulty scale: a power of two in CKB's within 0.002 %.
      for (const d of ds) expect(Math.abs(Math.log2(d) - Math.round(Math.log2(d)))).toBeLessThan(1e-3);
      for (let i = 1; i < ds.length; i++) {
        const step = (ds[i] as number) / (ds[i - 1] as number);
        expect(step).toBeLessThanOrEqual(4);
        expect(step).toBeGreaterThanOrEqual(1 / 4);
      }
    }
  });
});
