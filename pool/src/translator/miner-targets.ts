import { compactToDifficulty, targetToDifficulty } from '../ckb/target.js';
import type { V1Dialect } from '../stratum-v1/dialects/index.js';
import { MinerVardiff, type MinerVardiffSettings } from './miner-vardiff.js';

/**
 * Each V1 miner's own target, and the targets each of its jobs went out with. A share is judged
 * by the target the miner had when that job's notify was sent (a new target is sent just
 * before the job that uses it, as V1 miners expect), so a retarget never turns an honest
 * share on an older job into a reject. The pool channel's target is remembered per job too:
 * whether a share is worth forwarding is decided by it (shares.ts).
 */

/** What a share on one job is judged by. */
export interface JobTargets {
  /** The miner's target when the job went out. */
  miner: bigint;
  /** The pool channel's target when the job went out (the pool judges forwarded shares). */
  channel: bigint;
}

/** Jobs remembered per miner: as many as the job book keeps (jobs.ts). */
const JOBS_KEPT = 64;

export interface MinerTargetState {
  vardiff: MinerVardiff | null;
  jobs: Map<string, JobTargets>;
}

export function newMinerTargetState(): MinerTargetState {
  return { vardiff: null, jobs: new Map() };
}

/** The session facts the start difficulty comes from (V1Session has them). */
export interface MinerHints {
  dialect: Pick<V1Dialect, 'nominalHashRate' | 'honoursSuggestDifficulty'>;
  /** `mining.suggest_difficulty`, as a target on the dialect's scale. */
  suggestedTarget: bigint | null;
  /** `mining.suggest_target`. */
  requestedTarget: bigint | null;
  /** The difficulty a resumed session had settled on (v1-resumes.ts). */
  resumedDifficulty?: number | null;
}

/**
 * Where a miner starts: the target it asked for by `mining.suggest_target`, else the difficulty
 * the session it resumed had settled on, else `mining.suggest_difficulty` where its dialect
 * honours one, else a guess — its dialect's
 * declared hashrate × the share interval (a K7 never suggests one), else `startDifficulty` —
 * made `guessMargin` times easier. A miner faster than its start is found out within seconds
 * (a burst of shares: ×maxStep with each job); one slower only by silence, which at a share per
 * 10 s takes minutes to tell one power of two from the next. Shares are cheap; a miner slower
 * than its guess by more than the margin is the rare, slow case.
 */
export function startDifficultyFor(h: MinerHints, s: MinerVardiffSettings): number {
  if (h.requestedTarget !== null && h.requestedTarget > 0n)
    return Number(targetToDifficulty(h.requestedTarget));
  if (startsSettled(h)) return h.resumedDifficulty as number;
  if (h.dialect.honoursSuggestDifficulty && h.suggestedTarget !== null && h.suggestedTarget > 0n)
    return Number(targetToDifficulty(h.suggestedTarget));
  const guess =
    h.dialect.nominalHashRate > 0
      ? h.dialect.nominalHashRate * s.targetShareIntervalSeconds
      : s.startDifficulty;
  // A guess harder than the hardest target counts as that target, then is eased.
  return Math.min(guess, s.maxDifficulty) / Math.max(1, s.guessMargin);
}

/** A resumed session starts where it had settled, not measured again (unless it asks otherwise). */
function startsSettled(h: MinerHints): boolean {
  return (h.requestedTarget === null || h.requestedTarget <= 0n) && (h.resumedDifficulty ?? 0) > 0;
}

/** The vardiff a miner starts with at `nowMs`. */
function startVardiff(s: MinerVardiffSettings, h: MinerHints, nowMs: number): MinerVardiff {
  return new MinerVardiff(s, startDifficultyFor(h, s), nowMs, { settled: startsSettled(h) });
}

export class MinerTargets {
  constructor(
    readonly settings: MinerVardiffSettings,
    private readonly now: () => number = Date.now,
  ) {}

  /** The hashrate (H/s) the miner stands for: its vardiff's, or what it would start at. */
  hashRate(st: MinerTargetState, h: MinerHints): number {
    if (st.vardiff) return st.vardiff.hashRate;
    return startVardiff(this.settings, h, 0).hashRate;
  }

  /**
   * The target the miner's next job goes out with: its start target the first time, then
   * whatever its vardiff decides is due (never harder than a block of that job). Without a job
   * (`job` null) the start target is only looked at: the vardiff window opens with the first
   * job, when the miner starts hashing.
   */
  targetForJob(st: MinerTargetState, h: MinerHints, job: { compactTarget?: number } | null): bigint {
    if (!job && !st.vardiff) return startVardiff(this.settings, h, 0).target;
    if (!st.vardiff) {
      st.vardiff = startVardiff(this.settings, h, this.now());
      return st.vardiff.target;
    }
    const net = job?.compactTarget === undefined ? 0 : Number(compactToDifficulty(job.compactTarget));
    st.vardiff.retarget(this.now(), net);
    return st.vardiff.target;
  }

  /** Notes that job `v1JobId` went out with these targets. */
  sent(st: MinerTargetState, v1JobId: string, t: JobTargets): void {
    const known = st.jobs.get(v1JobId);
    if (known) {
      // The same job sent again (a new extranonce, a reopened channel): no share the miner may
      // have mined at either target is turned away, and none is forwarded that the pool may refuse.
      st.jobs.set(v1JobId, {
        miner: known.miner > t.miner ? known.miner : t.miner,
        channel: known.channel < t.channel ? known.channel : t.channel,
      });
      return;
    }
    st.jobs.set(v1JobId, t);
    if (st.jobs.size > JOBS_KEPT) st.jobs.delete(st.jobs.keys().next().value as string);
  }

  /** The targets a share on `v1JobId` is judged by, or null when this miner was never sent it. */
  forJob(st: MinerTargetState, v1JobId: string): JobTargets | null {
    return st.jobs.get(v1JobId) ?? null;
  }

  /** A share met the miner's target for its job: the vardiff window counts it. */
  share(st: MinerTargetState, t: JobTargets): void {
    st.vardiff?.share(t.miner);
  }
}
