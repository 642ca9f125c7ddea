import { describe, expect, it } from 'vitest';
import { fakeSession, setup } from '../../test/support/translator-fakes.js';
import { bindingOf } from './channel-registry.js';

describe('ChannelAssigner', () => {
  it('opens one channel per miner in per-worker mode and closes it when its last miner leaves', async () => {
    const t = setup('per-worker');
    const a = fakeSession();
    const ch = await t.assigner.attach(a.s, 'alice');
    expect(t.upstream.opened).toEqual(['alice']);
    expect(ch.sessions.has(a.s)).toBe(true);
    t.assigner.leave(a.s);
    expect(t.upstream.closed).toEqual([ch.channelId]);
    expect(t.registry.get(1, ch.channelId)).toBeUndefined();
  });

  it("opens a miner's channel at the hashrate its dialect declares, and the shared channel at the pool's default", async () => {
    const t = setup('per-worker');
    const k7 = fakeSession();
    k7.raw.nominalHashRate = 2 ** 44;
    await t.assigner.attach(k7.s, 'alice.k7');
    expect(t.upstream.nominalHashRates).toEqual([2 ** 44]);
    const agg = setup('aggregated');
    await agg.assigner.attach(k7.s, 'translator');
    expect(agg.upstream.nominalHashRates).toEqual([0]);
  });

  it('shares one channel in aggregated mode, giving each miner its own index', async () => {
    const t = setup('aggregated');
    const a = fakeSession('a');
    const b = fakeSession('b');
    const [cha, chb] = await Promise.all([t.assigner.attach(a.s, 'a'), t.assigner.attach(b.s, 'b')]);
    expect(cha).toBe(chb);
    expect(t.upstream.opened).toEqual(['translator']);
    expect(bindingOf(a.s).localIndex).not.toBe(bindingOf(b.s).localIndex);
    t.assigner.leave(a.s);
    expect(t.upstream.closed).toEqual([]); // the shared channel stays open
  });

  it('remembers that the pool refuses channels until one opens again', async () => {
    const t = setup('per-worker');
    t.upstream.refuse = 'too-many-channels';
    await expect(t.assigner.attach(fakeSession().s, 'alice')).rejects.toThrow('the pool is full');
    expect(t.assigner.poolRefusing).toBe('too-many-channels');
    t.upstream.refuse = null;
    await t.assigner.attach(fakeSession().s, 'alice');
    expect(t.assigner.poolRefusing).toBeNull();
  });

  it('closes a miner that cannot take a new extranonce1 instead of sending it work it cannot mine', async () => {
    const t = setup('per-worker');
    const a = fakeSession();
    a.raw.extranonceSubscribed = false;
    const ch = await t.assigner.attach(a.s, 'alice');
    t.assigner.adopt(a.s, ch);
    expect(a.sent).toEqual(['close']);
  });
});
