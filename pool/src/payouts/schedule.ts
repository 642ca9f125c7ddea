/**
 * Payout cycles on a timer inside `serve`: one at start, then every interval, never two at
 * once. A failing cycle (node down, wallet short of funds) is logged and retried next time;
 * written batches are safe in the ledger whatever happens in between.
 */
import type { Logger } from 'pino';
import type { PayoutRun } from './payer.js';

export class PayoutSchedule {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly cycle: () => Promise<PayoutRun>,
    private readonly intervalMs: number,
    private readonly log: Logger,
  ) {}

  start(firstDelayMs = 0): void {
    this.arm(firstDelayMs);
  }

  private arm(delay: number): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.running = this.runOnce().finally(() => {
        this.running = null;
        this.arm(this.intervalMs);
      });
    }, delay);
    this.timer.unref();
  }

  /** One cycle now (the timer's, or a test's); errors are logged, never thrown. */
  async runOnce(): Promise<void> {
    try {
      const run = await this.cycle();
      if (run.batch || run.settled.committed || run.settled.failed || run.settled.resent)
        this.log.info(
          { settled: run.settled, pending: run.pending, batch: run.batch?.txHash ?? null },
          'payout cycle done',
        );
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'payout cycle failed; retrying at the next interval');
    }
  }

  /** Stops the timer and waits for a cycle in progress. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
