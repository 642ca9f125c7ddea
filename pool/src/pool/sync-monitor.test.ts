import { afterEach, describe, expect, it, vi } from 'vitest';
import { SyncMonitor, type SyncRpc } from './sync-monitor.js';

function rpcAnswering(...answers: Array<boolean | Error>): SyncRpc & { calls: number } {
  const rpc = {
    calls: 0,
    async getBlockchainInfo() {
      const a = answers[Math.min(rpc.calls, answers.length - 1)];
      rpc.calls += 1;
      if (a instanceof Error) throw a;
      return { is_initial_block_download: a as boolean };
    },
  };
  return rpc;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('SyncMonitor', () => {
  it('reports not synced with no error before the node has been asked', () => {
    const m = new SyncMonitor(rpcAnswering(false));
    expect(m.sync()).toEqual({ synced: false, error: null });
    expect(m.tip).toBeNull();
  });

  it('reports synced once the node has left initial block download', async () => {
    const m = new SyncMonitor(rpcAnswering(false));
    await m.check();
    expect(m.sync()).toEqual({ synced: true, error: null });
  });

  it('says why when the node is still in initial block download', async () => {
    const m = new SyncMonitor(rpcAnswering(true));
    await m.check();
    expect(m.sync()).toEqual({ synced: false, error: 'node is in initial block download' });
  });

  it('turns an unreachable node into an unsynced state instead of throwing', async () => {
    const m = new SyncMonitor(rpcAnswering(false, new Error('ECONNREFUSED')));
    await m.check();
    await m.check();
    expect(m.sync()).toEqual({ synced: false, error: 'node unreachable: ECONNREFUSED' });
  });

  it('keeps the highest tip seen so a lagging poll never lowers it', () => {
    const seen: bigint[] = [];
    const m = new SyncMonitor(rpcAnswering(false), (h) => seen.push(h));
    m.sawTip(10n);
    m.sawTip(12n);
    m.sawTip(11n);
    expect(m.tip).toBe(12n);
    expect(seen).toEqual([10n, 12n, 12n]);
  });

  it('polls no faster than every five seconds however short the template poll is', async () => {
    vi.useFakeTimers();
    const rpc = rpcAnswering(false);
    const m = new SyncMonitor(rpc);
    m.start(200);
    await vi.advanceTimersByTimeAsync(4_999);
    expect(rpc.calls).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(rpc.calls).toBe(1);
    m.stop();
    await vi.advanceTimersByTimeAsync(20_000);
    expect(rpc.calls).toBe(1);
  });
});
