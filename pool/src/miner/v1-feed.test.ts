import { EventEmitter } from 'node:events';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { FakeHasher } from '../../test/support/fake-hasher.js';
import type { FeedContext, Hasher } from './feed.js';
import { ShareTally } from './share-tally.js';
import type { V1Answer, V1Client, V1ClientEvents, V1Work } from './v1-client.js';
import { V1Feed } from './v1-feed.js';

const log = pino({ level: 'silent' });
const context: FeedContext = { url: 'stratum+tcp://x:1', user: 'alice', threads: 1, chain: 'dev' };
const ANY = 2n ** 256n - 1n;

/** A V1 connection to a translator: answers every submit with `answer` and records it. */
class FakeV1Client extends EventEmitter<V1ClientEvents> {
  extranonce1: Uint8Array = new Uint8Array(0);
  extranonce2Size = 0;
  connected = false;
  connections = 0;
  wireBytesIn = 11;
  wireBytesOut = 22;
  answer: V1Answer = { ok: true };
  submits: Array<{ jobId: string; extranonce2: Uint8Array }> = [];
  started = 0;
  closed = 0;
  submit(jobId: string, extranonce2: Uint8Array): Promise<V1Answer> {
    this.submits.push({ jobId, extranonce2 });
    return Promise.resolve(this.answer);
  }
  start(): void {
    this.started += 1;
  }
  close(): void {
    this.closed += 1;
  }
  /** The translator answered subscribe with this extranonce1 and extranonce2 size. */
  subscribed(en1: Uint8Array, en2Size: number): void {
    this.extranonce1 = en1;
    this.extranonce2Size = en2Size;
    this.connected = true;
    this.connections += 1;
    this.emit('ready', en1, en2Size);
  }
}

const work = (jobId: string): V1Work => ({
  jobId,
  powHash: new Uint8Array(32).fill(7),
  height: 5n,
  parentHash: new Uint8Array(32),
  clean: true,
});
const tick = () => new Promise((r) => setImmediate(r));

function feed() {
  const hasher = new FakeHasher();
  const client = new FakeV1Client();
  const tally = new ShareTally();
  const f = new V1Feed(context, hasher as unknown as Hasher, tally, log, client as unknown as V1Client);
  return { hasher, client, tally, f };
}

describe('V1Feed', () => {
  it('hashes only once it has a subscription, a target and a job, under the extranonce1 as prefix', () => {
    const { hasher, client } = feed();
    client.emit('job', work('a'));
    client.emit('target', ANY);
    expect(hasher.work).toEqual([]);
    client.subscribed(Uint8Array.of(1, 2, 3, 4), 12);
    expect(hasher.work).toHaveLength(1);
    expect(hasher.work[0]).toMatchObject({ prefix: Uint8Array.of(1, 2, 3, 4), target: ANY, chain: 'dev' });
  });

  it('refuses work whose extranonce sizes do not fill the 16-byte nonce', () => {
    const { hasher, client } = feed();
    client.emit('target', ANY);
    client.emit('job', work('a'));
    client.subscribed(Uint8Array.of(1, 2, 3, 4), 8);
    expect(hasher.work).toEqual([]);
  });

  it('submits a share as the extranonce2 after extranonce1 and counts the answer', async () => {
    const { hasher, client, tally } = feed();
    client.subscribed(Uint8Array.of(1, 2, 3, 4), 12);
    client.emit('target', ANY);
    client.emit('job', work('j1'));
    const nonce = Uint8Array.from({ length: 16 }, (_, i) => i);
    hasher.find(nonce);
    await tick();
    expect(client.submits).toEqual([{ jobId: 'j1', extranonce2: nonce.slice(4) }]);
    expect([tally.accepted, tally.jobs]).toEqual([1, 1]);
    client.answer = { ok: false, code: 21, message: 'stale' };
    hasher.find(nonce);
    await tick();
    expect(tally.rejectReasons()).toEqual({ '21': 1 });
  });

  it('drops a share mined under an extranonce1 the translator has since replaced', async () => {
    const { hasher, client } = feed();
    client.subscribed(Uint8Array.of(1, 2, 3, 4), 12);
    client.emit('target', ANY);
    client.emit('job', work('j1'));
    const stale = hasher.work.at(-1)?.key;
    client.extranonce1 = Uint8Array.of(5, 6, 7, 8);
    client.emit('extranonce', client.extranonce1, 12);
    hasher.emit('share', { key: stale, nonce: new Uint8Array(16) } as never);
    await tick();
    expect(client.submits).toEqual([]);
    expect(hasher.work.at(-1)?.prefix).toEqual(Uint8Array.of(5, 6, 7, 8));
  });

  it('drops a share that misses a target raised since it was found', async () => {
    const { hasher, client, tally } = feed();
    client.subscribed(Uint8Array.of(1, 2, 3, 4), 12);
    client.emit('target', ANY);
    client.emit('job', work('j1'));
    client.emit('target', 0n);
    hasher.find(new Uint8Array(16));
    await tick();
    expect(client.submits).toEqual([]);
    expect(tally.rejected).toBe(0);
  });

  it('goes idle when the connection drops and waits for a new target and job', () => {
    const { hasher, client } = feed();
    client.subscribed(Uint8Array.of(1, 2, 3, 4), 12);
    client.emit('target', ANY);
    client.emit('job', work('j1'));
    client.emit('down', 'eof');
    expect(hasher.idles).toBe(1);
    client.subscribed(Uint8Array.of(1, 2, 3, 4), 12);
    expect(hasher.work).toHaveLength(1);
  });

  it('reports the client connection, its count and wire bytes, and starts and closes it', async () => {
    const { client, f } = feed();
    expect(f.connected()).toBe(false);
    client.subscribed(Uint8Array.of(1, 2, 3, 4), 12);
    expect([f.connected(), f.connections()]).toEqual([true, 1]);
    expect(f.wire()).toEqual({ bytesIn: 11, bytesOut: 22 });
    f.start();
    await f.close();
    expect([client.started, client.closed]).toEqual([1, 1]);
  });
});
