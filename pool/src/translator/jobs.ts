import { powMidstate } from '../ckb/eaglesong.js';
import type { UpstreamJob } from '../sv2/client/upstream.js';

/**
 * The translator's jobs: each pool job (per connection epoch and upstream job id) gets a short
 * V1 job id (hex counter, unique over the translator's life, so ids never repeat across pool
 * restarts). A clean job makes every earlier job stale, as in the pool.
 */

export interface TranslatorJob {
  v1Id: string;
  epoch: number;
  upstreamJobId: number;
  ordinal: number;
  powHash: Uint8Array;
  midstate: Uint32Array;
  height: bigint;
  parentHash: Uint8Array;
  /** The network target, compact (a forwarded share meeting it is a block). */
  compactTarget?: number;
  /** Nonces of shares submitted on this job (shares.ts rememberShare), made on first use. */
  seen?: Set<string>;
}

export class TranslatorJobBook {
  private readonly byV1 = new Map<string, TranslatorJob>();
  /** Current epoch only, by upstream job id. */
  private readonly byUpstream = new Map<number, TranslatorJob>();
  private nextNumber = 1;
  private ordinal = 0;
  private lastCleanOrdinal = 0;

  constructor(private readonly maxJobs = 64) {}

  /** The job for a NewCkbJob (the same object when the pool re-sends a job to a new channel). */
  record(uj: UpstreamJob): { job: TranslatorJob; fresh: boolean } {
    const known = this.byUpstream.get(uj.jobId);
    if (known && known.epoch === uj.epoch) return { job: known, fresh: false };
    this.ordinal += 1;
    const job: TranslatorJob = {
      v1Id: (this.nextNumber++).toString(16),
      epoch: uj.epoch,
      upstreamJobId: uj.jobId,
      ordinal: this.ordinal,
      powHash: uj.powHash,
      midstate: powMidstate(uj.powHash),
      height: uj.height,
      parentHash: uj.parentHash,
      compactTarget: uj.compactTarget,
    };
    if (uj.clean) this.lastCleanOrdinal = this.ordinal;
    this.byV1.set(job.v1Id, job);
    this.byUpstream.set(uj.jobId, job);
    if (this.byV1.size > this.maxJobs) {
      const oldest = this.byV1.keys().next().value as string;
      const dropped = this.byV1.get(oldest) as TranslatorJob;
      this.byV1.delete(oldest);
      if (this.byUpstream.get(dropped.upstreamJobId) === dropped)
        this.byUpstream.delete(dropped.upstreamJobId);
    }
    return { job, fresh: true };
  }

  get(v1Id: string): TranslatorJob | undefined {
    return this.byV1.get(v1Id);
  }

  /** Stale: from an earlier pool connection, or older than the last clean job. */
  isStale(job: TranslatorJob, epoch: number): boolean {
    return job.epoch !== epoch || job.ordinal < this.lastCleanOrdinal;
  }

  /** A new pool connection: upstream job ids start over. */
  newEpoch(): void {
    this.byUpstream.clear();
  }

  /** True once the current connection has sent a job. */
  get hasCurrent(): boolean {
    return this.byUpstream.size > 0;
  }
}
