import { performance } from 'node:perf_hooks';
import type { Chain } from '../ckb/pow.js';
import { hexOfLength, V1Error } from '../stratum-v1/wire.js';
import type { UpstreamClient } from '../sv2/client/upstream.js';
import type { TokenBucket } from '../sv2/rate-limit.js';
import { bindingOf } from './channel-registry.js';
import type { TranslatorJobBook } from './jobs.js';
import type { TranslatorLimitReason } from './limits.js';
import type { TranslatorMetrics } from './metrics.js';
import type { MinerTargets } from './miner-targets.js';
import type { ShareTally } from './monitoring.js';
import { checkShare, rememberShare, verdictToV1 } from './shares.js';
import type { SubmitOutcome, V1Session } from './v1-session.js';
import { type Declared, refusalMessage, type WorkerIds } from './worker-ids.js';
import type { WorkerNames } from './worker-names.js';

export interface ShareRelayDeps {
  chain: Chain;
  jobs: TranslatorJobBook;
  upstream: Pick<UpstreamClient, 'epoch' | 'connected' | 'submit'>;
  metrics: Pick<TranslatorMetrics, 'shares' | 'localSeconds' | 'localShares'>;
  /** Each miner's target per job (the one its notify went out with). */
  targets: MinerTargets;
  /** Everything the miners together may send up the one pool connection they share. */
  upstreamBudget: TokenBucket;
  workerNames: WorkerNames;
  /** 0x4CCB long names: the worker_id a miner's shares carry on a channel under another name. */
  workerIds: WorkerIds;
  limited: (reason: TranslatorLimitReason) => void;
  /** Per-channel and per-miner counts for the monitoring API. */
  tally?: ShareTally;
}

/**
 * A V1 `mining.submit` from checks to the pool's verdict: the miner's own errors, the job and
 * channel still current, the share meeting the miner's target for that job, never a duplicate
 * sent upstream. A share that does not meet the pool channel's target is accepted here (the
 * miner's vardiff asked for it); one that does passes the upstream budget and the pool's
 * answer is exactly what the miner hears.
 */
export class ShareRelay {
  /** Shares answered true: by the pool, or here (`acceptedLocally` of them). */
  accepted = 0;
  acceptedLocally = 0;
  rejected = 0;

  constructor(private readonly d: ShareRelayDeps) {}

  async submit(s: V1Session, params: unknown[]): Promise<SubmitOutcome> {
    const t0 = performance.now();
    if (!s.subscribed) return this.reject(V1Error.notSubscribed, 'Not subscribed', 'not-subscribed');
    if (!s.user) return this.reject(V1Error.unauthorized, 'Unauthorized worker', 'unauthorized');
    if (params.length < 3 || typeof params[1] !== 'string') {
      return this.reject(
        V1Error.illegalParams,
        'Illegal params: ["user.worker", "job_id", "extranonce2"]',
        'params',
      );
    }
    const en2 = hexOfLength(params[2], s.extranonce2Size);
    if (!en2) {
      const message = `Illegal params: extranonce2 must be ${s.extranonce2Size * 2} hex characters`;
      return this.reject(V1Error.illegalParams, message, 'params');
    }
    const { jobs, upstream } = this.d;
    const job = jobs.get(params[1]);
    if (!job) return this.reject(V1Error.jobNotFound, 'Job not found', 'invalid-job-id');
    if (jobs.isStale(job, upstream.epoch))
      return this.reject(V1Error.jobNotFound, 'Stale share', 'stale-share');
    const ch = bindingOf(s).channel;
    if (!ch || ch.epoch !== job.epoch || !upstream.connected) {
      return this.reject(V1Error.jobNotFound, 'Job not found (pool connection lost)', 'upstream-lost');
    }
    const b = bindingOf(s);
    const jobTargets = this.d.targets.forJob(b.targets, job.v1Id);
    if (!jobTargets) return this.reject(V1Error.jobNotFound, 'Job not found', 'invalid-job-id');
    // Forwarded when it meets the channel's target for this job: the pool judges a share by
    // the target its job went out with (sv2-spec SetTarget; docs/protocol.md "Targets belong to
    // jobs"). Judging by a later, harder target too would answer true and credit nothing.
    const targets = { miner: jobTargets.miner, channel: jobTargets.channel };
    const checked = checkShare(this.d.chain, job, ch.prefix, targets, s.extranonce1, en2);
    if (!checked.ok) return this.reject(checked.code, checked.message, checked.reason);
    // Checked here so a miner replaying a share never sends the pool a duplicate.
    const seen = rememberShare(job, ch.prefix, checked.nonceSuffix);
    if (seen === 'duplicate') return this.reject(V1Error.duplicate, 'Duplicate share', 'duplicate-share');
    if (seen === 'full') return this.reject(V1Error.jobNotFound, 'Stale share (job full)', 'stale-share');
    this.d.targets.share(b.targets, jobTargets);
    if (!checked.forward) {
      this.accepted += 1;
      this.acceptedLocally += 1;
      this.d.metrics.localShares.inc();
      return { ok: true };
    }
    if (!this.d.upstreamBudget.take(performance.now())) {
      this.d.limited('upstream_busy');
      return this.reject(V1Error.other, 'translator busy: share not forwarded, keep mining', 'upstream_busy');
    }
    let tlv: Uint8Array | undefined;
    let workerIdTlv: Uint8Array | undefined;
    if (s.user !== ch.name) {
      const found = this.d.workerIds.declare(ch, s.user, s.log);
      const declared: Declared = found instanceof Promise ? await found : found;
      if (declared.kind === 'refused')
        return this.reject(V1Error.unauthorized, refusalMessage(declared.code), 'unauthorized');
      if (declared.kind === 'declared') workerIdTlv = declared.tail;
      else tlv = this.d.workerNames.tailFor(b, s.user, ch.name, s.log);
    }
    const pending = upstream.submit(
      ch.epoch,
      ch.channelId,
      job.upstreamJobId,
      checked.nonceSuffix,
      tlv,
      workerIdTlv,
    );
    this.d.metrics.localSeconds.observe((performance.now() - t0) / 1000);
    const verdict = await pending;
    this.d.tally?.verdict(s, ch, job, checked.powOutput, targets, verdict);
    if (verdict.ok) {
      this.accepted += 1;
      this.d.metrics.shares.inc({ outcome: 'accepted' });
      return { ok: true };
    }
    const r = verdictToV1(verdict.code);
    return this.reject(r.code, r.message, r.reason);
  }

  private reject(code: number, message: string, reason: string): SubmitOutcome {
    this.rejected += 1;
    this.d.metrics.shares.inc({ outcome: reason });
    return { ok: false, code, message };
  }
}
