import { EventEmitter } from 'node:events';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { FakeHasher } from '../../test/support/fake-hasher.js';
import { MAX_U256, targetToCompact } from '../ckb/target.js';
import type { OpenedChannel, ShareVerdict, UpstreamEvents, UpstreamJob } from '../sv2/client/upstream.js';
import type { FeedContext, Hasher } from './feed.js';
import { ShareTally } from './share-tally.js';
import { Sv2Feed, type Sv2Upstream } from './sv2-feed.js';

const log = pino({ level: 'silent' });
const context: FeedContext = { url: 'stratum2+tcp://x', user: 'alice', threads: 2, chain: 'dev' };
const ANY = 2n ** 256n - 1n;

/** A pool connection that opens channel 5 and answers every share with `verdict`. */
class FakeUpstream extends EventEmitter<UpstreamEvents> {
  epoch = 1;
  connected = true;
  bytesIn = 0;
  bytesOut = 0;
  verdict: ShareVerdict = { ok: true };
  submits: Array<{ channelId: number; jobId: number; suffix: Uint8Array }> = [];
  opened: Array<{ user: string; rate: number }> = [];
  channel: OpenedChannel = {
    epoch: 1,
    channelId: 5,
    groupChannelId: 100,
    extranoncePrefix: Uint8Array.of(1, 2, 3, 4),
    extranonceSize: 12,
    target: ANY,
  };
  openChannel(_kind: 'standard' | 'extended', user: string, rate = 0): Promise<OpenedChannel> {
    this.opened.push({ user, rate });
    return Promise.resolve({ ...this.channel, epoch: this.epoch });
  }
  latestJob(): UpstreamJob | null {
    return null;
  }
  submit(_epoch: number, channelId: number, jobId: number, suffix: Uint8Array): Promise<ShareVerdict> {
    this.submits.push({ channelId, jobId, suffix });
    return Promise.resolve(this.verdict);
  }
  start(): void {}
  close(): Promise<void> {
    return Promise.resolve();
  }
}

const job = (channelId: number, jobId: number, compactTarget = 0x20010000): UpstreamJob => ({
  epoch: 1,
  channelId,
  jobId,
  clean: true,
  height: 1n,
  powHash: new Uint8Array(32).fill(jobId),
  parentHash: new Uint8Array(32),
  compactTarget,
});
const tick = () => new Promise((r) => setImmediate(r));

async function connected(c: FeedContext = context) {
  const hasher = new FakeHasher();
  const up = new FakeUpstream();
  const tally = new ShareTally();
  const feed = new Sv2Feed(c, hasher as unknown as Hasher, tally, log, up as unknown as Sv2Upstream);
  up.emit('up', 1, 'stratum2+tcp://x');
  await tick();
  return { hasher, up, tally, feed };
}

describe('Sv2Feed', () => {
  it('opens a standard channel under the user with a nominal rate from the thread count', async () => {
    const { up, feed } = await connected();
    expect(up.opened).toEqual([{ user: 'alice', rate: 200_000 }]);
    expect(feed.connected()).toBe(true);
  });

  it('hashes jobs for its channel or group only, under the channel prefix and target', async () => {
    const { up, hasher, tally } = await connected();
    up.emit('job', job(77, 1));
    expect(hasher.work).toHaveLength(0);
    up.emit('job', job(100, 2));
    expect(hasher.work).toHaveLength(1);
    expect(hasher.work[0]).toMatchObject({ prefix: Uint8Array.of(1, 2, 3, 4), target: ANY, chain: 'dev' });
    expect(tally.jobs).toBe(1);
  });

  it('submits a found share as the nonce after the prefix and counts the verdict', async () => {
    const { up, hasher, tally } = await connected();
    up.emit('job', job(5, 3));
    const nonce = Uint8Array.from({ length: 16 }, (_, i) => i);
    hasher.find(nonce);
    await tick();
    expect(up.submits).toEqual([{ channelId: 5, jobId: 3, suffix: nonce.slice(4) }]);
    expect(tally.accepted).toBe(1);
    up.verdict = { ok: false, code: 'stale-share' };
    hasher.find(nonce);
    await tick();
    expect(tally.rejectReasons()).toEqual({ 'stale-share': 1 });
  });

  it('tells the miner to stop when the pool refuses the worker name, but not for a share error', async () => {
    const refusals: string[] = [];
    const { up, hasher } = await connected({ ...context, refuse: (r) => refusals.push(r) });
    up.emit('job', job(5, 3));
    up.verdict = { ok: false, code: 'stale-share' };
    hasher.find(new Uint8Array(16));
    await tick();
    expect(refusals).toEqual([]);
    up.verdict = { ok: false, code: 'not-an-address' };
    hasher.find(new Uint8Array(16));
    await tick();
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toContain('alice');
    expect(refusals[0]).toContain('<address>[.<worker>]');
  });

  it('keeps the running job at the target it came with after a SetTarget, and hashes the next job at the new one', async () => {
    const { up, hasher, tally } = await connected();
    up.emit('job', job(5, 3));
    up.emit('target', 1, 5, 0n);
    // SetTarget applies to later jobs: no new work, and a share of job 3 still counts.
    expect(hasher.work).toHaveLength(1);
    expect(hasher.work[0]?.target).toBe(ANY);
    hasher.find(new Uint8Array(16));
    await tick();
    expect(up.submits).toHaveLength(1);
    up.emit('job', job(5, 4));
    expect(hasher.work.at(-1)?.target).toBe(0n);
    // A share of job 4 that misses its target (0: nothing meets it) is dropped, not rejected.
    hasher.find(new Uint8Array(16));
    await tick();
    expect(up.submits).toHaveLength(1);
    expect(tally.rejected).toBe(0);
  });

  it('stops hashing when the pool connection drops and ignores shares of the old channel', async () => {
    const { up, hasher, feed } = await connected();
    up.emit('job', job(5, 3));
    up.emit('down', 1, 'lost');
    expect(hasher.idles).toBe(1);
    expect(feed.connected()).toBe(false);
    hasher.find(new Uint8Array(16));
    await tick();
    expect(up.submits).toHaveLength(0);
  });
});

