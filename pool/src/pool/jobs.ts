import {
  eaglesongPow,
  eaglesongPowInto,
  nonceToWords,
  powMidstate,
  powWordsToBytes,
} from '../ckb/eaglesong.js';
import { ckbhash } from '../ckb/hash.js';
import {
  compactToTarget,
  meetsTarget,
  powWordsMeetTarget,
  targetToBeWords,
  targetToDifficulty,
} from '../ckb/target.js';
import type { TemplateBlock } from '../ckb/template.js';
import { encodeMessage, type NewCkbJob } from '../sv2/messages/index.js';
import type { Chain } from './config.js';
import { JobNonceSet } from './duplicates.js';

/**
 * Jobs: one per template the pool hands out. A job keeps what share validation needs (the
 * Eaglesong midstate after absorbing pow_hash, the network target) and the assembled template
 * block for submission. The JobBook holds the valid jobs of the current tip: a new tip retires
 * all of them (clean), a template update adds one and retires the oldest beyond `maxPastJobs`.
 */

export interface Job {
  /** Pool-wide increasing id (so it is unique and increasing on every channel too). */
  id: number;
  height: bigint;
  parentHash: Uint8Array;
  powHash: Uint8Array;
  midstate: Uint32Array;
  compactTarget: number;
  networkTarget: bigint;
  /** networkTarget as big-endian words, for `powWordsMeetTarget`. */
  networkTargetWords: Uint32Array;
  /** 2^256 / network target, as a float for vardiff clamps and PPLNS windows. */
  networkDifficulty: number;
  /** True when this job started a new tip. */
  clean: boolean;
  /** The template block, for submit_block. */
  block: TemplateBlock;
  /** Time (ms) the triggering push/poll answer arrived from the node, for the broadcast metric. */
  receivedAtMs: number;
  createdAtMs: number;
  /** Accepted nonces (duplicate detection); dropped with the job. */
  nonces: JobNonceSet;
  /**
   * Encoded NewCkbJob frames by (channel id, clean): most connections address the job to
   * the same group channel id, so a broadcast encodes once and only encrypts per connection.
   */
  frames: Map<number, Uint8Array>;
  /** 'declared': a miner's own block, accepted by the JDS (docs/job-declaration-ckb.md §6); else the pool's template. */
  source?: 'declared';
}

export function makeJob(
  id: number,
  block: TemplateBlock,
  clean: boolean,
  receivedAtMs: number,
  maxDuplicateEntries: number,
  nowMs = Date.now(),
): Job {
  const networkTarget = compactToTarget(block.rawHeader.compactTarget);
  return {
    id,
    height: block.rawHeader.number,
    parentHash: block.rawHeader.parentHash,
    powHash: block.powHash,
    midstate: powMidstate(block.powHash),
    compactTarget: block.rawHeader.compactTarget,
    networkTarget,
    networkTargetWords: targetToBeWords(networkTarget),
    networkDifficulty: Number(targetToDifficulty(networkTarget)),
    clean,
    block,
    receivedAtMs,
    createdAtMs: nowMs,
    nonces: new JobNonceSet(maxDuplicateEntries),
    frames: new Map(),
  };
}

/** The 32-byte PoW output of a nonce for a job (testnet adds ckbhash, docs/protocol.md §3 "Nonce layout"). */
export function powOutput(chain: Chain, job: Pick<Job, 'midstate'>, nonce16: Uint8Array): Uint8Array {
  const out = eaglesongPow(job.midstate, nonce16);
  return chain === 'testnet' ? ckbhash(out) : out;
}

export { meetsTarget, powWordsMeetTarget, targetToBeWords };

/** The NewCkbJob message of a job for one channel (or group channel). */
export function newCkbJobMessage(job: Job, channelId: number, clean: boolean): NewCkbJob {
  return {
    type: 'NewCkbJob',
    channelId,
    jobId: job.id,
    cleanJobs: clean,
    height: job.height,
    powHash: job.powHash,
    parentHash: job.parentHash,
    compactTarget: job.compactTarget,
  };
}

/** Frames cached per job; past this, further channel ids are patched copies (see below). */
const MAX_CACHED_FRAMES = 64;
/** NewCkbJob's channel_id: the payload's first field, a U32 LE right after the 6-byte header. */
const CHANNEL_ID_OFFSET = 6;

