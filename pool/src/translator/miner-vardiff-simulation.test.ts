import { describe, expect, it } from 'vitest';
import {
  type SimRun,
  type SimulatedVardiff,
  seededRandom,
  simulateMiner,
  timeToReach,
  wrongWaySteps,
} from '../../test/support/vardiff-sim.js';
import { difficultyToTarget } from '../ckb/target.js';
import { startDifficultyFor } from './miner-targets.js';
import { MINER_VARDIFF_DEFAULTS, MinerVardiff, type MinerVardiffSettings } from './miner-vardiff.js';

/**
 * The translator's per-miner vardiff at its production defaults (a share per 10 s, a period of
 * 60 s, ×4 at most per step: ~6 shares per period; a fresh miner measured for 90 s at 8× the
 * share rate), against Poisson share arrivals from a seeded PRNG. The translator retargets when a
 * job goes out; here a job every 5 s.
 */
const S: MinerVardiffSettings = { ...MINER_VARDIFF_DEFAULTS, minDifficulty: 1, maxDifficulty: 2 ** 60 };
const IDEAL = 2 ** 40;
const HASHRATE = IDEAL / S.targetShareIntervalSeconds;
const PERIOD_MS = S.retargetPeriodSeconds * 1000;

function miner(start: number, settings = S): SimulatedVardiff {
  const v = new MinerVardiff(settings, start, 0);
  return {
    get difficulty() {
      return v.difficulty;
    },
    share: () => v.share(difficultyToTarget(BigInt(v.difficulty))),
    check: (t) => void v.retarget(t),
  };
}

function run(start: number, seed: number, seconds: number, settings = S) {
  return simulateMiner(miner(start, settings), {
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
    // Measured 0.16 % (0.24 % before a fresh miner was measured first; 0.17 % before the fast
    // start, which lowers a fresh miner on its silence mid-period too); the window-only estimate
    // before stepped the wrong way in ~15 % of periods at these defaults.
    expect(fraction).toBeLessThan(0.005);
  });

  it('brings a miner started 2^10 too easy to its power of two as it settles, measured first', () => {
    for (let i = 0; i < 100; i++) {
      const t = timeToReach(run(IDEAL / 1024, 1000 + i, 600), IDEAL, 1);
      // Measured 90 or 95 s for every seed: ×4 with each job to 8× easier than its power (the
      // measuring aim), then ×4 and ×2 with the first two jobs at or after measureSeconds.
      expect(t).not.toBeNull();
      expect(t as number).toBeGreaterThanOrEqual(S.measureSeconds * 1000);
      expect(t as number).toBeLessThanOrEqual(S.measureSeconds * 1000 + 2 * 5_000);
    }
  });

  it('brings a miner started 2^10 too easy to its power of two within a period, not measured first', () => {
    const settled = { ...S, measureSeconds: 0 };
    for (let i = 0; i < 100; i++) {
      const t = timeToReach(run(IDEAL / 1024, 1000 + i, 600, settled), IDEAL, 1);
      // Measured 25 s for every seed: ×4 with each of five jobs.
      expect(t).not.toBeNull();
      expect(t as number).toBeLessThanOrEqual(PERIOD_MS);
    }
  });

  it('brings a miner started 2^10 too hard to its power of two as it settles, measured first', () => {
    const periods = fromTooHard(S);
    console.log(
      `miner vardiff from 2^10 too hard: median ${periods[100]} p95 ${periods[190]} max ${periods[199]} periods`,
    );
    // Measured 1.58 periods (95 s) for all seeds but one (2.58): measured at 8× the share rate,
    // its silence is evidence 8× as fast, so it is lowered ÷4 a few seconds apart to its
    // measuring power, and settles with the first two jobs after measureSeconds. Not measured
    // first (next test): median 2.5, p95 13 periods.
    expect(periods[190]).toBeLessThanOrEqual(2);
    expect(periods[199]).toBeLessThanOrEqual(3);
  });

  it('brings a miner started 2^10 too hard to its power of two, not measured first (silence is slow evidence)', () => {
    const periods = fromTooHard({ ...S, measureSeconds: 0 });
    console.log(
      `miner vardiff from 2^10 too hard, settled: median ${periods[100]} p95 ${periods[190]} periods`,
    );
    // Measured: median 2.5, p95 13 periods (÷4 as soon as the silence is evidence in its first
    // two periods, ÷4 per silent period after; then the last power or two on evidence, which
    // near the aim takes a few periods of ~6 shares).
    expect(periods[100]).toBeLessThanOrEqual(4);
    expect(periods[190]).toBeLessThanOrEqual(16);
    expect(periods[199]).toBeLessThanOrEqual(40);
  });
});

/** Periods until 200 seeded miners started 2^10 too hard reach their power of two, sorted. */
function fromTooHard(settings: MinerVardiffSettings): number[] {
  const times = Array.from({ length: 200 }, (_, i) =>
    timeToReach(run(IDEAL * 1024, 2000 + i, 3600, settings), IDEAL, 1),
  );
  return times.map((t) => (t ?? Number.POSITIVE_INFINITY) / PERIOD_MS).sort((a, b) => a - b);
}

