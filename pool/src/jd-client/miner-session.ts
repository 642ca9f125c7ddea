/**
 * One of the JD client's own miners (an SV2 device, the CPU miner, or the translator for V1
 * devices) on the JD client's mining listener: SetupConnection, 0x4CCB, channel opens, jobs and
 * shares. Channels are the JD client's (ids, extranonce prefixes, targets come from the hub);
 * shares are judged by the hub, which relays them to the pool.
 */
import { targetToU256Le } from '../ckb/target.js';
import type { Sv2Connection } from '../sv2/connection.js';
import {
  ErrorCodes,
  EXTENSION_CKB,
  PROTOCOL_MINING,
  SV2_VERSION,
  type Sv2Message,
} from '../sv2/messages/index.js';

/** A job as the JD client's miners see it. */
export interface DownstreamJob {
  jobId: number;
  clean: boolean;
  height: bigint;
  powHash: Uint8Array;
  parentHash: Uint8Array;
  compactTarget: number;
}

export interface OpenedMinerChannel {
  channelId: number;
  extranoncePrefix: Uint8Array;
  /** Bytes the miner rolls after the prefix. */
  extranonceSize: number;
  target: bigint;
}

export type ShareAnswer = { ok: true; difficulty: bigint } | { ok: false; code: string };

/** What the JD client offers its miners. */
export interface MinerHub {
  openChannel(userIdentity: string): OpenedMinerChannel | { error: string };
  closeChannel(channelId: number): void;
  currentJob(): DownstreamJob | null;
  share(channelId: number, jobId: number, nonceSuffix: Uint8Array): Promise<ShareAnswer>;
}

export class MinerSession {
  private setUp = false;
  readonly channels = new Set<number>();

  constructor(
    private readonly conn: Pick<Sv2Connection, 'send' | 'close'>,
    private readonly hub: MinerHub,
  ) {}

  handle(m: Sv2Message): void {
    if (m.type === 'SetupConnection') {
      if (
        this.setUp ||
        m.protocol !== PROTOCOL_MINING ||
        m.minVersion > SV2_VERSION ||
        m.maxVersion < SV2_VERSION
      ) {
        const errorCode =
          m.protocol !== PROTOCOL_MINING ? ErrorCodes.unsupportedProtocol : 'protocol-version-mismatch';
        this.conn.send({ type: 'SetupConnectionError', flags: 0, errorCode });
        this.conn.close('local-close', errorCode);
        return;
      }
      this.setUp = true;
      this.conn.send({ type: 'SetupConnectionSuccess', usedVersion: SV2_VERSION, flags: 0 });
      return;
    }
    if (!this.setUp) {
      this.conn.close('local-close', `${m.type} before SetupConnection`);
      return;
    }
    switch (m.type) {
      case 'RequestExtensions': {
        const ok = m.requestedExtensions.includes(EXTENSION_CKB);
        this.conn.send(
          ok
            ? {
                type: 'RequestExtensionsSuccess',
                requestId: m.requestId,
                supportedExtensions: [EXTENSION_CKB],
              }
            : {
                type: 'RequestExtensionsError',
                requestId: m.requestId,
                unsupportedExtensions: m.requestedExtensions.filter((x) => x !== EXTENSION_CKB),
                requiredExtensions: [EXTENSION_CKB],
              },
        );
        return;
      }
      case 'OpenStandardMiningChannel':
      case 'OpenExtendedMiningChannel':
        this.open(m.type === 'OpenExtendedMiningChannel', m.requestId, m.userIdentity);
        return;
      case 'CloseChannel':
        if (this.channels.delete(m.channelId)) this.hub.closeChannel(m.channelId);
        return;
      case 'SubmitSharesCkb':
        this.submit(m.channelId, m.sequenceNumber, m.jobId, m.nonceSuffix);
        return;
      default:
        return;
    }
  }

  private open(extended: boolean, requestId: number, userIdentity: string): void {
    const opened = this.hub.openChannel(userIdentity);
    if ('error' in opened) {
      this.conn.send({ type: 'OpenMiningChannelError', requestId, errorCode: opened.error });
      return;
    }
    this.channels.add(opened.channelId);
    const common = {
      requestId,
      channelId: opened.channelId,
      target: targetToU256Le(opened.target),
      extranoncePrefix: opened.extranoncePrefix,
      groupChannelId: 0,
    };
    if (extended)
      this.conn.send({
        type: 'OpenExtendedMiningChannelSuccess',
        ...common,
        extranonceSize: opened.extranonceSize,
      });
    else this.conn.send({ type: 'OpenStandardMiningChannelSuccess', ...common });
    const job = this.hub.currentJob();
    if (job) this.sendJob(opened.channelId, job);
  }

  private submit(channelId: number, sequenceNumber: number, jobId: number, suffix: Uint8Array): void {
    if (!this.channels.has(channelId)) {
      this.conn.send({
        type: 'SubmitSharesError',
        channelId,
        sequenceNumber,
        errorCode: 'invalid-channel-id',
      });
      return;
    }
    void this.hub.share(channelId, jobId, suffix).then((a) => {
      if (a.ok)
        this.conn.send({
          type: 'SubmitSharesSuccess',
          channelId,
          lastSequenceNumber: sequenceNumber,
          newSubmitsAcceptedCount: 1,
          newSharesSum: a.difficulty,
        });
      else this.conn.send({ type: 'SubmitSharesError', channelId, sequenceNumber, errorCode: a.code });
    });
  }

  sendJob(channelId: number, j: DownstreamJob): void {
    this.conn.send({
      type: 'NewCkbJob',
      channelId,
      jobId: j.jobId,
      cleanJobs: j.clean,
      height: j.height,
      powHash: j.powHash,
      parentHash: j.parentHash,
      compactTarget: j.compactTarget,
    });
  }

  /** A new job for every channel of this connection. */
  broadcast(j: DownstreamJob): void {
    for (const id of this.channels) this.sendJob(id, j);
  }

  setTarget(target: bigint): void {
    for (const channelId of this.channels)
      this.conn.send({ type: 'SetTarget', channelId, maximumTarget: targetToU256Le(target) });
  }

  setPrefix(prefixOf: (channelId: number) => Uint8Array): void {
    for (const channelId of this.channels)
      this.conn.send({ type: 'SetExtranoncePrefix', channelId, extranoncePrefix: prefixOf(channelId) });
  }

  /** The connection ended: its channels are closed. */
  closed(): void {
    for (const id of this.channels) this.hub.closeChannel(id);
    this.channels.clear();
  }
}
