import { performance } from 'node:perf_hooks';
import type { UpstreamClient } from '../sv2/client/upstream.js';
import type { TokenBucket } from '../sv2/rate-limit.js';
import { bindingOf } from './channel-registry.js';
import type { ChannelState } from './types.js';
import type { V1Session } from './v1-session.js';

/**
 * Keeps what each pool channel declares in step with the miners behind it: a channel is opened
 * at its first miner's hashrate, and an SV2 `UpdateChannel` goes up when the sum of its miners'
 * hashrates has moved more than `changeRatio` from the declared one (the spec: an aggregating
 * proxy MUST send UpdateChannel when its downstreams change) — at most once per `minIntervalMs`
 * per channel and within the upstream budget every miner shares. An update held back by the
 * rate limit goes out at a later review (each new job reviews its channels).
 */

export interface ChannelHashratesDeps {
  upstream: Pick<UpstreamClient, 'updateChannel'>;
  upstreamBudget: TokenBucket;
  minIntervalMs: number;
  /** Relative change that is worth an UpdateChannel (default 0.2). */
  changeRatio?: number;
  now?: () => number;
  /** Counts the UpdateChannel messages sent. */
  onUpdate?: () => void;
}

export class ChannelHashrates {
  constructor(private readonly d: ChannelHashratesDeps) {}

  /** Miner `s` now stands for `hashRate` H/s; its channel's sum follows. */
  set(s: V1Session, hashRate: number): void {
    const b = bindingOf(s);
    const ch = b.channel;
    if (ch?.sessions.has(s)) ch.hashRateSum = Math.max(0, ch.hashRateSum - b.hashRate + hashRate);
    b.hashRate = hashRate;
    if (ch) this.review(ch);
  }

  /** Sends UpdateChannel for `ch` when its miners' sum is far from what it declared and it may. */
  review(ch: ChannelState): boolean {
    if (ch.sessions.size === 0) return false;
    const declared = ch.declaredHashRate;
    const sum = ch.hashRateSum;
    const ratio = this.d.changeRatio ?? 0.2;
    const far = declared > 0 ? Math.abs(sum - declared) / declared > ratio : sum > 0;
    if (!far) return false;
    const now = (this.d.now ?? Date.now)();
    if (now - ch.declaredAtMs < this.d.minIntervalMs) return false;
    if (!this.d.upstreamBudget.take(performance.now())) return false;
    if (!this.d.upstream.updateChannel(ch.epoch, ch.channelId, sum)) return false;
    ch.declaredHashRate = sum;
    ch.declaredAtMs = now;
    this.d.onUpdate?.();
    return true;
  }
}
