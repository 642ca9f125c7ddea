/**
 * Who is in issue 15's V1 fleet (v1-fleet.ts runs it against a real translator and pool): the
 * miners' dialects, hashrates and joins, and the vardiff settings the fleet runs at. Apart from
 * the stack so the vardiff simulations can use the same fleet.
 */

export type FleetDialect = 'ckb' | 'antminer-k7' | 'goldshell' | 'nerdminer' | 'ckbminer';

export interface FleetMinerSpec {
  dialect: FleetDialect;
  /** Hashes per second (real time). */
  hashRate: number;
  /** When it connects, ms after the start (real time). */
  joinAtMs: number;
}

/**
 * Real-world seconds, divided by the scale: the production defaults. A share every 10 s is ~6 a
 * vardiff period, and ~12 in a miner's first two minutes: too few to tell a miner just under 2×
 * its aim from one just over, so one miner of the 50 used to be off 2× in ~1 run of 7. Each miner
 * is now measured first (miner-vardiff.ts: 90 s at 8× the share rate) and settles on the power of
 * two ~100 shares chose; a seeded simulation of this fleet (miner-vardiff-fleet.test.ts) finds one
 * off in 2 of 3,000 runs.
 */
export const REAL = { shareIntervalS: 10, retargetPeriodS: 60, blockIntervalS: 10 } as const;

/**
 * The translator's per-miner vardiff start and cap in the fleet (powers of two), for a share
 * interval: 16 and 128 at 1.25 s, scaled with it, so each family starts as far from its aim
 * whatever the interval.
 */
export function fleetDifficulties(shareIntervalS: number): { start: number; max: number } {
  const f = 2 ** Math.round(Math.log2(shareIntervalS / 1.25));
  return { start: 16 * f, max: 128 * f };
}

const DIALECTS: FleetDialect[] = ['ckb', 'antminer-k7', 'goldshell', 'nerdminer', 'ckbminer'];

/**
 * `n` miners, dialects in turn, joining evenly over `joinOverMs`. Hashrates (log-uniform, fixed
 * seed) follow what each family's dialect declares, as in the field: families that declare a
 * big hashrate (K7, NerdMiner's and ckb-gominer's CPU figures, Goldshell before it suggests)
 * are guessed at the cap and run at 64–256 H/s; a Goldshell suggests a difficulty near its rate
 * (at 10 s a share); a miner of the generic dialect is guessed at
 * fleetDifficulties().start and runs at 8–256 H/s. The translator starts a guess 16× easier
 * (`guessMargin`).
 * (Rates this small keep the whole fleet under a fifth of a core: the share counts, and so the
 * statistics, depend on the share interval only.)
 */
export function fleetSpecs(n: number, joinOverMs: number): FleetMinerSpec[] {
  let seed = 0x15f1ee7;
  const rand = () => {
    seed = (seed * 1_103_515_245 + 12_345) >>> 0;
    return seed / 2 ** 32;
  };
  return Array.from({ length: n }, (_, i) => {
    const dialect = DIALECTS[i % DIALECTS.length] as FleetDialect;
    const [lo, hi] = dialect === 'ckb' ? [8, 256] : dialect === 'goldshell' ? [16, 256] : [64, 256];
    const hashRate = Math.round(lo * (hi / lo) ** rand());
    return { dialect, hashRate, joinAtMs: Math.round((i / n) * joinOverMs) };
  });
}
