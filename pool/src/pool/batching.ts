/**
 * SubmitShares.Success batching per channel: acknowledge after `maxCount` accepted shares or
 * `maxDelayMs` after the first unacknowledged one, whichever comes first. Pure; the shell asks
 * `dueAt()` to arm one timer and calls `take()` when it fires.
 */

export interface SuccessBatch {
  lastSequenceNumber: number;
  newSubmitsAcceptedCount: number;
  /** Σ CKB difficulty of the shares in the batch, saturated to U64. */
  newSharesSum: bigint;
}

const U64_MAX = (1n << 64n) - 1n;

function toU64(x: number): bigint {
  if (!(x > 0)) return 0n;
  if (x >= 2 ** 64) return U64_MAX;
  return BigInt(Math.floor(x));
}

export class ShareBatcher {
  private count = 0;
  /** Summed as a float (difficulties are floats); converted to U64 when sent. */
  private sum = 0;
  private lastSeq = 0;
  private firstAtMs = 0;
  /** The batch sent last (what the monitoring API shows as the last batch), null before any. */
  lastBatch: SuccessBatch | null = null;

  constructor(
    readonly maxCount: number,
    readonly maxDelayMs: number,
  ) {}

  get pending(): number {
    return this.count;
  }

  /**
   * Adds one accepted share; returns the batch to send now when the count bound is reached
   * (or the delay bound is 0), else null.
   */
  add(sequenceNumber: number, difficulty: number, nowMs: number): SuccessBatch | null {
    if (this.count === 0) this.firstAtMs = nowMs;
    this.count += 1;
    this.sum += difficulty;
    this.lastSeq = sequenceNumber;
    if (this.count >= this.maxCount || this.maxDelayMs === 0) return this.take();
    return null;
  }

  /** When the pending batch must be sent at the latest (ms), or null when nothing is pending. */
  dueAt(): number | null {
    return this.count === 0 ? null : this.firstAtMs + this.maxDelayMs;
  }

  /** The pending batch (and clears it), or null when there is none. */
  take(): SuccessBatch | null {
    if (this.count === 0) return null;
    const batch: SuccessBatch = {
      lastSequenceNumber: this.lastSeq,
      newSubmitsAcceptedCount: this.count,
      newSharesSum: toU64(this.sum),
    };
    this.count = 0;
    this.sum = 0;
    this.lastBatch = batch;
    return batch;
  }
}
