import type { Channel } from '../channel.js';
import type { SessionWire } from './context.js';

/**
 * Batched SubmitShares.Success for one connection: a channel's batch is sent when it is full
 * (by the share submission), when its delay runs out (one timer per connection, re-armed while
 * batches wait), or at once when something must not overtake it (an error, a block, a close).
 */
export class ShareAcks {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly wire: SessionWire,
    private readonly channels: ReadonlyMap<number, Channel>,
  ) {}

  send(
    channelId: number,
    b: { lastSequenceNumber: number; newSubmitsAcceptedCount: number; newSharesSum: bigint },
  ): void {
    this.wire.transport.send({ type: 'SubmitSharesSuccess', channelId, ...b });
  }

  /** Acknowledges now what the channel's batch holds. */
  flush(ch: Channel): void {
    const b = ch.batcher.take();
    if (b) this.send(ch.id, b);
  }

  /** Acknowledges now every channel's batch. */
  flushAll(): void {
    for (const ch of this.channels.values()) this.flush(ch);
  }

  /** Makes sure the timer runs: a batch is waiting for its delay. */
  arm(): void {
    if (this.timer) return;
    const delay = this.wire.ctx.config.shares.batchMaxDelayMs;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flushDue();
    }, delay);
    this.timer.unref?.();
  }

  /** Sends every batch whose delay has run out; re-arms for the rest. */
  flushDue(): void {
    const now = this.wire.ctx.now();
    let pending = false;
    for (const ch of this.channels.values()) {
      const due = ch.batcher.dueAt();
      if (due === null) continue;
      if (due <= now + 1) this.flush(ch);
      else pending = true;
    }
    if (pending) this.arm();
  }

  /** The connection is gone: no timer may fire for it. */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
