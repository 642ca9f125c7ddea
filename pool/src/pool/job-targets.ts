import { targetToBeWords, targetToDifficulty } from '../ckb/target.js';

/**
 * Targets belong to jobs (sv2-spec, mining protocol, SetTarget: the maximum target "is
 * applicable for all jobs received on the channel in the future ... The message is not
 * applicable for already started jobs"). A channel therefore remembers, for the jobs it was
 * sent that may still be valid, the target in force when each was sent, and a share is judged
 * and credited by its job's target. SRI keeps a map job id → target per channel; ours keeps
 * the same facts as a short list of target epochs — "jobs sent from id N on carry target T" —
 * because targets change far less often than jobs and job ids only grow, so a channel usually
 * holds one or two entries whatever the job rate.
 */

/** A share target in the forms judging needs. Immutable: many channels and epochs share one. */
export interface ShareTarget {
  readonly target: bigint;
  /** Big-endian words, for `powWordsMeetTarget`. */
  readonly words: Uint32Array;
  /** 2^256 / target: what a share meeting it is credited. */
  readonly difficulty: number;
}

export function shareTarget(target: bigint): ShareTarget {
  return { target, words: targetToBeWords(target), difficulty: Number(targetToDifficulty(target)) };
}

/** Jobs sent to the channel with an id ≥ `fromJobId` (up to the next epoch) carry `target`. */
export interface TargetEpoch {
  readonly fromJobId: number;
  readonly target: ShareTarget;
}

/** What a channel keeps of its targets. */
export interface JobTargeted {
  /** The target the next job sent to the channel carries (the last SetTarget's). */
  shareTarget: ShareTarget;
  /** Oldest first; never empty. The first epoch also covers jobs older than the channel. */
  jobTargets: TargetEpoch[];
}

/** The epochs of a channel that opened with `target`: every job it is sent carries it until a SetTarget. */
export function openingEpochs(target: ShareTarget): TargetEpoch[] {
  return [{ fromJobId: 0, target }];
}

/** The target a share on job `jobId` is judged by. */
export function targetOfJob(ch: JobTargeted, jobId: number): ShareTarget {
  const epochs = ch.jobTargets;
  for (let i = epochs.length - 1; i > 0; i--) {
    if (epochs[i].fromJobId <= jobId) return epochs[i].target;
  }
  return epochs[0].target;
}

/**
 * Records that job `jobId` was sent to the channel now: it carries the channel's current
 * target. Epochs that only cover jobs older than `oldestValidJobId` are forgotten, so a channel
 * holds at most one epoch per valid job plus one, however long it lives.
 */
export function noteJobSent(ch: JobTargeted, jobId: number, oldestValidJobId: number): void {
  const epochs = ch.jobTargets;
  const last = epochs[epochs.length - 1];
  if (jobId < last.fromJobId) {
    // Job ids wrapped at 2^32 (centuries away at one job a second): start the list afresh.
    ch.jobTargets = [{ fromJobId: 0, target: ch.shareTarget }];
    return;
  }
  if (last.target !== ch.shareTarget) epochs.push({ fromJobId: jobId, target: ch.shareTarget });
  let drop = 0;
  while (drop + 1 < epochs.length && epochs[drop + 1].fromJobId <= oldestValidJobId) drop++;
  if (drop > 0) epochs.splice(0, drop);
}
