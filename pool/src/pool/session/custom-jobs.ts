import { bytesToHex0x } from '../../ckb/hex.js';
import {
  ErrorCodes,
  JdErrorCodes,
  type SetCustomCkbMiningJob,
  type SetCustomMiningJob,
} from '../../sv2/messages/index.js';
import type { Channel } from '../channel.js';
import { noteJobSent } from '../job-targets.js';
import type { Job, JobLookup } from '../jobs.js';
import type { SessionWire } from './context.js';

/** Retired custom job ids remembered, so a late share is 'stale-share', not 'invalid-job-id'. */
const RETIRED_MEMORY = 64;

/**
 * SetCustomCkbMiningJob on a connection that set REQUIRES_WORK_SELECTION while the pool runs a
 * JDS (docs/job-declaration-ckb.md §6): the declared job becomes a job of this connection,
 * judged and credited like the pool's own, and stale like them when the tip moves. The Bitcoin
 * SetCustomMiningJob is answered `unsupported-job-format`. Without a JDS the session answers
 * both through bitcoin-work.ts instead.
 */
export class CustomJobs {
  private readonly byId = new Map<number, Job>();
  private readonly retired = new Set<number>();

  constructor(
    private readonly wire: SessionWire,
    private readonly channels: ReadonlyMap<number, Channel>,
    /** The connection's SetupConnection set REQUIRES_WORK_SELECTION. */
    private readonly workSelection: () => boolean,
  ) {}

  /** Looks a job id up among this connection's custom jobs, then the pool's. */
  readonly lookup = (jobId: number): JobLookup => {
    const job = this.byId.get(jobId);
    if (job) return { kind: 'valid', job };
    if (this.retired.has(jobId)) return { kind: 'stale' };
    return this.wire.ctx.jobs.lookup(jobId);
  };

  /** The Bitcoin-shaped SetCustomMiningJob: a CKB JDS takes only SetCustomCkbMiningJob. */
  refuseBitcoin(m: Pick<SetCustomMiningJob, 'channelId' | 'requestId'>): void {
    this.error(m, JdErrorCodes.unsupportedJobFormat);
  }

  set(m: SetCustomCkbMiningJob): void {
    const { transport, log } = this.wire;
    const found = this.judge(m);
    if ('errorCode' in found) {
      this.error(m, found.errorCode);
      return;
    }
    const { job, channel } = found;
    this.byId.set(job.id, job);
    noteJobSent(channel, job.id, this.wire.ctx.jobs.oldestValidId());
    log.info({ channel: channel.id, job: job.id, height: job.height.toString() }, 'declared job set');
    transport.send({
      type: 'SetCustomMiningJobSuccess',
      channelId: m.channelId,
      requestId: m.requestId,
      jobId: job.id,
    });
  }

  /** The job SetCustomCkbMiningJob names, on the channel it names, or the Error code (§6). */
  private judge(m: SetCustomCkbMiningJob): { job: Job; channel: Channel } | { errorCode: string } {
    const { ctx } = this.wire;
    if (!ctx.jd || !this.workSelection()) return { errorCode: JdErrorCodes.workSelectionNotNegotiated };
    const channel = this.channels.get(m.channelId);
    if (!channel) return { errorCode: ErrorCodes.invalidChannelId };
    if (channel.kind !== 'extended') return { errorCode: JdErrorCodes.standardChannelsNotSupported };
    const tip = ctx.jobs.current;
    if (!tip) return { errorCode: JdErrorCodes.staleParent };
    const found = ctx.jd.customJob(m, bytesToHex0x(tip.parentHash), channel.worker);
    return found.ok ? { job: found.job, channel } : { errorCode: found.errorCode };
  }

  /** A pool job was sent: a new tip retires every custom job on another parent. */
  onPoolJob(job: Job): void {
    // Every session hears every new tip: one without custom jobs must cost nothing here.
    if (!job.clean || this.byId.size === 0) return;
    const parent = bytesToHex0x(job.parentHash);
    for (const [id, custom] of this.byId) {
      if (bytesToHex0x(custom.parentHash) === parent) continue;
      this.byId.delete(id);
      this.retired.add(id);
      if (this.retired.size > RETIRED_MEMORY)
        this.retired.delete(this.retired.values().next().value as number);
    }
  }

  private error(m: { channelId: number; requestId: number }, errorCode: string): void {
    this.wire.transport.send({
      type: 'SetCustomMiningJobError',
      channelId: m.channelId,
      requestId: m.requestId,
      errorCode,
    });
  }
}
