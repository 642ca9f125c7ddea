/**
 * Variable difficulty per channel, as a pure state machine: the shell feeds it accepted shares
 * and clock ticks, it answers with a new difficulty when one is due. Difficulty is CKB's own
 * (2^256 / target = expected hashes per share), carried as a float: vardiff needs ratios, not
 * exact integers, and mainnet share difficulties (~1e14) are far inside double range.
 * The share-rate evidence and its likelihood are rate-evidence.ts; this file holds the checks both
 * roles share and the pool's policy (any difficulty); the translator's miner-vardiff.ts is the
 * per-miner one (powers of two).
 */

import {
  addShare,
  foldEvidence,
  logLikelihoodRatio,
  newRateEvidence,
  type RateEvidence,
  sharesAgainstAim,
} from './rate-evidence.js';

export interface VardiffParams {
  /** Seconds between accepted shares that we aim for. */
  targetShareIntervalSeconds: number;
  minDifficulty: number;
  maxDifficulty: number;
  /** Normal re-estimation period; the evidence spans MEMORY_PERIODS of them. */
  retargetPeriodSeconds: number;
  /** A rate estimated within this (percent off the aim) is not retargeted; beyond, on evidence. */
  tolerancePercent: number;
}

export interface VardiffState {
  difficulty: number;
  /** Start of the current check period, ms (the last regular check or retarget). */
  windowStartMs: number;
  /** Accepted shares and their summed difficulty since the period started. */
  windowShares: number;
  windowDifficultySum: number;
  /** The share-rate evidence decisions are made from: several periods long, kept across retargets. */
  evidence: RateEvidence;
  /** When this difficulty guess began (a new channel or miner, or a declared hashrate). */
  startedMs: number;
}

/** Largest change per retarget: quick to converge, but one lucky burst cannot run away. */
const MAX_STEP_UP = 16;
const MAX_STEP_DOWN = 16;
/** The step a channel with no share at all takes, once the silence is evidence enough. */
const SILENT_STEP = 1 / 4;

/**
 * How strongly the evidence must favour a new rate over the aim (natural log of the likelihood
 * ratio) before a miner moves. At a period's end: SETTLED_EVIDENCE, or YOUNG_EVIDENCE in the first
 * YOUTH_PERIODS of a miner (its start difficulty was a guess). Between period ends (after a share,
 * or when a job goes out) only a rate ≥ EARLY_BAND× off may move it, on far stronger evidence
 * (EARLY_EVIDENCE), so a fresh miner far too easy climbs within seconds; and in its first
 * FAST_START_PERIODS a move down needs only YOUNG_EVIDENCE there too: for a miner started too hard
 * silence is the only evidence, and waiting for a period's end to weigh it would cost a period per
 * step. Chosen with the simulations in vardiff-simulation.test.ts and
 * miner-vardiff-simulation.test.ts (production defaults).
 */
export const SETTLED_EVIDENCE = 4;
export const YOUNG_EVIDENCE = 2;
export const YOUTH_PERIODS = 5;
export const EARLY_EVIDENCE = 9;
export const EARLY_BAND = 2;
export const FAST_START_PERIODS = 2;
/**
 * Of candidate rates in one direction, a further one must explain the shares better than the
 * nearer one before it by this much (log likelihood): a few shares, or a short silence, say
 * "slower", not yet "four times slower", and a miner √2 too hard that stepped ÷4 on them would
 * land 2.8× too easy.
 */
export const STEP_EVIDENCE = 0.5;
/** Evidence fades over this many retarget periods (an exponential window). */
export const MEMORY_PERIODS = 10;

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
  return {
    difficulty,
    windowStartMs: nowMs,
    windowShares: 0,
    windowDifficultySum: 0,
    evidence: newRateEvidence(nowMs),
    startedMs: nowMs,
  };
}

/** Records one accepted share (its difficulty is its job's target's, maybe an older one). */
export function recordShare(s: VardiffState, shareDifficulty: number): void {
  s.windowShares += 1;
  s.windowDifficultySum += shareDifficulty;
  addShare(s.evidence, shareDifficulty, s.difficulty);
}

/** Changes the difficulty from `nowMs` on, keeping the evidence (exposure so far at the old one). */
export function setVardiffDifficulty(
  s: VardiffState,
  difficulty: number,
  nowMs: number,
  p: Pick<VardiffParams, 'retargetPeriodSeconds'>,
): void {
  foldEvidence(s.evidence, nowMs, s.difficulty, memoryMs(p));
  s.difficulty = difficulty;
}

function memoryMs(p: Pick<VardiffParams, 'retargetPeriodSeconds'>): number {
  return MEMORY_PERIODS * p.retargetPeriodSeconds * 1000;
}

/** The share rate against the aim, as a rate check at `nowMs` sees it. */
export interface RateCheck {
  /** The check period is over: the normal band applies; else only EARLY_BAND. */
  periodDone: boolean;
  /** Within the first YOUTH_PERIODS of this difficulty guess. */
  young: boolean;
  /** Within the first FAST_START_PERIODS: a move down need not wait for a period's end. */
  fastStart: boolean;
  /** Shares counted (weighted) and expected of a miner on aim, over the evidence span. */
  shares: number;
  expected: number;
}

