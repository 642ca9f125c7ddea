import type pg from 'pg';
import { accountTablesSql } from './account-schema.js';
import { PG_PAYOUT_TABLES_SQL } from './pg-payout-tables.js';
import { SCHEMA_VERSION } from './sqlite-schema.js';

/**
 * The ledger's schema in PostgreSQL: the same tables, columns and versions as the SQLite file
 * (sqlite-schema.ts), in PostgreSQL's types. Several pool hosts may start at once against one
 * database, so the whole create-and-migrate runs in one transaction holding a transaction-level
 * advisory lock: the first host migrates, the others wait and then find nothing to do.
 */

/** Advisory lock key of the schema ("ckbpool" in ASCII, within int8). */
export const MIGRATION_LOCK = 0x636b62706f6f6cn;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS shares (
  id BIGSERIAL PRIMARY KEY,
  worker TEXT NOT NULL,
  difficulty DOUBLE PRECISION NOT NULL,
  time_ms BIGINT NOT NULL,
  height BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS shares_time ON shares(time_ms);
CREATE TABLE IF NOT EXISTS workers (
  name TEXT PRIMARY KEY,
  accepted_shares BIGINT NOT NULL DEFAULT 0,
  accepted_difficulty DOUBLE PRECISION NOT NULL DEFAULT 0,
  rejected_shares BIGINT NOT NULL DEFAULT 0,
  blocks BIGINT NOT NULL DEFAULT 0,
  first_share_ms BIGINT,
  last_share_ms BIGINT
);
CREATE TABLE IF NOT EXISTS blocks (
  id BIGSERIAL PRIMARY KEY,
  height BIGINT NOT NULL,
  hash TEXT NOT NULL UNIQUE,
  pow_hash TEXT NOT NULL,
  parent_hash TEXT NOT NULL,
  nonce TEXT NOT NULL,
  worker TEXT NOT NULL,
  found_at_ms BIGINT NOT NULL,
  network_difficulty DOUBLE PRECISION NOT NULL,
  share_difficulty DOUBLE PRECISION NOT NULL,
  work_id TEXT NOT NULL,
  block_json TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending','submitted','accepted','rejected')),
  message TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  updated_at_ms BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS blocks_status ON blocks(status);
CREATE TABLE IF NOT EXISTS block_splits (
  block_id BIGINT NOT NULL REFERENCES blocks(id),
  worker TEXT NOT NULL,
  difficulty DOUBLE PRECISION NOT NULL,
  parts BIGINT NOT NULL,
  PRIMARY KEY (block_id, worker)
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO meta(key, value) VALUES ('schema_version', '1') ON CONFLICT (key) DO NOTHING;
`;

/** Migration to version N from N − 1, as in sqlite-schema.ts; each tolerates finding its change made. */
const MIGRATIONS: Record<number, string> = {
  2: `ALTER TABLE blocks ADD COLUMN IF NOT EXISTS chain_status TEXT;
      CREATE UNIQUE INDEX IF NOT EXISTS blocks_one_confirmed_per_height ON blocks(height)
        WHERE chain_status = 'confirmed';`,
  3: PG_PAYOUT_TABLES_SQL,
  4: `${accountTablesSql('BIGINT')}
      ALTER TABLE payout_batches ADD COLUMN IF NOT EXISTS committed_block BIGINT;`,
  5: `ALTER TABLE blocks ADD COLUMN IF NOT EXISTS job_source TEXT NOT NULL DEFAULT 'pool';`,
};

async function versionOf(client: pg.PoolClient): Promise<number> {
  const r = await client.query<{ value: string }>("SELECT value FROM meta WHERE key = 'schema_version'");
  const raw = r.rows[0]?.value ?? '1';
  const v = Number(raw);
  if (!Number.isInteger(v) || v < 1) throw new Error(`ledger meta.schema_version '${raw}' is not a version`);
  return v;
}

/** Creates the schema if missing and brings it to SCHEMA_VERSION; refuses a newer one. */
export async function migratePg(pool: pg.Pool): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK.toString()]);
    await client.query(SCHEMA);
    const from = await versionOf(client);
    if (from > SCHEMA_VERSION) {
      throw new Error(
        `the ledger has schema version ${from}, newer than this ckb-pool understands (${SCHEMA_VERSION}): ` +
          'it was written by a newer release. Run that release, or restore a backup taken before the upgrade.',
      );
    }
    for (let v = from + 1; v <= SCHEMA_VERSION; v++) {
      const step = MIGRATIONS[v];
      if (step) await client.query(step);
      await client.query("UPDATE meta SET value = $1 WHERE key = 'schema_version'", [String(v)]);
    }
    await client.query('COMMIT');
    return from;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
