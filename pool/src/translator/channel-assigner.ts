import { performance } from 'node:perf_hooks';
import type { OpenedChannel, UpstreamClient, UpstreamJob } from '../sv2/client/upstream.js';
import type { TokenBucket } from '../sv2/rate-limit.js';
import type { ChannelHashrates } from './channel-hashrate.js';
import {
  bindingOf,
  type ChannelRegistry,
  extranonceFor,
  type MinerIndexes,
  unbind,
} from './channel-registry.js';
import type { TranslatorJob } from './jobs.js';
import type { TranslatorLimitReason } from './limits.js';
import type { TranslatorMetrics } from './metrics.js';
import type { MinerTargets } from './miner-targets.js';
import { bytesEqual } from './shares.js';
import type { ChannelState, TranslatorMode } from './types.js';
import type { V1Session } from './v1-session.js';

export interface ChannelAssignerDeps {
  mode: TranslatorMode;
  /** The channel name in aggregated mode and for miners that have not named themselves. */
  identity: string;
  upstream: Pick<UpstreamClient, 'openChannel' | 'closeChannel' | 'latestJob' | 'epoch' | 'connected'>;
  registry: ChannelRegistry;
  indexes: MinerIndexes;
  upstreamBudget: TokenBucket;
  metrics: Pick<TranslatorMetrics, 'channelOpens'>;
  limited: (reason: TranslatorLimitReason) => void;
  recordJob: (uj: UpstreamJob) => TranslatorJob;
  /** Each miner's own target (vardiff) and the targets its jobs went out with. */
  targets: MinerTargets;
  hashrates: ChannelHashrates;
}

/**
 * Which pool channel each V1 miner mines on: per-worker mode opens one per miner (under its
 * name once it authorizes and can take a new extranonce1), aggregated mode shares one and
 * hands each miner a 2-byte index. Also sends a miner its work on its channel.
 */
export class ChannelAssigner {
  /** The pool refused the last channel open (its error code), until one succeeds again. */
  poolRefusing: string | null = null;
  private aggChannel: ChannelState | null = null;
  private aggOpening: Promise<ChannelState> | null = null;

  constructor(private readonly d: ChannelAssignerDeps) {}

  /** A new pool connection: the shared channel of the old one is gone. */
  newEpoch(): void {
    this.poolRefusing = null;
    this.aggChannel = null;
  }

  /** `nominalHashRate`: the hashrate of the miner(s) it is opened for (H/s). */
  private async open(name: string, nominalHashRate: number): Promise<ChannelState> {
    const { d } = this;
    if (!d.upstreamBudget.take(performance.now())) {
      d.limited('upstream_busy');
      throw new Error('translator busy: too many requests to the pool, try again later');
    }
    d.metrics.channelOpens.inc();
    let c: OpenedChannel;
    try {
      c = await d.upstream.openChannel('extended', name, nominalHashRate);
    } catch (err) {
      const refused = /^OpenMiningChannel\.Error (\S+)/.exec((err as Error).message);
      if (!refused) throw err;
      this.poolRefusing = refused[1];
      throw new Error(`the pool is full: it refused a channel (${this.poolRefusing}); try again later`);
    }
    this.poolRefusing = null;
    const uj = d.upstream.latestJob(c.channelId, c.groupChannelId);
    const job = uj && uj.epoch === d.upstream.epoch ? d.recordJob(uj) : null;
    return d.registry.add(c, name, job, nominalHashRate);
  }

  /** The shared channel, opened at the hashrate of the miner that needs it first. */
  private aggregated(nominalHashRate: number): Promise<ChannelState> {
    if (this.aggChannel && this.aggChannel.epoch === this.d.upstream.epoch)
      return Promise.resolve(this.aggChannel);
    this.aggOpening ??= this.open(this.d.identity, nominalHashRate).then(
      (ch) => {
        this.aggChannel = ch;
        this.aggOpening = null;
        return ch;
      },
      (err) => {
        this.aggOpening = null;
        throw err;
      },
    );
    return this.aggOpening;
  }

  /** Opens (or joins) the channel this session mines on, for the current pool connection. */
  async attach(s: V1Session, name: string): Promise<ChannelState> {
    const { registry, indexes, targets, hashrates } = this.d;
    const b = bindingOf(s);
    b.hashRate = targets.hashRate(b.targets, s);
    if (this.d.mode === 'aggregated') {
      const ch = await this.aggregated(b.hashRate);
      if (b.localIndex === null) b.localIndex = indexes.take();
      registry.bind(s, ch);
      hashrates.review(ch);
      return ch;
    }
    const ch = await this.open(name, b.hashRate);
    if (s.closed) {
      this.close(ch);
      throw new Error('miner left');
    }
    const old = b.channel;
    registry.bind(s, ch);
    if (old && old !== ch && old.sessions.size === 0) this.close(old);
    return ch;
  }

  close(ch: ChannelState): void {
    // Channel ids restart with each pool connection: only forget this very channel.
    this.d.registry.forget(ch);
    this.d.upstream.closeChannel(ch.epoch, ch.channelId);
  }

  /**
   * Sends the session the channel's newest job, preceded by the miner's own target when its
   * vardiff moved it (a V1 miner applies a target to the jobs after it), and notes the targets
   * that job went out with.
   */
  sendWork(s: V1Session, ch: ChannelState, clean: boolean): void {
    if (!s.user || s.closed) return;
    const { targets, hashrates } = this.d;
    const b = bindingOf(s);
    const j = ch.lastJob && ch.lastJob.epoch === this.d.upstream.epoch ? ch.lastJob : null;
    const target = targets.targetForJob(b.targets, s, j);
    if (s.target !== target) s.sendTarget(target);
    hashrates.set(s, targets.hashRate(b.targets, s));
    if (j) {
      targets.sent(b.targets, j.v1Id, { miner: target, channel: ch.target });
      s.sendJob({ jobId: j.v1Id, powHash: j.powHash, height: j.height, parentHash: j.parentHash, clean });
    }
  }

  /** After a (re)open: tell the miner about a new extranonce1, or drop it if it cannot take one. */
  adopt(s: V1Session, ch: ChannelState): void {
    const en = extranonceFor(ch, bindingOf(s));
    if (!s.subscribed) return;
    if (bytesEqual(en.extranonce1, s.extranonce1) && en.extranonce2Size === s.extranonce2Size) {
      this.sendWork(s, ch, true);
      return;
    }
    if (s.takesNewExtranonce) {
      s.sendExtranonce(en.extranonce1, en.extranonce2Size);
      this.sendWork(s, ch, true);
      return;
    }
    s.log.info(
      { dialect: s.dialect.name },
      'new extranonce1 and the miner cannot take mining.set_extranonce; closing so it resubscribes',
    );
    s.close();
  }

  /** A miner left: its index and, in per-worker mode, its emptied channel are released. */
  leave(s: V1Session): void {
    const b = bindingOf(s);
    if (b.localIndex !== null) this.d.indexes.release(b.localIndex);
    const ch = b.channel;
    if (!ch) return;
    unbind(s, ch);
    if (this.d.mode === 'per-worker' && ch.sessions.size === 0) this.close(ch);
    else this.d.hashrates.review(ch);
  }
}
