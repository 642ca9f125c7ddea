import { describe, expect, it } from 'vitest';
import type { OpenedChannel } from '../sv2/client/upstream.js';
import { bindingOf, ChannelRegistry, extranonceFor, MinerIndexes } from './channel-registry.js';
import type { V1Session } from './v1-session.js';

const opened = (channelId: number, epoch = 1, groupChannelId = 100): OpenedChannel => ({
  epoch,
  channelId,
  groupChannelId,
  extranoncePrefix: Uint8Array.of(0, 0, 0, channelId),
  extranonceSize: 12,
  target: 1000n,
});
const session = () => ({ binding: null }) as unknown as V1Session;

describe('extranonceFor', () => {
  it('gives a per-worker miner the channel prefix and all of its rollable bytes', () => {
    const en = extranonceFor({ prefix: Uint8Array.of(1, 2, 3, 4), extranonceSize: 12 }, { localIndex: null });
    expect(en).toEqual({ extranonce1: Uint8Array.of(1, 2, 3, 4), extranonce2Size: 12 });
  });

  it('appends an aggregated miner index big-endian and takes those two bytes off extranonce2', () => {
    const en = extranonceFor(
      { prefix: Uint8Array.of(1, 2, 3, 4), extranonceSize: 12 },
      { localIndex: 0x0102 },
    );
    expect(en).toEqual({ extranonce1: Uint8Array.of(1, 2, 3, 4, 1, 2), extranonce2Size: 10 });
  });
});

describe('MinerIndexes', () => {
  it('hands out distinct indexes, reuses a released one only after going round, and refuses the 65,537th', () => {
    const ix = new MinerIndexes();
    expect([ix.take(), ix.take(), ix.take()]).toEqual([0, 1, 2]);
    ix.release(1);
    expect(ix.take()).toBe(3);
    for (let i = 4; i < 0x10000; i++) ix.take();
    expect(ix.take()).toBe(1); // the only free one, found after wrapping
    expect(() => ix.take()).toThrow('translator is full');
  });
});

describe('ChannelRegistry', () => {
  it('finds a channel only under the connection epoch it was opened on', () => {
    const r = new ChannelRegistry();
    const ch = r.add(opened(5, 2), 'alice', null);
    expect(r.get(2, 5)).toBe(ch);
    expect(r.get(1, 5)).toBeUndefined();
    expect(ch).toMatchObject({ name: 'alice', target: 1000n, extranonceSize: 12 });
  });

  it('lists the channels a job address reaches: the channel itself or its group', () => {
    const r = new ChannelRegistry();
    const a = r.add(opened(5, 1, 100), 'a', null);
    const b = r.add(opened(6, 1, 100), 'b', null);
    const c = r.add(opened(7, 1, 200), 'c', null);
    expect([...r.addressedBy(100)]).toEqual([a, b]);
    expect([...r.addressedBy(7)]).toEqual([c]);
  });

  it('forgets only the very channel given, not a newer one that reuses its id', () => {
    const r = new ChannelRegistry();
    const old = r.add(opened(5, 1), 'a', null);
    const newer = r.add(opened(5, 2), 'a', null);
    r.forget(old);
    expect(r.get(2, 5)).toBe(newer);
    r.forget(newer);
    expect(r.get(2, 5)).toBeUndefined();
  });

  it('moves a session from its old channel to the new one', () => {
    const r = new ChannelRegistry();
    const a = r.add(opened(5), 'a', null);
    const b = r.add(opened(6), 'b', null);
    const s = session();
    r.bind(s, a);
    r.bind(s, b);
    expect(a.sessions.has(s)).toBe(false);
    expect(b.sessions.has(s)).toBe(true);
    expect(bindingOf(s).channel).toBe(b);
  });
});
