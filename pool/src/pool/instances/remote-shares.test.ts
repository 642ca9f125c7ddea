import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SharesMessage } from './protocol.js';
import { BATCH_MS, RemoteShares } from './remote-shares.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function setup(o: { batchMs?: number; maxBatch?: number } = {}) {
  const sent: SharesMessage[] = [];
  const shares = new RemoteShares((m) => sent.push(m), o);
  return { shares, sent };
}

const share = { worker: 'w', difficulty: 1, timeMs: 0, height: 1 };

describe('an instance’s shares on their way to the owner', () => {
  it('gathers shares for one batch interval and sends them as one numbered batch', () => {
    const s = setup();
    s.shares.recordShare(share);
    s.shares.recordShare(share);
    s.shares.recordRejected('w', 5);
    vi.advanceTimersByTime(BATCH_MS - 1);
    expect(s.sent).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(s.sent).toHaveLength(1);
    const batch = s.sent[0] as SharesMessage;
    expect(batch.upTo).toBe(2);
    expect([batch.names, [...batch.workers], [...batch.values]]).toEqual([['w'], [0, 0], [1, 0, 1, 1, 0, 1]]);
    expect([[...batch.rejectedWorkers], [...batch.rejectedAtMs]]).toEqual([[0], [5]]);
  });

  it('sends a full batch at once, without waiting for the interval', () => {
    const s = setup({ maxBatch: 3 });
    for (let i = 0; i < 3; i++) s.shares.recordShare(share);
    expect(s.sent.map((b) => b.upTo)).toEqual([3]);
    s.shares.recordShare(share);
    vi.advanceTimersByTime(BATCH_MS);
    expect(s.sent.map((b) => b.upTo)).toEqual([3, 4]);
  });

  it('does not wait for the owner’s answer before the next batch', () => {
    const s = setup();
    s.shares.recordShare(share);
    vi.advanceTimersByTime(BATCH_MS);
    s.shares.recordShare(share);
    vi.advanceTimersByTime(BATCH_MS);
    expect(s.sent.map((b) => b.upTo)).toEqual([1, 2]);
    expect(s.shares.confirmed).toBe(0);
  });

  it('sends at once when asked (a found block’s share goes before the block)', () => {
    const s = setup();
    s.shares.recordShare(share);
    s.shares.flush();
    expect(s.sent.map((b) => b.upTo)).toEqual([1]);
    // The interval's timer was cleared with it: nothing is sent twice.
    vi.advanceTimersByTime(BATCH_MS);
    expect(s.sent).toHaveLength(1);
  });

  it('settles once the owner has queued everything, or says it did not in time', async () => {
    const s = setup();
    s.shares.recordShare(share);
    s.shares.recordShare(share);
    const settled = s.shares.settled(1_000);
    // Settling sends what is gathered at once.
    expect(s.sent.map((b) => b.upTo)).toEqual([2]);
    s.shares.confirm(1);
    s.shares.confirm(2);
    await expect(settled).resolves.toBe(true);

    s.shares.recordShare(share);
    const late = s.shares.settled(1_000);
    vi.advanceTimersByTime(1_000);
    await expect(late).resolves.toBe(false);
  });

  it('never counts as confirmed more than it recorded, or goes back', () => {
    const s = setup();
    s.shares.recordShare(share);
    s.shares.confirm(5);
    expect(s.shares.confirmed).toBe(1);
    s.shares.confirm(0);
    expect(s.shares.confirmed).toBe(1);
  });
});
