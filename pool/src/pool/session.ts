import type { Logger } from 'pino';
import type { PoolMetrics } from '../api/metrics.js';
import { MAX_U256, targetToDifficulty, targetToU256Le, u256LeToTarget } from '../ckb/target.js';
import type { LedgerStore } from '../ledger/store.js';
import type {
  CloseChannel,
  OpenExtendedMiningChannel,
  OpenStandardMiningChannel,
  RequestExtensions,
  SetupConnection,
  SubmitSharesCkb,
  UpdateChannel,
} from '../sv2/messages/index.js';
import {
  DOWNSTREAM_EXTRANONCE_SIZE,
  ErrorCodes,
  EXTENSION_CKB,
  EXTENSION_WORKER_HASHRATE,
  PROTOCOL_MINING,
  SETUP_REQUIRES_STANDARD_JOBS,
  SETUP_REQUIRES_VERSION_ROLLING,
  SETUP_REQUIRES_WORK_SELECTION,
  SV2_VERSION,
  type Sv2Message,
} from '../sv2/messages/index.js';
import { shareWorker } from '../workers/names.js';
import { ShareBatcher } from './batching.js';
import {
  applyTarget,
  type Channel,
  channelTargetFor,
  judgeShare,
  noteCreditedWorker,
  openChannelRefusal,
  type ShareOutcome,
} from './channel.js';
import type { Chain, PoolConfig } from './config.js';
import type { DueWheel } from './due-wheel.js';
import type { ExtranonceAllocator } from './extranonce.js';
import type { HashrateTracker } from './hashrate.js';
import { type Job, type JobBook, newCkbJobFrame, newCkbJobMessage } from './jobs.js';
import {
  type PeerAccount,
  type PeerLimitReason,
  TOO_MANY_WORKER_NAMES,
  UNLIMITED_PEER,
} from './peer-limits.js';
import { parseMaxTarget, targetFields, targetLe } from './target-memo.js';
import { clampDifficulty, initialDifficulty, newVardiffState, recordShare, retarget } from './vardiff.js';
import { WorkerNameHolds } from './worker-holds.js';

export type { Channel, ShareOutcome } from './channel.js';

/**
 * One SV2 connection's protocol state, independent of sockets and Noise: it receives decoded
 * messages and answers through `SessionTransport`. Implements sv2-ckb.md §2–4: SetupConnection
 * flag rules, extension 0x4CCB negotiation, standard/extended channels with a 4-byte
 * extranonce_prefix in one group channel, vardiff via SetTarget, UpdateChannel, CloseChannel,
 * and SubmitSharesCkb validation with batched SubmitShares.Success. Extension 0x0002 (a
 * user_identity TLV on SubmitSharesCkb) credits a share to a worker inside the channel's
 * account (workers/names.ts); targets and vardiff stay per channel.
 */

export interface SessionTransport {
  send(msg: Sv2Message): void;
  /** Sends an already encoded plaintext frame (optional fast path for broadcasts). */
  sendFrame?(frame: Uint8Array): void;
  /** Closes the connection (after flushing what was sent). */
  close(reason: string): void;
}

export interface FoundBlock {
  job: Job;
  nonce16: Uint8Array;
  worker: string;
  shareDifficulty: number;
  connectionId: number;
  channelId: number;
}

export interface SessionContext {
  chain: Chain;
  config: PoolConfig;
  jobs: JobBook;
  allocator: ExtranonceAllocator;
  metrics: PoolMetrics;
  /** Where accepted and rejected shares go (the ledger, or an instance's owner). */
  ledger: Pick<LedgerStore, 'recordShare' | 'recordRejected'> | null;
  /** Rolling per-worker hashrate for the API (optional in unit tests). */
  hashrate?: HashrateTracker;
  now(): number;
  onBlockFound(found: FoundBlock): void;
  /**
   * Channels due for their periodic vardiff check (the server takes them each second). Without
   * it (unit tests) only shares retarget.
   */
  vardiffWheel?: DueWheel<VardiffTask>;
  /** Counts channel opens and closes for the server's once-a-minute summary line. */
  channelActivity?: { opened: number; closed: number };
}

