import type { Logger } from 'pino';
import { type LedgerLocation, openLedger } from '../ledger/open.js';
import type { LedgerStore } from '../ledger/store.js';

/**
 * Getting shares to disk: the ledger batches share writes on a timer (each flush timed for the
 * metric, a failed flush kept and retried), and at shutdown the drain keeps acknowledging the
 * shares of clients told to reconnect, at once instead of batched, until they leave or the
 * grace ends. Only then is the ledger closed, which writes the last batch.
 */

/**
 * How long a shutdown waits for clients to leave after Reconnect. The whole drain (this, block
 * submissions in flight: up to 5 s, the last ledger flush) must fit in the container's stop
 * grace period (cli/bundle/compose.ts), or the last shares die with a SIGKILL.
 */
export const DRAIN_GRACE_MS = 3_000;
/** How often the drain acknowledges what clients sent since the last look. */
const DRAIN_TICK_MS = 20;

/** The clients the drain waits on (the SessionRegistry in production). */
export interface DrainingClients {
  readonly size: number;
  readonly sessions: Iterable<{ flushAcks(): void }>;
}

export interface LedgerFlushingOptions {
  flushIntervalMs: number;
  metrics: { ledgerWriteSeconds: { observe(seconds: number): void } };
  log: Pick<Logger, 'error' | 'info'>;
  graceMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class LedgerFlushing {
  /**
   * Opens the ledger (SQLite at `ledger.path`, or PostgreSQL at `ledger.url`); an error names
   * where, never the password.
   */
  static async open(where: LedgerLocation, o: LedgerFlushingOptions): Promise<LedgerFlushing> {
    try {
      const ledger = await openLedger(where, {
        flushIntervalMs: o.flushIntervalMs,
        onFlush: (seconds) => o.metrics.ledgerWriteSeconds.observe(seconds),
        onError: (err) => o.log.error({ err: (err as Error).message }, 'ledger flush failed; will retry'),
      });
      return new LedgerFlushing(ledger, o);
    } catch (err) {
      // openLedger names ledger.url itself (without the password).
      const prefix = where.url === null ? `ledger.path ${where.path}: ` : '';
      throw new Error(`${prefix}${(err as Error).message}`);
    }
  }

  constructor(
    readonly ledger: LedgerStore,
    private readonly o: LedgerFlushingOptions,
  ) {}

  /**
   * Waits for `clients` to leave, acknowledging their shares every tick, for at most the
   * grace period. Returns how many were still connected when it ended.
   */
  async drain(clients: DrainingClients): Promise<number> {
    const sleep = this.o.sleep ?? realSleep;
    const now = this.o.now ?? Date.now;
    const end = now() + (this.o.graceMs ?? DRAIN_GRACE_MS);
    while (clients.size > 0 && now() < end) {
      await sleep(DRAIN_TICK_MS);
      for (const s of clients.sessions) s.flushAcks();
    }
    if (clients.size > 0)
      this.o.log.info({ connections: clients.size }, 'drain grace over; closing the rest');
    return clients.size;
  }

  /** Writes the last batch and closes the database. */
  async close(): Promise<void> {
    await this.ledger.close();
  }

  /** Closing on a start-up error: the error being thrown matters more than a failed close. */
  async closeQuietly(): Promise<void> {
    try {
      await this.ledger.close();
    } catch {}
  }
}
