import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PRUNE_INTERVAL_MS, Pruner } from './pruning.js';

const silent = pino({ level: 'silent' });
const HOUR = 3_600_000;

function fakes(pruneShares: (beforeMs: number) => number = () => 0) {
  const sweeps: number[] = [];
  const cutoffs: number[] = [];
  return {
    sweeps,
    cutoffs,
    hashrate: { sweep: (now: number) => sweeps.push(now) },
    ledger: {
      pruneShares: (before: number) => {
        cutoffs.push(before);
        return pruneShares(before);
      },
    },
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('Pruner', () => {
  it('drops shares older than the retention and sweeps hashrate at the same instant', async () => {
    const f = fakes();
    await new Pruner(f.hashrate, f.ledger, 48, silent, () => 100 * HOUR).prune();
    expect(f.cutoffs).toEqual([52 * HOUR]);
    expect(f.sweeps).toEqual([100 * HOUR]);
  });

  it('logs a failing ledger instead of throwing, and still sweeps hashrate', async () => {
    const f = fakes(() => {
      throw new Error('disk I/O error');
    });
    const errors: unknown[] = [];
    const log = pino({ level: 'error' }, { write: (line: string) => errors.push(JSON.parse(line)) });
    await expect(new Pruner(f.hashrate, f.ledger, 1, log, () => HOUR).prune()).resolves.toBeUndefined();
    expect(f.sweeps).toHaveLength(1);
    expect(errors).toMatchObject([{ msg: 'share pruning failed', err: 'disk I/O error' }]);
  });

  it('awaits a ledger that prunes asynchronously (PostgreSQL)', async () => {
    const f = fakes(() => 7);
    const infos: unknown[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => infos.push(JSON.parse(line)) });
    const asyncLedger = { pruneShares: async (before: number) => f.ledger.pruneShares(before) };
    await new Pruner(f.hashrate, asyncLedger, 1, log, () => 2 * HOUR).prune();
    expect(f.cutoffs).toEqual([HOUR]);
    expect(infos).toMatchObject([{ msg: 'pruned old shares', shares: 7 }]);
  });

  it('prunes at once on start and then every hour until stopped', () => {
    vi.useFakeTimers();
    const f = fakes();
    const p = new Pruner(f.hashrate, f.ledger, 1, silent);
    p.start();
    expect(f.cutoffs).toHaveLength(1);
    vi.advanceTimersByTime(PRUNE_INTERVAL_MS * 2);
    expect(f.cutoffs).toHaveLength(3);
    p.stop();
    vi.advanceTimersByTime(PRUNE_INTERVAL_MS * 5);
    expect(f.cutoffs).toHaveLength(3);
  });
});
