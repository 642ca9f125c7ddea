import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Sv2Message } from '../../sv2/messages/index.js';
import { ShareBatcher } from '../batching.js';
import type { Channel } from '../channel.js';
import type { SessionContext, SessionWire } from './context.js';
import { ShareAcks } from './share-acks.js';

/** Channels with only what acknowledgements read: an id and a batcher of 3 shares or 50 ms. */
function acksFor(ids: number[]) {
  const clock = { t: 1_000 };
  const sent: Sv2Message[] = [];
  const ctx = {
    now: () => clock.t,
    config: { shares: { batchMaxDelayMs: 50 } },
  } as unknown as SessionContext;
  const wire: SessionWire = {
    ctx,
    transport: { send: (m) => sent.push(m), close: () => {} },
    log: pino({ level: 'silent' }),
  };
  const channels = new Map<number, Channel>(
    ids.map((id) => [id, { id, batcher: new ShareBatcher(3, 50) } as unknown as Channel]),
  );
  const channel = (id: number): Channel => {
    const ch = channels.get(id);
    if (!ch) throw new Error(`no channel ${id}`);
    return ch;
  };
  return { acks: new ShareAcks(wire, channels), sent, clock, channel };
}

describe('ShareAcks', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('acknowledges a channel batch at once on flush, and nothing when the batch is empty', () => {
    const { acks, sent, clock, channel } = acksFor([2]);
    channel(2).batcher.add(7, 4, clock.t);
    channel(2).batcher.add(8, 4, clock.t);
    acks.flush(channel(2));
    acks.flush(channel(2));
    expect(sent).toEqual([
      {
        type: 'SubmitSharesSuccess',
        channelId: 2,
        lastSequenceNumber: 8,
        newSubmitsAcceptedCount: 2,
        newSharesSum: 8n,
      },
    ]);
  });

  it('sends only the batches whose delay has run out and waits for the others', () => {
    vi.useFakeTimers();
    const { acks, sent, clock, channel } = acksFor([2, 3]);
    channel(2).batcher.add(1, 1, clock.t);
    clock.t += 30;
    channel(3).batcher.add(1, 1, clock.t);
    clock.t += 25;
    acks.flushDue();
    expect(sent.map((m) => (m.type === 'SubmitSharesSuccess' ? m.channelId : -1))).toEqual([2]);
    // Channel 3's batch is still waiting, so the timer was armed for it.
    clock.t += 30;
    vi.advanceTimersByTime(50);
    expect(sent.map((m) => (m.type === 'SubmitSharesSuccess' ? m.channelId : -1))).toEqual([2, 3]);
  });

  it('arms one timer however often it is asked, and flushes when it fires', () => {
    vi.useFakeTimers();
    const { acks, sent, clock, channel } = acksFor([2]);
    channel(2).batcher.add(1, 1, clock.t);
    acks.arm();
    acks.arm();
    expect(vi.getTimerCount()).toBe(1);
    clock.t += 50;
    vi.advanceTimersByTime(50);
    expect(sent).toHaveLength(1);
  });

  it('fires nothing after stop: a closed connection sends no late acknowledgements', () => {
    vi.useFakeTimers();
    const { acks, sent, clock, channel } = acksFor([2]);
    channel(2).batcher.add(1, 1, clock.t);
    acks.arm();
    acks.stop();
    clock.t += 100;
    vi.advanceTimersByTime(100);
    expect(vi.getTimerCount()).toBe(0);
    expect(sent).toEqual([]);
  });

  it('flushes every channel for a shutdown or a reconnect', () => {
    const { acks, sent, clock, channel } = acksFor([2, 3, 4]);
    channel(2).batcher.add(1, 1, clock.t);
    channel(4).batcher.add(9, 2, clock.t);
    acks.flushAll();
    expect(sent.map((m) => (m.type === 'SubmitSharesSuccess' ? m.channelId : -1))).toEqual([2, 4]);
  });
});
