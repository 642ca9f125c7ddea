import { describe, expect, it } from 'vitest';
import { FAKE_START_TARGET, fakeSession, job, setup, tick } from '../../test/support/translator-fakes.js';
import { bindingOf } from './channel-registry.js';

describe('UpstreamEvents', () => {
  it("sends a job to the miners of the channels it addresses, with the miner's own target first", async () => {
    const t = setup('per-worker');
    const a = fakeSession();
    const other = fakeSession('bob');
    const ch = await t.assigner.attach(a.s, 'alice');
    await t.assigner.attach(other.s, 'bob');
    t.upstream.emit('job', job(ch.channelId, 7));
    expect(a.sent).toEqual([`target ${FAKE_START_TARGET}`, `job ${ch.lastJob?.v1Id} clean`]);
    expect(other.sent).toEqual([]);
  });

  it('takes SetTarget as the channel target of later jobs and leaves the miner its own target', async () => {
    const t = setup('per-worker');
    const a = fakeSession();
    const ch = await t.assigner.attach(a.s, 'alice');
    t.upstream.emit('job', job(ch.channelId, 7));
    const first = ch.lastJob?.v1Id as string;
    t.upstream.emit('target', 1, ch.channelId, 500n);
    expect(ch.target).toBe(500n);
    t.upstream.emit('target', 0, ch.channelId, 1n); // an older connection's channel: ignored
    expect(ch.target).toBe(500n);
    t.upstream.emit('job', job(ch.channelId, 8, 1));
    const second = ch.lastJob?.v1Id as string;
    expect(a.sent).toEqual([`target ${FAKE_START_TARGET}`, `job ${first} clean`, `job ${second} clean`]);
    const b = bindingOf(a.s);
    expect(t.targets.forJob(b.targets, first)).toEqual({ miner: FAKE_START_TARGET, channel: 1000n });
    expect(t.targets.forJob(b.targets, second)).toEqual({ miner: FAKE_START_TARGET, channel: 500n });
  });

  it('closes the miners of a channel the pool closed', async () => {
    const t = setup('per-worker');
    const a = fakeSession();
    const ch = await t.assigner.attach(a.s, 'alice');
    t.upstream.emit('closedChannel', 1, ch.channelId, 'pool-shutdown');
    expect(a.sent).toEqual(['close']);
    expect(bindingOf(a.s).channel).toBeNull();
  });

  it('reopens every subscribed miner a channel under its name on a new pool connection', async () => {
    const t = setup('per-worker');
    const a = fakeSession();
    t.sessions.add(a.s);
    await t.assigner.attach(a.s, 'translator');
    t.upstream.emit('down', 1, 'lost');
    t.upstream.epoch = 2;
    t.upstream.emit('up', 2, 'stratum2+tcp://x');
    await new Promise((r) => setImmediate(r));
    expect(t.upstream.opened).toEqual(['translator', 'alice']);
    expect(bindingOf(a.s).channel?.epoch).toBe(2);
  });

  it('lets a subscribe wait for the pool and gives up after the wait', async () => {
    const t = setup('per-worker');
    t.upstream.connected = false;
    const waiting = t.events.waitUp(5_000);
    t.upstream.emit('up', 1, 'stratum2+tcp://x');
    await expect(waiting).resolves.toBeUndefined();
    await expect(t.events.waitUp(10)).rejects.toThrow('pool unavailable');
  });
});

