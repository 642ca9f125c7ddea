import { u256LeToTarget } from '../../ckb/target.js';
import type { Sv2Message } from '../messages/index.js';
import { InFlightShares, type ShareVerdict } from './in-flight.js';
import { type DeclareAnswer, PendingDeclarations } from './worker-declarations.js';

export interface UpstreamJob {
  epoch: number;
  /** The channel or group channel the job was addressed to. */
  channelId: number;
  jobId: number;
  clean: boolean;
  height: bigint;
  powHash: Uint8Array;
  parentHash: Uint8Array;
  compactTarget: number;
}

export interface OpenedChannel {
  epoch: number;
  channelId: number;
  groupChannelId: number;
  extranoncePrefix: Uint8Array;
  /** Rollable bytes after the prefix (12 in this profile). */
  extranonceSize: number;
  target: bigint;
}

/** Where the pool's messages on the current connection go (the client emits them as events). */
export interface UpstreamMessageSink {
  job(job: UpstreamJob): void;
  target(epoch: number, channelId: number, target: bigint): void;
  prefix(epoch: number, channelId: number, prefix: Uint8Array): void;
  closedChannel(epoch: number, channelId: number, reason: string): void;
  /** The pool asked us to reconnect (maintenance), maybe elsewhere: empty host / port 0 = same. */
  reconnect(newHost: string, newPort: number): void;
}

/** The pool's answer to a SetCustomCkbMiningJob: the job id it gave, or its error code. */
export type CustomJobAnswer = { ok: true; jobId: number } | { ok: false; code: string };

/** The declared job's fields SetCustomCkbMiningJob repeats (docs/job-declaration-ckb.md §8.1). */
export interface CustomJobFields {
  miningJobToken: Uint8Array;
  powHash: Uint8Array;
  parentHash: Uint8Array;
  number: bigint;
  compactTarget: number;
}

interface PendingOpen {
  resolve: (c: OpenedChannel) => void;
  reject: (e: Error) => void;
}

/**
 * The message side of an SV2 client connection: channel opens waiting for their answer, each
 * channel's share sequence numbers, shares waiting for their verdict (in-flight.ts), the newest
 * job per channel or group, and what every other pool message means to the owner. It knows
 * nothing about sockets, dialling or failover (upstream.ts): the client hands it the current
 * connection's `send` and `reset`s it when that connection ends.
 */
export class UpstreamChannels {
  private nextRequestId = 1;
  private readonly opens = new Map<number, PendingOpen>();
  private readonly seqs = new Map<number, number>();
  private readonly latestJobs = new Map<number, UpstreamJob>();
  /** Shares awaiting the current connection's answer. */
  private inFlight: InFlightShares;
  /** 0x4CCB worker declarations awaiting the current connection's answer. */
  private readonly declarations: PendingDeclarations;
  /** SetCustomCkbMiningJob requests awaiting SetCustomMiningJob.Success / .Error. */
  private readonly customJobs = new Map<number, (a: CustomJobAnswer) => void>();

  constructor(
    private readonly o: {
      /** A share without answer for this long is reported as an error. */
      shareTimeoutMs: number;
      /** A channel open without answer for this long fails. */
      openTimeoutMs: number;
      /** A worker declaration without answer for this long is `no-answer` (an older pool). */
      declareTimeoutMs?: number;
      /** A share timed out (the client checks whether a draining connection is done). */
      onShareTimeout: () => void;
    },
    private readonly sink: UpstreamMessageSink,
  ) {
    this.inFlight = this.newInFlight();
    this.declarations = new PendingDeclarations(o.declareTimeoutMs ?? 5_000);
  }

  private newInFlight(): InFlightShares {
    return new InFlightShares(this.o.shareTimeoutMs, this.o.onShareTimeout);
  }