describe('Sv2Feed across pool connections and channel changes', () => {
  it('starts on the newest job the connection already has for its channel or group', async () => {
    const hasher = new FakeHasher();
    const up = new FakeUpstream();
    up.latestJob = () => job(100, 9);
    const feed = new Sv2Feed(
      context,
      hasher as unknown as Hasher,
      new ShareTally(),
      log,
      up as unknown as Sv2Upstream,
    );
    up.emit('up', 1, 'stratum2+tcp://x');
    await tick();
    expect(hasher.work.map((w) => (w.key as { jobId: number }).jobId)).toEqual([9]);
    expect(feed.connected()).toBe(true);
  });

  it('rehashes under a new extranonce prefix the pool sets on its channel, ignoring other channels', async () => {
    const { up, hasher } = await connected();
    up.emit('job', job(5, 3));
    up.emit('prefix', 1, 6, Uint8Array.of(9, 9, 9, 9));
    expect(hasher.work).toHaveLength(1);
    up.emit('prefix', 1, 5, Uint8Array.of(7, 7, 7, 7));
    expect(hasher.work.at(-1)?.prefix).toEqual(Uint8Array.of(7, 7, 7, 7));
  });

  it('counts an accepted share that meets the network target as a block', async () => {
    const { up, hasher, tally } = await connected();
    // The easiest network target there is: every share is a block.
    up.emit('job', job(5, 3, targetToCompact(MAX_U256)));
    hasher.find(new Uint8Array(16));
    await tick();
    expect([tally.accepted, tally.blocks]).toEqual([1, 1]);
  });

  it('reopens its channel on the next pool connection and ignores jobs of the old one', async () => {
    const { up, hasher, feed } = await connected();
    up.emit('down', 1, 'lost');
    up.epoch = 2;
    up.emit('job', job(5, 4));
    expect(hasher.work).toHaveLength(0);
    up.emit('up', 2, 'stratum2+tcp://x');
    await tick();
    expect(up.opened).toHaveLength(2);
    expect(feed.connections()).toBe(2);
    up.emit('job', { ...job(5, 5), epoch: 2 });
    expect(hasher.work.map((w) => (w.key as { epoch: number }).epoch)).toEqual([2]);
  });

  it('keeps hashing nothing when the pool refuses the channel', async () => {
    const hasher = new FakeHasher();
    const up = new FakeUpstream();
    up.openChannel = () => Promise.reject(new Error('OpenMiningChannel.Error too-many-channels'));
    const feed = new Sv2Feed(
      context,
      hasher as unknown as Hasher,
      new ShareTally(),
      log,
      up as unknown as Sv2Upstream,
    );
    up.emit('up', 1, 'stratum2+tcp://x');
    await tick();
    up.emit('job', job(100, 1));
    expect(hasher.work).toEqual([]);
    expect(feed.connected()).toBe(false);
  });
});