/** One channel's entry in the vardiff wheel. */
export interface VardiffTask {
  session: Session;
  channel: Channel;
}

const SUPPORTED_EXTENSIONS = [EXTENSION_CKB, EXTENSION_WORKER_HASHRATE];

export class Session {
  state: 'setup' | 'ready' | 'closed' = 'setup';
  setupFlags = 0;
  ckbNegotiated = false;
  /** Extension 0x0002 negotiated: SubmitSharesCkb may carry a user_identity TLV. */
  workerHashrateNegotiated = false;
  readonly channels = new Map<number, Channel>();
  groupChannelId = 0;
  private nextChannelId = 1;
  private batchTimer: NodeJS.Timeout | null = null;
  private readonly outWords = new Uint32Array(8);
  lastActivityMs: number;
  vendor = '';
  private readonly workerNames: WorkerNameHolds;
  private readonly vardiffTasks = new Map<number, VardiffTask>();

  constructor(
    private readonly ctx: SessionContext,
    private readonly transport: SessionTransport,
    readonly id: number,
    readonly remote: string,
    readonly log: Logger,
    /** This connection's share of its IP's limits (peer-limits.ts). */
    private readonly peer: PeerAccount = UNLIMITED_PEER,
  ) {
    this.lastActivityMs = ctx.now();
    this.workerNames = new WorkerNameHolds(ctx.config.limits.maxWorkerNamesPerConnection, peer);
  }

  /** Counts a limit that refused something of this connection. */
  private limited(reason: PeerLimitReason): void {
    this.ctx.metrics.connectionsRejected.inc({ reason });
  }

  /** Handles one message from the client. Protocol violations close the connection. */
  handle(msg: Sv2Message): void {
    if (this.state === 'closed') return;
    this.lastActivityMs = this.ctx.now();
    if (this.state === 'setup') {
      if (msg.type !== 'SetupConnection') {
        this.fail(`expected SetupConnection, got ${msg.type}`);
        return;
      }
      this.onSetupConnection(msg);
      return;
    }
    switch (msg.type) {
      case 'RequestExtensions': {
        this.onRequestExtensions(msg);
        return;
      }
      case 'OpenStandardMiningChannel':
      case 'OpenExtendedMiningChannel': {
        this.onOpenChannel(msg);
        return;
      }
      case 'SubmitSharesCkb':
        this.onSubmit(msg);
        return;
      case 'UpdateChannel': {
        this.onUpdateChannel(msg);
        return;
      }
      case 'CloseChannel': {
        this.onCloseChannel(msg);
        return;
      }
      case 'SetupConnection': {
        this.fail('SetupConnection sent twice');
        return;
      }
      // Client messages outside the CKB profile (shares come as SubmitSharesCkb, no custom jobs).
      case 'SubmitSharesStandard':
      case 'SubmitSharesExtended':
      case 'SetCustomMiningJob':
      // Messages only a server sends.
      case 'SetupConnectionSuccess':
      case 'SetupConnectionError':
      case 'ChannelEndpointChanged':
      case 'Reconnect':
      case 'RequestExtensionsSuccess':
      case 'RequestExtensionsError':
      case 'OpenStandardMiningChannelSuccess':
      case 'OpenExtendedMiningChannelSuccess':
      case 'OpenMiningChannelError':
      case 'UpdateChannelError':
      case 'SetExtranoncePrefix':
      case 'SetTarget':
      case 'SetGroupChannel':
      case 'NewMiningJob':
      case 'NewExtendedMiningJob':
      case 'NewCkbJob':
      case 'SetNewPrevHash':
      case 'SubmitSharesSuccess':
      case 'SubmitSharesError':
      case 'SetCustomMiningJobSuccess':
      case 'SetCustomMiningJobError':
      // Template distribution: between a pool and a template provider, never from a miner.
      case 'CoinbaseOutputConstraints':
      case 'NewTemplate':
      case 'TdpSetNewPrevHash':
      case 'RequestTransactionData':
      case 'RequestTransactionDataSuccess':
      case 'RequestTransactionDataError':
      case 'SubmitSolution':
      case 'Unknown':
        // Log and ignore (the spec: unknown → continue).
        this.log.debug({ msg: msg.type }, 'ignored message');
        return;
      default: {
        // A message type added to Sv2Message without a case here fails to compile.
        const unhandled: never = msg;
        this.log.debug({ msg: (unhandled as Sv2Message).type }, 'ignored message');
      }
    }
  }

