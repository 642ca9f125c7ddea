import { describe, expect, it } from 'vitest';
import {
  type Harness,
  harness,
  last,
  negotiate,
  openStandard,
  setup,
} from '../../../test/support/session-harness.js';
import { MAX_U256, targetToU256Le, u256LeToTarget } from '../../ckb/target.js';
import { type PeerAccount, PeerLimits } from '../peer-limits.js';

describe('SV2 session: channels', () => {
  it('opens a standard channel with a 4-byte prefix (instance id first), a group id and the current job', () => {
    const h = harness();
    setup(h);
    negotiate(h);
    const job = h.newJob(true);
    const ok = openStandard(h);
    expect(ok.extranoncePrefix).toHaveLength(4);
    expect(ok.extranoncePrefix[0]).toBe(3);
    expect(ok.groupChannelId).not.toBe(ok.channelId);
    expect(u256LeToTarget(ok.target)).toBe((MAX_U256 + 1n) / 4n);
    expect(last(h)).toMatchObject({
      type: 'NewCkbJob',
      channelId: ok.channelId,
      jobId: job.id,
      cleanJobs: true,
    });
  });

  it('opens extended channels with extranonce_size 12 and refuses min_extranonce_size above 12', () => {
    const h = harness();
    setup(h);
    negotiate(h);
    h.newJob(true);
    const open = (min: number) =>
      h.session.handle({
        type: 'OpenExtendedMiningChannel',
        requestId: min,
        userIdentity: 'proxy',
        nominalHashRate: 1e3,
        maxTarget: targetToU256Le(MAX_U256),
        minExtranonceSize: min,
      });
    open(13);
    expect(last(h)).toEqual({
      type: 'OpenMiningChannelError',
      requestId: 13,
      errorCode: 'min-extranonce-size-too-large',
    });
    open(8);
    const ok = h.sent.find((m) => m.type === 'OpenExtendedMiningChannelSuccess');
    expect(ok).toMatchObject({ extranonceSize: 12, requestId: 8 });
  });

  it('refuses channels beyond the per-connection cap', () => {
    const h = harness({ sv2: { authorityKeyFile: '/x', maxChannelsPerConnection: 2 } });
    setup(h);
    negotiate(h);
    h.newJob(true);
    openStandard(h);
    openStandard(h);
    h.session.handle({
      type: 'OpenStandardMiningChannel',
      requestId: 77,
      userIdentity: 'x',
      nominalHashRate: 0,
      maxTarget: targetToU256Le(MAX_U256),
    });
    expect(last(h)).toEqual({
      type: 'OpenMiningChannelError',
      requestId: 77,
      errorCode: 'channel-capacity-exhausted',
    });
    expect(h.ctx.allocator.size).toBe(2);
  });

  it('releases the prefix on CloseChannel', () => {
    const h = harness();
    setup(h);
    negotiate(h);
    h.newJob(true);
    const ok = openStandard(h);
    expect(h.ctx.allocator.size).toBe(1);
    h.session.handle({ type: 'CloseChannel', channelId: ok.channelId, reasonCode: 'bye' });
    expect(h.ctx.allocator.size).toBe(0);
    expect(h.session.channels.size).toBe(0);
  });

  it('refuses a max_target harder than the network target', () => {
    const h = harness();
    setup(h);
    negotiate(h);
    const job = h.newJob(true);
    h.session.handle({
      type: 'OpenStandardMiningChannel',
      requestId: 4,
      userIdentity: 'x',
      nominalHashRate: 0,
      maxTarget: targetToU256Le(job.networkTarget - 1n),
    });
    expect(last(h)).toEqual({
      type: 'OpenMiningChannelError',
      requestId: 4,
      errorCode: 'max-target-out-of-range',
    });
  });
});