describe('UpstreamEvents: connection state and metrics', () => {
  const gauge = async (g: { get(): Promise<{ values: Array<{ value: number; labels: object }> }> }) =>
    (await g.get()).values.map((v) => v.value);

  it('reports the pool connection up and down, counting each drop as a reconnect', async () => {
    const t = setup('per-worker');
    t.upstream.emit('up', 1, 'stratum2+tcp://x');
    expect(await gauge(t.metrics.upstreamUp)).toEqual([1]);
    t.upstream.emit('down', 1, 'lost');
    expect(await gauge(t.metrics.upstreamUp)).toEqual([0]);
    expect(await gauge(t.metrics.upstreamReconnects)).toEqual([1]);
  });

  it('counts failbacks and failback probes by outcome', async () => {
    const t = setup('per-worker');
    t.upstream.emit('failback', 'stratum2+tcp://b', 'stratum2+tcp://a');
    t.upstream.emit('probe', 'stratum2+tcp://a', true, 1);
    t.upstream.emit('probe', 'stratum2+tcp://a', false, 0);
    t.upstream.emit('probe', 'stratum2+tcp://a', false, 0);
    expect(await gauge(t.metrics.upstreamFailbacks)).toEqual([1]);
    const probes = (await t.metrics.upstreamProbes.get()).values;
    expect(Object.fromEntries(probes.map((v) => [v.labels.outcome, v.value]))).toEqual({ ok: 1, failed: 2 });
  });

  it('keeps a miner bound to its channel name through a drop but forgets who mines on the channel', async () => {
    const t = setup('per-worker');
    const a = fakeSession();
    t.sessions.add(a.s);
    const ch = await t.assigner.attach(a.s, 'alice');
    t.upstream.emit('down', 1, 'lost');
    expect(ch.sessions.size).toBe(0);
    expect(bindingOf(a.s).channel?.name).toBe('alice');
  });

  it('ignores a job of an older pool connection', async () => {
    const t = setup('per-worker');
    const a = fakeSession();
    const ch = await t.assigner.attach(a.s, 'alice');
    t.upstream.epoch = 2;
    t.upstream.emit('job', job(ch.channelId, 7, 1));
    expect(a.sent).toEqual([]);
    expect(ch.lastJob).toBeNull();
  });

  it('sends a job addressed to the group channel to the miners of every channel in it', async () => {
    const t = setup('per-worker');
    const a = fakeSession('a');
    const b = fakeSession('b');
    await t.assigner.attach(a.s, 'a');
    await t.assigner.attach(b.s, 'b');
    t.upstream.emit('job', job(100, 8));
    expect(a.sent.some((l) => l.startsWith('job '))).toBe(true);
    expect(b.sent.some((l) => l.startsWith('job '))).toBe(true);
  });

  it('gives the miners of a channel its new extranonce prefix, then work', async () => {
    const t = setup('per-worker');
    const a = fakeSession();
    const ch = await t.assigner.attach(a.s, 'alice');
    t.upstream.emit('prefix', 1, ch.channelId, Uint8Array.of(9, 9, 9, 9));
    expect(ch.prefix).toEqual(Uint8Array.of(9, 9, 9, 9));
    expect(a.sent[0]).toBe('extranonce');
  });

  it('reopens under the translator identity in aggregated mode, whatever the miners are called', async () => {
    const t = setup('aggregated');
    const a = fakeSession('alice');
    t.sessions.add(a.s);
    await t.assigner.attach(a.s, 'translator');
    t.upstream.emit('down', 1, 'lost');
    t.upstream.epoch = 2;
    t.upstream.emit('up', 2, 'stratum2+tcp://x');
    await tick();
    expect(t.upstream.opened).toEqual(['translator', 'translator']);
  });

  it('does not reopen a channel for a miner that never had one or never subscribed', async () => {
    const t = setup('per-worker');
    const idle = fakeSession();
    const unsubscribed = fakeSession('bob');
    unsubscribed.raw.subscribed = false;
    t.sessions.add(idle.s);
    t.sessions.add(unsubscribed.s);
    await t.assigner.attach(unsubscribed.s, 'bob');
    t.upstream.emit('down', 1, 'lost');
    t.upstream.epoch = 2;
    t.upstream.emit('up', 2, 'stratum2+tcp://x');
    await tick();
    expect(t.upstream.opened).toEqual(['bob']);
  });
});