/** The difficulty a run had at `atMs`. */
function difficultyAt(r: SimRun, atMs: number): number {
  let d = r.steps[0]?.[1] ?? Number.NaN;
  for (const [t, x] of r.steps) if (t <= atMs) d = x;
  return d;
}

const TWO_MINUTES_MS = 120_000;
const SEEDS = 200;

/** Miners whose start is 2^off × their aim (off in halves: a half puts the aim between powers). */
function fromStart(off: number, start: (aim: number) => number) {
  const aim = IDEAL * 2 ** -off;
  const runs = Array.from({ length: SEEDS }, (_, i) =>
    simulateMiner(miner(start(aim)), {
      hashrate: aim / S.targetShareIntervalSeconds,
      seconds: 300,
      random: seededRandom(5000 + 1000 * off + i),
      tickSeconds: 5,
      checkOnShare: false,
    }),
  );
  const within = (r: SimRun, t: number) => Math.abs(Math.log2(difficultyAt(r, t) / aim)) <= 1 + 1e-9;
  const reach = runs
    .map((r) => (timeToReach(r, aim, 2) ?? Number.POSITIVE_INFINITY) / 1000)
    .sort((a, b) => a - b);
  return {
    off,
    at2min: runs.filter((r) => within(r, TWO_MINUTES_MS)).length / SEEDS,
    at4min: runs.filter((r) => within(r, 2 * TWO_MINUTES_MS)).length / SEEDS,
    medianS: reach[SEEDS / 2] as number,
    p90S: reach[(SEEDS * 9) / 10] as number,
  };
}

const OFFSETS = Array.from({ length: 25 }, (_, i) => -6 + i / 2);
type Cell = ReturnType<typeof fromStart>;

function table(title: string, cells: Cell[], what: 'start' | 'guess'): void {
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  console.log(
    `${title}\n${cells
      .map(
        (c) =>
          `  ${what} ${(2 ** c.off).toPrecision(3).padStart(7)}× the aim: within 2× at 2 min ${pct(c.at2min)}, at 4 min ${pct(c.at4min)}; first within 2× median ${c.medianS} s, p90 ${c.p90S} s`,
      )
      .join('\n')}`,
  );
}

/**
 * Issue 15: a fresh miner within 2× of its aim two minutes after it joins, at the production
 * 10 s / 60 s. Every start 1/64…64× off its aim (in halves of a power of two), 200 seeds each;
 * "within 2×" is the difficulty at that moment, not an average.
 *
 * Settled at once, not every miner started too hard could be there, by any rule: silence was its
 * only evidence, and a miner 4× too hard sent 3 shares in two minutes on average where one on aim
 * sent 12. That measured 60–93 % at two minutes for starts 2.8–64× too hard, and 98–100 % for
 * the rest (a miner between two powers stepped to the far one, an unlucky early silence).
 * Measured first (90 s at 8× the share rate), the same silence is evidence eight times as fast,
 * and the power of two is chosen from ~100 shares instead of ~12: measured 100 % at two minutes
 * and at four for every start. While it is measured a miner sits 8× easier than its aim, so
 * "first within 2×" is 90–95 s, when it settles (0–10 s for a start 4–64× too hard, whose
 * measuring difficulty happens to lie within 2× of the aim on the way down).
 */
describe('a fresh miner at the production defaults, started 1/64…64× off its aim (simulated)', () => {
  it('is within 2× of its aim two and four minutes after joining, however far off it started', () => {
    const cells = OFFSETS.map((off) => fromStart(off, (aim) => aim * 2 ** off));
    table('miner vardiff, a fresh miner started off its aim:', cells, 'start');
    for (const c of cells) {
      expect(c.at2min).toBeGreaterThanOrEqual(0.99);
      expect(c.at4min).toBeGreaterThanOrEqual(0.99);
    }
  });

  it('started by the translator 16× easier than a guess 1/64…64× off: within 2× after two minutes', () => {
    const hints = {
      dialect: { nominalHashRate: 0, honoursSuggestDifficulty: false },
      suggestedTarget: null,
      requestedTarget: null,
    };
    const cells = OFFSETS.map((off) =>
      fromStart(off, (aim) => startDifficultyFor(hints, { ...S, startDifficulty: aim * 2 ** off })),
    );
    table('miner vardiff, started 16× easier than a guess off the aim:', cells, 'guess');
    // Measured 100 % per guess, and at four minutes (settled at once: 99–100 % per guess up to
    // 16× too hard, 84.5–100 % beyond, a start 1.4–4× too hard).
    for (const c of cells) {
      expect(c.at2min).toBeGreaterThanOrEqual(0.99);
      expect(c.at4min).toBeGreaterThanOrEqual(0.99);
    }
  });
});
