import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { u256LeToTarget } from '../ckb/target.js';
import { connectSv2, type Sv2Connection } from '../sv2/connection.js';
import {
  EXTENSION_CKB,
  EXTENSION_WORKER_HASHRATE,
  PROTOCOL_MINING,
  SV2_VERSION,
  type Sv2Message,
} from '../sv2/messages/index.js';
import { parsePoolUrl } from '../sv2/noise/keys.js';

/**
 * An SV2 client of the pool that survives the pool: dials the first URL, runs SetupConnection
 * and the 0x4CCB extension negotiation (with 0x0002 when asked to: a pool that refuses it is
 * asked again for 0x4CCB alone), and when the connection drops (or the pool sends
 * Reconnect) dials again with exponential backoff, moving on to the next URL after each failed
 * attempt (failover). Each established connection is an "epoch"; channels, job ids and
 * sequence numbers belong to one epoch and are reopened by the owner on 'up'. Used by the
 * translator (extended channels) and the CPU miner (a standard channel).
 */

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

export type ShareVerdict = { ok: true } | { ok: false; code: string };

export interface UpstreamEvents {
  up: [epoch: number, url: string];
  down: [epoch: number, reason: string];
  job: [job: UpstreamJob];
  target: [epoch: number, channelId: number, target: bigint];
  prefix: [epoch: number, channelId: number, prefix: Uint8Array];
  closedChannel: [epoch: number, channelId: number, reason: string];
}

export interface UpstreamOptions {
  /** `stratum2+tcp://HOST:PORT/AUTHORITY_PUBKEY`, tried in order (failover). */
  urls: string[];
  vendor: string;
  /** SetupConnection flags (default 0: group-channel jobs). */
  flags?: number;
  /**
   * Also request extension 0x0002 (worker-specific hashrate tracking), so shares may carry a
   * user_identity TLV (default false).
   */
  workerHashrate?: boolean;
  log: Logger;
  /** First and largest delay between attempts (default 100 ms … 5 s). */
  backoffMinMs?: number;
  backoffMaxMs?: number;
  connectTimeoutMs?: number;
  /** A share without answer for this long is reported as an error (default 15 s). */
  shareTimeoutMs?: number;
}

interface PendingShare {
  channelId: number;
  seq: number;
  resolve: (v: ShareVerdict) => void;
  timer: NodeJS.Timeout;
}

interface PendingOpen {
  resolve: (c: OpenedChannel) => void;
  reject: (e: Error) => void;
}

export class UpstreamClient extends EventEmitter<UpstreamEvents> {
  private conn: Sv2Connection | null = null;
  private ready = false;
  /** Extensions asked for in this connection's last RequestExtensions. */
  private requested: number[] = [];
  private workerHashrateOk = false;
  epoch = 0;
  private urlIndex = 0;
  private attempt = 0;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private nextRequestId = 1;
  private readonly opens = new Map<number, PendingOpen>();
  private readonly seqs = new Map<number, number>();
  /** Shares awaiting the pool's answer, per channel, in sequence order. */
  private readonly pending = new Map<number, PendingShare[]>();
  /** Wire bytes of connections already closed (plus the live socket's counters). */
  private closedBytesIn = 0;
  private closedBytesOut = 0;
  currentUrl: string | null = null;
  reconnects = 0;
  /** Newest job per address (channel or group) on the current connection. */
  private readonly latestJobs = new Map<number, UpstreamJob>();

  constructor(private readonly o: UpstreamOptions) {
    super();
    if (o.urls.length === 0) throw new Error('at least one upstream URL is required');
    for (const u of o.urls) parsePoolUrl(u);
  }

  get connected(): boolean {
    return this.ready;
  }

  /** The current connection negotiated extension 0x0002: shares may carry a user_identity TLV. */
  get workerHashrate(): boolean {
    return this.ready && this.workerHashrateOk;
  }

  private requestExtensions(extensions: number[]): void {
    this.requested = extensions;
    this.conn?.send({ type: 'RequestExtensions', requestId: 0, requestedExtensions: extensions });
  }

  /** Encrypted bytes read from / written to the pool, over all connections. */
  get bytesIn(): number {
    return this.closedBytesIn + (this.conn?.socket.bytesRead ?? 0);
  }
  get bytesOut(): number {
    return this.closedBytesOut + (this.conn?.socket.bytesWritten ?? 0);
  }

  start(): void {
    void this.dial();
  }