/** Folds the evidence up to `nowMs` and says what the check sees; null when no time has passed. */
export function checkRate(
  s: VardiffState,
  nowMs: number,
  p: Pick<VardiffParams, 'retargetPeriodSeconds' | 'targetShareIntervalSeconds'>,
): RateCheck | null {
  if (nowMs <= s.windowStartMs) return null;
  foldEvidence(s.evidence, nowMs, s.difficulty, memoryMs(p));
  const periodMs = p.retargetPeriodSeconds * 1000;
  const age = nowMs - s.startedMs;
  return {
    periodDone: nowMs - s.windowStartMs >= periodMs,
    young: age < YOUTH_PERIODS * periodMs,
    fastStart: age < FAST_START_PERIODS * periodMs,
    ...sharesAgainstAim(s.evidence, s.difficulty, p.targetShareIntervalSeconds),
  };
}

/**
 * Natural log of the likelihood ratio a move to `ratio` × the aim needs at this check;
 * infinite when the check may not move it there (mid-period, less than EARLY_BAND× off).
 */
export function evidenceNeeded(c: RateCheck, ratio: number): number {
  if (c.periodDone) return c.young ? YOUNG_EVIDENCE : SETTLED_EVIDENCE;
  if (ratio < EARLY_BAND && ratio > 1 / EARLY_BAND) return Number.POSITIVE_INFINITY;
  return ratio < 1 && c.fastStart ? YOUNG_EVIDENCE : EARLY_EVIDENCE;
}

/** The point estimate of the share rate against the aim (0 from silence). */
export function estimatedRatio(c: RateCheck): number {
  return c.expected > 0 ? c.shares / c.expected : 1;
}

/**
 * Of candidate rates (× the aim) in one direction, nearest first, the furthest the evidence
 * supports: it favours that rate over the aim by what the check needs, and each candidate on the
 * way over the one before it by `stepEvidence` (STEP_EVIDENCE unless the caller needs more). Null
 * when none is supported.
 */
export function bestSupported(
  c: RateCheck,
  candidates: readonly number[],
  stepEvidence = STEP_EVIDENCE,
): number | null {
  let best: number | null = null;
  let previous = 0; // the aim's own log likelihood ratio
  for (const [i, r] of candidates.entries()) {
    const llr = logLikelihoodRatio(c.shares, c.expected, r);
    if (i > 0 && llr - previous < stepEvidence) break;
    if (llr > evidenceNeeded(c, r)) best = r;
    previous = llr;
  }
  return best;
}

/** Starts the next check period (after a regular check or any retarget). */
export function closeWindow(s: VardiffState, nowMs: number): void {
  s.windowStartMs = nowMs;
  s.windowShares = 0;
  s.windowDifficultySum = 0;
}

/**
 * Decides whether a new difficulty is due at `nowMs`. Returns the new difficulty or null.
 * - At the end of each retarget period the evidence of the last few periods is weighed: the
 *   channel moves to its estimated hashrate × interval when that is outside the tolerance band
 *   (1 + tolerancePercent/100) and explains the shares far better than the current difficulty
 *   does, so the noise of a short window does not move it.
 * - Between period ends (each accepted share) only a rate ≥ EARLY_BAND× off, on strong evidence:
 *   a miner that starts at a far too low difficulty is raised within seconds; in its first
 *   FAST_START_PERIODS one too hard is lowered on YOUNG_EVIDENCE, as soon as its silence is that.
 * - Silence lowers it ÷4 at a time, as soon as the missing shares are evidence enough.
 * Steps are limited to ×16 / ÷16.
 */
export function retarget(
  s: VardiffState,
  nowMs: number,
  p: VardiffParams,
  networkDifficulty: number,
  minByClient = 0,
): number | null {
  const c = checkRate(s, nowMs, p);
  if (!c) return null;
  const band = 1 + p.tolerancePercent / 100;
  // Silence says "slower", not how much: a quarter per period of it, as long as it lasts.
  const estimate = c.shares < 1 ? SILENT_STEP : estimatedRatio(c);
  const r = Math.min(MAX_STEP_UP, Math.max(1 / MAX_STEP_DOWN, estimate));
  const factor = r > band || r < 1 / band ? bestSupported(c, [r]) : null;
  if (factor === null) {
    if (c.periodDone) closeWindow(s, nowMs);
    return null;
  }
  closeWindow(s, nowMs);
  const wanted = clampDifficulty(s.difficulty * factor, p, networkDifficulty, minByClient);
  if (wanted === s.difficulty) return null;
  setVardiffDifficulty(s, wanted, nowMs, p);
  return wanted;
}

/** Hashrate (H/s) from accepted difficulty over a time span. */
export function hashrateFromShares(difficultySum: number, seconds: number): number {
  return seconds > 0 ? difficultySum / seconds : 0;
}
