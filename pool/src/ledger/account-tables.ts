import type Database from 'better-sqlite3';
import type { RegisteredAccount } from './account-schema.js';

/** The registry of `accounts.mode: registered` in the SQLite ledger (account-schema.ts). */
export class AccountTables {
  constructor(private readonly db: Database.Database) {}

  /** Maps `name` to `address`, replacing an earlier mapping; true when it was new. */
  register(name: string, address: string, nowMs: number): boolean {
    const before = this.db.prepare('SELECT 1 FROM registered_accounts WHERE name = ?').get(name);
    this.db
      .prepare(
        `INSERT INTO registered_accounts(name, address, created_at_ms) VALUES (?, ?, ?)
         ON CONFLICT(name) DO UPDATE SET address = excluded.address, created_at_ms = excluded.created_at_ms`,
      )
      .run(name, address, nowMs);
    return before === undefined;
  }

  /** Forgets `name`; false when it was not registered. */
  remove(name: string): boolean {
    return this.db.prepare('DELETE FROM registered_accounts WHERE name = ?').run(name).changes > 0;
  }

  list(): RegisteredAccount[] {
    return this.db
      .prepare('SELECT name, address, created_at_ms AS createdAtMs FROM registered_accounts ORDER BY name')
      .all() as RegisteredAccount[];
  }
}
