import { MAX_U256, shareTargetForDifficulty } from '../ckb/target.js';
import {
  CKB_NONCE_SIZE,
  DOWNSTREAM_EXTRANONCE_SIZE,
  ErrorCodes,
  type OpenExtendedMiningChannel,
  type OpenStandardMiningChannel,
  type SubmitSharesCkb,
} from '../sv2/messages/index.js';
import type { VardiffState } from '../vardiff/vardiff.js';
import { hasControlChars } from '../workers/names.js';
import type { ShareBatcher } from './batching.js';
import type { Chain } from './config.js';
import {
  type JobTargeted,
  openingEpochs,
  type ShareTarget,
  shareTarget,
  targetOfJob,
} from './job-targets.js';
import { type Job, type JobBook, powOutputWords, powWordsMeetTarget } from './jobs.js';

/**
 * A mining channel and the pure parts of judging a share on it. The session's handler modules
 * (session/channel-opening.ts, session/share-submission.ts) own channels and do the side
 * effects (answers, ledger, metrics); this module only decides.
 */

export interface Channel extends JobTargeted {
  id: number;
  kind: 'standard' | 'extended';
  worker: string;
  extranonceIndex: number;
  extranoncePrefix: Uint8Array;
  difficulty: number;
  /** The target of the last SetTarget (or the open): what jobs sent from now on carry. */
  target: bigint;
  /** 2^256 / client max_target: the channel's difficulty never goes below it. */
  minDifficultyByClient: number;
  vardiff: VardiffState;
  batcher: ShareBatcher;
  openedAtMs: number;
  acceptedShares: number;
  acceptedDifficulty: number;
  /**
   * Workers other than `worker` that shares on this channel were credited to (extension
   * 0x0002 TLVs) → time of the last such share; what the API shows as their online channels.
   * Made on the first such share; bounded (see `noteCreditedWorker`).
   */
  creditedWorkers?: Map<string, number>;
  /** 0x4CCB DeclareWorker: worker_id → name, for shares that carry a worker_id TLV. */
  declaredWorkers?: Map<number, string>;
  /**
   * Why `accounts.mode` refuses to credit the channel's own name (an error code), when it does:
   * such a channel (a proxy's) carries only shares of declared workers.
   */
  nameRefusal?: AccountRefusal;
}

/** A TLV-credited worker counts as online on a channel this long after its last share. */
export const CREDITED_ONLINE_MS = 600_000;
/** Most TLV names one channel remembers (an aggregating translator has ≤ 65,536 miners). */
export const MAX_CREDITED_WORKERS = 70_000;

/** Remembers that `name` was credited a share on `ch` at `nowMs`, within the bound. */
export function noteCreditedWorker(ch: Channel, name: string, nowMs: number): void {
  let m = ch.creditedWorkers;
  if (!m) {
    m = new Map();
    ch.creditedWorkers = m;
  }
  if (!m.has(name) && m.size >= MAX_CREDITED_WORKERS) {
    for (const [k, at] of m) if (nowMs - at > CREDITED_ONLINE_MS) m.delete(k);
    // Still full of recent names: forget the longest-known one (insertion order).
    if (m.size >= MAX_CREDITED_WORKERS) m.delete(m.keys().next().value as string);
  }
  m.set(name, nowMs);
}

export type ShareOutcome =
  | 'accepted'
  | 'block'
  | 'invalid-channel-id'
  | 'invalid-job-id'
  | 'stale-share'
  | 'duplicate-share'
  | 'difficulty-too-low'
  | 'bad-extranonce-size'
  /** Extension 0x0002: the user_identity TLV is longer than 32 bytes (spec: reject the message). */
  | 'invalid-user-identity'
  /** 0x4CCB: the worker_id TLV names no worker declared on the channel (or is not 4 bytes). */
  | 'unknown-worker-id'
  /** accounts.mode `address`: the share would be credited to a name that is not an address. */
  | 'not-an-address'
  /** accounts.mode `registered`: the share would be credited to a name nobody registered. */
  | 'unregistered-name';

/** Why `accounts.mode` refuses a name (account-policy.ts). */
export type AccountRefusal = 'not-an-address' | 'unregistered-name';

/**
 * Why an Open*MiningChannel must be refused (the OpenMiningChannel.Error code), or null.
 * Capacity limits are the Session's business; these are the request's own faults.
 */
