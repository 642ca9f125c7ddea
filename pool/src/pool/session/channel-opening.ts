import { MAX_U256 } from '../../ckb/target.js';
import {
  type CloseChannel,
  DOWNSTREAM_EXTRANONCE_SIZE,
  ErrorCodes,
  type OpenExtendedMiningChannel,
  type OpenStandardMiningChannel,
} from '../../sv2/messages/index.js';
import { initialDifficulty, newVardiffState } from '../../vardiff/vardiff.js';
import { ShareBatcher } from '../batching.js';
import { type Channel, channelTargetFor, openChannelRefusal } from '../channel.js';
import { noteRequestedMaxTarget } from '../channel-tally.js';
import { type PeerAccount, type PeerLimitReason, TOO_MANY_WORKER_NAMES } from '../peer-limits.js';
import { parseMaxTarget, targetFields, targetLe } from '../target-memo.js';
import type { WorkerNameHolds } from '../worker-holds.js';
import type { ChannelVardiff } from './channel-vardiff.js';
import { type SessionWire, sendJob } from './context.js';
import type { ShareAcks } from './share-acks.js';
import { releaseDeclaredWorkers } from './worker-declarations.js';

/**
 * The mining subprotocol's channel lifetime for one connection: OpenStandardMiningChannel and
 * OpenExtendedMiningChannel (each channel a 4-byte extranonce_prefix inside one group channel),
 * CloseChannel, and what a channel holds while it lives — its nonce space, a channel slot and a
 * worker-name slot of the connection and of its IP, and a place in the vardiff wheel.
 */
export class SessionChannels {
  /**
   * The group channel every channel of this connection belongs to: 0 until the first opens, and
   * always 0 on a REQUIRES_STANDARD_JOBS connection (no group channel).
   */
  groupChannelId = 0;
  private nextChannelId = 1;

  constructor(
    private readonly wire: SessionWire,
    /** This connection's open channels by id (shared with share submission and acks). */
    readonly byId: Map<number, Channel>,
    private readonly workerNames: WorkerNameHolds,
    /** This connection's share of its IP's limits (peer-limits.ts). */
    private readonly peer: PeerAccount,
    private readonly vardiff: ChannelVardiff,
    private readonly acks: ShareAcks,
    /** Counts a limit that refused something of this connection. */
    private readonly limited: (reason: PeerLimitReason) => void,
  ) {}

  /**
   * Opens a channel (the session has checked that 0x4CCB is negotiated). `standardJobsOnly`:
   * the client set REQUIRES_STANDARD_JOBS ("unable to process extended jobs"), so it gets no
   * extended channel and no group channel (group_channel_id 0, as SRI's pool answers), and
   * every job is addressed to its channel.
   */
  open(m: OpenStandardMiningChannel | OpenExtendedMiningChannel, o: { standardJobsOnly: boolean }): void {
    const { ctx } = this.wire;
    const job = ctx.jobs.current;
    const networkTarget = job?.networkTarget ?? MAX_U256;
    const { target: maxTarget, minDifficulty: minByClient } = parseMaxTarget(m.maxTarget);
    const refusal =
      o.standardJobsOnly && m.type === 'OpenExtendedMiningChannel'
        ? ErrorCodes.extendedChannelsNotSupportedForStandardJobs
        : openChannelRefusal(m, true, maxTarget, networkTarget);
    if (refusal) {
      this.openError(m.requestId, refusal);
      return;
    }
    const worker = m.userIdentity || 'anonymous';
    const refused = this.reserve(worker);
    if (refused) {
      this.limited(refused);
      const nameLimit = refused === 'worker_names_per_connection' || refused === 'worker_names_per_ip';
      this.openError(m.requestId, nameLimit ? TOO_MANY_WORKER_NAMES : ErrorCodes.channelCapacityExhausted);
      return;
    }
    const index = ctx.allocator.allocate();
    if (index === null) {
      this.unreserve(worker);
      this.openError(m.requestId, ErrorCodes.channelCapacityExhausted);
      return;
    }
    if (this.groupChannelId === 0 && !o.standardJobsOnly) this.groupChannelId = this.nextChannelId++;
    const channel = this.newChannel(m, worker, index, maxTarget, minByClient);
    // accounts.mode: a channel under a name the pool does not credit still opens (a proxy's
    // first channel, before its miners have names) but carries only declared workers' shares.
    const nameRefusal = ctx.accounts?.refusal(worker);
    if (nameRefusal) channel.nameRefusal = nameRefusal;
    this.byId.set(channel.id, channel);
    noteRequestedMaxTarget(channel, maxTarget);
    ctx.metrics.channels.inc();
    if (ctx.channelActivity) ctx.channelActivity.opened += 1;
    this.vardiff.schedule(channel);
    this.sendOpened(m.requestId, channel);
    // The new channel gets the current job at once, addressed to itself.
    if (job) sendJob(this.wire.transport, job, channel.id, true);
  }

