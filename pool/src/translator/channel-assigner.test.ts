import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DIALECT } from '../stratum-v1/dialects/index.js';
import type {
  OpenedChannel,
  UpstreamEvents as UpstreamEventMap,
  UpstreamJob,
} from '../sv2/client/upstream.js';
import { TokenBucket } from '../sv2/rate-limit.js';
import { ChannelAssigner } from './channel-assigner.js';
import { bindingOf, ChannelRegistry, MinerIndexes } from './channel-registry.js';
import { TranslatorJobBook } from './jobs.js';
import { TranslatorMetrics } from './metrics.js';
import type { ShareRelay } from './share-relay.js';
import type { TranslatorMode } from './types.js';
import { UpstreamEvents } from './upstream-events.js';
import { V1Host } from './v1-host.js';
import type { V1Session } from './v1-session.js';

/** A pool connection that opens channels 1, 2, … (or refuses with `refuse`) and records closes. */
class FakeUpstream extends EventEmitter<UpstreamEventMap> {
  epoch = 1;
  connected = true;
  workerHashrate = false;
  refuse: string | null = null;
  opened: string[] = [];
  nominalHashRates: number[] = [];
  closed: number[] = [];
  private nextId = 1;
  openChannel(_kind: 'extended' | 'standard', name: string, nominalHashRate = 0): Promise<OpenedChannel> {
    if (this.refuse) return Promise.reject(new Error(`OpenMiningChannel.Error ${this.refuse}`));
    this.opened.push(name);
    this.nominalHashRates.push(nominalHashRate);
    const channelId = this.nextId++;
    return Promise.resolve({
      epoch: this.epoch,
      channelId,
      groupChannelId: 100,
      extranoncePrefix: Uint8Array.of(0, 0, 0, channelId),
      extranonceSize: 12,
      target: 1000n,
    });
  }
  closeChannel(_epoch: number, channelId: number): void {
    this.closed.push(channelId);
  }
  latestJob(): UpstreamJob | null {
    return null;
  }
}

/** A V1 session as the parts see it: records what it is sent. */
function fakeSession(user: string | null = 'alice') {
  const sent: string[] = [];
  const s = {
    user,
    subscribed: true,
    extranonceSubscribed: true,
    get takesNewExtranonce() {
      return s.extranonceSubscribed;
    },
    nominalHashRate: 0,
    dialect: DEFAULT_DIALECT,
    extranonce1: new Uint8Array(0),
    extranonce2Size: 0,
    target: null as bigint | null,
    binding: null,
    closed: false,
    log: pino({ level: 'silent' }),
    sendTarget(t: bigint) {
      s.target = t;
      sent.push(`target ${t}`);
    },
    sendJob(j: { jobId: string; clean: boolean }) {
      sent.push(`job ${j.jobId}${j.clean ? ' clean' : ''}`);
    },
    sendExtranonce() {
      sent.push('extranonce');
    },
    close() {
      s.closed = true;
      sent.push('close');
    },
  };
  return { s: s as unknown as V1Session, sent, raw: s };
}

function setup(mode: TranslatorMode) {
  const upstream = new FakeUpstream();
  const registry = new ChannelRegistry();
  const jobs = new TranslatorJobBook();
  const metrics = new TranslatorMetrics({ defaultMetrics: false });
  const recordJob = (uj: UpstreamJob) => jobs.record(uj).job;
  const assigner = new ChannelAssigner({
    mode,
    identity: 'translator',
    upstream,
    registry,
    indexes: new MinerIndexes(),
    upstreamBudget: new TokenBucket(0, 1, performance.now()),
    metrics,
    limited: () => {},
    recordJob,
  });
  const sessions = new Set<V1Session>();
  const events = new UpstreamEvents({
    mode,
    identity: 'translator',
    upstream: upstream as never,
    sessions,
    registry,
    assigner,
    jobs,
    metrics,
    recordJob,
  });
  return { upstream, registry, assigner, sessions, events, jobs };
}

const tick = () => new Promise((r) => setImmediate(r));

const job = (channelId: number, jobId: number, epoch = 1): UpstreamJob => ({
  epoch,
  channelId,
  jobId,
  clean: true,
  height: 1n,
  powHash: new Uint8Array(32).fill(jobId),
  parentHash: new Uint8Array(32),
  compactTarget: 0,
});

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

describe('UpstreamEvents', () => {
  it('sends a job to the miners of the channels it addresses, with the channel target first', async () => {
    const t = setup('per-worker');
    const a = fakeSession();
    const other = fakeSession('bob');
    const ch = await t.assigner.attach(a.s, 'alice');
    await t.assigner.attach(other.s, 'bob');
    t.upstream.emit('job', job(ch.channelId, 7));
    expect(a.sent).toEqual(['target 1000', `job ${ch.lastJob?.v1Id} clean`]);
    expect(other.sent).toEqual([]);
  });

  it('keeps the previous target valid for a grace period after SetTarget', async () => {
    const t = setup('per-worker');
    const a = fakeSession();
    const ch = await t.assigner.attach(a.s, 'alice');
    t.upstream.emit('target', 1, ch.channelId, 500n);
    expect(ch).toMatchObject({ target: 500n, previousTarget: 1000n });
    expect(ch.previousUntilMs).toBeGreaterThan(Date.now());
    expect(a.sent).toEqual(['target 500']);
    t.upstream.emit('target', 0, ch.channelId, 1n); // an older connection's channel: ignored
    expect(ch.target).toBe(500n);
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

describe('V1Host', () => {
  function host(mode: TranslatorMode) {
    const t = setup(mode);
    const h = new V1Host({
      mode,
      identity: 'translator',
      upstream: t.upstream,
      assigner: t.assigner,
      relay: {} as ShareRelay,
      limited: () => {},
      waitUp: (ms) => t.events.waitUp(ms),
      subscribeWaitMs: 50,
    });
    return { ...t, h };
  }

  it('subscribes a miner on a channel under the name it hinted, with that channel extranonce', async () => {
    const t = host('per-worker');
    const a = fakeSession(null);
    (a.raw as { userHint?: string }).userHint = 'alice';
    const en = await t.h.subscribe(a.s);
    expect(t.upstream.opened).toEqual(['alice']);
    expect(en.extranonce2Size).toBe(12);
    expect(en.extranonce1).toEqual(bindingOf(a.s).channel?.prefix);
  });

  it('turns a subscribe away when the pool stays unreachable for the wait', async () => {
    const t = host('per-worker');
    t.upstream.connected = false;
    await expect(t.h.subscribe(fakeSession().s)).rejects.toThrow('pool unavailable');
  });

  it('opens a channel under the authorized name once per connection, later names ride on TLVs', async () => {
    const t = host('per-worker');
    const a = fakeSession(null);
    await t.h.subscribe(a.s);
    t.h.authorized(a.s, 'alice');
    await tick();
    t.h.authorized(a.s, 'bob');
    await tick();
    expect(t.upstream.opened).toEqual(['translator', 'alice']);
    expect(bindingOf(a.s).channel?.name).toBe('alice');
  });

  it('releases the miner channel when its session closes', async () => {
    const t = host('per-worker');
    const a = fakeSession();
    await t.h.subscribe(a.s);
    const ch = bindingOf(a.s).channel;
    t.h.closed(a.s);
    expect(t.upstream.closed).toEqual([ch?.channelId]);
  });
});