export function openChannelRefusal(
  m: OpenStandardMiningChannel | OpenExtendedMiningChannel,
  ckbNegotiated: boolean,
  maxTarget: bigint,
  networkTarget: bigint,
): string | null {
  if (!ckbNegotiated) return ErrorCodes.ckbExtensionRequired;
  if (m.type === 'OpenExtendedMiningChannel' && m.minExtranonceSize > DOWNSTREAM_EXTRANONCE_SIZE) {
    return ErrorCodes.minExtranonceSizeTooLarge;
  }
  if (!Number.isFinite(m.nominalHashRate) || m.nominalHashRate < 0) return ErrorCodes.invalidNominalHashrate;
  if (m.userIdentity.length > 255 || hasControlChars(m.userIdentity)) return ErrorCodes.invalidUserIdentity;
  // A max_target harder than a block would make the channel miss blocks.
  if (maxTarget === 0n || maxTarget < networkTarget) return ErrorCodes.maxTargetOutOfRange;
  return null;
}

/** The share target for a difficulty: never harder than the network, never easier than max_target. */
export function channelTargetFor(
  difficulty: number,
  networkTarget: bigint,
  maxTarget: bigint = MAX_U256,
): bigint {
  const t = shareTargetForDifficulty(difficulty, networkTarget);
  return t > maxTarget ? maxTarget : t;
}

/**
 * The target fields of a new channel: its jobs carry `target` until the first SetTarget. `st`
 * is `shareTarget(target)`, made by the caller (target-memo.ts shares one between channels).
 */
export function openingTargetFields(
  target: bigint,
  st: ShareTarget,
): Pick<Channel, 'target' | 'shareTarget' | 'jobTargets'> {
  return { target, shareTarget: st, jobTargets: openingEpochs(st) };
}

/**
 * Moves the channel to `target` (a SetTarget): jobs sent from now on carry it; jobs already
 * sent keep the target they were sent with (job-targets.ts).
 */
export function applyTarget(ch: Channel, target: bigint): void {
  ch.target = target;
  ch.shareTarget = shareTarget(target);
}

/** Outcomes decided by whom a share would be credited to, before it is judged. */
export type WorkerRefusal = 'invalid-user-identity' | 'unknown-worker-id' | AccountRefusal;

export type ShareVerdict =
  | { outcome: Exclude<ShareOutcome, 'accepted' | 'block' | WorkerRefusal> }
  | { outcome: 'accepted' | 'block'; job: Job; nonce16: Uint8Array; difficulty: number };

/**
 * Judges one share in the profile's order: channel, job (unknown → invalid-job-id, retired →
 * stale-share), nonce size, target (the one in force when the job was sent to the channel,
 * however long ago: SetTarget applies to later jobs only), duplicate (remembered only when
 * everything else passed). A share that also meets the network target is a block; the
 * difficulty credited is the job target's. `outWords` is scratch space (8 words).
 */
export function judgeShare(
  chain: Chain,
  jobs: Pick<JobBook, 'lookup'>,
  ch: Channel | undefined,
  m: SubmitSharesCkb,
  outWords: Uint32Array,
): ShareVerdict {
  if (!ch) return { outcome: 'invalid-channel-id' };
  const found = jobs.lookup(m.jobId);
  if (found.kind === 'unknown') return { outcome: 'invalid-job-id' };
  if (found.kind === 'stale') return { outcome: 'stale-share' };
  const job = found.job;
  if (ch.extranoncePrefix.length + m.nonceSuffix.length !== CKB_NONCE_SIZE)
    return { outcome: 'bad-extranonce-size' };
  const nonce16 = new Uint8Array(CKB_NONCE_SIZE);
  nonce16.set(ch.extranoncePrefix, 0);
  nonce16.set(m.nonceSuffix, ch.extranoncePrefix.length);
  const out = powOutputWords(chain, job, nonce16, outWords);
  const target = targetOfJob(ch, job.id);
  if (!powWordsMeetTarget(out, target.words)) return { outcome: 'difficulty-too-low' };
  const dup = job.nonces.checkAndAdd(nonce16);
  if (dup === 'duplicate') return { outcome: 'duplicate-share' };
  // A job whose duplicate memory is full accepts nothing more: never count a share twice.
  if (dup === 'full') return { outcome: 'stale-share' };
  const isBlock = powWordsMeetTarget(out, job.networkTargetWords);
  return { outcome: isBlock ? 'block' : 'accepted', job, nonce16, difficulty: target.difficulty };
}
