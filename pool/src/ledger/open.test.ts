import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestPostgres } from '../../test/support/postgres.js';
import { Ledger } from './ledger.js';
import { openLedger, readPasswordFile } from './open.js';
import { PgLedger } from './pg-ledger.js';

const pgServer = await startTestPostgres();
afterAll(() => pgServer.server?.stop());
const skip = pgServer.skip;
if (skip) console.warn(`SKIP PostgreSQL ledger tests: ${skip}`);

const dir = () => mkdtempSync(join(tmpdir(), 'open-ledger-'));

describe('opening the configured ledger', () => {
  it('opens the SQLite file when no ledger.url is set', async () => {
    const l = await openLedger(
      { path: join(dir(), 'l.sqlite'), url: null, passwordFile: null },
      { flushIntervalMs: 0 },
    );
    expect(l).toBeInstanceOf(Ledger);
    await l.close();
  });

  it('reads the first line of the password file and names only the file when it cannot', () => {
    const d = dir();
    writeFileSync(join(d, 'pw'), 'hunter2-secret\nignored\n');
    expect(readPasswordFile(join(d, 'pw'))).toBe('hunter2-secret');
    expect(() => readPasswordFile(join(d, 'missing'))).toThrow(/ledger.passwordFile .*missing: ENOENT/);
    writeFileSync(join(d, 'empty'), '\n');
    expect(() => readPasswordFile(join(d, 'empty'))).toThrow(/first line is empty/);
  });

  it.skipIf(skip)('connects to PostgreSQL with the password from the file, and never shows it', async () => {
    const url = new URL(await (pgServer.server as NonNullable<typeof pgServer.server>).newDatabase());
    const db = url.pathname.slice(1);
    const role = `pool_${db.slice(-12)}`;
    const admin = new pg.Client({ connectionString: url.toString() });
    await admin.connect();
    await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD 'Right-Pass-42'`);
    await admin.query(`GRANT ALL ON DATABASE ${db} TO ${role}; GRANT ALL ON SCHEMA public TO ${role}`);
    await admin.end();
    const d = dir();
    writeFileSync(join(d, 'pw'), 'Right-Pass-42\n');
    url.username = role;
    // Throwaway clusters trust local connections, so a wrong password would pass: prove the
    // password is sent by checking the role the ledger connects as and that it is in no message.
    const l = await openLedger(
      { path: 'unused', url: url.toString(), passwordFile: join(d, 'pw') },
      { flushIntervalMs: 0 },
    );
    expect(l).toBeInstanceOf(PgLedger);
    const who = await (l as PgLedger).pool.query<{ u: string }>('SELECT current_user AS u');
    expect(who.rows[0]?.u).toBe(role);
    // What node-postgres itself will send, not just an option it may override from the URL.
    expect(new pg.Client((l as PgLedger).pool.options).password).toBe('Right-Pass-42');
    await l.close();
    const bad = new URL(url.toString());
    bad.pathname = '/no_such_database';
    const err = await openLedger({ path: 'unused', url: bad.toString(), passwordFile: join(d, 'pw') }).catch(
      (e) => e,
    );
    expect(String(err.message)).toMatch(/ledger.url postgres:\/\/pool_.*no_such_database/);
    expect(String(err.message)).not.toContain('Right-Pass-42');
  });
});