  private async dial(): Promise<void> {
    if (this.stopped) return;
    const url = this.o.urls[this.urlIndex % this.o.urls.length] as string;
    const { host, port, authorityPubkey } = parsePoolUrl(url);
    let conn: Sv2Connection;
    try {
      conn = await connectSv2({ host, port, authorityPubkey, timeoutMs: this.o.connectTimeoutMs ?? 5_000 });
    } catch (err) {
      this.o.log.warn({ url, err: (err as Error).message }, 'upstream connect failed');
      this.retry(true);
      return;
    }
    if (this.stopped) {
      conn.close('local-close', 'stopped');
      return;
    }
    this.conn = conn;
    const epoch = ++this.epoch;
    conn.on('message', (m) => this.onMessage(epoch, url, m));
    conn.on('close', (info) => this.onClose(epoch, conn, info.message));
    conn.send({
      type: 'SetupConnection',
      protocol: PROTOCOL_MINING,
      minVersion: SV2_VERSION,
      maxVersion: SV2_VERSION,
      flags: this.o.flags ?? 0,
      endpointHost: host,
      endpointPort: port,
      vendor: this.o.vendor,
      hardwareVersion: '',
      firmware: '0.1.0',
      deviceId: '',
    });
  }

  private retry(failed: boolean): void {
    if (this.stopped || this.retryTimer) return;
    // Failover: a URL that could not be reached (or dropped us) yields to the next one.
    if (failed && this.o.urls.length > 1) this.urlIndex = (this.urlIndex + 1) % this.o.urls.length;
    const min = this.o.backoffMinMs ?? 100;
    const max = this.o.backoffMaxMs ?? 5_000;
    const delay = Math.min(max, min * 2 ** Math.min(this.attempt, 16));
    this.attempt += 1;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.dial();
    }, delay);
    this.retryTimer.unref?.();
  }

  private onMessage(epoch: number, url: string, m: Sv2Message): void {
    if (epoch !== this.epoch) return;
    switch (m.type) {
      case 'SetupConnectionSuccess':
        this.requestExtensions(
          this.o.workerHashrate ? [EXTENSION_CKB, EXTENSION_WORKER_HASHRATE] : [EXTENSION_CKB],
        );
        return;
      case 'SetupConnectionError':
        this.o.log.error({ url, code: m.errorCode }, 'upstream refused SetupConnection');
        this.conn?.close('local-close', `SetupConnection.Error ${m.errorCode}`);
        return;
      case 'RequestExtensionsSuccess':
        if (!m.supportedExtensions.includes(EXTENSION_CKB)) {
          this.o.log.error({ url }, 'upstream does not support the CKB extension 0x4CCB');
          this.conn?.close('local-close', 'extension 0x4CCB refused');
          return;
        }
        this.workerHashrateOk =
          this.requested.includes(EXTENSION_WORKER_HASHRATE) &&
          m.supportedExtensions.includes(EXTENSION_WORKER_HASHRATE);
        if (this.o.workerHashrate && !this.workerHashrateOk) {
          this.o.log.info({ url }, 'upstream does not support extension 0x0002; no per-worker share names');
        }
        this.ready = true;
        this.attempt = 0;
        this.currentUrl = url;
        this.o.log.info({ url, epoch }, 'upstream connected');
        this.emit('up', epoch, url);
        return;
      case 'RequestExtensionsError':
        if (
          this.requested.includes(EXTENSION_WORKER_HASHRATE) &&
          !m.unsupportedExtensions.includes(EXTENSION_CKB)
        ) {
          // The spec lets a client retry with a modified request: 0x4CCB is all we need.
          this.o.log.info({ url }, 'upstream refused the extension request; asking for 0x4CCB alone');
          this.requestExtensions([EXTENSION_CKB]);
          return;
        }
        this.o.log.error({ url }, 'upstream does not support the CKB extension 0x4CCB');
        this.conn?.close('local-close', 'extension 0x4CCB refused');
        return;
      case 'OpenStandardMiningChannelSuccess':
      case 'OpenExtendedMiningChannelSuccess': {
        const p = this.opens.get(m.requestId);
        if (!p) return;
        this.opens.delete(m.requestId);
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
      case 'OpenMiningChannelError': {
        const p = this.opens.get(m.requestId);
        if (!p) return;
        this.opens.delete(m.requestId);
        p.reject(new Error(`OpenMiningChannel.Error ${m.errorCode}`));
        return;
      }
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
        this.emit('job', job);
        return;
      }
      case 'SetTarget':
        this.emit('target', epoch, m.channelId, u256LeToTarget(m.maximumTarget));
        return;
      case 'SetExtranoncePrefix':
        this.emit('prefix', epoch, m.channelId, m.extranoncePrefix);
        return;
      case 'SubmitSharesSuccess': {
        const list = this.pending.get(m.channelId);
        if (!list) return;
        // One Success acknowledges every share up to last_sequence_number not answered by an Error.
        while (list.length > 0 && (list[0] as PendingShare).seq <= m.lastSequenceNumber) {
          const s = list.shift() as PendingShare;
          clearTimeout(s.timer);
          s.resolve({ ok: true });
        }
        return;
      }
      case 'SubmitSharesError': {
        const list = this.pending.get(m.channelId);
        if (!list) return;
        const i = list.findIndex((s) => s.seq === m.sequenceNumber);
        if (i < 0) return;
        const [s] = list.splice(i, 1);
        clearTimeout((s as PendingShare).timer);
        (s as PendingShare).resolve({ ok: false, code: m.errorCode });
        return;
      }
      case 'CloseChannel':
        this.failChannel(m.channelId, 'channel-closed');
        this.emit('closedChannel', epoch, m.channelId, m.reasonCode);
        return;
      case 'Reconnect':
        // Maintenance on the pool: drop this connection; the backoff loop dials again.
        this.o.log.info({ url }, 'upstream asked us to reconnect');
        this.conn?.close('local-close', 'reconnect requested');
        return;
      default:
        return;
    }
  }

  private onClose(epoch: number, conn: Sv2Connection, reason: string): void {
    this.closedBytesIn += conn.socket.bytesRead;
    this.closedBytesOut += conn.socket.bytesWritten;
    if (this.conn === conn) this.conn = null;
    if (epoch !== this.epoch) return;
    const wasReady = this.ready;
    this.ready = false;
    this.workerHashrateOk = false;
    for (const p of this.opens.values()) p.reject(new Error(`upstream lost: ${reason}`));
    this.opens.clear();
    for (const ch of [...this.pending.keys()]) this.failChannel(ch, 'upstream-lost');
    this.seqs.clear();
    this.latestJobs.clear();
    if (this.stopped) this.o.log.debug({ epoch, reason }, 'upstream connection closed');
    else this.o.log.warn({ epoch, reason }, 'upstream connection closed');
    if (wasReady) {
      this.reconnects += 1;
      this.emit('down', epoch, reason);
    }
    this.retry(!wasReady);
  }

  private failChannel(channelId: number, code: string): void {
    const list = this.pending.get(channelId);
    if (!list) return;
    this.pending.delete(channelId);
    for (const s of list) {
      clearTimeout(s.timer);
      s.resolve({ ok: false, code });
    }
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

  /** Opens a channel on the current connection (rejects when not connected or refused). */
  openChannel(
    kind: 'standard' | 'extended',
    userIdentity: string,
    nominalHashRate = 0,
  ): Promise<OpenedChannel> {
    const conn = this.conn;
    if (!conn || !this.ready) return Promise.reject(new Error('upstream not connected'));
    const requestId = this.nextRequestId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.opens.delete(requestId))
          reject(new Error('the pool did not answer the channel open in time'));
      }, this.o.connectTimeoutMs ?? 10_000);
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
        conn.send({ type: 'OpenStandardMiningChannel', requestId, userIdentity, nominalHashRate, maxTarget });
      } else {
        conn.send({
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

  closeChannel(epoch: number, channelId: number): void {
    if (epoch !== this.epoch || !this.conn) return;
    this.failChannel(channelId, 'channel-closed');
    this.seqs.delete(channelId);
    this.conn.send({ type: 'CloseChannel', channelId, reasonCode: 'downstream-closed' });
  }

  /**
   * Sends a share and resolves with the pool's verdict (never 'ok' unless the pool said so).
   * `tlv`: a TLV tail (extension 0x0002 user_identity) appended only when this connection
   * negotiated 0x0002; otherwise the share goes without it.
   */
  submit(
    epoch: number,
    channelId: number,
    jobId: number,
    nonceSuffix: Uint8Array,
    tlv?: Uint8Array,
  ): Promise<ShareVerdict> {
    const conn = this.conn;
    if (!conn || !this.ready || epoch !== this.epoch || !this.seqs.has(channelId)) {
      return Promise.resolve({ ok: false, code: 'upstream-lost' });
    }
    const seq = ((this.seqs.get(channelId) as number) + 1) >>> 0;
    this.seqs.set(channelId, seq);
    return new Promise((resolve) => {
      let list = this.pending.get(channelId);
      if (!list) {
        list = [];
        this.pending.set(channelId, list);
      }
      const entry: PendingShare = {
        channelId,
        seq,
        resolve,
        timer: setTimeout(() => {
          const l = this.pending.get(channelId);
          const i = l?.indexOf(entry) ?? -1;
          if (l && i >= 0) l.splice(i, 1);
          resolve({ ok: false, code: 'timeout' });
        }, this.o.shareTimeoutMs ?? 15_000),
      };
      entry.timer.unref?.();
      list.push(entry);
      if (tlv && this.workerHashrateOk) {
        conn.send({ type: 'SubmitSharesCkb', channelId, sequenceNumber: seq, jobId, nonceSuffix, tlv });
      } else {
        conn.send({ type: 'SubmitSharesCkb', channelId, sequenceNumber: seq, jobId, nonceSuffix });
      }
    });
  }

  async close(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const conn = this.conn;
    if (conn) {
      conn.close('local-close', 'client stopping');
      conn.socket.destroy();
      await conn.closed;
    }
  }
}
