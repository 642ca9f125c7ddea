import type { UpstreamClient, UpstreamJob } from '../sv2/client/upstream.js';
import type { ChannelAssigner } from './channel-assigner.js';
import type { ChannelHashrates } from './channel-hashrate.js';
import { bindingOf, type ChannelRegistry } from './channel-registry.js';
import type { TranslatorJob, TranslatorJobBook } from './jobs.js';
import type { TranslatorMetrics } from './metrics.js';
import type { TranslatorMode } from './types.js';
import type { V1Session } from './v1-session.js';

export interface UpstreamEventsDeps {
  mode: TranslatorMode;
  identity: string;
  upstream: UpstreamClient;
  sessions: ReadonlySet<V1Session>;
  registry: ChannelRegistry;
  assigner: ChannelAssigner;
  jobs: TranslatorJobBook;
  metrics: TranslatorMetrics;
  hashrates: ChannelHashrates;
  /** Files a job from the pool (the same book the channel opener uses). */
  recordJob: (uj: UpstreamJob) => TranslatorJob;
}

/**
 * What the pool connection's events do to the miners: after a failover and after a failback
 * alike, 'up' re-establishes every miner's work on the new connection (a failback is an 'up'
 * without a 'down': the old connection still answers the shares in flight, then closes); jobs,
 * targets and extranonce prefixes go to the miners of the channel they address.
 */
export class UpstreamEvents {
  private upWaiters: Array<() => void> = [];

  constructor(private readonly d: UpstreamEventsDeps) {
    const { upstream, metrics } = d;
    upstream.on('up', (epoch) => this.onUp(epoch));
    upstream.on('down', () => this.onDown());
    upstream.on('failback', () => metrics.upstreamFailbacks.inc());
    upstream.on('probe', (_url, ok) => metrics.upstreamProbes.inc({ outcome: ok ? 'ok' : 'failed' }));
    upstream.on('job', (uj) => this.onJob(uj));
    upstream.on('target', (epoch, channelId, target) => this.onTarget(epoch, channelId, target));
    upstream.on('prefix', (epoch, channelId, prefix) => this.onPrefix(epoch, channelId, prefix));
    upstream.on('closedChannel', (epoch, channelId) => this.onClosedChannel(epoch, channelId));
  }

  /** Resolves once the pool is connected; rejects after `ms`. */
  waitUp(ms: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.d.upstream.connected) {
        resolve();
        return;
      }
      const t = setTimeout(() => {
        this.upWaiters = this.upWaiters.filter((w) => w !== done);
        reject(new Error('pool unavailable, try again'));
      }, ms);
      const done = () => {
        clearTimeout(t);
        resolve();
      };
      this.upWaiters.push(done);
    });
  }

  private onUp(epoch: number): void {
    const { d } = this;
    d.metrics.upstreamUp.set(1);
    d.registry.clear();
    d.jobs.newEpoch();
    d.assigner.newEpoch();
    for (const w of this.upWaiters.splice(0)) w();
    // Reopen a channel for every miner that had one (its name if it authorized and switched).
    for (const s of d.sessions) {
      const b = bindingOf(s);
      if (!b.channel || !s.subscribed) continue;
      // A miner that authorized and can take a new extranonce1 gets a channel under its name.
      const name =
        d.mode === 'aggregated' ? d.identity : s.user && s.takesNewExtranonce ? s.user : b.channel.name;
      b.channel = null;
      d.assigner.attach(s, name).then(
        (ch) => {
          if (epoch === d.upstream.epoch) d.assigner.adopt(s, ch);
        },
        (err: Error) => s.log.warn({ err: err.message }, 'could not reopen a channel for a miner'),
      );
    }
  }

  private onDown(): void {
    this.d.metrics.upstreamUp.set(0);
    this.d.metrics.upstreamReconnects.inc();
    for (const s of this.d.sessions) {
      // Keep the name for the reopen; the channel id is gone with the connection.
      const ch = bindingOf(s).channel;
      if (ch) {
        ch.sessions.clear();
        ch.hashRateSum = 0;
      }
    }
  }

  private onJob(uj: UpstreamJob): void {
    if (uj.epoch !== this.d.upstream.epoch) return;
    const job = this.d.recordJob(uj);
    for (const ch of this.d.registry.addressedBy(uj.channelId)) {
      ch.lastJob = job;
      for (const s of ch.sessions) this.d.assigner.sendWork(s, ch, uj.clean);
      // An UpdateChannel the rate limit held back goes out now.
      this.d.hashrates.review(ch);
    }
  }

  /**
   * The pool's target for the channel's next jobs (SetTarget applies to jobs sent after it).
   * The miners keep their own targets: this one only decides which shares are forwarded.
   */
  private onTarget(epoch: number, channelId: number, target: bigint): void {
    const ch = this.d.registry.get(epoch, channelId);
    if (ch) ch.target = target;
  }

  private onPrefix(epoch: number, channelId: number, prefix: Uint8Array): void {
    const ch = this.d.registry.get(epoch, channelId);
    if (!ch) return;
    ch.prefix = prefix;
    for (const s of [...ch.sessions]) this.d.assigner.adopt(s, ch);
  }

  private onClosedChannel(epoch: number, channelId: number): void {
    const ch = this.d.registry.get(epoch, channelId);
    if (!ch) return;
    this.d.registry.forget(ch);
    for (const s of [...ch.sessions]) {
      bindingOf(s).channel = null;
      s.close();
    }
  }
}
