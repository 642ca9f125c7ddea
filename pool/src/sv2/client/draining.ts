import type { Sv2Connection } from '../connection.js';
import type { Sv2Message } from '../messages/index.js';
import type { InFlightShares } from './in-flight.js';

/**
 * The connection a failback replaced. Its pool still owes verdicts on the shares sent to it, and
 * a share that pool may yet accept must not be reported lost: so the old connection stays open
 * until each of them is answered or timed out, then it is closed. upstream.ts only says when a
 * drain begins and which messages reach it.
 */
export class Drain {
  private draining: {
    epoch: number;
    conn: Sv2Connection;
    shares: InFlightShares;
    timer: NodeJS.Timeout;
  } | null = null;

  /** @param shareTimeoutMs the shares' own timeout: the drain gives up a second after it */
  constructor(private readonly shareTimeoutMs: number) {}

  /** Connection `conn` of epoch `epoch` was replaced with `shares` still waiting (end any drain first). */
  begin(epoch: number, conn: Sv2Connection, shares: InFlightShares): void {
    const timer = setTimeout(() => this.end('timeout'), this.shareTimeoutMs + 1_000);
    this.draining = { epoch, conn, shares, timer };
    timer.unref?.();
  }

  /** A message of epoch `epoch`, no longer the current one: only share verdicts still count. */
  answer(epoch: number, m: Sv2Message): void {
    const d = this.draining;
    if (d && d.epoch === epoch && d.shares.answer(m)) this.check();
  }

  /** Ends the drain once no share waits any more. */
  check(): void {
    if (this.draining?.shares.empty) this.end('upstream-lost');
  }

  /** `conn` closed: if it was the draining one, what it left unanswered is lost. */
  closed(conn: Sv2Connection): void {
    if (this.draining?.conn === conn) this.end('upstream-lost');
  }

  /** Answers what the replaced connection left unanswered with `code` and closes it. */
  end(code: string): void {
    const d = this.draining;
    if (!d) return;
    this.draining = null;
    clearTimeout(d.timer);
    d.shares.failAll(code);
    d.conn.close('local-close', 'moved to the preferred upstream (failback)');
  }
}
