/**
 * The SQLite side of backup and restore: one small Node program that runs in a one-off
 * container of the pool image (it has node and better-sqlite3, the host may have neither), with
 * the pool's data volume mounted as in the pool service and a scratch folder of the host at
 * /backup. Paths and the mode come in through the environment, so the same program runs against
 * plain files in tests.
 *
 *   snapshot  VACUUM INTO: one read transaction of the live WAL database, so the copy is a
 *             consistent state even while the pool keeps writing (the writer is not blocked).
 *   inspect   what the ledger on the host holds (restore refuses to overwrite a non-empty one).
 *   replace   checks the copy (integrity, ledger tables), then swaps it in for the stopped pool.
 */

/** Where the program expects its input (env `LEDGER`, `SCRATCH`). */
export const SCRATCH_IN_CONTAINER = '/backup';
export const LEDGER_FILE_NAME = 'ledger.sqlite';

export type LedgerMode = 'snapshot' | 'inspect' | 'replace';

export interface LedgerSummary {
  exists: boolean;
  shares: number;
  workers: number;
  blocks: number;
  /** Σ workers.accepted_shares: equals `shares` in a consistent copy until shares are pruned. */
  acceptedShares: number;
  schemaVersion: string | null;
  bytes: number;
}

/** Exit code of `replace` when the ledger on the host is not empty and FORCE is not set. */
export const EXIT_NOT_EMPTY = 3;
/** Exit code when the input is not a usable ledger (missing, damaged, not ours). */
export const EXIT_BAD_LEDGER = 4;

/**
 * CommonJS for `node -e`. better-sqlite3 is resolved from the pool image's /app (or, in tests,
 * the working directory).
 */
export const LEDGER_PROGRAM = String.raw`
const fs = require('fs');
const path = require('path');
const Database = require(require.resolve('better-sqlite3', { paths: [process.cwd(), '/app', '/app/node_modules/ckb-pool'] }));
const mode = process.env.MODE;
const ledger = process.env.LEDGER;
const copy = path.join(process.env.SCRATCH, 'ledger.sqlite');
const fail = (code, message) => { process.stderr.write(message + '\n'); process.exit(code); };
const summary = (file) => {
  if (!fs.existsSync(file)) return { exists: false, shares: 0, workers: 0, blocks: 0, acceptedShares: 0, schemaVersion: null, bytes: 0 };
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const tables = new Set(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all().map((r) => r.name));
    for (const t of ['shares', 'workers', 'blocks', 'meta']) if (!tables.has(t)) fail(4, file + ' is not a pool ledger (no table ' + t + ')');
    const n = (sql) => db.prepare(sql).get().n ?? 0;
    const version = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get();
    return {
      exists: true,
      shares: n('SELECT COUNT(*) AS n FROM shares'),
      workers: n('SELECT COUNT(*) AS n FROM workers'),
      blocks: n('SELECT COUNT(*) AS n FROM blocks'),
      acceptedShares: n('SELECT SUM(accepted_shares) AS n FROM workers'),
      schemaVersion: version ? version.value : null,
      bytes: fs.statSync(file).size,
    };
  } finally {
    db.close();
  }
};
const checked = (file) => {
  let db;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const result = db.pragma('integrity_check', { simple: true });
    if (result !== 'ok') fail(4, file + ' is damaged: ' + result);
  } catch (e) {
    fail(4, file + ' cannot be read as SQLite: ' + e.message);
  } finally {
    if (db) db.close();
  }
  return summary(file);
};
const owner = (file, like) => {
  try { const s = fs.statSync(like); fs.chownSync(file, s.uid, s.gid); } catch {}
};
const print = (s) => process.stdout.write(JSON.stringify(s) + '\n');
if (mode === 'snapshot') {
  if (!fs.existsSync(ledger)) fail(4, 'no ledger at ' + ledger + ' (has the pool ever started?)');
  fs.rmSync(copy, { force: true });
  const db = new Database(ledger, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 10000');
  db.prepare('VACUUM INTO ?').run(copy);
  db.close();
  owner(copy, process.env.SCRATCH);
  print(checked(copy));
} else if (mode === 'inspect') {
  print(summary(ledger));
} else if (mode === 'replace') {
  const incoming = checked(copy);
  const current = summary(ledger);
  if (current.shares + current.workers + current.blocks > 0 && process.env.FORCE !== '1') {
    fail(3, 'the ledger on the host is not empty (' + current.shares + ' shares, ' + current.workers + ' workers, ' + current.blocks + ' blocks)');
  }
  const next = ledger + '.restoring';
  fs.copyFileSync(copy, next);
  const fd = fs.openSync(next, 'r');
  fs.fsyncSync(fd);
  fs.closeSync(fd);
  // The old WAL belongs to the old file: replayed onto the restored one it would corrupt it.
  for (const suffix of ['-wal', '-shm', '-journal']) fs.rmSync(ledger + suffix, { force: true });
  fs.renameSync(next, ledger);
  owner(ledger, path.dirname(ledger));
  print(summary(ledger));
} else {
  fail(2, 'MODE must be snapshot, inspect or replace');
}
`;

/** The program's last stdout line: its JSON summary. */
export function parseSummary(stdout: string): LedgerSummary {
  const line = stdout
    .split('\n')
    .map((l) => l.trim())
    .reverse()
    .find((l) => l.startsWith('{'));
  if (!line) throw new Error('the ledger program printed no summary');
  return JSON.parse(line) as LedgerSummary;
}

export function describeSummary(s: LedgerSummary): string {
  if (!s.exists) return 'no ledger yet';
  return `${s.shares} shares, ${s.workers} workers, ${s.blocks} blocks (schema ${s.schemaVersion ?? '?'}, ${s.bytes} bytes)`;
}

export const isEmptyLedger = (s: LedgerSummary): boolean => s.shares + s.workers + s.blocks === 0;
