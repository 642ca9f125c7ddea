import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { Sv2Connection } from '../connection.js';
import type { Sv2Message } from '../messages/index.js';
import { formatPoolUrl, parsePoolUrl } from '../noise/keys.js';
import { FAILBACK_DEFAULTS, FailbackScheduler, type FailbackSettings } from './failback.js';
import type { InFlightShares, ShareVerdict } from './in-flight.js';
import { type Negotiated, negotiateUpstream } from './negotiate.js';
import {
  type CustomJobAnswer,
  type CustomJobFields,
  type OpenedChannel,
  UpstreamChannels,
  type UpstreamJob,
} from './upstream-channels.js';
import type { DeclareAnswer } from './worker-declarations.js';

export type { ShareVerdict } from './in-flight.js';
export type { CustomJobAnswer, CustomJobFields, OpenedChannel, UpstreamJob } from './upstream-channels.js';

/**
 * An SV2 client of the pool that survives the pool: dials the first URL, runs SetupConnection
 * and the 0x4CCB extension negotiation (with 0x0002 when asked to: a pool that refuses it is
 * asked again for 0x4CCB alone), and when the connection drops dials again with exponential
 * backoff, moving on to the next URL after each failed attempt (failover). A Reconnect from the
 * pool is a redirect: the next dial goes to its new_host:new_port (empty host / port 0 = the
 * present one) with the SAME authority key, so only a server certified by this pool can take
 * the connection; if that dial fails, the configured URLs take over again. Each established connection is an "epoch"; channels, job ids and
 * sequence numbers belong to one epoch and are reopened by the owner on 'up'. Used by the
 * translator (extended channels) and the CPU miner (a standard channel).
 *
 * Failback (`failback` option, failback.ts): while on a backup URL, the more preferred URLs are
 * probed with the same connection setup (Noise, SetupConnection, extension negotiation); after
 * the hold-down the last probe's connection becomes the new epoch ('failback', then 'up' — the
 * owner re-establishes work exactly as after a failover, without a 'down' in between). Shares
 * in flight on the old connection keep waiting for that pool's verdict (up to the share
 * timeout); then the old connection is closed.
 *
 * This file is the connection lifecycle (dialling, backoff, failover, failback, draining);
 * what the pool's messages mean — channel opens, sequence numbers, shares in flight, jobs — is
 * upstream-channels.ts.
 */

export interface UpstreamEvents {
  up: [epoch: number, url: string];
  down: [epoch: number, reason: string];
  /** Moving from a backup URL back to a more preferred one; 'up' for the new epoch follows. */
  failback: [from: string, to: string];
  /** A failback probe of a more preferred URL ended (`streak`: consecutive successes). */
  probe: [url: string, ok: boolean, streak: number];
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
  /** A 0x4CCB worker declaration without answer for this long counts as `no-answer` (5 s). */
  declareTimeoutMs?: number;
  /** A share without answer for this long is reported as an error (default 15 s). */
  shareTimeoutMs?: number;
  /**
   * Return to a more preferred URL when it is healthy again (failback.ts). Default: off here
   * (the CPU miner); the translator turns it on with FAILBACK_DEFAULTS.
   */
  failback?: Partial<FailbackSettings> | false;
}

/** A replaced connection whose shares in flight still wait for that pool's verdict. */
interface Draining {
  epoch: number;
  conn: Sv2Connection;
  shares: InFlightShares;
  timer: NodeJS.Timeout;
}

export class UpstreamClient extends EventEmitter<UpstreamEvents> {
  private conn: Sv2Connection | null = null;
  private ready = false;
  private workerHashrateOk = false;
  epoch = 0;
  private urlIndex = 0;
  private attempt = 0;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | null = null;
  /** Channels, shares in flight and jobs of the current connection. */
  private readonly channels: UpstreamChannels;
  private draining: Draining | null = null;
  private readonly failbackScheduler: FailbackScheduler<Negotiated>;
  /** Wire bytes of connections already closed (plus the live socket's counters). */
  private closedBytesIn = 0;
  private closedBytesOut = 0;
  currentUrl: string | null = null;
  /** Where the pool's last Reconnect sent us (dialled instead of the URL list while it works). */
  private redirect: string | null = null;
  reconnects = 0;
  /** Switches from a backup URL back to a more preferred one. */
  failbacks = 0;