  /** Handles one message of the current connection (epoch `epoch`). */
  handle(epoch: number, m: Sv2Message): void {
    if (this.inFlight.answer(m) || this.declarations.answer(m)) return;
    switch (m.type) {
      case 'OpenStandardMiningChannelSuccess':
      case 'OpenExtendedMiningChannelSuccess': {
        const p = this.takeOpen(m.requestId);
        if (!p) return;
        this.seqs.set(m.channelId, 0);
        p.resolve({
          epoch,
          channelId: m.channelId,
          groupChannelId: m.groupChannelId,
          extranoncePrefix: m.extranoncePrefix,
          extranonceSize:
            m.type === 'OpenExtendedMiningChannelSuccess' ? m.extranonceSize : 16 - m.extranoncePrefix.length,
          target: u256LeToTarget(m.target),
        });
        return;
      }
      case 'SetCustomMiningJobSuccess':
        this.takeCustom(m.requestId)?.({ ok: true, jobId: m.jobId });
        return;
      case 'SetCustomMiningJobError':
        this.takeCustom(m.requestId)?.({ ok: false, code: m.errorCode });
        return;
      case 'OpenMiningChannelError':
        this.takeOpen(m.requestId)?.reject(new Error(`OpenMiningChannel.Error ${m.errorCode}`));
        return;
      case 'NewCkbJob': {
        const job: UpstreamJob = {
          epoch,
          channelId: m.channelId,
          jobId: m.jobId,
          clean: m.cleanJobs,
          height: m.height,
          powHash: m.powHash,
          parentHash: m.parentHash,
          compactTarget: m.compactTarget,
        };
        this.latestJobs.set(m.channelId, job);
        this.sink.job(job);
        return;
      }
      case 'SetTarget':
        this.sink.target(epoch, m.channelId, u256LeToTarget(m.maximumTarget));
        return;
      case 'SetExtranoncePrefix':
        this.sink.prefix(epoch, m.channelId, m.extranoncePrefix);
        return;
      case 'CloseChannel':
        this.inFlight.failChannel(m.channelId, 'channel-closed');
        this.sink.closedChannel(epoch, m.channelId, m.reasonCode);
        return;
      case 'Reconnect':
        this.sink.reconnect(m.newHost, m.newPort);
        return;
      default:
        return;
    }
  }

  private takeOpen(requestId: number): PendingOpen | undefined {
    const p = this.opens.get(requestId);
    this.opens.delete(requestId);
    return p;
  }

  private takeCustom(requestId: number): ((a: CustomJobAnswer) => void) | undefined {
    const p = this.customJobs.get(requestId);
    this.customJobs.delete(requestId);
    return p;
  }

