import { EventEmitter } from 'node:events';
import type { Sv2Connection } from '../connection.js';
import type { Sv2Message } from '../messages/index.js';
import { parsePoolUrl } from '../noise/keys.js';
import { DialPlan, reconnectTarget } from './dial-plan.js';
import { Drain } from './draining.js';
import { FAILBACK_DEFAULTS, FailbackScheduler } from './failback.js';
import type { ShareVerdict } from './in-flight.js';
import { type Negotiated, negotiateUpstream } from './negotiate.js';
import {
  type CustomJobAnswer,
  type CustomJobFields,
  type OpenedChannel,
  UpstreamChannels,
  type UpstreamJob,
} from './upstream-channels.js';
import type { UpstreamEvents, UpstreamOptions } from './upstream-types.js';
import type { DeclareAnswer } from './worker-declarations.js';

export type { ShareVerdict } from './in-flight.js';
export type { CustomJobAnswer, CustomJobFields, OpenedChannel, UpstreamJob } from './upstream-channels.js';
export type { UpstreamEvents, UpstreamOptions } from './upstream-types.js';

/**
 * An SV2 client of the pool that survives the pool: dials the first URL, runs SetupConnection
 * and the 0x4CCB extension negotiation (with 0x0002 when asked to: a pool that refuses it is
 * asked again for 0x4CCB alone), and when the connection drops dials again with exponential
 * backoff, moving on to the next URL after each failed attempt (failover). A Reconnect from the
 * pool is a redirect: the next dial goes to its new_host:new_port (empty host / port 0 = the
 * present one) with the SAME authority key, so only a server certified by this pool can take
 * the connection; if that dial fails, the configured URLs take over again (dial-plan.ts). Each
 * established connection is an "epoch"; channels, job ids and sequence numbers belong to one
 * epoch and are reopened by the owner on 'up'. Used by the translator (extended channels), the
 * CPU miner (a standard channel) and the JD client.
 *
 * Failback (`failback` option, failback.ts): while on a backup URL, the more preferred URLs are
 * probed with the same connection setup (Noise, SetupConnection, extension negotiation); after
 * the hold-down the last probe's connection becomes the new epoch ('failback', then 'up' — the
 * owner re-establishes work exactly as after a failover, without a 'down' in between). Shares
 * in flight on the old connection keep waiting for that pool's verdict (up to the share
 * timeout); then the old connection is closed (draining.ts).
 *
 * This file is the connection lifecycle: it dials, installs and replaces connections as
 * dial-plan.ts, failback.ts and draining.ts decide. What the pool's messages mean — channel
 * opens, sequence numbers, shares in flight, jobs — is upstream-channels.ts; the options and
 * events are upstream-types.ts.
 */

export class UpstreamClient extends EventEmitter<UpstreamEvents> {
  private conn: Sv2Connection | null = null;
  private ready = false;
  private workerHashrateOk = false;
  epoch = 0;
  /** Which URL the next dial goes to, and after what delay. */
  private readonly plan: DialPlan;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | null = null;
  /** Channels, shares in flight and jobs of the current connection. */
  private readonly channels: UpstreamChannels;
  /** The connection a failback replaced, until its shares in flight have their verdicts. */
  private readonly drain: Drain;
  private readonly failbackScheduler: FailbackScheduler<Negotiated>;
  /** Wire bytes of connections already closed (plus the live socket's counters). */
  private closedBytesIn = 0;
  private closedBytesOut = 0;
  currentUrl: string | null = null;
  reconnects = 0;
  /** Switches from a backup URL back to a more preferred one. */
  failbacks = 0;

  constructor(private readonly o: UpstreamOptions) {
    super();
    if (o.urls.length === 0) throw new Error('at least one upstream URL is required');
    for (const u of o.urls) parsePoolUrl(u);
    this.plan = new DialPlan(o.urls, { minMs: o.backoffMinMs ?? 100, maxMs: o.backoffMaxMs ?? 5_000 });
    this.drain = new Drain(o.shareTimeoutMs ?? 15_000);
    this.channels = new UpstreamChannels(
      {
        shareTimeoutMs: o.shareTimeoutMs ?? 15_000,
        openTimeoutMs: o.connectTimeoutMs ?? 10_000,
        declareTimeoutMs: o.declareTimeoutMs ?? 5_000,
        onShareTimeout: () => this.drain.check(),
      },
      {
        job: (job) => this.emit('job', job),
        target: (epoch, channelId, target) => this.emit('target', epoch, channelId, target),
        prefix: (epoch, channelId, prefix) => this.emit('prefix', epoch, channelId, prefix),
        closedChannel: (epoch, channelId, reason) => this.emit('closedChannel', epoch, channelId, reason),
        reconnect: (newHost, newPort) => this.onReconnect(newHost, newPort),
      },
    );
    this.failbackScheduler = this.newFailbackScheduler();
  }