  constructor(private readonly o: UpstreamOptions) {
    super();
    if (o.urls.length === 0) throw new Error('at least one upstream URL is required');
    for (const u of o.urls) parsePoolUrl(u);
    this.channels = new UpstreamChannels(
      {
        shareTimeoutMs: o.shareTimeoutMs ?? 15_000,
        openTimeoutMs: o.connectTimeoutMs ?? 10_000,
        declareTimeoutMs: o.declareTimeoutMs ?? 5_000,
        onShareTimeout: () => this.checkDrain(),
      },
      {
        job: (job) => this.emit('job', job),
        target: (epoch, channelId, target) => this.emit('target', epoch, channelId, target),
        prefix: (epoch, channelId, prefix) => this.emit('prefix', epoch, channelId, prefix),
        closedChannel: (epoch, channelId, reason) => this.emit('closedChannel', epoch, channelId, reason),
        reconnect: (newHost, newPort) => this.onReconnect(newHost, newPort),
      },
    );
    const fb = o.failback
      ? { ...FAILBACK_DEFAULTS, ...o.failback }
      : { probeIntervalMs: 0, healthyProbes: 1 };
    this.failbackScheduler = new FailbackScheduler<Negotiated>(fb, {
      probe: (i) =>
        this.negotiate(this.o.urls[i], false).then(
          (n) => n,
          (err: Error) => {
            this.o.log.debug({ url: this.o.urls[i], err: err.message }, 'failback probe failed');
            return null;
          },
        ),
      release: (n) => {
        n.detach();
        n.conn.close('local-close', 'failback probe done');
      },
      switchTo: (i, n) => this.switchTo(i, n),
      probed: (i, ok, streak) => {
        const url = this.o.urls[i];
        if (ok) this.o.log.info({ url, streak }, 'preferred upstream answered a failback probe');
        this.emit('probe', url, ok, streak);
      },
    });
  }

  get connected(): boolean {
    return this.ready;
  }

  /** The current connection negotiated extension 0x0002: shares may carry a user_identity TLV. */
  get workerHashrate(): boolean {
    return this.ready && this.workerHashrateOk;
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
    const index = this.urlIndex % this.o.urls.length;
    const redirected = this.redirect;
    const url = redirected ?? this.o.urls[index];
    let n: Negotiated;
    try {
      n = await this.negotiate(url, true);
    } catch (err) {
      this.o.log.warn({ url, err: (err as Error).message }, 'upstream connect failed');
      if (redirected !== null && this.redirect === redirected) {
        // The node the pool sent us to did not take us: back to the configured URLs.
        this.redirect = null;
        this.retry(false);
        return;
      }
      this.retry(true);
      return;
    }
    if (this.stopped) {
      n.detach();
      n.conn.close('local-close', 'stopped');
      return;
    }
    if (n.lost) {
      n.detach();
      this.countClosed(n.conn);
      this.o.log.warn({ url }, 'upstream connect failed: closed right after the setup');
      this.retry(true);
      return;
    }
    this.install(n, index);
  }

  private countClosed(conn: Sv2Connection): void {
    this.closedBytesIn += conn.socket.bytesRead;
    this.closedBytesOut += conn.socket.bytesWritten;
  }

  /** negotiate.ts for the mining connection (`main`: logs and byte counts) or a quiet probe. */
  private negotiate(url: string, main: boolean): Promise<Negotiated> {
    return negotiateUpstream({
      url,
      vendor: this.o.vendor,
      flags: this.o.flags ?? 0,
      workerHashrate: this.o.workerHashrate === true,
      connectTimeoutMs: this.o.connectTimeoutMs ?? 5_000,
      log: main ? this.o.log : undefined,
      onFailedConnection: main ? (conn) => this.countClosed(conn) : undefined,
    });
  }