  /**
   * Announces a declared job on an extended channel (SetCustomCkbMiningJob, JD clients only)
   * and resolves with the pool's answer; `no-answer` after `openTimeoutMs`.
   */
  setCustomJob(
    send: (m: Sv2Message) => void,
    channelId: number,
    job: CustomJobFields,
  ): Promise<CustomJobAnswer> {
    if (!this.seqs.has(channelId)) return Promise.resolve({ ok: false, code: 'upstream-lost' });
    const requestId = this.nextRequestId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        if (this.customJobs.delete(requestId)) resolve({ ok: false, code: 'no-answer' });
      }, this.o.openTimeoutMs);
      timer.unref?.();
      this.customJobs.set(requestId, (a) => {
        clearTimeout(timer);
        resolve(a);
      });
      send({ type: 'SetCustomCkbMiningJob', channelId, requestId, ...job });
    });
  }

  /**
   * The newest job that applies to a channel: jobs can arrive in the same read as the
   * channel's Success, before the opener's promise continuation runs.
   */
  latestJob(channelId: number, groupChannelId: number): UpstreamJob | null {
    const a = this.latestJobs.get(channelId);
    const b = this.latestJobs.get(groupChannelId);
    if (a && b) return a.jobId >= b.jobId ? a : b;
    return a ?? b ?? null;
  }

  /** Sends a channel open and resolves with the pool's answer (rejects on refusal or timeout). */
  open(
    send: (m: Sv2Message) => void,
    kind: 'standard' | 'extended',
    userIdentity: string,
    nominalHashRate: number,
  ): Promise<OpenedChannel> {
    const requestId = this.nextRequestId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.opens.delete(requestId))
          reject(new Error('the pool did not answer the channel open in time'));
      }, this.o.openTimeoutMs);
      timer.unref?.();
      this.opens.set(requestId, {
        resolve: (c) => {
          clearTimeout(timer);
          resolve(c);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      const maxTarget = new Uint8Array(32).fill(0xff);
      if (kind === 'standard') {
        send({ type: 'OpenStandardMiningChannel', requestId, userIdentity, nominalHashRate, maxTarget });
      } else {
        send({
          type: 'OpenExtendedMiningChannel',
          requestId,
          userIdentity,
          nominalHashRate,
          maxTarget,
          minExtranonceSize: 12,
        });
      }
    });
  }

  /** Closes a channel: its shares in flight fail, and the pool is told. */
  close(send: (m: Sv2Message) => void, channelId: number): void {
    this.inFlight.failChannel(channelId, 'channel-closed');
    this.seqs.delete(channelId);
    send({ type: 'CloseChannel', channelId, reasonCode: 'downstream-closed' });
  }

  /**
   * Sends a share on an open channel with the channel's next sequence number and resolves with
   * the pool's verdict; a channel this connection did not open gets 'upstream-lost' at once.
   * `tlv` is appended when given (the caller checks that 0x0002 was negotiated).
   */
  submit(
    send: (m: Sv2Message) => void,
    channelId: number,
    jobId: number,
    nonceSuffix: Uint8Array,
    tlv?: Uint8Array,
  ): Promise<ShareVerdict> {
    const last = this.seqs.get(channelId);
    if (last === undefined) return Promise.resolve({ ok: false, code: 'upstream-lost' });
    const seq = (last + 1) >>> 0;
    this.seqs.set(channelId, seq);
    const verdict = this.inFlight.wait(channelId, seq);
    if (tlv) send({ type: 'SubmitSharesCkb', channelId, sequenceNumber: seq, jobId, nonceSuffix, tlv });
    else send({ type: 'SubmitSharesCkb', channelId, sequenceNumber: seq, jobId, nonceSuffix });
    return verdict;
  }

  /** Sends a 0x4CCB DeclareWorker on an open channel and resolves with the pool's answer. */
  declareWorker(
    send: (m: Sv2Message) => void,
    channelId: number,
    workerId: number,
    name: string,
  ): Promise<DeclareAnswer> {
    if (!this.seqs.has(channelId)) return Promise.resolve({ ok: false, code: 'upstream-lost' });
    const answer = this.declarations.wait(channelId, workerId);
    send({ type: 'DeclareWorker', channelId, workerId, name });
    return answer;
  }

  /**
   * The connection is being replaced (failback): opens fail with `reason`, channels and jobs
   * are forgotten, and the shares in flight are handed over to wait for the old pool's verdict.
   */
  handOver(reason: Error): InFlightShares {
    const shares = this.inFlight;
    this.inFlight = this.newInFlight();
    this.forget(reason);
    return shares;
  }

  /** The connection is gone: opens fail with `reason`, shares in flight with 'upstream-lost'. */
  reset(reason: Error): void {
    this.forget(reason);
    this.inFlight.failAll('upstream-lost');
  }

  private forget(reason: Error): void {
    this.declarations.failAll('upstream-lost');
    for (const answer of this.customJobs.values()) answer({ ok: false, code: 'upstream-lost' });
    this.customJobs.clear();
    for (const p of this.opens.values()) p.reject(reason);
    this.opens.clear();
    this.seqs.clear();
    this.latestJobs.clear();
  }
}
