import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { fakeSession } from '../../test/support/translator-fakes.js';
import { TokenBucket } from '../sv2/rate-limit.js';
import { ChannelHashrates } from './channel-hashrate.js';
import { ChannelRegistry } from './channel-registry.js';

function setup(budget = 100) {
  let now = 0;
  const updates: Array<[number, number]> = [];
  const bucket = new TokenBucket(0.001, budget, performance.now());
  const h = new ChannelHashrates({
    upstream: {
      updateChannel: (_e, id, rate) => {
        updates.push([id, rate]);
        return true;
      },
    },
    upstreamBudget: bucket,
    minIntervalMs: 1_000,
    now: () => now,
  });
  const registry = new ChannelRegistry();
  const opened = { epoch: 1, channelId: 3, groupChannelId: 1, extranoncePrefix: Uint8Array.of(0, 0, 0, 3) };
  const ch = registry.add({ ...opened, extranonceSize: 12, target: 1n }, 'translator', null, 100);
  ch.declaredAtMs = 0;
  return { h, registry, ch, updates, bucket, advance: (ms: number) => (now += ms) };
}

describe('UpdateChannel for the miners behind a channel', () => {
  it('is sent when the summed hashrate moves more than 20 % from what the channel declared', () => {
    const t = setup();
    const a = fakeSession('a');
    t.registry.bind(a.s, t.ch);
    t.advance(1_000);
    t.h.set(a.s, 110); // +10 %
    expect(t.updates).toEqual([]);
    t.h.set(a.s, 130); // +30 %
    expect(t.updates).toEqual([[3, 130]]);
    expect(t.ch.declaredHashRate).toBe(130);
  });

  it('waits for the rate limit and sends the held-back change at the next review', () => {
    const t = setup();
    const a = fakeSession('a');
    t.registry.bind(a.s, t.ch);
    t.h.set(a.s, 400);
    expect(t.updates).toEqual([]);
    t.advance(999);
    expect(t.h.review(t.ch)).toBe(false);
    t.advance(1);
    expect(t.h.review(t.ch)).toBe(true);
    expect(t.updates).toEqual([[3, 400]]);
  });

  it('spends the shared upstream budget and holds back when it is empty', () => {
    const t = setup(1);
    t.bucket.take(performance.now()); // the miners' shares spent it
    const a = fakeSession('a');
    t.registry.bind(a.s, t.ch);
    t.advance(5_000);
    t.h.set(a.s, 400);
    expect(t.updates).toEqual([]);
  });

  it('follows miners joining and leaving the channel', () => {
    const t = setup();
    const [a, b] = [fakeSession('a'), fakeSession('b')];
    t.h.set(a.s, 100);
    t.h.set(b.s, 100);
    t.registry.bind(a.s, t.ch);
    t.registry.bind(b.s, t.ch);
    expect(t.ch.hashRateSum).toBe(200);
    t.advance(1_000);
    expect(t.h.review(t.ch)).toBe(true);
    expect(t.updates).toEqual([[3, 200]]);
  });
});
