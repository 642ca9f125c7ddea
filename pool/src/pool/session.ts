import type { Logger } from 'pino';
import {
  ErrorCodes,
  type RequestExtensions,
  SETUP_REQUIRES_STANDARD_JOBS,
  SETUP_REQUIRES_WORK_SELECTION,
  type SetupConnection,
  type SubmitSharesCkb,
  type Sv2Message,
} from '../sv2/messages/index.js';
import { clampDifficulty } from '../vardiff/vardiff.js';
import type { Channel, ShareOutcome } from './channel.js';
import { clientMaxTarget } from './channel-tally.js';
import { noteJobSent } from './job-targets.js';
import type { Job } from './jobs.js';
import { type PeerAccount, type PeerLimitReason, UNLIMITED_PEER } from './peer-limits.js';
import { BitcoinWork } from './session/bitcoin-work.js';
import { SessionChannels } from './session/channel-opening.js';
import { updateChannel } from './session/channel-update.js';
import { ChannelVardiff } from './session/channel-vardiff.js';
import { type SessionContext, type SessionTransport, type SessionWire, sendJob } from './session/context.js';
import { CustomJobs } from './session/custom-jobs.js';
import { answerRequestExtensions, REQUIRED_EXTENSION_RETRY_MS } from './session/extensions.js';
import { answerSetupConnection } from './session/setup-connection.js';
import { ShareAcks } from './session/share-acks.js';
import { ShareSubmission } from './session/share-submission.js';
import { WorkerDeclarations } from './session/worker-declarations.js';
import { WorkerNameHolds } from './worker-holds.js';

export type { Channel, ShareOutcome } from './channel.js';
export type { FoundBlock, SessionContext, SessionTransport, VardiffTask } from './session/context.js';

/**
 * One SV2 connection's protocol state, independent of sockets and Noise: it receives decoded
 * messages and answers through `SessionTransport` (docs/protocol.md §3). `handle` is the one
 * dispatcher; each subprotocol has its handler module under `session/`, as SRI's roles have one
 * handler per subprotocol: setup-connection (common), extensions (0x0001 negotiation of 0x4CCB
 * and 0x0002), channel-opening and channel-update (mining channels in one group channel),
 * share-submission (0x4CCB SubmitSharesCkb, 0x0002 user_identity TLVs) with share-acks (batched
 * SubmitShares.Success), bitcoin-work (the errors Bitcoin-shaped shares and custom jobs get),
 * worker-declarations (0x4CCB DeclareWorker), custom-jobs (SetCustomCkbMiningJob when a JDS runs)
 * and channel-vardiff (SetTarget). Mining messages need 0x4CCB: a connection that uses them without
 * it is disconnected (extension 0x0001), after an OpenMiningChannel.Error saying why.
 */
