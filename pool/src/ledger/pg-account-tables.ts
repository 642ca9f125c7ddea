import type pg from 'pg';
import type { RegisteredAccount } from './account-schema.js';

/** The registry of `accounts.mode: registered` in PostgreSQL (account-schema.ts). */

/** Maps `name` to `address`, replacing an earlier mapping; true when it was new. */
export async function pgRegisterAccount(
  c: pg.Pool,
  name: string,
  address: string,
  nowMs: number,
): Promise<boolean> {
  // xmax = 0 only on a freshly inserted row: tells an insert from an update in one statement.
  const r = await c.query<{ inserted: boolean }>(
    `INSERT INTO registered_accounts(name, address, created_at_ms) VALUES ($1, $2, $3)
     ON CONFLICT (name) DO UPDATE SET address = EXCLUDED.address, created_at_ms = EXCLUDED.created_at_ms
     RETURNING (xmax = 0) AS inserted`,
    [name, address, nowMs],
  );
  return r.rows[0]?.inserted === true;
}

export async function pgRemoveAccount(c: pg.Pool, name: string): Promise<boolean> {
  const r = await c.query('DELETE FROM registered_accounts WHERE name = $1', [name]);
  return (r.rowCount ?? 0) > 0;
}

export async function pgRegisteredAccounts(c: pg.Pool): Promise<RegisteredAccount[]> {
  const r = await c.query<RegisteredAccount>(
    'SELECT name, address, created_at_ms AS "createdAtMs" FROM registered_accounts ORDER BY name',
  );
  return r.rows;
}