/**
 * The encoded NewCkbJob frame, cached on the job: nearly every connection addresses the job to
 * the same group channel id, so a broadcast encodes once and only seals per connection. A
 * connection with many standard channels gets, past the cache, a copy of a cached frame with
 * only channel_id rewritten (the one field that differs) instead of a full encode.
 */
export function newCkbJobFrame(job: Job, channelId: number, clean: boolean): Uint8Array {
  const key = channelId * 2 + (clean ? 1 : 0);
  const cached = job.frames.get(key);
  if (cached) return cached;
  if (job.frames.size < MAX_CACHED_FRAMES) {
    const f = encodeMessage(newCkbJobMessage(job, channelId, clean));
    job.frames.set(key, f);
    return f;
  }
  const like = job.frames.get(job.frames.keys().next().value as number) as Uint8Array;
  const f = Buffer.allocUnsafe(like.length);
  f.set(like);
  // cleanJobs is the byte after channel_id and job_id; the cached frame may differ in it too.
  f[CHANNEL_ID_OFFSET + 8] = clean ? 1 : 0;
  f.writeUInt32LE(channelId, CHANNEL_ID_OFFSET);
  return f;
}

const nonceWordsScratch = new Uint32Array(4);

/**
 * The PoW output of a nonce as the 8 output words `powWordsMeetTarget` compares (word j =
 * bytes 4j..4j+3 little-endian), written into `out`. No allocation on mainnet and dev, which
 * is the share-validation hot path: one Eaglesong permutation from the job's midstate.
 */
export function powOutputWords(
  chain: Chain,
  job: Pick<Job, 'midstate'>,
  nonce16: Uint8Array,
  out: Uint32Array,
): Uint32Array {
  eaglesongPowInto(job.midstate, nonceToWords(nonce16, nonceWordsScratch), out);
  if (chain === 'testnet') {
    const h = ckbhash(powWordsToBytes(out));
    for (let j = 0; j < 8; j++) {
      out[j] = (h[j * 4 + 3] << 24) | (h[j * 4 + 2] << 16) | (h[j * 4 + 1] << 8) | h[j * 4];
    }
  }
  return out;
}

export type JobLookup = { kind: 'valid'; job: Job } | { kind: 'stale' } | { kind: 'unknown' };

/** Remembered retired job ids, so a late share gets 'stale-share' rather than 'invalid-job-id'. */
const RETIRED_MEMORY = 256;

export class JobBook {
  private readonly valid = new Map<number, Job>();
  private readonly retired = new Set<number>();
  private currentJob: Job | null = null;
  private lastId = 0;

  constructor(readonly maxPastJobs: number) {}

  get current(): Job | null {
    return this.currentJob;
  }

  /** The next job id (ids only grow, across tips). */
  nextId(): number {
    this.lastId = this.lastId >= 0xffff_ffff ? 1 : this.lastId + 1;
    return this.lastId;
  }

  /** Makes `job` current. Clean: every earlier job is retired. Returns the retired jobs. */
  add(job: Job): Job[] {
    const gone: Job[] = [];
    if (job.clean) {
      for (const j of this.valid.values()) gone.push(j);
      this.valid.clear();
    }
    this.valid.set(job.id, job);
    while (this.valid.size > this.maxPastJobs) {
      const oldest = this.valid.keys().next().value as number;
      gone.push(this.valid.get(oldest) as Job);
      this.valid.delete(oldest);
    }
    for (const j of gone) this.retire(j.id);
    this.currentJob = job;
    return gone;
  }

  private retire(id: number): void {
    this.retired.add(id);
    if (this.retired.size > RETIRED_MEMORY) {
      this.retired.delete(this.retired.values().next().value as number);
    }
  }

  lookup(jobId: number): JobLookup {
    const job = this.valid.get(jobId);
    if (job) return { kind: 'valid', job };
    return this.retired.has(jobId) ? { kind: 'stale' } : { kind: 'unknown' };
  }

  /** The id of the oldest job still valid (0 when there is none). */
  oldestValidId(): number {
    const first = this.valid.keys().next();
    return first.done ? 0 : first.value;
  }

  validJobs(): Job[] {
    return [...this.valid.values()];
  }
}
