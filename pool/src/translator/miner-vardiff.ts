import { difficultyToTarget, targetToDifficulty } from '../ckb/target.js';
import {
  bestSupported,
  checkRate,
  closeWindow,
  estimatedRatio,
  newVardiffState,
  recordShare,
  SETTLED_EVIDENCE,
  setVardiffDifficulty,
  type VardiffParams,
  type VardiffState,
} from '../vardiff/vardiff.js';

/**
 * What a second power up (×4 rather than ×2) must add to the evidence, against one power up: as
 * much as any settled move needs. A step up too far leaves a miner too hard, where evidence to
 * undo it comes at its slower share rate — a miner 2.05× too hard (its aim just under 2× a power,
 * stepped ×4 on a lucky burst) sends a share per 20 s and takes minutes to tell from 1.95× —
 * while a step down too far is undone by its next burst. So down, STEP_EVIDENCE (vardiff.ts)
 * is enough; up, a burst must show the farther power clearly, not just favour it. Measured with
 * issue 15's fleet (miner-vardiff-fleet.test.ts): the miners a step up left too hard fell from
 * 107 to 68 in 1,000 runs at 10 s a share; a fresh miner far too easy takes a job or two longer
 * to be within 2× (miner-vardiff-simulation.test.ts: median 25 s from 16× too easy, was 15 s).
 */
export const UP_STEP_EVIDENCE = SETTLED_EVIDENCE;

/**
 * Vardiff for one V1 miner, run by the translator (the pool only sees its channels): the
 * vardiff core's share-rate evidence decides what the miner's hashrate is, and this module
 * turns that into a target a V1 miner can trust — always a power of two in difficulty, at most
 * `maxStep` times harder or easier per retarget, and only changed when the evidence says another
 * power of two explains the miner's shares far better (a miner halfway between two powers, or one
 * on aim whose window was unlucky, stays where it is).
 *
 * A fresh miner is measured first: for `measureSeconds` (90) it aims at `measureRate` (8) times
 * the share rate, then settles on its aim in one or two jobs, keeping the power of two its shares
 * chose. At a share per 10 s, two minutes hold ~12 shares, and the powers of two of a miner whose
 * aim sits near 2× one take many minutes to tell apart; eight times the shares tell them apart
 * before the miner settles. Issue 15's fleet of 50 (miner-vardiff-fleet.test.ts): at 10 s a
 * share, one miner was still over 2× off its aim two minutes in, in ~15 % of runs; measured
 * first, in ~0.1 %.
 */

export interface MinerVardiffSettings {
  /** The guessed difficulty of a miner whose dialect declares no hashrate and that suggests none. */
  startDifficulty: number;
  minDifficulty: number;
  maxDifficulty: number;
  /** Seconds between shares aimed for, per miner. */
  targetShareIntervalSeconds: number;
  /** Share-rate window; a miner far off target (a burst, or silence) is retargeted earlier. */
  retargetPeriodSeconds: number;
  /** Largest factor one retarget may change the difficulty by (a power of two). */
  maxStep: number;
  /**
   * How many times easier than a guessed start (its dialect's declared hashrate, or
   * startDifficulty) a miner starts: too easy is found out within seconds, too hard only
   * by minutes of silence (miner-targets.ts).
   */
  guessMargin: number;
  /**
   * A fresh miner's first seconds, in which it is measured: it aims at `measureRate` shares per
   * aimed share (a power of two), so that when it settles at its aim the power of two is chosen
   * from `measureRate` times the evidence. 0 settles at once.
   */
  measureSeconds: number;
  measureRate: number;
}

export const MINER_VARDIFF_DEFAULTS: MinerVardiffSettings = {
  startDifficulty: 2 ** 34,
  minDifficulty: 2 ** 20,
  maxDifficulty: 2 ** 60,
  targetShareIntervalSeconds: 10,
  retargetPeriodSeconds: 60,
  maxStep: 4,
  guessMargin: 16,
  measureSeconds: 90,
  measureRate: 8,
};

/** The power of two nearest to `d` (in log2), within [min, max] rounded inwards to powers of two. */
export function powerOfTwoDifficulty(
  d: number,
  s: Pick<MinerVardiffSettings, 'minDifficulty' | 'maxDifficulty'>,
): number {
  const lo = 2 ** Math.ceil(Math.log2(Math.max(1, s.minDifficulty)));
  const hi = 2 ** Math.floor(Math.log2(Math.max(lo, s.maxDifficulty)));
  if (!Number.isFinite(d) || d <= 0) return lo;
  return Math.min(hi, Math.max(lo, 2 ** Math.round(Math.log2(d))));
}

/** A power-of-two difficulty no harder than a block (`networkDifficulty`; 0 = unknown). */
function underNetwork(d: number, networkDifficulty: number): number {
  if (!(networkDifficulty > 0) || d <= networkDifficulty) return d;
  return Math.max(1, 2 ** Math.floor(Math.log2(networkDifficulty)));
}

