import { difficultyToTarget, targetToDifficulty } from '../ckb/target.js';
import {
  newVardiffState,
  recordShare,
  retarget,
  type VardiffParams,
  type VardiffState,
} from '../vardiff/vardiff.js';

/**
 * Vardiff for one V1 miner, run by the translator (the pool only sees its channels): the
 * pool's share-rate window decides what the miner's hashrate is, and this module turns that
 * into a target a V1 miner can trust — always a power of two in difficulty, at most `maxStep`
 * times harder or easier per retarget, and only changed when the ideal is clearly away from
 * the current power (a miner halfway between two powers does not flap between them).
 */

export interface MinerVardiffSettings {
  /** Difficulty of a miner whose dialect declares no hashrate and that suggests none. */
  startDifficulty: number;
  minDifficulty: number;
  maxDifficulty: number;
  /** Seconds between shares aimed for, per miner. */
  targetShareIntervalSeconds: number;
  /** Share-rate window; a miner far off target (a burst, or silence) is retargeted earlier. */
  retargetPeriodSeconds: number;
  /** Largest factor one retarget may change the difficulty by (a power of two). */
  maxStep: number;
}

export const MINER_VARDIFF_DEFAULTS: MinerVardiffSettings = {
  startDifficulty: 2 ** 30,
  minDifficulty: 2 ** 20,
  maxDifficulty: 2 ** 60,
  targetShareIntervalSeconds: 10,
  retargetPeriodSeconds: 60,
  maxStep: 4,
};

/**
 * Only move when the ideal difficulty is this far (log2) from the current one: 2^0.75 ≈ 1.68×.
 * The share rate then stays within 1.68× of the aim, and window noise rarely flips it back.
 */
const DEAD_BAND_LOG2 = 0.75;

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

export class MinerVardiff {
  private readonly state: VardiffState;
  private readonly params: VardiffParams;

  constructor(
    readonly settings: MinerVardiffSettings,
    startDifficulty: number,
    nowMs: number,
  ) {
    this.params = {
      targetShareIntervalSeconds: settings.targetShareIntervalSeconds,
      minDifficulty: settings.minDifficulty,
      maxDifficulty: settings.maxDifficulty,
      retargetPeriodSeconds: settings.retargetPeriodSeconds,
      // Rounding to powers of two (below) decides what is worth a change.
      tolerancePercent: 0,
    };
    this.state = newVardiffState(powerOfTwoDifficulty(startDifficulty, settings), nowMs);
  }

  get difficulty(): number {
    return this.state.difficulty;
  }

  get target(): bigint {
    return difficultyToTarget(BigInt(this.state.difficulty));
  }

  /** The hashrate (H/s) this difficulty stands for at the aimed share rate. */
  get hashRate(): number {
    return this.state.difficulty / this.settings.targetShareIntervalSeconds;
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
    const wanted = retarget(this.state, nowMs, this.params, networkDifficulty);
    if (wanted === null) return this.capAtNetwork(networkDifficulty);
    const step = Math.log2(wanted / current);
    const maxLog = Math.log2(this.settings.maxStep);
    let next = current;
    if (Math.abs(step) >= DEAD_BAND_LOG2) {
      // Whole powers of two toward the ideal, rounded toward the current one: a window of a
      // few shares overstates the distance as often as not, and a short step costs one period.
      const whole = Math.sign(step) * Math.max(1, Math.floor(Math.abs(step) + 0.25));
      const bounded = Math.max(-maxLog, Math.min(maxLog, whole));
      next = powerOfTwoDifficulty(current * 2 ** bounded, this.settings);
    }
    this.state.difficulty = underNetwork(next, networkDifficulty);
    return this.state.difficulty === current ? null : this.state.difficulty;
  }

  /** A network harder than the miner's target never lets it sit above a block's difficulty. */
  private capAtNetwork(networkDifficulty: number): number | null {
    const capped = underNetwork(this.state.difficulty, networkDifficulty);
    if (capped === this.state.difficulty) return null;
    this.state.difficulty = capped;
    return capped;
  }
}