  /** Failback probes are quiet negotiations with the more preferred URLs. */
  private newFailbackScheduler(): FailbackScheduler<Negotiated> {
    const fb = this.o.failback
      ? { ...FAILBACK_DEFAULTS, ...this.o.failback }
      : { probeIntervalMs: 0, healthyProbes: 1 };
    return new FailbackScheduler<Negotiated>(fb, {
      probe: (i) =>
        this.negotiate(this.o.urls[i], false).catch((err: Error) => {
          this.o.log.debug({ url: this.o.urls[i], err: err.message }, 'failback probe failed');
          return null;
        }),
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

  /** The configured URL in use; settable so that a test can start the client on a backup URL. */
  private get urlIndex(): number {
    return this.plan.index;
  }
  private set urlIndex(index: number) {
    this.plan.index = index;
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
    const next = this.plan.next();
    const url = next.url;
    let n: Negotiated;
    try {
      n = await this.negotiate(url, true);
    } catch (err) {
      this.o.log.warn({ url, err: (err as Error).message }, 'upstream connect failed');
      this.retry(this.plan.failed(next));
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
    this.install(n, next.index);
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
    this.plan.connected(index);
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
    this.plan.clearRedirect();
    this.drain.end('upstream-lost');
    const shares = this.channels.handOver(new Error('upstream switched (failback)'));
    this.drain.begin(this.epoch, old, shares);
    this.failbacks += 1;
    this.o.log.info({ from, to: n.url }, 'failing back to the preferred upstream');
    this.emit('failback', from, n.url);
    this.install(n, index);
    this.drain.check();
  }

  private retry(failover: boolean): void {
    if (this.stopped || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.dial();
    }, this.plan.retryDelay(failover));
    this.retryTimer.unref?.();
  }

  /** The pool asked us to reconnect: the next dial goes where it says (dial-plan.ts). */
  private onReconnect(newHost: string, newPort: number): void {
    const current = this.currentUrl;
    if (!current) return;
    let target = current;
    try {
      target = reconnectTarget(current, newHost, newPort);
    } catch (err) {
      this.o.log.warn({ newHost, newPort, err: (err as Error).message }, 'Reconnect names no usable address');
    }
    this.plan.redirectTo(target);
    this.o.log.info({ from: current, to: target }, 'upstream asked us to reconnect');
    this.conn?.close('local-close', 'reconnect requested');
  }

  private onMessage(epoch: number, m: Sv2Message): void {
    // The connection a failback replaced: only its verdicts on shares in flight still count.
    if (epoch !== this.epoch) this.drain.answer(epoch, m);
    else this.channels.handle(epoch, m);
  }

  private onClose(epoch: number, conn: Sv2Connection, reason: string): void {
    this.countClosed(conn);
    if (this.conn === conn) this.conn = null;
    this.drain.closed(conn);
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

  /** The current connection's send, while it is epoch `epoch`'s and ready; null once it is not. */
  private sendOn(epoch: number): ((m: Sv2Message) => void) | null {
    const conn = this.conn;
    if (!conn || !this.ready || epoch !== this.epoch) return null;
    return (m) => conn.send(m);
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
    const send = this.sendOn(epoch);
    if (!send) return false;
    const maximumTarget = new Uint8Array(32).fill(0xff);
    send({ type: 'UpdateChannel', channelId, nominalHashRate, maximumTarget });
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
    const send = this.sendOn(epoch);
    if (!send) return Promise.resolve({ ok: false, code: 'upstream-lost' });
    const tail = workerIdTlv ?? (this.workerHashrateOk ? tlv : undefined);
    return this.channels.submit(send, channelId, jobId, nonceSuffix, tail);
  }

  /**
   * Declares a worker name on a channel of epoch `epoch` (0x4CCB DeclareWorker) and resolves
   * with the pool's answer: `no-answer` when the pool does not know the message, `upstream-lost`
   * when the connection is not that epoch's any more.
   */
  declareWorker(epoch: number, channelId: number, workerId: number, name: string): Promise<DeclareAnswer> {
    const send = this.sendOn(epoch);
    if (!send) return Promise.resolve({ ok: false, code: 'upstream-lost' });
    return this.channels.declareWorker(send, channelId, workerId, name);
  }

  /**
   * Announces a declared job on an extended channel of epoch `epoch` (SetCustomCkbMiningJob;
   * the connection must have set REQUIRES_WORK_SELECTION) and resolves with the pool's answer.
   */
  setCustomJob(epoch: number, channelId: number, job: CustomJobFields): Promise<CustomJobAnswer> {
    const send = this.sendOn(epoch);
    if (!send) return Promise.resolve({ ok: false, code: 'upstream-lost' });
    return this.channels.setCustomJob(send, channelId, job);
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.failbackScheduler.stop();
    this.drain.end('upstream-lost');
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
