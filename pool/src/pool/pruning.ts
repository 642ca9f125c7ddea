import type { Logger } from 'pino';

/**
 * Keeps the pool's windows bounded: hashrate samples older than their window and shares past
 * the retention the ledger promises. Runs once at start (a pool down for a day has a backlog)
 * and then hourly.
 */

export interface PrunedHashrate {
  sweep(nowMs: number): void;
}

export interface PrunedLedger {
  /** Deletes shares older than `beforeMs`; returns how many. */
  pruneShares(beforeMs: number): number | Promise<number>;
}

export const PRUNE_INTERVAL_MS = 3_600_000;

export class Pruner {
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly hashrate: PrunedHashrate,
    private readonly ledger: PrunedLedger,
    private readonly shareRetentionHours: number,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** One pass; a failing ledger is logged and retried at the next pass, never thrown. */
  async prune(): Promise<void> {
    const now = this.now();
    this.hashrate.sweep(now);
    try {
      const n = await this.ledger.pruneShares(now - this.shareRetentionHours * 3_600_000);
      if (n > 0) this.log.info({ shares: n }, 'pruned old shares');
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'share pruning failed');
    }
  }

  /** Prunes now, then every hour until stop(). */
  start(): void {
    if (this.timer) return;
    void this.prune();
    this.timer = setInterval(() => void this.prune(), PRUNE_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
