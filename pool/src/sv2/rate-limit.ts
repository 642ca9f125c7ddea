/**
 * A token bucket for the messages one connection may send: `burst` tokens at the start, refilled
 * at `perSecond`, one taken per message. No timer: the refill is computed lazily from a
 * monotonic clock (milliseconds, e.g. `performance.now()`) whenever a message is taken, so a
 * check is a few arithmetic operations and allocates nothing. `perSecond` 0 means unlimited.
 */
export class TokenBucket {
  private tokens: number;
  private lastMs: number;
  private readonly perMs: number;

  constructor(
    readonly perSecond: number,
    readonly burst: number,
    nowMs: number,
  ) {
    if (!(perSecond >= 0) || !(burst >= 1)) {
      throw new RangeError(`token bucket needs perSecond >= 0 and burst >= 1 (got ${perSecond}, ${burst})`);
    }
    this.perMs = perSecond / 1000;
    this.tokens = burst;
    this.lastMs = nowMs;
  }

  /** Takes one token at `nowMs`; false (nothing taken) when the bucket is empty. */
  take(nowMs: number): boolean {
    if (this.perMs === 0) return true;
    let t = this.tokens;
    if (nowMs > this.lastMs) {
      t += (nowMs - this.lastMs) * this.perMs;
      if (t > this.burst) t = this.burst;
      this.lastMs = nowMs;
    }
    if (t < 1) {
      this.tokens = t;
      return false;
    }
    this.tokens = t - 1;
    return true;
  }

  /** Tokens left at the last `take` (tests, logs). */
  get available(): number {
    return this.tokens;
  }
}