  /** Makes a negotiated connection the current one (a new epoch) and tells the owner ('up'). */
  private install(n: Negotiated, index: number): void {
    n.detach();
    const { conn, url } = n;
    this.conn = conn;
    const epoch = ++this.epoch;
    conn.on('message', (m) => this.onMessage(epoch, m));
    conn.on('close', (info) => this.onClose(epoch, conn, info.message));
    this.workerHashrateOk = n.workerHashrateOk;
    this.ready = true;
    this.attempt = 0;
    this.urlIndex = index;
    this.currentUrl = url;
    this.o.log.info({ url, epoch }, 'upstream connected');
    this.emit('up', epoch, url);
    for (const m of n.early) this.onMessage(epoch, m);
    if (this.ready && this.epoch === epoch) this.failbackScheduler.start(index);
  }

  /**
   * The hold-down is met: the probe's connection to the more preferred URL becomes the current
   * one. Channel opens in progress on the old connection fail (the owner reopens on 'up'); its
   * shares in flight stay answerable by that pool until they are answered or time out, then the
   * old connection is closed.
   */
  private switchTo(index: number, n: Negotiated): void {
    const old = this.conn;
    if (this.stopped || !this.ready || !old || n.lost) {
      n.detach();
      n.conn.close('local-close', 'failback not needed');
      if (this.ready && !this.stopped) this.failbackScheduler.start(this.urlIndex);
      return;
    }
    const from = this.currentUrl as string;
    this.redirect = null;
    this.endDrain('upstream-lost');
    const shares = this.channels.handOver(new Error('upstream switched (failback)'));
    this.draining = {
      epoch: this.epoch,
      conn: old,
      shares,
      timer: setTimeout(() => this.endDrain('timeout'), (this.o.shareTimeoutMs ?? 15_000) + 1_000),
    };
    this.draining.timer.unref?.();
    this.failbacks += 1;
    this.o.log.info({ from, to: n.url }, 'failing back to the preferred upstream');
    this.emit('failback', from, n.url);
    this.install(n, index);
    this.checkDrain();
  }

  private checkDrain(): void {
    const d = this.draining;
    if (d?.shares.empty) this.endDrain('upstream-lost');
  }