  private fail(reason: string): void {
    this.log.info({ reason }, 'closing connection: protocol violation');
    this.ctx.metrics.connectionsRejected.inc({ reason: 'protocol' });
    this.transport.close(reason);
  }

  private onSetupConnection(m: SetupConnection): void {
    const err = (flags: number, errorCode: string) => {
      this.ctx.metrics.handshakes.inc({ outcome: 'setup_error' });
      this.transport.send({ type: 'SetupConnectionError', flags, errorCode });
      this.transport.close(`SetupConnection.Error ${errorCode}`);
    };
    if (m.protocol !== PROTOCOL_MINING) {
      err(0, ErrorCodes.unsupportedProtocol);
      return;
    }
    if (m.minVersion > SV2_VERSION || m.maxVersion < SV2_VERSION) {
      err(0, ErrorCodes.protocolVersionMismatch);
      return;
    }
    const unsupported = m.flags & (SETUP_REQUIRES_WORK_SELECTION | SETUP_REQUIRES_VERSION_ROLLING);
    if (unsupported !== 0) {
      err(unsupported, ErrorCodes.unsupportedFeatureFlags);
      return;
    }
    this.setupFlags = m.flags;
    this.vendor = m.vendor;
    this.state = 'ready';
    this.ctx.metrics.handshakes.inc({ outcome: 'ok' });
    this.log.info({ vendor: m.vendor, firmware: m.firmware, flags: m.flags }, 'connection set up');
    this.transport.send({ type: 'SetupConnectionSuccess', usedVersion: SV2_VERSION, flags: 0 });
  }

  /**
   * Success lists the requested extensions we support; without 0x4CCB (required) the answer
   * is Error naming the unsupported ones and 0x4CCB, and nothing is negotiated.
   */
  private onRequestExtensions(m: RequestExtensions): void {
    const supported = m.requestedExtensions.filter((e) => SUPPORTED_EXTENSIONS.includes(e));
    if (supported.includes(EXTENSION_CKB) || (this.ckbNegotiated && supported.length > 0)) {
      this.ckbNegotiated = true;
      if (supported.includes(EXTENSION_WORKER_HASHRATE)) this.workerHashrateNegotiated = true;
      this.transport.send({
        type: 'RequestExtensionsSuccess',
        requestId: m.requestId,
        supportedExtensions: supported,
      });
    } else {
      this.transport.send({
        type: 'RequestExtensionsError',
        requestId: m.requestId,
        unsupportedExtensions: m.requestedExtensions.filter((e) => !SUPPORTED_EXTENSIONS.includes(e)),
        requiredExtensions: [EXTENSION_CKB],
      });
    }
  }

  private openError(requestId: number, errorCode: string): void {
    this.transport.send({ type: 'OpenMiningChannelError', requestId, errorCode });
  }

  /** Takes the slots a new channel under `worker` needs: channel and name, connection then IP. */
  private reserveChannel(worker: string): PeerLimitReason | null {
    if (this.channels.size >= this.ctx.config.sv2.maxChannelsPerConnection) return 'channels_per_connection';
    const nameRefused = this.workerNames.hold(worker);
    if (nameRefused) return nameRefused;
    const channelRefused = this.peer.openChannel();
    if (channelRefused) this.workerNames.release(worker);
    return channelRefused;
  }

