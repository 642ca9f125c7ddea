import pg from 'pg';

/**
 * One payout runner per cluster (docs/pool-config.md "Payouts"): every pool host on a shared
 * PostgreSQL ledger runs the payout schedule, but a cycle runs only on the host that holds this
 * session-level advisory lock. It is held by a connection of its own, outside the ledger's
 * pool, for as long as that connection lives: when the holder stops, is killed or loses the
 * database, PostgreSQL ends its session and frees the lock, and the next host to try takes it
 * over — no setting to change, no host elected by hand. TCP keepalive bounds how long a host
 * that vanished without closing its socket keeps the lock.
 *
 * The lock only keeps two hosts from doing the same work at once; exactly-once payment does not
 * rest on it (batch writes take their own lock and refuse an overdraft, pg-payout-tables.ts).
 */

/** Advisory lock key of the payout runner ("runner" in ASCII, within int8). */
export const PAYOUT_RUNNER_LOCK = 0x72756e6e6572n;

export class PgRunnerLock {
  private client: pg.Client | null = null;
  private held = false;

  constructor(private readonly connectionString: string) {}

  /**
   * True when this host holds the lock now: kept if its session is alive, else tried (never
   * waits for another holder). A database error counts as not holding it.
   */
  async hold(): Promise<boolean> {
    try {
      const c = this.client ?? (await this.connect());
      if (this.held) {
        await c.query('SELECT 1'); // still our session: the lock is still ours
        return true;
      }
      const r = await c.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [
        PAYOUT_RUNNER_LOCK.toString(),
      ]);
      this.held = r.rows[0]?.ok === true;
      return this.held;
    } catch {
      await this.drop();
      return false;
    }
  }

  /** Gives the lock up (ends its session): another host takes over at its next try. */
  async release(): Promise<void> {
    await this.drop();
  }

  private async connect(): Promise<pg.Client> {
    const c = new pg.Client({ connectionString: this.connectionString, keepAlive: true });
    // A dropped connection loses the lock with its session; the next hold() reconnects.
    c.on('error', () => {
      if (this.client === c) {
        this.client = null;
        this.held = false;
      }
    });
    await c.connect();
    this.client = c;
    this.held = false;
    return c;
  }

  private async drop(): Promise<void> {
    const c = this.client;
    this.client = null;
    this.held = false;
    await c?.end().catch(() => {});
  }
}
