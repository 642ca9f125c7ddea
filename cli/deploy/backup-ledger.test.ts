import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ledger } from 'ckb-pool/ledger/ledger';
import { LedgerReader } from 'ckb-pool/ledger/reader';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import {
  EXIT_BAD_LEDGER,
  EXIT_NOT_EMPTY,
  LEDGER_FILE_NAME,
  LEDGER_PROGRAM,
  type LedgerMode,
  parseSummary,
} from './backup-ledger.js';

// The program the one-off pool container runs, run here with this machine's node and the
// project's better-sqlite3 against real files: only the container around it is left out.
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function folder(name: string): string {
  const d = mkdtempSync(join(tmpdir(), `ckb-backup-${name}-`));
  dirs.push(d);
  return d;
}

async function program(mode: LedgerMode, ledger: string, scratch: string, force = false) {
  return execa(process.execPath, ['-e', LEDGER_PROGRAM], {
    env: { MODE: mode, LEDGER: ledger, SCRATCH: scratch, FORCE: force ? '1' : '0' },
    reject: false,
  });
}

/** A pool ledger with a writer that keeps inserting shares (flushed every 5 ms) until stopped. */
function busyLedger(path: string) {
  const ledger = new Ledger(path, { flushIntervalMs: 5 });
  let n = 0;
  const timer = setInterval(() => {
    for (let i = 0; i < 20; i++) {
      n += 1;
      ledger.recordShare({ worker: `w${n % 5}`, difficulty: 100 + (n % 9), timeMs: Date.now(), height: 7 });
    }
  }, 1);
  return {
    written: () => n,
    stop() {
      clearInterval(timer);
      ledger.close();
    },
  };
}

const until = async (cond: () => boolean) => {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
};

describe('the ledger program of backup and restore', () => {
  it('copies a ledger a writer keeps inserting into, consistently, and restores it with the same counts', async () => {
    const volume = folder('volume');
    const scratch = folder('scratch');
    const path = join(volume, LEDGER_FILE_NAME);
    const writer = busyLedger(path);
    try {
      await until(() => writer.written() > 2_000);
      const snap = await program('snapshot', path, scratch);
      expect(snap.exitCode, snap.stderr).toBe(0);
      const copied = parseSummary(snap.stdout);
      const writtenAfter = writer.written();
      // A torn copy would show shares without their worker totals (both go in one transaction).
      expect(copied.shares).toBeGreaterThan(0);
      expect(copied.acceptedShares).toBe(copied.shares);
      expect(copied.workers).toBe(5);
      expect(writtenAfter).toBeGreaterThan(copied.shares); // the writer was never blocked

      const fresh = folder('fresh');
      const restoredPath = join(fresh, LEDGER_FILE_NAME);
      const put = await program('replace', restoredPath, scratch);
      expect(put.exitCode, put.stderr).toBe(0);
      expect(parseSummary(put.stdout)).toMatchObject({ shares: copied.shares, workers: 5, blocks: 0 });
      const reopened = new Ledger(restoredPath, { flushIntervalMs: 0 });
      expect(reopened.shareCount()).toBe(copied.shares);
      expect(workersOf(restoredPath, reopened).reduce((s, w) => s + w.acceptedShares, 0)).toBe(copied.shares);
      reopened.close();
    } finally {
      writer.stop();
    }
  });

  /** Every worker row, as the API reads them. */
  const workersOf = (path: string, ledger: Ledger) => {
    const reader = new LedgerReader(path, ledger.db);
    try {
      return reader.workers(500, null).items;
    } finally {
      reader.close();
    }
  };

  it('refuses to replace a ledger that holds shares unless forced, then replaces it and drops its old WAL', async () => {
    const scratch = folder('scratch');
    const source = join(folder('source'), LEDGER_FILE_NAME);
    const old = new Ledger(source, { flushIntervalMs: 0 });
    for (let i = 0; i < 10; i++) old.recordShare({ worker: 'a', difficulty: 1, timeMs: i, height: 1 });
    old.close();
    expect((await program('snapshot', source, scratch)).exitCode).toBe(0);

    const target = join(folder('target'), LEDGER_FILE_NAME);
    const busy = new Ledger(target, { flushIntervalMs: 0 });
    for (let i = 0; i < 3; i++) busy.recordShare({ worker: 'b', difficulty: 1, timeMs: i, height: 1 });
    busy.flush();
    // What a killed pool leaves behind: a -wal file beside the ledger.
    const wal = readFileSync(`${target}-wal`);

    const refused = await program('replace', target, scratch);
    expect(refused.exitCode).toBe(EXIT_NOT_EMPTY);
    expect(refused.stderr).toContain('3 shares');
    expect(busy.shareCount()).toBe(3);
    busy.db.close();
    writeFileSync(`${target}-wal`, wal);

    const forced = await program('replace', target, scratch, true);
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect(existsSync(`${target}-wal`)).toBe(false);
    const after = new Ledger(target, { flushIntervalMs: 0 });
    expect(after.shareCount()).toBe(10);
    expect(workersOf(target, after).map((w) => w.name)).toEqual(['a']);
    after.close();
  });

  it('refuses a damaged or foreign copy and leaves the ledger as it was', async () => {
    const scratch = folder('scratch');
    const target = join(folder('target'), LEDGER_FILE_NAME);
    writeFileSync(join(scratch, LEDGER_FILE_NAME), 'not a database at all, just text'.repeat(200));
    const damaged = await program('replace', target, scratch);
    expect(damaged.exitCode).toBe(EXIT_BAD_LEDGER);
    expect(existsSync(target)).toBe(false);

    const other = join(scratch, LEDGER_FILE_NAME);
    rmSync(other);
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(other);
    db.exec('CREATE TABLE t (x)');
    db.close();
    const foreign = await program('replace', target, scratch);
    expect(foreign.exitCode).toBe(EXIT_BAD_LEDGER);
    expect(foreign.stderr).toContain('not a pool ledger');
  });

  it('says what an existing ledger holds, and that there is none yet', async () => {
    const dir = folder('inspect');
    const path = join(dir, LEDGER_FILE_NAME);
    expect(parseSummary((await program('inspect', path, dir)).stdout)).toMatchObject({ exists: false });
    const l = new Ledger(path, { flushIntervalMs: 0 });
    l.recordShare({ worker: 'x', difficulty: 2, timeMs: 1, height: 1 });
    l.close();
    const s = parseSummary((await program('inspect', path, dir)).stdout);
    expect(s).toMatchObject({ exists: true, shares: 1, workers: 1, blocks: 0 });
    expect(s.bytes).toBe(readFileSync(path).length);
  });

  it('fails clearly when there is no ledger to copy', async () => {
    const dir = folder('none');
    mkdirSync(join(dir, 'data'));
    const r = await program('snapshot', join(dir, 'data', LEDGER_FILE_NAME), dir);
    expect(r.exitCode).toBe(EXIT_BAD_LEDGER);
    expect(r.stderr).toContain('no ledger at');
  });
});
