import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Sv2Connection } from '../connection.js';
import type { Sv2Message } from '../messages/index.js';
import { Drain } from './draining.js';
import { InFlightShares, type ShareVerdict } from './in-flight.js';

const success = (channelId: number, lastSequenceNumber: number): Sv2Message =>
  ({
    type: 'SubmitSharesSuccess',
    channelId,
    lastSequenceNumber,
    newSubmitsAcceptedCount: 1,
    newSharesSum: 1n,
  }) as Sv2Message;

function fakeConn() {
  const close = vi.fn();
  return { conn: { close } as unknown as Sv2Connection, close };
}

function track(p: Promise<ShareVerdict>): { verdict: ShareVerdict | null } {
  const box: { verdict: ShareVerdict | null } = { verdict: null };
  void p.then((v) => {
    box.verdict = v;
  });
  return box;
}

describe('Drain', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("closes the replaced connection once its last share has the old pool's verdict", async () => {
    const drain = new Drain(15_000);
    const shares = new InFlightShares(15_000);
    const a = track(shares.wait(7, 1));
    const b = track(shares.wait(7, 2));
    const { conn, close } = fakeConn();
    drain.begin(1, conn, shares);
    drain.answer(1, success(7, 1));
    expect(close).not.toHaveBeenCalled();
    drain.answer(1, success(7, 2));
    await vi.advanceTimersByTimeAsync(0);
    expect([a.verdict, b.verdict]).toEqual([{ ok: true }, { ok: true }]);
    expect(close).toHaveBeenCalledTimes(1);
  });

  it('ignores messages of any other epoch', async () => {
    const drain = new Drain(15_000);
    const shares = new InFlightShares(15_000);
    const a = track(shares.wait(7, 1));
    const { conn, close } = fakeConn();
    drain.begin(1, conn, shares);
    drain.answer(0, success(7, 1));
    await vi.advanceTimersByTimeAsync(0);
    expect(a.verdict).toBeNull();
    expect(close).not.toHaveBeenCalled();
  });

  it('gives up a second after the share timeout, answering what is left with timeout', async () => {
    const drain = new Drain(300);
    // Shares whose own timeout is longer than the drain's: the drain's timer answers them.
    const shares = new InFlightShares(60_000);
    const a = track(shares.wait(7, 1));
    const { conn, close } = fakeConn();
    drain.begin(1, conn, shares);
    await vi.advanceTimersByTimeAsync(1_299);
    expect(close).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(a.verdict).toEqual({ ok: false, code: 'timeout' });
    expect(close).toHaveBeenCalledTimes(1);
  });

  it('answers what is left with upstream-lost when the replaced connection closes', async () => {
    const drain = new Drain(15_000);
    const shares = new InFlightShares(15_000);
    const a = track(shares.wait(7, 1));
    const { conn } = fakeConn();
    drain.begin(1, conn, shares);
    drain.closed({} as Sv2Connection);
    await vi.advanceTimersByTimeAsync(0);
    expect(a.verdict).toBeNull();
    drain.closed(conn);
    await vi.advanceTimersByTimeAsync(0);
    expect(a.verdict).toEqual({ ok: false, code: 'upstream-lost' });
  });

  it('ends at once when no share was waiting', () => {
    const drain = new Drain(15_000);
    const { conn, close } = fakeConn();
    drain.begin(1, conn, new InFlightShares(15_000));
    drain.check();
    expect(close).toHaveBeenCalledWith('local-close', 'moved to the preferred upstream (failback)');
  });

  it('does nothing when ended with no drain under way', () => {
    expect(() => new Drain(15_000).end('upstream-lost')).not.toThrow();
  });
});