  private newChannel(
    m: OpenStandardMiningChannel | OpenExtendedMiningChannel,
    worker: string,
    index: number,
    maxTarget: bigint,
    minByClient: number,
  ): Channel {
    const { config, allocator, jobs } = this.wire.ctx;
    const now = this.wire.ctx.now();
    const job = jobs.current;
    const difficulty = initialDifficulty(
      m.nominalHashRate,
      config.vardiff.initialDifficulty,
      config.vardiff,
      job?.networkDifficulty ?? 0,
      minByClient,
    );
    const target = channelTargetFor(difficulty, job?.networkTarget ?? MAX_U256, maxTarget);
    return {
      id: this.nextChannelId++,
      kind: m.type === 'OpenStandardMiningChannel' ? 'standard' : 'extended',
      worker,
      extranonceIndex: index,
      extranoncePrefix: allocator.prefixFor(index),
      difficulty,
      ...targetFields(target),
      minDifficultyByClient: minByClient,
      vardiff: newVardiffState(difficulty, now),
      batcher: new ShareBatcher(config.shares.batchMaxCount, config.shares.batchMaxDelayMs),
      openedAtMs: now,
      acceptedShares: 0,
      acceptedDifficulty: 0,
    };
  }

  private sendOpened(requestId: number, channel: Channel): void {
    const { transport, log } = this.wire;
    const common = {
      requestId,
      channelId: channel.id,
      target: targetLe(channel.target),
      extranoncePrefix: channel.extranoncePrefix,
      groupChannelId: this.groupChannelId,
    };
    if (channel.kind === 'standard') {
      transport.send({ type: 'OpenStandardMiningChannelSuccess', ...common });
    } else {
      transport.send({
        type: 'OpenExtendedMiningChannelSuccess',
        ...common,
        extranonceSize: DOWNSTREAM_EXTRANONCE_SIZE,
      });
    }
    // Debug only: a flood of opens must not become a flood of log lines (the server logs a
    // count once a minute).
    if (log.isLevelEnabled('debug'))
      log.debug(
        {
          channel: channel.id,
          kind: channel.kind,
          worker: channel.worker,
          prefix: Buffer.from(channel.extranoncePrefix).toString('hex'),
          difficulty: channel.difficulty,
        },
        'channel opened',
      );
  }

  private openError(requestId: number, errorCode: string): void {
    this.wire.transport.send({ type: 'OpenMiningChannelError', requestId, errorCode });
  }

  /** Takes the slots a new channel under `worker` needs: channel and name, connection then IP. */
  private reserve(worker: string): PeerLimitReason | null {
    if (this.byId.size >= this.wire.ctx.config.sv2.maxChannelsPerConnection) return 'channels_per_connection';
    const nameRefused = this.workerNames.hold(worker);
    if (nameRefused) return nameRefused;
    const channelRefused = this.peer.openChannel();
    if (channelRefused) this.workerNames.release(worker);
    return channelRefused;
  }

  private unreserve(worker: string): void {
    this.peer.closeChannel();
    this.workerNames.release(worker);
  }

  /** CloseChannel: one channel, or every channel when it names the group. */
  close(m: CloseChannel): void {
    if (this.groupChannelId !== 0 && m.channelId === this.groupChannelId) {
      for (const ch of [...this.byId.values()]) this.remove(ch, m.reasonCode);
      return;
    }
    const ch = this.byId.get(m.channelId);
    if (ch) this.remove(ch, m.reasonCode);
  }

  private remove(ch: Channel, reason: string): void {
    this.acks.flush(ch);
    this.release(ch);
    this.wire.log.debug({ channel: ch.id, reason }, 'channel closed');
  }

  /** The connection is gone: every channel gives back what it holds. */
  releaseAll(): void {
    for (const ch of [...this.byId.values()]) this.release(ch);
  }

  /** Gives back everything a channel holds: its nonce space, its slots, its wheel entry. */
  private release(ch: Channel): void {
    const { ctx } = this.wire;
    this.byId.delete(ch.id);
    ctx.allocator.release(ch.extranonceIndex);
    ctx.metrics.channels.dec();
    this.vardiff.unschedule(ch);
    this.unreserve(ch.worker);
    releaseDeclaredWorkers(ch, this.workerNames);
    if (ctx.channelActivity) ctx.channelActivity.closed += 1;
  }
}
