/**
 * Payout cycles on a timer inside `serve`: one at start, then every interval, never two at
 * once. A failing cycle (node down, wallet short of funds) is logged and retried next time;
 * written batches are safe in the ledger whatever happens in between. With `mayRun` (the
 * ledger's runner lock) a cycle runs only while this host is the cluster's payout runner; the
 * others keep asking each interval and take over when the runner stops.
 */
import type { Logger } from 'pino';
import type { PayoutRun } from './payer.js';

export class PayoutSchedule {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private closed = false;
  /** Whether the last check found this host the runner (null before the first). */
  private runner: boolean | null = null;

  constructor(
    private readonly cycle: () => Promise<PayoutRun>,
    private readonly intervalMs: number,
    private readonly log: Logger,
    private readonly mayRun: () => Promise<boolean> = async () => true,
  ) {}

  /** Whether this host ran (or may run) payout cycles at the last check. */
  get isRunner(): boolean {
    return this.runner === true;
  }

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
      if (!(await this.isTheRunner())) return;
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

  private async isTheRunner(): Promise<boolean> {
    const now = await this.mayRun();
    // A host that is the runner from its first cycle (one host, or the first) says nothing.
    if (now !== this.runner && !(now && this.runner === null))
      this.log.info(
        now
          ? 'this host runs the payout cycles (runner lock taken)'
          : 'another pool host runs the payout cycles; this one waits to take over',
      );
    this.runner = now;
    return now;
  }

  /** Stops the timer and waits for a cycle in progress. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