export class Session {
  state: 'setup' | 'ready' | 'closed' = 'setup';
  setupFlags = 0;
  ckbNegotiated = false;
  /** Extension 0x0002 negotiated: SubmitSharesCkb may carry a user_identity TLV. */
  workerHashrateNegotiated = false;
  lastActivityMs: number;
  vendor = '';
  private readonly wire: SessionWire;
  private readonly chans: SessionChannels;
  private readonly vardiff: ChannelVardiff;
  private readonly acks: ShareAcks;
  private readonly shares: ShareSubmission;
  private readonly bitcoin: BitcoinWork;
  private readonly custom: CustomJobs;
  /** Armed while a RequestExtensions.Error left 0x4CCB missing: the client must ask again. */
  private extensionRetry: NodeJS.Timeout | null = null;
  private readonly declarations: WorkerDeclarations;

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
    const workerNames = new WorkerNameHolds(ctx.config.limits.maxWorkerNamesPerConnection, peer);
    const limited = (reason: PeerLimitReason) => this.limited(reason);
    this.wire = { ctx, transport, log };
    this.vardiff = new ChannelVardiff(this.wire, this);
    const channels = new Map<number, Channel>();
    const workSelection = () => (this.setupFlags & SETUP_REQUIRES_WORK_SELECTION) !== 0;
    this.custom = new CustomJobs(this.wire, channels, workSelection);
    this.acks = new ShareAcks(this.wire, channels);
    this.chans = new SessionChannels(
      this.wire,
      channels,
      workerNames,
      peer,
      this.vardiff,
      this.acks,
      limited,
    );
    this.shares = new ShareSubmission(
      this.wire,
      {
        id,
        channels,
        workerHashrateNegotiated: () => this.workerHashrateNegotiated,
        limited,
        jobs: this.custom,
      },
      workerNames,
      this.vardiff,
      this.acks,
    );
    this.bitcoin = new BitcoinWork(this.wire, channels, this.acks);
    this.declarations = new WorkerDeclarations(this.wire, channels, workerNames, limited);
  }

  /** This connection's open channels by id. */
  get channels(): ReadonlyMap<number, Channel> {
    return this.chans.byId;
  }

  /** The group channel every channel of this connection belongs to (0 until the first opens). */
  get groupChannelId(): number {
    return this.chans.groupChannelId;
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
    if (!this.ckbNegotiated && MINING_REQUESTS.has(msg.type)) {
      this.refuseWithoutCkb(msg);
      return;
    }
    switch (msg.type) {
      case 'RequestExtensions':
        this.onRequestExtensions(msg);
        return;
      case 'OpenStandardMiningChannel':
      case 'OpenExtendedMiningChannel':
        this.chans.open(msg, { standardJobsOnly: (this.setupFlags & SETUP_REQUIRES_STANDARD_JOBS) !== 0 });
        return;
      case 'SubmitSharesStandard':
      case 'SubmitSharesExtended':
        this.bitcoin.submit(msg);
        return;
      case 'SetCustomMiningJob':
        if (this.ctx.jd) this.custom.refuseBitcoin(msg);
        else this.bitcoin.customJob(msg, this.chans.groupChannelId);
        return;
      case 'SetCustomCkbMiningJob': // docs/job-declaration-ckb.md §6
        if (this.ctx.jd) this.custom.set(msg);
        else this.bitcoin.customJob(msg, this.chans.groupChannelId);
        return;
      case 'SubmitSharesCkb':
        this.shares.submit(msg);
        return;
      case 'DeclareWorker':
        this.declarations.declare(msg);
        return;
      case 'UpdateChannel':
        updateChannel(this.wire, this.chans.byId, this.vardiff, msg);
        return;
      case 'CloseChannel':
        this.chans.close(msg);
        return;
      case 'SetupConnection':
        this.fail('SetupConnection sent twice');
        return;
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
      case 'DeclareWorkerSuccess':
      case 'DeclareWorkerError':
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
      // Job declaration (docs/job-declaration-ckb.md): JD connections are not served here yet.
      case 'AllocateMiningJobToken':
      case 'AllocateMiningJobTokenSuccess':
      case 'DeclareMiningJob':
      case 'DeclareMiningJobSuccess':
      case 'DeclareMiningJobError':
      case 'ProvideMissingTransactions':
      case 'ProvideMissingTransactionsSuccess':
      case 'PushSolution':
      case 'DeclareCkbMiningJob':
      case 'PushCkbSolution':
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
    const reply = answerSetupConnection(m, this.ctx.jd !== undefined);
    if (reply.type === 'SetupConnectionError') {
      this.ctx.metrics.handshakes.inc({ outcome: 'setup_error' });
      this.transport.send(reply);
      this.transport.close(`SetupConnection.Error ${reply.errorCode}`);
      return;
    }
    this.setupFlags = m.flags;
    this.vendor = m.vendor;
    this.state = 'ready';
    this.ctx.metrics.handshakes.inc({ outcome: 'ok' });
    this.log.info({ vendor: m.vendor, firmware: m.firmware, flags: m.flags }, 'connection set up');
    this.transport.send(reply);
  }

  private onRequestExtensions(m: RequestExtensions): void {
    const before = { ckb: this.ckbNegotiated, workerHashrate: this.workerHashrateNegotiated };
    const { reply, negotiated } = answerRequestExtensions(m, before);
    this.ckbNegotiated = negotiated.ckb;
    this.workerHashrateNegotiated = negotiated.workerHashrate;
    this.transport.send(reply);
    if (this.ckbNegotiated) this.stopExtensionRetry();
    else if (!this.extensionRetry) {
      // The client may ask again with 0x4CCB; one that does not is disconnected.
      this.extensionRetry = setTimeout(() => {
        this.extensionRetry = null;
        this.fail('required extension 0x4CCB not negotiated');
      }, REQUIRED_EXTENSION_RETRY_MS);
      this.extensionRetry.unref?.();
    }
  }

  private stopExtensionRetry(): void {
    if (this.extensionRetry) clearTimeout(this.extensionRetry);
    this.extensionRetry = null;
  }

  /**
   * A mining message before 0x4CCB was negotiated: the client went on without the extension the
   * pool requires, so the connection ends. A channel open first hears why.
   */
  private refuseWithoutCkb(msg: Sv2Message): void {
    if (msg.type === 'OpenStandardMiningChannel' || msg.type === 'OpenExtendedMiningChannel') {
      this.transport.send({
        type: 'OpenMiningChannelError',
        requestId: msg.requestId,
        errorCode: ErrorCodes.ckbExtensionRequired,
      });
    }
    this.fail(`${msg.type} without the required extension 0x4CCB`);
  }

  /**
   * Sends a new job: one message to the group channel, or one per channel when the client
   * asked for standard jobs (REQUIRES_STANDARD_JOBS). Channels whose difficulty is now above
   * the network's are clamped first, so the job carries the clamped target; each channel
   * remembers the target the job carries (job-targets.ts). Returns the number of messages written.
   */
  broadcastJob(job: Job): number {
    const channels = this.chans.byId;
    if (this.state !== 'ready' || channels.size === 0) return 0;
    this.custom.onPoolJob(job);
    const oldestValid = this.ctx.jobs.oldestValidId();
    for (const ch of channels.values()) {
      // A channel already at its client's max_target cannot follow an easier network.
      const easier = ch.target < job.networkTarget && ch.target < clientMaxTarget(ch);
      if (ch.difficulty > job.networkDifficulty || easier) {
        const clamped = clampDifficulty(ch.difficulty, this.ctx.config.vardiff, job.networkDifficulty);
        this.vardiff.setDifficulty(ch, clamped, job);
      }
      noteJobSent(ch, job.id, oldestValid);
    }
    if ((this.setupFlags & SETUP_REQUIRES_STANDARD_JOBS) !== 0) {
      for (const ch of channels.values()) sendJob(this.transport, job, ch.id, job.clean);
      return channels.size;
    }
    sendJob(this.transport, job, this.chans.groupChannelId, job.clean);
    return 1;
  }

  /** Validates one share; answers errors at once and successes batched. Returns the outcome. */
  onSubmit(m: SubmitSharesCkb): ShareOutcome {
    return this.shares.submit(m);
  }

  /** Sends every batch whose delay has run out; re-arms for the rest. */
  flushDueBatches(): void {
    if (this.state === 'closed') return;
    this.acks.flushDue();
  }

  /** The vardiff wheel's periodic check of one channel (its window has ended). */
  vardiffDue(ch: Channel, now: number): void {
    if (this.state !== 'ready' || this.chans.byId.get(ch.id) !== ch) return;
    this.vardiff.due(ch, now);
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
    this.acks.flushAll();
  }

  /** The connection is gone: release channels and timers. Idempotent. */
  closed(): void {
    if (this.state === 'closed') return;
    this.stopExtensionRetry();
    this.chans.releaseAll();
    this.peer.leave();
    this.state = 'closed';
    this.acks.stop();
  }
}

/** Client messages of the mining subprotocol: each needs the CKB extension 0x4CCB negotiated. */
const MINING_REQUESTS: ReadonlySet<Sv2Message['type']> = new Set<Sv2Message['type']>([
  'OpenStandardMiningChannel',
  'OpenExtendedMiningChannel',
  'UpdateChannel',
  'CloseChannel',
  'SubmitSharesStandard',
  'SubmitSharesExtended',
  'SubmitSharesCkb',
  'DeclareWorker',
  'SetCustomMiningJob',
  'SetCustomCkbMiningJob',
]);
