/**
 * Variable difficulty per channel, as a pure state machine: the shell feeds it accepted shares
 * and clock ticks, it answers with a new difficulty when one is due. Difficulty is CKB's own
 * (2^256 / target = expected hashes per share), carried as a float: vardiff needs ratios, not
 * exact integers, and mainnet share difficulties (~1e14) are far inside double range.
 */

export interface VardiffParams {
  /** Seconds between accepted shares that we aim for. */
  targetShareIntervalSeconds: number;
  minDifficulty: number;
  maxDifficulty: number;
  /** Normal re-estimation period. */
  retargetPeriodSeconds: number;
  /** Changes smaller than this (percent of the current difficulty) are not made. */
  tolerancePercent: number;
}

export interface VardiffState {
  difficulty: number;
  /** Start of the current measuring window, ms. */
  windowStartMs: number;
  /** Accepted shares and their summed difficulty in the window. */
  windowShares: number;
  windowDifficultySum: number;
}

/** Largest change per retarget: quick to converge, but one lucky burst cannot run away. */
const MAX_STEP_UP = 16;
const MAX_STEP_DOWN = 16;
/** Early retarget when this many shares arrived within a fraction of the period. */
const BURST_SHARES = 16;

/**
 * Bounds a difficulty by the configured range, by the easiest target the device accepts
 * (`minByClient` = 2^256 / max_target) and by the network difficulty (a share is never harder
 * than a block).
 */
export function clampDifficulty(
  d: number,
  p: Pick<VardiffParams, 'minDifficulty' | 'maxDifficulty'>,
  networkDifficulty: number,
  minByClient = 0,
): number {
  let x = Number.isFinite(d) ? d : p.maxDifficulty;
  x = Math.min(Math.max(x, p.minDifficulty, minByClient), p.maxDifficulty);
  // The network clamp wins over everything: a share target harder than the block target
  // would make the pool miss blocks.
  if (networkDifficulty > 0) x = Math.min(x, networkDifficulty);
  return Math.max(x, 1);
}

/** Difficulty for a new channel: nominal hashrate × interval, or the configured initial value. */
export function initialDifficulty(
  nominalHashRate: number,
  fallback: number,
  p: VardiffParams,
  networkDifficulty: number,
  minByClient = 0,
): number {
  const d =
    Number.isFinite(nominalHashRate) && nominalHashRate > 0
      ? nominalHashRate * p.targetShareIntervalSeconds
      : fallback;
  return clampDifficulty(d, p, networkDifficulty, minByClient);
}

export function newVardiffState(difficulty: number, nowMs: number): VardiffState {
  return { difficulty, windowStartMs: nowMs, windowShares: 0, windowDifficultySum: 0 };
}

/** Records one accepted share (its difficulty is the channel target's at share time). */
export function recordShare(s: VardiffState, shareDifficulty: number): void {
  s.windowShares += 1;
  s.windowDifficultySum += shareDifficulty;
}

/**
 * Decides whether a new difficulty is due at `nowMs`. Returns the new difficulty (and resets
 * the window) or null. Rules:
 * - every retarget period: hashrate = Σ accepted difficulty / elapsed; new = hashrate × interval;
 * - earlier when shares come in a burst (≥ BURST_SHARES shares faster than a quarter of the
 *   expected rate), so a miner that starts at a low difficulty is raised within seconds;
 * - with no share at all for a period, the difficulty halves each period (the miner may be
 *   slower than we assumed), limited by min;
 * - steps are limited to ×16 / ÷16, changes within the tolerance are skipped.
 */
export function retarget(
  s: VardiffState,
  nowMs: number,
  p: VardiffParams,
  networkDifficulty: number,
  minByClient = 0,
): number | null {
  const elapsedS = (nowMs - s.windowStartMs) / 1000;
  if (elapsedS <= 0) return null;
  const periodDone = elapsedS >= p.retargetPeriodSeconds;
  const burst =
    s.windowShares >= BURST_SHARES && elapsedS < (s.windowShares * p.targetShareIntervalSeconds) / 4;
  if (!periodDone && !burst) return null;
  let wanted: number;
  if (s.windowShares === 0) {
    wanted = s.difficulty / 2;
  } else {
    const hashrate = s.windowDifficultySum / elapsedS;
    wanted = hashrate * p.targetShareIntervalSeconds;
  }
  wanted = Math.min(wanted, s.difficulty * MAX_STEP_UP);
  wanted = Math.max(wanted, s.difficulty / MAX_STEP_DOWN);
  wanted = clampDifficulty(wanted, p, networkDifficulty, minByClient);
  s.windowStartMs = nowMs;
  s.windowShares = 0;
  s.windowDifficultySum = 0;
  const change = Math.abs(wanted - s.difficulty) / s.difficulty;
  if (change * 100 <= p.tolerancePercent) return null;
  s.difficulty = wanted;
  return wanted;
}

/** Hashrate (H/s) from accepted difficulty over a time span. */
export function hashrateFromShares(difficultySum: number, seconds: number): number {
  return seconds > 0 ? difficultySum / seconds : 0;
}
