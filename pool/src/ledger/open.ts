import { readFileSync } from 'node:fs';
import { Ledger, type LedgerOptions } from './ledger.js';
import { PgLedger } from './pg-ledger.js';
import type { LedgerStore } from './store.js';

/** Where the ledger lives: pool.yaml's `ledger.*` fields. */
export interface LedgerLocation {
  /** SQLite file, used when `url` is null. */
  path: string;
  /** PostgreSQL connection string without a password. */
  url: string | null;
  passwordFile: string | null;
}

/** The first line of the password file; its content never enters an error message. */
export function readPasswordFile(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`ledger.passwordFile ${file}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
  const password = text.split(/\r?\n/, 1)[0] ?? '';
  if (password === '') throw new Error(`ledger.passwordFile ${file}: the first line is empty`);
  return password;
}

/**
 * Opens the configured ledger: PostgreSQL when `url` is set (schema created or migrated before
 * this resolves), else the SQLite file. Errors name the location, never the password.
 */
export async function openLedger(where: LedgerLocation, opts: LedgerOptions = {}): Promise<LedgerStore> {
  if (where.url === null) return new Ledger(where.path, opts);
  const password = where.passwordFile === null ? undefined : readPasswordFile(where.passwordFile);
  const u = new URL(where.url);
  const shown = `${u.protocol}//${u.username ? `${u.username}@` : ''}${u.host}${u.pathname}`;
  try {
    return await PgLedger.open(where.url, { ...opts, ...(password !== undefined ? { password } : {}) });
  } catch (err) {
    const msg = (err as Error).message;
    throw new Error(`ledger.url ${shown}: ${password ? msg.replaceAll(password, '***') : msg}`);
  }
}
