import { describe, expect, it } from 'vitest';
import { onlineByWorker } from './api-source.js';
import { type Channel, CREDITED_ONLINE_MS, MAX_CREDITED_WORKERS, noteCreditedWorker } from './channel.js';

function channel(worker: string, difficulty: number): Channel {
  return { worker, difficulty } as Channel;
}

describe('workers online', () => {
  it('counts a channel by the TLV names credited on it lately (not by its own name too), with the highest difficulty', () => {
    const proxy = channel('alice.proxy', 64);
    const other = channel('alice.rig1', 8);
    noteCreditedWorker(proxy, 'alice.rig1', 1_000);
    noteCreditedWorker(proxy, 'alice.rig2', 1_000);
    noteCreditedWorker(proxy, 'alice.gone', 1_000 - CREDITED_ONLINE_MS - 1);
    const sessions = [{ channels: new Map([[1, proxy]]) }, { channels: new Map([[2, other]]) }];
    const online = onlineByWorker(sessions, 1_000);
    expect(Object.fromEntries(online)).toEqual({
      'alice.rig1': { channels: 2, difficulty: 64 },
      'alice.rig2': { channels: 1, difficulty: 64 },
    });
    // Ten minutes without a credited share: the channel counts under its own name again.
    const later = onlineByWorker(sessions, 1_000 + CREDITED_ONLINE_MS + 1);
    expect(later.get('alice.rig2')).toBeUndefined();
    expect(later.get('alice.proxy')).toEqual({ channels: 1, difficulty: 64 });
  });

  it('counts one V1 miner behind a translator once: the translator channel carries its name', () => {
    // Per-worker translator, miner without mining.extranonce.subscribe: its channel is opened
    // under the translator's identity and every share carries the miner's name.
    const first = channel('translator', 16);
    noteCreditedWorker(first, 'translator.jay.rig', 5_000);
    const online = onlineByWorker([{ channels: new Map([[1, first]]) }], 5_000);
    expect([...online.keys()]).toEqual(['translator.jay.rig']);
    // Before its first share it is one worker too, under the channel's name.
    const fresh = channel('translator', 16);
    expect(onlineByWorker([{ channels: new Map([[1, fresh]]) }], 5_000).size).toBe(1);
  });

  it('remembers a bounded number of TLV names per channel, dropping stale ones first', () => {
    const ch = channel('alice.proxy', 1);
    for (let i = 0; i < MAX_CREDITED_WORKERS; i++) noteCreditedWorker(ch, `alice.w${i}`, i < 10 ? 0 : 1);
    const later = CREDITED_ONLINE_MS + 1;
    noteCreditedWorker(ch, 'alice.new', later);
    // The ten stale names went; everyone seen recently stayed.
    expect(ch.creditedWorkers?.size).toBe(MAX_CREDITED_WORKERS - 10 + 1);
    expect(ch.creditedWorkers?.has('alice.w0')).toBe(false);
    expect(ch.creditedWorkers?.has('alice.w10')).toBe(true);
    // Full of recent names: the longest-known is forgotten, never more than the bound.
    for (let i = 0; i < 20; i++) noteCreditedWorker(ch, `alice.x${i}`, later);
    expect(ch.creditedWorkers?.size).toBe(MAX_CREDITED_WORKERS);
    expect(ch.creditedWorkers?.has('alice.x19')).toBe(true);
  });
});