describe('SV2 session: limits per peer', () => {
  const limits = (o: Record<string, number>) =>
    new PeerLimits({
      maxChannels: o.maxChannels ?? 1_000,
      maxChannelsPerIp: o.maxChannelsPerIp ?? 1_000,
      maxWorkerNamesPerIp: o.maxWorkerNamesPerIp ?? 1_000,
      ipMessageRate: { perSecond: 0, burst: 1 },
    });

  function ready(peer: PeerAccount, overrides: Record<string, unknown> = {}): Harness {
    const h = harness(overrides, peer);
    setup(h);
    negotiate(h);
    h.newJob(true);
    return h;
  }

  /** Sends an open for `user`; the answer's type and error code. */
  function open(h: Harness, user: string, requestId = 5): { type: string; errorCode?: string } {
    h.session.handle({
      type: 'OpenStandardMiningChannel',
      requestId,
      userIdentity: user,
      nominalHashRate: 0,
      maxTarget: targetToU256Le(MAX_U256),
    });
    const m = h.sent.filter((x) => 'requestId' in x && x.requestId === requestId).pop();
    return m?.type === 'OpenMiningChannelError'
      ? { type: m.type, errorCode: m.errorCode }
      : { type: m?.type ?? 'none' };
  }

  async function refusals(h: Harness, reason: string): Promise<number> {
    const v = (await h.ctx.metrics.connectionsRejected.get()).values.find((x) => x.labels.reason === reason);
    return v?.value ?? 0;
  }

  it('refuses channels beyond the per-IP cap over all connections of that IP, and frees them when one leaves', async () => {
    const pool = limits({ maxChannelsPerIp: 3 });
    const a = ready(pool.join('10.0.0.1'));
    const b = ready(pool.join('10.0.0.1'));
    expect(open(a, 'w1', 1).type).toBe('OpenStandardMiningChannelSuccess');
    expect(open(a, 'w2', 2).type).toBe('OpenStandardMiningChannelSuccess');
    expect(open(b, 'w3', 3).type).toBe('OpenStandardMiningChannelSuccess');
    expect(open(b, 'w4', 4)).toEqual({
      type: 'OpenMiningChannelError',
      errorCode: 'channel-capacity-exhausted',
    });
    expect(await refusals(b, 'channels_per_ip')).toBe(1);
    // Another IP is not affected.
    const other = ready(pool.join('10.0.0.2'));
    expect(open(other, 'w5', 5).type).toBe('OpenStandardMiningChannelSuccess');
    a.session.closed();
    expect(pool.usage('10.0.0.1')?.channels).toBe(1);
    expect(open(b, 'w6', 6).type).toBe('OpenStandardMiningChannelSuccess');
  });

  it('refuses channels beyond the pool-wide total, whatever the IP', async () => {
    const pool = limits({ maxChannels: 2 });
    const a = ready(pool.join('10.0.0.1'));
    const b = ready(pool.join('10.0.0.2'));
    expect(open(a, 'w1', 1).type).toBe('OpenStandardMiningChannelSuccess');
    expect(open(b, 'w2', 2).type).toBe('OpenStandardMiningChannelSuccess');
    expect(open(b, 'w3', 3).errorCode).toBe('channel-capacity-exhausted');
    expect(await refusals(b, 'channels_total')).toBe(1);
    expect(pool.channels).toBe(2);
  });

  it('counts the per-connection channel cap under its own reason', async () => {
    const h = ready(limits({}).join('10.0.0.1'), {
      sv2: { authorityKeyFile: '/x', maxChannelsPerConnection: 1 },
    });
    expect(open(h, 'w1', 1).type).toBe('OpenStandardMiningChannelSuccess');
    expect(open(h, 'w2', 2).errorCode).toBe('channel-capacity-exhausted');
    expect(await refusals(h, 'channels_per_connection')).toBe(1);
  });

  it('limits distinct worker names per connection: a name in use is free, a new one is refused until one is released', async () => {
    const h = ready(limits({}).join('10.0.0.1'), { limits: { maxWorkerNamesPerConnection: 2 } });
    expect(open(h, 'alice.a', 1).type).toBe('OpenStandardMiningChannelSuccess');
    expect(open(h, 'alice.b', 2).type).toBe('OpenStandardMiningChannelSuccess');
    expect(open(h, 'alice.a', 3).type).toBe('OpenStandardMiningChannelSuccess');
    expect(open(h, 'alice.c', 4)).toEqual({
      type: 'OpenMiningChannelError',
      errorCode: 'too-many-worker-names',
    });
    expect(await refusals(h, 'worker_names_per_connection')).toBe(1);
    const b = [...h.session.channels.values()].find((c) => c.worker === 'alice.b');
    h.session.handle({ type: 'CloseChannel', channelId: b?.id ?? -1, reasonCode: 'bye' });
    expect(open(h, 'alice.c', 5).type).toBe('OpenStandardMiningChannelSuccess');
  });

  it('limits worker names per IP over all its connections', async () => {
    const pool = limits({ maxWorkerNamesPerIp: 2 });
    const a = ready(pool.join('10.0.0.1'));
    const b = ready(pool.join('10.0.0.1'));
    expect(open(a, 'n1', 1).type).toBe('OpenStandardMiningChannelSuccess');
    expect(open(b, 'n2', 2).type).toBe('OpenStandardMiningChannelSuccess');
    expect(open(b, 'n3', 3).errorCode).toBe('too-many-worker-names');
    expect(await refusals(b, 'worker_names_per_ip')).toBe(1);
    // No slot leaked by the refusals: one connection leaving frees exactly its names.
    b.session.closed();
    expect(pool.usage('10.0.0.1')).toEqual({ connections: 1, channels: 1, workerNames: 1 });
  });
});

describe('SV2 session: closing channels', () => {
  function withChannels(n: number) {
    const h = harness();
    setup(h);
    negotiate(h);
    h.newJob(true);
    const opened = Array.from({ length: n }, () => openStandard(h));
    return { h, opened };
  }

  it('closes every channel of the connection when CloseChannel names the group channel', () => {
    const { h, opened } = withChannels(3);
    const group = opened[0]?.groupChannelId ?? -1;
    h.session.handle({ type: 'CloseChannel', channelId: group, reasonCode: 'bye' });
    expect(h.session.channels.size).toBe(0);
    expect(h.ctx.allocator.size).toBe(0);
  });

  it('ignores CloseChannel for a channel it does not know', () => {
    const { h } = withChannels(1);
    const sent = h.sent.length;
    h.session.handle({ type: 'CloseChannel', channelId: 999, reasonCode: 'bye' });
    expect(h.session.channels.size).toBe(1);
    expect(h.sent.length).toBe(sent);
  });

  it('gives back every prefix and channel slot when the connection closes', async () => {
    const pool = new PeerLimits({
      maxChannels: 10,
      maxChannelsPerIp: 10,
      maxWorkerNamesPerIp: 10,
      ipMessageRate: { perSecond: 0, burst: 1 },
    });
    const h = harness({}, pool.join('10.0.0.9'));
    setup(h);
    negotiate(h);
    h.newJob(true);
    openStandard(h);
    openStandard(h);
    expect(pool.usage('10.0.0.9')).toMatchObject({ channels: 2 });
    h.session.closed();
    expect(h.ctx.allocator.size).toBe(0);
    expect(pool.channels).toBe(0);
    expect((await h.ctx.metrics.channels.get()).values[0]?.value).toBe(0);
  });
});