  private unreserveChannel(worker: string): void {
    this.peer.closeChannel();
    this.workerNames.release(worker);
  }

  private onOpenChannel(m: OpenStandardMiningChannel | OpenExtendedMiningChannel): void {
    const { config, allocator, jobs, metrics } = this.ctx;
    const job = jobs.current;
    const networkTarget = job?.networkTarget ?? MAX_U256;
    const networkDifficulty = job?.networkDifficulty ?? 0;
    const { target: maxTarget, minDifficulty: minByClient } = parseMaxTarget(m.maxTarget);
    const refusal = openChannelRefusal(m, this.ckbNegotiated, maxTarget, networkTarget);
    if (refusal) {
      this.openError(m.requestId, refusal);
      return;
    }
    const worker = m.userIdentity || 'anonymous';
    const refused = this.reserveChannel(worker);
    if (refused) {
      this.limited(refused);
      const nameLimit = refused === 'worker_names_per_connection' || refused === 'worker_names_per_ip';
      this.openError(m.requestId, nameLimit ? TOO_MANY_WORKER_NAMES : ErrorCodes.channelCapacityExhausted);
      return;
    }
    const index = allocator.allocate();
    if (index === null) {
      this.unreserveChannel(worker);
      this.openError(m.requestId, ErrorCodes.channelCapacityExhausted);
      return;
    }
    if (this.groupChannelId === 0) this.groupChannelId = this.nextChannelId++;
    const now = this.ctx.now();
    const difficulty = initialDifficulty(
      m.nominalHashRate,
      config.vardiff.initialDifficulty,
      config.vardiff,
      networkDifficulty,
      minByClient,
    );
    const target = channelTargetFor(difficulty, networkTarget, maxTarget);
    const channel: Channel = {
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
    this.channels.set(channel.id, channel);
    metrics.channels.inc();
    if (this.ctx.channelActivity) this.ctx.channelActivity.opened += 1;
    this.scheduleVardiff(channel);
    const common = {
      requestId: m.requestId,
      channelId: channel.id,
      target: targetLe(target),
      extranoncePrefix: channel.extranoncePrefix,
      groupChannelId: this.groupChannelId,
    };
    if (channel.kind === 'standard') {
      this.transport.send({ type: 'OpenStandardMiningChannelSuccess', ...common });
    } else {
      this.transport.send({
        type: 'OpenExtendedMiningChannelSuccess',
        ...common,
        extranonceSize: DOWNSTREAM_EXTRANONCE_SIZE,
      });
    }
    // Debug only: a flood of opens must not become a flood of log lines (the server logs a
    // count once a minute).
    if (this.log.isLevelEnabled('debug'))
      this.log.debug(
        {
          channel: channel.id,
          kind: channel.kind,
          worker: channel.worker,
          prefix: Buffer.from(channel.extranoncePrefix).toString('hex'),
          difficulty,
        },
        'channel opened',
      );
    // The new channel gets the current job at once, addressed to itself.
    if (job) this.sendJob(job, channel.id, true);
  }

  private sendJob(job: Job, channelId: number, clean: boolean): void {
    if (this.transport.sendFrame) this.transport.sendFrame(newCkbJobFrame(job, channelId, clean));
    else this.transport.send(newCkbJobMessage(job, channelId, clean));
  }

  /**
   * Sends a new job: one message to the group channel, or one per channel when the client
   * asked for standard jobs (REQUIRES_STANDARD_JOBS). Channels whose difficulty is now above
   * the network's are clamped first. Returns the number of messages written.
   */
  broadcastJob(job: Job): number {
    if (this.state !== 'ready' || this.channels.size === 0) return 0;
    for (const ch of this.channels.values()) {
      if (ch.difficulty > job.networkDifficulty || ch.target < job.networkTarget) {
        this.setDifficulty(
          ch,
          clampDifficulty(ch.difficulty, this.ctx.config.vardiff, job.networkDifficulty),
          job,
        );
      }
    }
    if ((this.setupFlags & SETUP_REQUIRES_STANDARD_JOBS) !== 0) {
      for (const ch of this.channels.values()) this.sendJob(job, ch.id, job.clean);
      return this.channels.size;
    }
    this.sendJob(job, this.groupChannelId, job.clean);
    return 1;
  }

  private setDifficulty(ch: Channel, difficulty: number, job: Job | null): void {
    const networkTarget = job?.networkTarget ?? this.ctx.jobs.current?.networkTarget ?? MAX_U256;
    const target = channelTargetFor(difficulty, networkTarget);
    ch.difficulty = difficulty;
    ch.vardiff.difficulty = difficulty;
    if (target === ch.target) return;
    this.changeTarget(ch, target);
  }

  /** Switches the channel to `target` (old one kept for the grace period) and sends SetTarget. */
  private changeTarget(ch: Channel, target: bigint): void {
    applyTarget(ch, target, this.ctx.now());
    this.transport.send({ type: 'SetTarget', channelId: ch.id, maximumTarget: targetToU256Le(target) });
  }

  /** Validates one share; answers errors at once and successes batched. Returns the outcome. */
  onSubmit(m: SubmitSharesCkb): ShareOutcome {
    const ctx = this.ctx;
    const ch = this.channels.get(m.channelId);
    // Extension 0x0002: a TLV tail is read only when negotiated (else ignored, as the spec
    // says) and present, so plain shares pay one property check. null = refuse the share.
    const worker =
      ch && m.tlv !== undefined && this.workerHashrateNegotiated ? this.tlvWorker(ch, m.tlv) : ch?.worker;
    const outcome = worker === null ? 'invalid-user-identity' : this.judge(m, ch, worker);
    ctx.metrics.share(outcome);
    if (outcome === 'accepted' || outcome === 'block') return outcome;
    if (ch) {
      ctx.ledger?.recordRejected(worker ?? ch.worker, ctx.now());
      // Keep acknowledgements in order: flush accepted shares before the error.
      this.flushChannel(ch);
    }
    this.transport.send({
      type: 'SubmitSharesError',
      channelId: m.channelId,
      sequenceNumber: m.sequenceNumber,
      errorCode: outcome,
    });
    return outcome;
  }

  /**
   * The worker a share with a 0x0002 TLV is credited to (null: refuse the share). A name new to
   * this connection takes a worker-name slot for as long as the connection lives; when none is
   * left the share is credited to the channel's own worker.
   */
  private tlvWorker(ch: Channel, tlv: Uint8Array): string | null {
    const name = shareWorker(ch.worker, tlv);
    if (name === null || name === ch.worker || this.workerNames.has(name)) return name;
    const refused = this.workerNames.hold(name);
    if (refused === null) return name;
    this.limited(refused);
    return ch.worker;
  }

  /** Judges a share and, when accepted, credits it to `worker` (the channel's, or its TLV's). */
  private judge(m: SubmitSharesCkb, ch: Channel | undefined, worker: string | undefined): ShareOutcome {
    const ctx = this.ctx;
    const now = ctx.now();
    const v = judgeShare(ctx.chain, ctx.jobs, ch, m, now, this.outWords);
    if (!('job' in v) || !ch) return v.outcome;
    const name = worker ?? ch.worker;
    const { job, difficulty } = v;
    const nonce = v.nonce16;
    const isBlock = v.outcome === 'block';
    ch.acceptedShares += 1;
    ch.acceptedDifficulty += difficulty;
    ctx.metrics.acceptedDifficulty.inc(difficulty);
    ctx.ledger?.recordShare({ worker: name, difficulty, timeMs: now, height: Number(job.height) });
    ctx.hashrate?.record(name, difficulty, now);
    if (name !== ch.worker) noteCreditedWorker(ch, name, now);
    recordShare(ch.vardiff, difficulty);
    this.scheduleVardiff(ch);
    const batch = ch.batcher.add(m.sequenceNumber, difficulty, now);
    if (isBlock) {
      this.log.info(
        { channel: ch.id, worker: name, height: job.height.toString(), job: job.id },
        'block found',
      );
      ctx.onBlockFound({
        job,
        nonce16: nonce,
        worker: name,
        shareDifficulty: difficulty,
        connectionId: this.id,
        channelId: ch.id,
      });
    }
    if (batch) this.sendSuccess(ch.id, batch);
    else if (isBlock) this.flushChannel(ch);
    else this.armBatchTimer();
    this.maybeRetarget(ch, now);
    return isBlock ? 'block' : 'accepted';
  }

  private sendSuccess(
    channelId: number,
    b: { lastSequenceNumber: number; newSubmitsAcceptedCount: number; newSharesSum: bigint },
  ): void {
    this.transport.send({ type: 'SubmitSharesSuccess', channelId, ...b });
  }

  private flushChannel(ch: Channel): void {
    const b = ch.batcher.take();
    if (b) this.sendSuccess(ch.id, b);
  }

  private armBatchTimer(): void {
    if (this.batchTimer) return;
    const delay = this.ctx.config.shares.batchMaxDelayMs;
    this.batchTimer = setTimeout(() => {
      this.batchTimer = null;
      this.flushDueBatches();
    }, delay);
    this.batchTimer.unref?.();
  }

  /** Sends every batch whose delay has run out; re-arms for the rest. */
  flushDueBatches(): void {
    if (this.state === 'closed') return;
    const now = this.ctx.now();
    let pending = false;
    for (const ch of this.channels.values()) {
      const due = ch.batcher.dueAt();
      if (due === null) continue;
      if (due <= now + 1) this.flushChannel(ch);
      else pending = true;
    }
    if (pending) this.armBatchTimer();
  }

  /** Retargets when vardiff says so; true when the difficulty changed. */
  private maybeRetarget(ch: Channel, now: number): boolean {
    const networkDifficulty = this.ctx.jobs.current?.networkDifficulty ?? 0;
    const d = retarget(ch.vardiff, now, this.ctx.config.vardiff, networkDifficulty, ch.minDifficultyByClient);
    if (d === null) return false;
    this.log.debug({ channel: ch.id, difficulty: d }, 'vardiff');
    this.setDifficulty(ch, d, null);
    return true;
  }

  /** Puts the channel in the vardiff wheel for the end of its window (if not there yet). */
  private scheduleVardiff(ch: Channel): void {
    const wheel = this.ctx.vardiffWheel;
    if (!wheel) return;
    let task = this.vardiffTasks.get(ch.id);
    if (task && wheel.has(task)) return;
    if (!task) {
      task = { session: this, channel: ch };
      this.vardiffTasks.set(ch.id, task);
    }
    wheel.schedule(task, ch.vardiff.windowStartMs + this.ctx.config.vardiff.retargetPeriodSeconds * 1000);
  }

  private unscheduleVardiff(ch: Channel): void {
    const task = this.vardiffTasks.get(ch.id);
    if (!task) return;
    this.vardiffTasks.delete(ch.id);
    this.ctx.vardiffWheel?.unschedule(task);
  }

  /**
   * The wheel's periodic check of one channel (its window has ended). A channel stays in the
   * wheel while there is something to learn — it submitted, or being quiet lowered it — and
   * leaves it when quiet changes nothing more (at its floor): an idle channel then costs no
   * CPU until its next accepted share puts it back.
   */
  vardiffDue(ch: Channel, now: number): void {
    if (this.state !== 'ready' || this.channels.get(ch.id) !== ch) return;
    const periodMs = this.ctx.config.vardiff.retargetPeriodSeconds * 1000;
    if (now - ch.vardiff.windowStartMs < periodMs) {
      // A burst retarget restarted the window since: check again at its end.
      this.scheduleVardiff(ch);
      return;
    }
    const submitted = ch.vardiff.windowShares > 0;
    const changed = this.maybeRetarget(ch, now);
    if (submitted || changed) this.scheduleVardiff(ch);
  }

  private onUpdateChannel(m: UpdateChannel): void {
    const ch = this.channels.get(m.channelId);
    if (!ch) {
      this.transport.send({
        type: 'UpdateChannelError',
        channelId: m.channelId,
        errorCode: ErrorCodes.invalidChannelId,
      });
      return;
    }
    if (!Number.isFinite(m.nominalHashRate) || m.nominalHashRate < 0) {
      this.transport.send({
        type: 'UpdateChannelError',
        channelId: m.channelId,
        errorCode: ErrorCodes.invalidNominalHashrate,
      });
      return;
    }
    const maxTarget = u256LeToTarget(m.maximumTarget);
    const job = this.ctx.jobs.current;
    // A maximum target harder than a block would make the channel miss blocks: refuse it.
    if (maxTarget === 0n || (job && maxTarget < job.networkTarget)) {
      this.transport.send({
        type: 'UpdateChannelError',
        channelId: m.channelId,
        errorCode: ErrorCodes.maxTargetOutOfRange,
      });
      return;
    }
    ch.minDifficultyByClient = Number(targetToDifficulty(maxTarget));
    let d = ch.difficulty;
    if (m.nominalHashRate > 0) {
      d = initialDifficulty(
        m.nominalHashRate,
        ch.difficulty,
        this.ctx.config.vardiff,
        job?.networkDifficulty ?? 0,
        ch.minDifficultyByClient,
      );
    } else {
      d = clampDifficulty(d, this.ctx.config.vardiff, job?.networkDifficulty ?? 0, ch.minDifficultyByClient);
    }
    ch.vardiff = newVardiffState(d, this.ctx.now());
    // The spec: a maximum_target below the current target must be answered with SetTarget ≤ it.
    const networkTarget = job?.networkTarget ?? MAX_U256;
    const target = channelTargetFor(d, networkTarget, maxTarget);
    ch.difficulty = d;
    if (target !== ch.target) this.changeTarget(ch, target);
  }

  private onCloseChannel(m: CloseChannel): void {
    if (m.channelId === this.groupChannelId) {
      for (const ch of [...this.channels.values()]) this.removeChannel(ch, m.reasonCode);
      return;
    }
    const ch = this.channels.get(m.channelId);
    if (ch) this.removeChannel(ch, m.reasonCode);
  }

  private removeChannel(ch: Channel, reason: string): void {
    this.flushChannel(ch);
    this.releaseChannel(ch);
    this.log.debug({ channel: ch.id, reason }, 'channel closed');
  }

  /** Gives back everything a channel holds: its nonce space, its slots, its wheel entry. */
  private releaseChannel(ch: Channel): void {
    this.channels.delete(ch.id);
    this.ctx.allocator.release(ch.extranonceIndex);
    this.ctx.metrics.channels.dec();
    this.unscheduleVardiff(ch);
    this.unreserveChannel(ch.worker);
    if (this.ctx.channelActivity) this.ctx.channelActivity.closed += 1;
  }

  /** Asks the client to reconnect (maintenance), after acknowledging pending shares. */
  sendReconnect(newHost = '', newPort = 0): void {
    if (this.state !== 'ready') return;
    this.flushAcks();
    this.transport.send({ type: 'Reconnect', newHost, newPort });
  }

  /** Acknowledges now every accepted share still waiting in a batch (shutdown: none may be left unsaid). */
  flushAcks(): void {
    if (this.state !== 'ready') return;
    for (const ch of this.channels.values()) this.flushChannel(ch);
  }

  /** The connection is gone: release channels and timers. Idempotent. */
  closed(): void {
    if (this.state === 'closed') return;
    for (const ch of [...this.channels.values()]) this.releaseChannel(ch);
    this.peer.leave();
    this.state = 'closed';
    if (this.batchTimer) clearTimeout(this.batchTimer);
    this.batchTimer = null;
  }
}