/** measureRate as a power of two (≥ 1): settling must keep a power of two one. */
function measuringRate(s: MinerVardiffSettings): number {
  return 2 ** Math.max(0, Math.round(Math.log2(Math.max(1, s.measureRate))));
}

export class MinerVardiff {
  private readonly state: VardiffState;
  private params: VardiffParams;
  /** Shares aimed at per aimed share: measureRate while measuring, down to 1 once settled. */
  private rate: number;

  /** `settled`: start at `startDifficulty` without measuring (a resumed session's own). */
  constructor(
    readonly settings: MinerVardiffSettings,
    startDifficulty: number,
    private readonly startedMs: number,
    { settled = false }: { settled?: boolean } = {},
  ) {
    this.rate = settings.measureSeconds > 0 && !settled ? measuringRate(settings) : 1;
    this.params = {
      targetShareIntervalSeconds: settings.targetShareIntervalSeconds / this.rate,
      minDifficulty: settings.minDifficulty,
      maxDifficulty: settings.maxDifficulty,
      retargetPeriodSeconds: settings.retargetPeriodSeconds,
      // Rounding to powers of two (below) decides what is worth a change.
      tolerancePercent: 0,
    };
    this.state = newVardiffState(powerOfTwoDifficulty(startDifficulty / this.rate, settings), startedMs);
  }

  get difficulty(): number {
    return this.state.difficulty;
  }

  get target(): bigint {
    return difficultyToTarget(BigInt(this.state.difficulty));
  }

  /** Still being measured (aimed at more shares than the aim, to learn its power of two). */
  get measuring(): boolean {
    return this.rate > 1;
  }

  /** The hashrate (H/s) this difficulty stands for at the share rate aimed for now. */
  get hashRate(): number {
    return (this.state.difficulty * this.rate) / this.settings.targetShareIntervalSeconds;
  }

  /** A share that met `target` (the miner's target for its job, not necessarily the current one). */
  share(target: bigint): void {
    recordShare(this.state, Number(targetToDifficulty(target)));
  }

  /**
   * The new difficulty when one is due at `nowMs`, else null. Called when a job is about to go
   * out: a V1 miner takes a new target with its next job.
   */
  retarget(nowMs: number, networkDifficulty = 0): number | null {
    const current = this.state.difficulty;
    const wanted = this.measuredEnough(nowMs) ? this.settle(nowMs) : this.wanted(nowMs);
    const next = underNetwork(wanted, networkDifficulty);
    if (next === current) return null;
    setVardiffDifficulty(this.state, next, nowMs, this.params);
    return next;
  }

  private measuredEnough(nowMs: number): boolean {
    return this.rate > 1 && nowMs - this.startedMs >= this.settings.measureSeconds * 1000;
  }

  /**
   * One step from the measuring aim towards the real one (×maxStep at most per job): the same
   * hashrate at fewer shares, so the power of two the measured evidence chose is kept. The
   * evidence stays; only the aim it is weighed against moves.
   */
  private settle(nowMs: number): number {
    const step = Math.min(this.rate, 2 ** Math.floor(Math.log2(this.settings.maxStep)));
    this.rate /= step;
    this.params = {
      ...this.params,
      targetShareIntervalSeconds: this.settings.targetShareIntervalSeconds / this.rate,
    };
    closeWindow(this.state, nowMs);
    return powerOfTwoDifficulty(this.state.difficulty * step, this.settings);
  }

  /**
   * The power of two the evidence asks for (the current one while it asks for nothing): of the
   * powers between the current one and the one nearest the estimated rate (at most maxStep
   * away), the furthest the evidence supports (vardiff.ts bestSupported: far likelier than the
   * aim, and each power further clearly likelier than the one before; up, by UP_STEP_EVIDENCE).
   */
  private wanted(nowMs: number): number {
    const current = this.state.difficulty;
    const c = checkRate(this.state, nowMs, this.params);
    if (!c) return current;
    const maxLog = Math.log2(this.settings.maxStep);
    const estimate = estimatedRatio(c);
    const nearest = estimate > 0 ? Math.round(Math.log2(estimate)) : -maxLog;
    const furthest = Math.max(-maxLog, Math.min(maxLog, nearest));
    const powers: number[] = [];
    for (let k = Math.sign(furthest); Math.abs(k) <= Math.abs(furthest) && k !== 0; k += Math.sign(furthest))
      powers.push(2 ** k);
    const factor = bestSupported(c, powers, furthest > 0 ? UP_STEP_EVIDENCE : undefined);
    if (factor !== null || c.periodDone) closeWindow(this.state, nowMs);
    if (factor === null) return current;
    return powerOfTwoDifficulty(current * factor, this.settings);
  }
}
