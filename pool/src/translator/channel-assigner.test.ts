import { describe, expect, it } from 'vitest';
import {
  FAKE_START_TARGET,
  FAKE_VARDIFF,
  fakeSession,
  job,
  setup,
} from '../../test/support/translator-fakes.js';
import { difficultyToTarget } from '../ckb/target.js';
import { antminerK7Dialect } from '../stratum-v1/dialects/antminer-k7.js';
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

  it("opens a miner's channel at the hashrate its start difficulty stands for, never at 0", async () => {
    const t = setup('per-worker');
    const k7 = fakeSession();
    k7.raw.dialect = antminerK7Dialect; // declares 2^44 H/s; the fakes aim at one share a second
    await t.assigner.attach(k7.s, 'alice.k7');
    const plain = fakeSession('bob');
    await t.assigner.attach(plain.s, 'bob');
    // The K7's 2^44 × 1 s is clamped to the fakes' maxDifficulty (2^40).
    expect(t.upstream.nominalHashRates).toEqual([2 ** 40, FAKE_VARDIFF.startDifficulty]);
    const agg = setup('aggregated');
    await agg.assigner.attach(fakeSession('carol').s, 'translator');
    expect(agg.upstream.nominalHashRates).toEqual([FAKE_VARDIFF.startDifficulty]);
  });

  it('declares the summed hashrate of an aggregated channel with UpdateChannel, at most once a period', async () => {
    let now = 1_000_000;
    const t = setup('aggregated', () => now);
    const miners = [fakeSession('a'), fakeSession('b'), fakeSession('c')];
    const ch = await t.assigner.attach(miners[0]!.s, 'translator');
    ch.declaredAtMs = now;
    await t.assigner.attach(miners[1]!.s, 'translator');
    expect(t.upstream.updates).toEqual([]); // within the period: held back
    now += FAKE_VARDIFF.retargetPeriodSeconds * 1000;
    await t.assigner.attach(miners[2]!.s, 'translator');
    expect(t.upstream.updates).toEqual([[ch.channelId, 3 * FAKE_VARDIFF.startDifficulty]]);
    t.assigner.leave(miners[2]!.s); // -33 %, but within the period again
    expect(t.upstream.updates).toHaveLength(1);
    now += FAKE_VARDIFF.retargetPeriodSeconds * 1000;
    t.assigner.leave(miners[1]!.s);
    expect(t.upstream.updates.at(-1)).toEqual([ch.channelId, FAKE_VARDIFF.startDifficulty]);
  });

  it("sends a miner's new target just before the job that uses it, and remembers each job's", async () => {
    let now = 1_000_000;
    const t = setup('per-worker', () => now);
    const a = fakeSession();
    const ch = await t.assigner.attach(a.s, 'alice');
    t.upstream.emit('job', job(ch.channelId, 1));
    const b = bindingOf(a.s);
    const first = ch.lastJob?.v1Id as string;
    // 100 shares in one period: 10× the aimed rate → at most ×4 harder, a power of two.
    for (let i = 0; i < 100; i++) t.targets.share(b.targets, t.targets.forJob(b.targets, first)!);
    now += FAKE_VARDIFF.retargetPeriodSeconds * 1000;
    t.upstream.emit('job', job(ch.channelId, 2));
    const second = ch.lastJob?.v1Id as string;
    const harder = difficultyToTarget(BigInt(FAKE_VARDIFF.startDifficulty * 4));
    expect(a.sent).toEqual([
      `target ${FAKE_START_TARGET}`,
      `job ${first} clean`,
      `target ${harder}`,
      `job ${second} clean`,
    ]);
    expect(t.targets.forJob(b.targets, first)?.miner).toBe(FAKE_START_TARGET);
    expect(t.targets.forJob(b.targets, second)?.miner).toBe(harder);
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
