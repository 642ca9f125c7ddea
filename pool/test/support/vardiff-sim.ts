/**
 * A seeded simulation of one miner under a vardiff: shares arrive as a Poisson process at
 * hashrate / difficulty (exponential gaps, redrawn whenever the difficulty moves, which the
 * memorylessness allows), and the vardiff is asked for a retarget the way its shell asks —
 * after each share and at each period's end (the pool), or whenever a job goes out (the
 * translator). Used to choose and check the vardiff constants at the production defaults.
 */

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What the simulation drives: a vardiff behind its shell. */
export interface SimulatedVardiff {
  readonly difficulty: number;
  /** One share at the current difficulty, at `nowMs`. */
  share(nowMs: number): void;
  /** A chance to retarget (a share just came, a period ended, a job goes out). */
  check(nowMs: number): void;
}

export interface SimRun {
  /** [time ms, difficulty] after each change, starting with the initial one. */
  steps: Array<[number, number]>;
  /** Share times, ms. */
  shares: number[];
}

export interface SimOptions {
  hashrate: number;
  seconds: number;
  random: () => number;
  /** Times the shell calls check() besides after shares: every `tickSeconds`. */
  tickSeconds: number;
  /** Whether the shell also calls check() right after each share (the pool does). */
  checkOnShare: boolean;
}

export function simulateMiner(v: SimulatedVardiff, o: SimOptions): SimRun {
  const end = o.seconds * 1000;
  const steps: Array<[number, number]> = [[0, v.difficulty]];
  const shares: number[] = [];
  const gap = () => (-Math.log(1 - o.random()) * v.difficulty * 1000) / o.hashrate;
  let nextShare = gap();
  let nextTick = o.tickSeconds * 1000;
  while (Math.min(nextShare, nextTick) < end) {
    const before = v.difficulty;
    if (nextShare <= nextTick) {
      const t = nextShare;
      v.share(t);
      shares.push(t);
      if (o.checkOnShare) v.check(t);
      nextShare = t + gap();
      if (v.difficulty !== before) steps.push([t, v.difficulty]);
    } else {
      const t = nextTick;
      v.check(t);
      nextTick += o.tickSeconds * 1000;
      if (v.difficulty !== before) {
        steps.push([t, v.difficulty]);
        nextShare = t + gap();
      }
    }
  }
  return { steps, shares };
}

/** Steps that moved the difficulty further (in log2) from `ideal` than it was. */
export function wrongWaySteps(run: SimRun, ideal: number): number {
  let wrong = 0;
  for (let i = 1; i < run.steps.length; i++) {
    const before = Math.abs(Math.log2(run.steps[i - 1][1] / ideal));
    const after = Math.abs(Math.log2(run.steps[i][1] / ideal));
    if (after > before + 1e-9) wrong += 1;
  }
  return wrong;
}

/** When the difficulty first came within `factor` of `ideal` (ms), or null. */
export function timeToReach(run: SimRun, ideal: number, factor: number): number | null {
  for (const [t, d] of run.steps) if (Math.abs(Math.log2(d / ideal)) <= Math.log2(factor) + 1e-9) return t;
  return null;
}
