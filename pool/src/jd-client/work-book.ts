/**
 * Which work the JD client's miners do, and what each job id they were sent stands for. Two
 * sources feed it: the pool's own jobs on the extended channel (NewCkbJob, sent also to
 * connections with REQUIRES_WORK_SELECTION) and the jobs the JD client declared and the pool
 * accepted (SetCustomMiningJob.Success). A declared job is preferred while its parent is the
 * newest one seen; a pool job on a newer parent replaces it at once (the miners never idle on
 * stale work), and so does any pool job when no declared job exists (the fallback of
 * docs/job-declaration-ckb.md §5).
 */
import { bytesToHex } from '../ckb/hex.js';
import type { LocalJob } from './local-job.js';
import type { DownstreamJob } from './miner-session.js';

export type JobSource = 'pool' | 'declared';

export interface Work {
  source: JobSource;
  /** The job id on the pool's extended channel (NewCkbJob's, or SetCustomMiningJob.Success's). */
  upstreamJobId: number;
  job: DownstreamJob;
  /** Declared work: the block this JD client built, and the JDS's token for it. */
  local?: LocalJob;
  token?: Uint8Array;
}

export interface WorkInput {
  source: JobSource;
  upstreamJobId: number;
  height: bigint;
  powHash: Uint8Array;
  parentHash: Uint8Array;
  compactTarget: number;
  local?: LocalJob;
  token?: Uint8Array;
}

/** Jobs kept answerable per parent (shares arrive a little after a new job). */
const MAX_JOBS = 64;

export class WorkBook {
  private nextJobId = 1;
  private readonly jobs = new Map<number, Work>();
  private current: Work | null = null;
  private latestPool: WorkInput | null = null;

  get active(): Work | null {
    return this.current;
  }

  job(jobId: number): Work | null {
    return this.jobs.get(jobId) ?? null;
  }

  /** A pool job arrived: the new active work, or null when a declared job on its parent stays. */
  poolJob(input: WorkInput): Work | null {
    this.latestPool = input;
    const cur = this.current;
    if (cur?.source === 'declared' && cur.job.height >= input.height) return null;
    return this.activate(input);
  }

  /** The pool accepted a declared job: the new active work, or null when it is already stale. */
  declaredJob(input: WorkInput): Work | null {
    const pool = this.latestPool;
    if (pool && pool.height > input.height) return null;
    return this.activate(input);
  }

  /** The declared work is no longer valid (a refusal, a lost JDS): back to the pool's job. */
  fallBack(): Work | null {
    if (this.current?.source !== 'declared' || !this.latestPool) return null;
    return this.activate(this.latestPool);
  }

  /** The pool connection was lost: every job id is void. */
  reset(): void {
    this.jobs.clear();
    this.current = null;
    this.latestPool = null;
  }

  private activate(input: WorkInput): Work {
    const clean = !this.current || bytesToHex(this.current.job.parentHash) !== bytesToHex(input.parentHash);
    if (clean) this.jobs.clear();
    const work: Work = {
      source: input.source,
      upstreamJobId: input.upstreamJobId,
      job: {
        jobId: this.nextJobId++,
        clean,
        height: input.height,
        powHash: input.powHash,
        parentHash: input.parentHash,
        compactTarget: input.compactTarget,
      },
      ...(input.local ? { local: input.local } : {}),
      ...(input.token ? { token: input.token } : {}),
    };
    while (this.jobs.size >= MAX_JOBS) this.jobs.delete(this.jobs.keys().next().value as number);
    this.jobs.set(work.job.jobId, work);
    this.current = work;
    return work;
  }
}
