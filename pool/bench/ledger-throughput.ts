import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ledger } from '../src/ledger/ledger.js';
import { PgLedger } from '../src/ledger/pg-ledger.js';
import type { LedgerStore } from '../src/ledger/store.js';
import { startTestPostgres } from '../test/support/postgres.js';

/**
 * Ledger writer throughput: shares queued and flushed in batches the size a busy pool's flush
 * interval gathers, on SQLite and on PostgreSQL. The figure is shares per wall-clock second of
 * recordShare + flush, so the queueing cost on the pool's hot path is counted too.
 */

export interface LedgerThroughput {
  /** Shares per second; null when that backend could not be measured (reason in `skipped`). */
  sqlite: number | null;
  postgres: number | null;
  batch: number;
  shares: number;
  skipped?: Record<string, string>;
}

const WORKERS = 1000;

async function measure(ledger: LedgerStore, shares: number, batch: number): Promise<number> {
  // One warm-up batch: prepared statements, table pages, the connection pool.
  await writeBatches(ledger, batch, batch, 0);
  const t0 = performance.now();
  await writeBatches(ledger, shares, batch, batch);
  const seconds = (performance.now() - t0) / 1000;
  const stored = await ledger.shareCount();
  if (stored !== shares + batch) throw new Error(`ledger holds ${stored} shares, wrote ${shares + batch}`);
  return Math.round(shares / seconds);
}

async function writeBatches(ledger: LedgerStore, shares: number, batch: number, from: number) {
  for (let done = 0; done < shares; done += batch) {
    const n = Math.min(batch, shares - done);
    for (let i = 0; i < n; i++) {
      const k = from + done + i;
      ledger.recordShare({
        worker: `w${k % WORKERS}.rig`,
        difficulty: 1024,
        timeMs: 1_700_000_000_000 + k,
        height: 1 + (k >> 12),
      });
    }
    await ledger.flush();
  }
}

export async function ledgerThroughput(shares = 200_000, batch = 5_000): Promise<LedgerThroughput> {
  const out: LedgerThroughput = { sqlite: null, postgres: null, batch, shares };
  const skipped: Record<string, string> = {};
  const dir = mkdtempSync(join(tmpdir(), 'ledger-bench-'));
  const sqlite = new Ledger(join(dir, 'ledger.sqlite'), { flushIntervalMs: 0 });
  try {
    out.sqlite = await measure(sqlite, shares, batch);
  } finally {
    sqlite.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const pg = await startTestPostgres();
  if (pg.server === null) {
    skipped.postgres = pg.skip;
  } else {
    try {
      const ledger = await PgLedger.open(await pg.server.newDatabase(), { flushIntervalMs: 0 });
      try {
        out.postgres = await measure(ledger, shares, batch);
      } finally {
        await ledger.close();
      }
    } finally {
      await pg.server.stop();
    }
  }
  if (Object.keys(skipped).length > 0) out.skipped = skipped;
  return out;
}
