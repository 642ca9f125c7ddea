import type { Logger } from 'pino';
import type { PoolMetrics } from '../api/metrics.js';
import { outboundBatch } from '../sv2/outbound-batch.js';
import { type Job, type JobBook, makeJob } from './jobs.js';
import type { SessionRegistry } from './session-registry.js';
import type { TemplateEvent } from './templates.js';

/**
 * New templates → jobs → every session. One broken connection never keeps a job from the
 * others; the first job of a run also resubmits blocks the previous run left pending, and each
 * clean job asks the block submitter to look for confirmations below it.
 */

export interface FanoutSession {
  readonly log: Pick<Logger, 'warn' | 'error'>;
  /** Sends the job to the session's channels; returns how many messages were written. */
  broadcastJob(job: Job): number;
}

export interface FanoutSubmitter {
  checkConfirmations(tip: bigint): Promise<void>;
  resubmitUnresolved(tip: bigint | null): Promise<number>;
}

export type FanoutMetrics = Pick<PoolMetrics, 'jobs' | 'poolHeight' | 'jobBroadcastSeconds'> & {
  lastTemplateAtMs: number;
};

export interface JobFanoutDeps<S extends FanoutSession> {
  jobs: JobBook;
  registry: SessionRegistry<S>;
  submitter: FanoutSubmitter;
  metrics: FanoutMetrics;
  log: Pick<Logger, 'info' | 'error'>;
  maxDuplicateEntriesPerJob: number;
  /** Called after every job: templates flow, so the node may be synced again. */
  onJob?: (job: Job) => void;
  now?: () => number;
}

export class JobFanout<S extends FanoutSession> {
  private resubmitted = false;
  private waiters: Array<(j: Job) => void> = [];
  private readonly now: () => number;

  constructor(private readonly d: JobFanoutDeps<S>) {
    this.now = d.now ?? Date.now;
  }

  /** The template source's callback. */
  readonly onTemplate = (ev: TemplateEvent): void => {
    const { jobs, metrics } = this.d;
    const job = makeJob(
      ev.jobId ?? jobs.nextId(),
      ev.block,
      ev.clean,
      ev.receivedAtMs,
      this.d.maxDuplicateEntriesPerJob,
    );
    jobs.add(job);
    metrics.jobs.inc({ kind: ev.clean ? 'clean' : 'update' });
    metrics.lastTemplateAtMs = this.now();
    metrics.poolHeight.set(Number(job.height));
    const written = this.broadcast(job);
    const latency = (this.now() - ev.receivedAtMs) / 1000;
    if (written > 0) metrics.jobBroadcastSeconds.observe(latency);
    this.d.log.info(
      {
        job: job.id,
        height: job.height.toString(),
        clean: ev.clean,
        source: ev.source,
        messages: written,
        latencyMs: Math.round(latency * 1000),
      },
      'new job',
    );
    this.afterJob(job, ev.clean);
  };

  /** Resolves with the current job, or the next one within `timeoutMs`. */
  waitForJob(timeoutMs = 10_000): Promise<Job> {
    const current = this.d.jobs.current;
    if (current) return Promise.resolve(current);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no job within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push((j) => {
        clearTimeout(t);
        resolve(j);
      });
    });
  }

  /**
   * Seals the job for every session, then writes them all (outbound-batch.ts); only then are
   * socket buffers worth checking for clients that do not read.
   */
  private broadcast(job: Job): number {
    const { registry } = this.d;
    const written = outboundBatch.run(() => {
      let n = 0;
      for (const s of registry.sessions) {
        try {
          n += s.broadcastJob(job);
        } catch (err) {
          // One broken connection must not keep the job from the others.
          s.log.error({ err: (err as Error).message }, 'job broadcast failed; closing');
          registry.close(s, 'internal error');
        }
      }
      return n;
    });
    for (const s of registry.sessions) registry.checkBackpressure(s);
    return written;
  }

  private afterJob(job: Job, clean: boolean): void {
    const { submitter } = this.d;
    if (clean) void submitter.checkConfirmations(job.height - 1n);
    if (!this.resubmitted) {
      this.resubmitted = true;
      submitter.resubmitUnresolved(job.height - 1n).then(
        (n) => {
          if (n > 0) this.d.log.info({ blocks: n }, 'resubmitting blocks left pending by the last run');
        },
        (err: unknown) =>
          this.d.log.error({ err: (err as Error).message }, 'could not read pending blocks to resubmit'),
      );
    }
    for (const w of this.waiters.splice(0)) w(job);
    this.d.onJob?.(job);
  }
}
