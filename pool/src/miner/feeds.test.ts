import { EventEmitter } from 'node:events';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { OpenedChannel, ShareVerdict, UpstreamEvents, UpstreamJob } from '../sv2/client/upstream.js';
import type { FeedContext, Hasher } from './feed.js';
import { protocolOf } from './miner.js';
import { ShareTally } from './share-tally.js';
import { Sv2Feed, type Sv2Upstream } from './sv2-feed.js';
import type { FoundShare, Work } from './threads.js';

const log = pino({ level: 'silent' });
const context: FeedContext = { url: 'stratum2+tcp://x', user: 'alice', threads: 2, chain: 'dev' };
const ANY = 2n ** 256n - 1n;

/** Records the work it is given; `find` plays a thread reporting a share. */
class FakeHasher extends EventEmitter<{ share: [FoundShare]; error: [Error] }> {
  work: Work[] = [];
  idles = 0;
  setWork(w: Work): void {
    this.work.push(w);
  }
  idle(): void {
    this.idles += 1;
  }
  find(nonce: Uint8Array): void {
    const key = this.work.at(-1)?.key;
    this.emit('share', { key, nonce } as FoundShare);
  }
}

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

async function connected() {
  const hasher = new FakeHasher();
  const up = new FakeUpstream();
  const tally = new ShareTally();
  const feed = new Sv2Feed(context, hasher as unknown as Hasher, tally, log, up as unknown as Sv2Upstream);
  up.emit('up', 1, 'stratum2+tcp://x');
  await tick();
  return { hasher, up, tally, feed };
}

describe('protocolOf', () => {
  it('picks the feed by URL scheme', () => {
    expect(protocolOf('stratum2+tcp://h:1/key')).toBe('sv2');
    expect(protocolOf('stratum+tcp://h:1')).toBe('v1');
    expect(protocolOf('http://h:1')).toBeNull();
  });
});

describe('ShareTally', () => {
  it('counts accepted shares, blocks among them, and rejections by reason', () => {
    const t = new ShareTally();
    t.accept();
    t.accept(true);
    t.reject('stale-share');
    t.reject('stale-share');
    t.reject('timeout');
    expect([t.accepted, t.blocks, t.rejected]).toEqual([2, 1, 3]);
    expect(t.rejectReasons()).toEqual({ 'stale-share': 2, timeout: 1 });
  });
});

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

  it('drops a share that no longer meets a raised target instead of earning a rejection', async () => {
    const { up, hasher, tally } = await connected();
    up.emit('job', job(5, 3));
    up.emit('target', 1, 5, 0n);
    expect(hasher.work.at(-1)?.target).toBe(0n);
    hasher.find(new Uint8Array(16));
    await tick();
    expect(up.submits).toHaveLength(0);
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
