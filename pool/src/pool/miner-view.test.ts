import { bech32m } from '@scure/base';
import { describe, expect, it } from 'vitest';
import { ApiRequestError } from '../api/http.js';
import type { WorkerRow } from '../ledger/records.js';
import type { LedgerReadSide } from '../ledger/store.js';
import { type AccountBook, hashrateSeries, type MinerViewParts, minerView, SOLO_BOOK } from './miner-view.js';

const address = bech32m.encode('ckt', bech32m.toWords(new Uint8Array(53).fill(7)), 1023);

function row(name: string, accepted: number, rejected: number): WorkerRow {
  return {
    name,
    acceptedShares: accepted,
    acceptedDifficulty: accepted * 10,
    rejectedShares: rejected,
    blocks: 0,
    firstShareAtMs: 1,
    lastShareAtMs: 2,
  };
}

function parts(workers: WorkerRow[], book: AccountBook = SOLO_BOOK): MinerViewParts & { asked: unknown[] } {
  const asked: unknown[] = [];
  const ledger = {
    accountWorkers: (a: string) => (a === address ? workers : []),
    accountBlocks: () => [],
    difficultySeries: (account: string | null, since: number, bucket: number) => {
      asked.push({ account, since, bucket });
      return [{ atMs: since, difficulty: 120 }];
    },
  } as unknown as LedgerReadSide;
  return {
    asked,
    chain: 'testnet',
    ledger,
    book,
    rates: (w) => ({ '10m': w.endsWith('rig1') ? 5 : 7, '1h': 1 }),
    online: (w) => (w.endsWith('rig1') ? { channels: 1, difficulty: 64 } : undefined),
  };
}

describe('a miner’s view of its address', () => {
  it('sums its workers’ hashrate and gives each worker its accept rate and channels', async () => {
    const v = await minerView(parts([row(`${address}.rig1`, 3, 1), row(`${address}.rig2`, 0, 0)]), address);
    expect(v?.hashrate).toEqual({ '10m': 12, '1h': 2 });
    expect(v?.workers).toMatchObject([
      { name: `${address}.rig1`, acceptRate: 0.75, online: { channels: 1 } },
      { name: `${address}.rig2`, acceptRate: null, online: { channels: 0 } },
    ]);
    expect(v).toMatchObject({ balance: '0', immature: '0', paid: '0', payouts: [], payoutsEnabled: false });
  });

  it('shows amounts in shannons as decimal strings, beyond what a double holds', async () => {
    const book: AccountBook = {
      enabled: true,
      account: () => ({
        balance: 12_345_678_901_234_567_891n,
        immature: 1n,
        paid: 2n,
        payouts: [{ txHash: '0xab', amount: 9_007_199_254_740_993n, status: 'committed', time: 5 }],
      }),
      recentPayouts: () => [],
    };
    const v = await minerView(parts([row(address, 1, 0)], book), address);
    expect(v).toMatchObject({
      balance: '12345678901234567891',
      payouts: [{ txHash: '0xab', amount: '9007199254740993', status: 'committed', time: 5 }],
    });
  });

  it('is null for an address that never mined here and refuses what is not an address', async () => {
    expect(await minerView(parts([]), address)).toBeNull();
    await expect(minerView(parts([]), 'alice')).rejects.toBeInstanceOf(ApiRequestError);
  });

  it('turns difficulty per bucket into hashes per second over aligned buckets', async () => {
    const p = parts([]);
    const s = await hashrateSeries(p, '1h', null, 3_600_000 + 90_000);
    expect(p.asked).toEqual([{ account: null, since: 60_000, bucket: 60_000 }]);
    expect(s.points).toEqual([{ atMs: 60_000, hashrate: 2 }]);
    await expect(hashrateSeries(p, '7d', null)).rejects.toThrow(/1h or 24h/);
  });
});