  /** Answers what the replaced connection left unanswered with `code` and closes it. */
  private endDrain(code: string): void {
    const d = this.draining;
    if (!d) return;
    this.draining = null;
    clearTimeout(d.timer);
    d.shares.failAll(code);
    d.conn.close('local-close', 'moved to the preferred upstream (failback)');
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

  /**
   * Reconnect (sv2-spec 3.6.5): "the client re-initiates the Noise handshake and uses the pool's
   * authority public key to verify that the certificate presented by the new server has a valid
   * signature". The message carries no key, so the current URL's key goes with the new address.
   */
  private onReconnect(newHost: string, newPort: number): void {
    const current = this.currentUrl;
    if (!current) return;
    const here = parsePoolUrl(current);
    let target = current;
    try {
      target = formatPoolUrl({
        host: newHost || here.host,
        port: newPort || here.port,
        authorityPubkey: here.authorityPubkey,
      });
      parsePoolUrl(target);
    } catch (err) {
      this.o.log.warn({ newHost, newPort, err: (err as Error).message }, 'Reconnect names no usable address');
      target = current;
    }
    this.redirect = target === this.o.urls[this.urlIndex] ? null : target;
    this.o.log.info({ from: current, to: target }, 'upstream asked us to reconnect');
    this.conn?.close('local-close', 'reconnect requested');
  }

  private onMessage(epoch: number, m: Sv2Message): void {
    if (epoch !== this.epoch) {
      // The connection a failback replaced: only its verdicts on shares in flight still count.
      const d = this.draining;
      if (d && d.epoch === epoch && d.shares.answer(m)) this.checkDrain();
      return;
    }
    this.channels.handle(epoch, m);
  }

  private onClose(epoch: number, conn: Sv2Connection, reason: string): void {
    this.countClosed(conn);
    if (this.conn === conn) this.conn = null;
    if (this.draining?.conn === conn) this.endDrain('upstream-lost');
    if (epoch !== this.epoch) return;
    this.failbackScheduler.stop();
    const wasReady = this.ready;
    this.ready = false;
    this.workerHashrateOk = false;
    this.channels.reset(new Error(`upstream lost: ${reason}`));
    if (this.stopped) this.o.log.debug({ epoch, reason }, 'upstream connection closed');
    else this.o.log.warn({ epoch, reason }, 'upstream connection closed');
    if (wasReady) {
      this.reconnects += 1;
      this.emit('down', epoch, reason);
    }
    this.retry(!wasReady);
  }

  /**
   * The newest job that applies to a channel: jobs can arrive in the same read as the
   * channel's Success, before the opener's promise continuation runs.
   */
  latestJob(channelId: number, groupChannelId: number): UpstreamJob | null {
    return this.channels.latestJob(channelId, groupChannelId);
  }

  /** Opens a channel on the current connection (rejects when not connected or refused). */
  openChannel(
    kind: 'standard' | 'extended',
    userIdentity: string,
    nominalHashRate = 0,
  ): Promise<OpenedChannel> {
    const conn = this.conn;
    if (!conn || !this.ready) return Promise.reject(new Error('upstream not connected'));
    return this.channels.open((m) => conn.send(m), kind, userIdentity, nominalHashRate);
  }

  closeChannel(epoch: number, channelId: number): void {
    const conn = this.conn;
    if (epoch !== this.epoch || !conn) return;
    this.channels.close((m) => conn.send(m), channelId);
  }

  /**
   * Declares a channel's new nominal hashrate (SV2 UpdateChannel; an aggregating proxy must send
   * one when its downstreams change). The maximum target stays "any": the pool sets the target.
   * False when the channel's connection is gone.
   */
  updateChannel(epoch: number, channelId: number, nominalHashRate: number): boolean {
    const conn = this.conn;
    if (!conn || !this.ready || epoch !== this.epoch) return false;
    const maximumTarget = new Uint8Array(32).fill(0xff);
    conn.send({ type: 'UpdateChannel', channelId, nominalHashRate, maximumTarget });
    return true;
  }

  /**
   * Sends a share and resolves with the pool's verdict (never 'ok' unless the pool said so).
   * `tlv`: a TLV tail (extension 0x0002 user_identity) appended only when this connection
   * negotiated 0x0002; otherwise the share goes without it. `workerIdTlv`: a 0x4CCB worker_id
   * TLV (a worker this connection declared), appended as it is.
   */
  submit(
    epoch: number,
    channelId: number,
    jobId: number,
    nonceSuffix: Uint8Array,
    tlv?: Uint8Array,
    workerIdTlv?: Uint8Array,
  ): Promise<ShareVerdict> {
    const conn = this.conn;
    if (!conn || !this.ready || epoch !== this.epoch)
      return Promise.resolve({ ok: false, code: 'upstream-lost' });
    const send = (m: Sv2Message) => conn.send(m);
    const tail = workerIdTlv ?? (this.workerHashrateOk ? tlv : undefined);
    return this.channels.submit(send, channelId, jobId, nonceSuffix, tail);
  }

  /**
   * Declares a worker name on a channel of epoch `epoch` (0x4CCB DeclareWorker) and resolves
   * with the pool's answer: `no-answer` when the pool does not know the message, `upstream-lost`
   * when the connection is not that epoch's any more.
   */
  declareWorker(epoch: number, channelId: number, workerId: number, name: string): Promise<DeclareAnswer> {
    const conn = this.conn;
    if (!conn || !this.ready || epoch !== this.epoch)
      return Promise.resolve({ ok: false, code: 'upstream-lost' });
    return this.channels.declareWorker((m) => conn.send(m), channelId, workerId, name);
  }

  /**
   * Announces a declared job on an extended channel of epoch `epoch` (SetCustomCkbMiningJob;
   * the connection must have set REQUIRES_WORK_SELECTION) and resolves with the pool's answer.
   */
  setCustomJob(epoch: number, channelId: number, job: CustomJobFields): Promise<CustomJobAnswer> {
    const conn = this.conn;
    if (!conn || !this.ready || epoch !== this.epoch)
      return Promise.resolve({ ok: false, code: 'upstream-lost' });
    return this.channels.setCustomJob((m) => conn.send(m), channelId, job);
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.failbackScheduler.stop();
    this.endDrain('upstream-lost');
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
