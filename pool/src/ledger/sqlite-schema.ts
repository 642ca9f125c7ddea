import type Database from 'better-sqlite3';
import { accountTablesSql } from './account-schema.js';
import { PAYOUT_TABLES_SQL } from './payout-tables.js';

/**
 * The SQLite file's tables and the steps that bring an older file up to date. Apart from the
 * Ledger class so that the PostgreSQL schema (pg-schema.ts) can share SCHEMA_VERSION without
 * loading the SQLite ledger, and so the upgrade path reads as one piece.
 */

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS shares (
  id INTEGER PRIMARY KEY,
  worker TEXT NOT NULL,
  difficulty REAL NOT NULL,
  time_ms INTEGER NOT NULL,
  height INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS shares_time ON shares(time_ms);
CREATE TABLE IF NOT EXISTS workers (
  name TEXT PRIMARY KEY,
  accepted_shares INTEGER NOT NULL DEFAULT 0,
  accepted_difficulty REAL NOT NULL DEFAULT 0,
  rejected_shares INTEGER NOT NULL DEFAULT 0,
  blocks INTEGER NOT NULL DEFAULT 0,
  first_share_ms INTEGER,
  last_share_ms INTEGER
);
CREATE TABLE IF NOT EXISTS blocks (
  id INTEGER PRIMARY KEY,
  height INTEGER NOT NULL,
  hash TEXT NOT NULL UNIQUE,
  pow_hash TEXT NOT NULL,
  parent_hash TEXT NOT NULL,
  nonce TEXT NOT NULL,
  worker TEXT NOT NULL,
  found_at_ms INTEGER NOT NULL,
  network_difficulty REAL NOT NULL,
  share_difficulty REAL NOT NULL,
  work_id TEXT NOT NULL,
  block_json TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending','submitted','accepted','rejected')),
  message TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  updated_at_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS blocks_status ON blocks(status);
CREATE TABLE IF NOT EXISTS block_splits (
  block_id INTEGER NOT NULL REFERENCES blocks(id),
  worker TEXT NOT NULL,
  difficulty REAL NOT NULL,
  parts INTEGER NOT NULL,
  PRIMARY KEY (block_id, worker)
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', '1');
`;
// The text above is version 1, on purpose: a new file and an old one take the same
// MIGRATIONS path to SCHEMA_VERSION, so no step exists only for upgraded pools.

/** The schema this code reads and writes; `meta.schema_version` of a migrated file. */
export const SCHEMA_VERSION = 5;

/**
 * Migration to version N (key) from N − 1, each run once, in its own transaction together with
 * the version bump, so an upgraded pool finds the file either before or after a step, never
 * half-way. Each step also tolerates finding its change already made: pools before the version
 * bump existed added the v2 column but left `schema_version` at '1'.
 */
const MIGRATIONS: Record<number, (db: Database.Database) => void> = {
  // Chain status of accepted blocks (an added column: old rows read as not yet checked).
  2: (db) => {
    const cols = db.prepare('PRAGMA table_info(blocks)').all() as { name: string }[];
    if (!cols.some((c) => c.name === 'chain_status'))
      db.exec('ALTER TABLE blocks ADD COLUMN chain_status TEXT');
  },
  // Rewards as the chain paid them, credits per account, payout batches (payout-tables.ts).
  3: (db) => db.exec(PAYOUT_TABLES_SQL),
  // Registered accounts, and the block a payout batch was committed in (account-schema.ts).
  4: (db) => {
    db.exec(accountTablesSql('INTEGER'));
    const cols = db.prepare('PRAGMA table_info(payout_batches)').all() as { name: string }[];
    if (!cols.some((c) => c.name === 'committed_block'))
      db.exec('ALTER TABLE payout_batches ADD COLUMN committed_block INTEGER');
  },
  // Blocks found on a miner's declared job (Job Declaration); older rows were all the pool's.
  5: (db) => {
    const cols = db.prepare('PRAGMA table_info(blocks)').all() as { name: string }[];
    if (!cols.some((c) => c.name === 'job_source'))
      db.exec("ALTER TABLE blocks ADD COLUMN job_source TEXT NOT NULL DEFAULT 'pool'");
  },
};

/** The file's schema version (a fresh file starts at 1, the SCHEMA above). */
export function schemaVersion(db: Database.Database): number {
  const row = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as
    | { value: string }
    | undefined;
  const v = Number(row?.value ?? '1');
  if (!Number.isInteger(v) || v < 1)
    throw new Error(`ledger meta.schema_version '${row?.value}' is not a version`);
  return v;
}

/** Brings the file to SCHEMA_VERSION; refuses a file from a newer pool (a downgrade). */
export function migrate(db: Database.Database): void {
  const from = schemaVersion(db);
  if (from > SCHEMA_VERSION) {
    throw new Error(
      `the ledger has schema version ${from}, newer than this ckb-pool understands (${SCHEMA_VERSION}): ` +
        'it was written by a newer release. Run that release, or restore a backup taken before the upgrade.',
    );
  }
  for (let v = from + 1; v <= SCHEMA_VERSION; v++) {
    db.transaction(() => {
      MIGRATIONS[v]?.(db);
      db.prepare("UPDATE meta SET value = ? WHERE key = 'schema_version'").run(String(v));
    })();
  }
}
