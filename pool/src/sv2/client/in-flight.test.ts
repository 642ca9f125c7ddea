import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Sv2Message } from '../messages/index.js';
import { InFlightShares, type ShareVerdict } from './in-flight.js';

const success = (channelId: number, lastSequenceNumber: number): Sv2Message =>
  ({
    type: 'SubmitSharesSuccess',
    channelId,
    lastSequenceNumber,
    newSubmitsAcceptedCount: 1,
    newSharesSum: 1n,
  }) as Sv2Message;
const error = (channelId: number, sequenceNumber: number, errorCode: string): Sv2Message =>
  ({ type: 'SubmitSharesError', channelId, sequenceNumber, errorCode }) as Sv2Message;

/** Records each verdict as it arrives, so a test can see what is still waiting. */
function track(p: Promise<ShareVerdict>): { verdict: ShareVerdict | null } {
  const box: { verdict: ShareVerdict | null } = { verdict: null };
  void p.then((v) => {
    box.verdict = v;
  });
  return box;
}

describe('InFlightShares', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('accepts every share up to the last sequence number of one Success, and only those', async () => {
    const f = new InFlightShares(15_000);
    const [a, b, c] = [1, 2, 3].map((seq) => track(f.wait(7, seq)));
    expect(f.answer(success(7, 2))).toBe(true);
    await vi.advanceTimersByTimeAsync(0);
    expect([a?.verdict, b?.verdict, c?.verdict]).toEqual([{ ok: true }, { ok: true }, null]);
    expect(f.size).toBe(1);
    expect(f.empty).toBe(false);
  });

  it('answers one share with the pool error code and leaves its neighbours waiting', async () => {
    const f = new InFlightShares(15_000);
    const [a, b, c] = [1, 2, 3].map((seq) => track(f.wait(7, seq)));
    f.answer(error(7, 2, 'stale-share'));
    f.answer(success(7, 3));
    await vi.advanceTimersByTimeAsync(0);
    expect(b?.verdict).toEqual({ ok: false, code: 'stale-share' });
    expect(a?.verdict).toEqual({ ok: true });
    expect(c?.verdict).toEqual({ ok: true });
    expect(f.empty).toBe(true);
  });

  it('keeps channels apart: a verdict for one channel settles nothing on another', async () => {
    const f = new InFlightShares(15_000);
    const other = track(f.wait(8, 1));
    expect(f.answer(success(7, 100))).toBe(true);
    expect(f.answer(error(7, 1, 'x'))).toBe(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(other.verdict).toBeNull();
  });

  it('ignores messages that are not share verdicts', () => {
    const f = new InFlightShares(15_000);
    void f.wait(7, 1);
    expect(
      f.answer({ type: 'SetTarget', channelId: 7, maximumTarget: new Uint8Array(32) } as Sv2Message),
    ).toBe(false);
    expect(f.size).toBe(1);
  });

  it('times a share out after the share timeout and tells the owner', async () => {
    const onTimeout = vi.fn();
    const f = new InFlightShares(1_000, onTimeout);
    const s = track(f.wait(7, 1));
    await vi.advanceTimersByTimeAsync(999);
    expect(s.verdict).toBeNull();
    await vi.advanceTimersByTimeAsync(1);
    expect(s.verdict).toEqual({ ok: false, code: 'timeout' });
    expect(onTimeout).toHaveBeenCalledTimes(1);
    expect(f.empty).toBe(true);
    // A late Success for a timed-out share changes nothing.
    f.answer(success(7, 1));
    expect(onTimeout).toHaveBeenCalledTimes(1);
  });

  it('fails one channel or every channel with the given code, and a failed share never times out', async () => {
    const onTimeout = vi.fn();
    const f = new InFlightShares(1_000, onTimeout);
    const a = track(f.wait(7, 1));
    const b = track(f.wait(8, 1));
    f.failChannel(7, 'channel-closed');
    await vi.advanceTimersByTimeAsync(0);
    expect(a.verdict).toEqual({ ok: false, code: 'channel-closed' });
    expect(b.verdict).toBeNull();
    f.failAll('upstream-lost');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(b.verdict).toEqual({ ok: false, code: 'upstream-lost' });
    expect(onTimeout).not.toHaveBeenCalled();
    expect(f.size).toBe(0);
  });
});
