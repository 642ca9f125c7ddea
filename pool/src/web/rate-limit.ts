/**
 * Requests per client address: a token bucket each, refilled at `perSecond` up to `burst`.
 * The map is bounded: past `maxClients` the fullest buckets (idle clients) are forgotten, so a
 * crowd of addresses costs memory in proportion to the cap, never to the crowd.
 */
export interface RateLimitOptions {
  perSecond: number;
  burst: number;
  maxClients?: number;
}

export class RequestRateLimit {
  private readonly buckets = new Map<string, { tokens: number; atMs: number }>();
  private readonly maxClients: number;

  constructor(
    private readonly o: RateLimitOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.maxClients = o.maxClients ?? 10_000;
  }

  /** Takes one token for `client`; false when it has none left. */
  take(client: string): boolean {
    const now = this.now();
    let b = this.buckets.get(client);
    if (b) {
      b.tokens = Math.min(this.o.burst, b.tokens + ((now - b.atMs) / 1000) * this.o.perSecond);
      b.atMs = now;
      // Most recently seen last: the oldest entries are the first to forget.
      this.buckets.delete(client);
    } else {
      b = { tokens: this.o.burst, atMs: now };
      if (this.buckets.size >= this.maxClients) this.forgetOldest();
    }
    this.buckets.set(client, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** Seconds until `client` has a token again. */
  retryAfterSeconds(client: string): number {
    const b = this.buckets.get(client);
    if (!b || b.tokens >= 1) return 0;
    return Math.ceil((1 - b.tokens) / this.o.perSecond);
  }

  get size(): number {
    return this.buckets.size;
  }

  private forgetOldest(): void {
    const drop = Math.max(1, Math.floor(this.maxClients / 10));
    let n = 0;
    for (const key of this.buckets.keys()) {
      this.buckets.delete(key);
      if (++n >= drop) break;
    }
  }
}
