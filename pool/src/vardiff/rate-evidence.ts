/**
 * What the shares say about a miner's rate, with how sure we are. Shares arrive as a Poisson
 * process whose rate is hashrate / difficulty, so the count over a stretch of time is Poisson
 * with mean hashrate × exposure, where exposure = ∫ dt / difficulty(t). Counting exposure (not
 * a window reset at each target change) lets evidence gathered at an old target keep counting
 * after a retarget: a fresh miner climbing from far below keeps what its burst taught.
 *
 * At the production defaults (a share per 10 s, a retarget check per 60 s) a single window holds
 * ~6 shares, ±40 %: a point estimate alone steps the wrong way now and then (one check in seven
 * for a miner on aim, by the simulation). So decisions weigh the evidence (vardiff.ts,
 * miner-vardiff.ts): a miner only moves when a new rate explains its shares far better than the
 * aim does (a Poisson likelihood ratio), which a short unlucky window does not reach.
 */

export interface RateEvidence {
  /** Shares counted, each weighted by its difficulty / the difficulty in force when it came. */
  shares: number;
  /** ∫ dt / difficulty over the evidence span, in seconds per unit of difficulty. */
  exposure: number;
  /** Exposure is folded up to here. */
  foldedAtMs: number;
  /** Start of the span the evidence covers (moves forward as old evidence fades). */
  sinceMs: number;
}

export function newRateEvidence(nowMs: number): RateEvidence {
  return { shares: 0, exposure: 0, foldedAtMs: nowMs, sinceMs: nowMs };
}

/**
 * Brings the exposure up to `nowMs` at `difficulty` (the one in force since the last fold), and
 * lets evidence older than `memoryMs` fade: both sums shrink by the same factor, an exponential
 * window, so a miner whose hashrate really changes is followed within a few memories.
 */
export function foldEvidence(e: RateEvidence, nowMs: number, difficulty: number, memoryMs: number): void {
  const dt = nowMs - e.foldedAtMs;
  if (dt > 0 && difficulty > 0) {
    e.exposure += dt / 1000 / difficulty;
    e.foldedAtMs = nowMs;
  }
  const span = nowMs - e.sinceMs;
  if (memoryMs > 0 && span > memoryMs) {
    const keep = memoryMs / span;
    e.shares *= keep;
    e.exposure *= keep;
    e.sinceMs = nowMs - memoryMs;
  }
}

/** One share worth `shareDifficulty` while `difficulty` is in force. */
export function addShare(e: RateEvidence, shareDifficulty: number, difficulty: number): void {
  if (shareDifficulty > 0 && difficulty > 0) e.shares += shareDifficulty / difficulty;
}

/**
 * The share count a miner exactly on aim at `difficulty` (one share per `intervalSeconds`)
 * would have sent over the evidence span, and the (weighted) count it did send.
 */
export function sharesAgainstAim(
  e: RateEvidence,
  difficulty: number,
  intervalSeconds: number,
): { shares: number; expected: number } {
  return { shares: e.shares, expected: (e.exposure * difficulty) / intervalSeconds };
}

/**
 * How much better a share rate of `ratio` × the aim explains `shares` than the aim itself does:
 * the Poisson log-likelihood ratio ln P(shares | ratio·expected) / P(shares | expected). Above
 * ln K, the evidence favours `ratio` K to one.
 */
export function logLikelihoodRatio(shares: number, expected: number, ratio: number): number {
  if (ratio <= 0) return shares > 0 ? Number.NEGATIVE_INFINITY : expected;
  return shares * Math.log(ratio) - expected * (ratio - 1);
}
