import pg from 'pg';

/**
 * How a PgLedger reaches its server: the connection string with the password from its file,
 * BIGINT parsing, and transactions retried when another host's transaction deadlocked them. Apart from the ledger so the password handling has its own tests
 * (pg-connection.test.ts) and no reader has to find it among the SQL.
 */

/** BIGINT columns (ids, milliseconds, counts) as numbers: all stay far below 2^53. */
export function numericTypes(): pg.CustomTypesConfig {
  const types = new pg.TypeOverrides();
  types.setTypeParser(pg.types.builtins.INT8, (v: string) => Number(v));
  return types;
}

/**
 * The URL node-postgres connects with. The password goes into it: given beside a
 * `connectionString`, pg's own `password` option is overridden by the URL's (absent) one, and
 * the server's SCRAM exchange then fails. The URL stays in memory; errors are masked by the caller.
 */
export function connectionString(url: string, password: string | undefined): string {
  if (password === undefined) return url;
  const u = new URL(url);
  // pg decodes the URL's password; encoded whole, any character survives (':', '/', '@', '%').
  u.password = encodeURIComponent(password);
  return u.toString();
}

/** Deadlock and serialisation failure: another host's transaction won; run ours again. */
const RETRYABLE = new Set(['40P01', '40001']);

/** Runs `fn` in a transaction on one connection, again when another host's deadlocked it. */
export async function inTransaction<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const out = await fn(client);
      await client.query('COMMIT');
      return out;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      const code = (err as { code?: string }).code;
      if (attempt >= 5 || code === undefined || !RETRYABLE.has(code)) throw err;
    } finally {
      client.release();
    }
  }
}
