import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Ledger } from './ledger.js';
import { PARTS_TOTAL } from './pplns.js';
import { LedgerReader } from './reader.js';
import type { NewBlock } from './records.js';
import { SCHEMA_VERSION } from './sqlite-schema.js';

function tempDb(): string {
  return join(mkdtempSync(join(tmpdir(), 'ledger-')), 'ledger.sqlite');
}

function block(hash: string, worker = 'alice'): NewBlock {
  return {
    height: 42,
    hash,
    powHash: `0x${'11'.repeat(32)}`,
    parentHash: `0x${'22'.repeat(32)}`,
    nonce: '0x1234',
    worker,
    foundAtMs: 1000,
    networkDifficulty: 1000,
    shareDifficulty: 10,
    workId: '3',
    blockJson: '{"header":{}}',
  };
}

describe('ledger', () => {
  it('writes queued shares in batches and keeps per-worker aggregates', () => {
    const l = new Ledger(tempDb(), { flushIntervalMs: 0 });
    l.recordShare({ worker: 'alice', difficulty: 10, timeMs: 1000, height: 5 });
    l.recordShare({ worker: 'bob', difficulty: 30, timeMs: 1100, height: 5 });
    l.recordShare({ worker: 'alice', difficulty: 20, timeMs: 1200, height: 6 });
    l.recordRejected('bob', 1300);
    l.recordRejected('mallory', 1300);
    expect(l.shareCount()).toBe(0);
    expect(l.flush()).toBe(3);
    expect(l.shareCount()).toBe(3);
    const alice = l.worker('alice');
    expect(alice).toMatchObject({
      acceptedShares: 2,
      acceptedDifficulty: 30,
      rejectedShares: 0,
      firstShareAtMs: 1000,
      lastShareAtMs: 1200,
    });
    expect(l.worker('bob')).toMatchObject({ acceptedShares: 1, rejectedShares: 1 });
    // Rejected shares alone make no row: names are free to invent, rows are not.
    expect(l.worker('mallory')).toBeNull();
    expect(new LedgerReader(':memory:', l.db).workers(10, null).items.map((w) => w.name)).toEqual([
      'alice',
      'bob',
    ]);
    expect(l.difficultySince(1100)).toEqual(
      expect.arrayContaining([
        { worker: 'alice', difficulty: 20, shares: 1 },
        { worker: 'bob', difficulty: 30, shares: 1 },
      ]),
    );
    l.close();
  });

  it('records a pending block synchronously with a PPLNS split that adds up, then its verdict', () => {
    const path = tempDb();
    const l = new Ledger(path, { flushIntervalMs: 0 });
    for (let i = 0; i < 100; i++)
      l.recordShare({ worker: i % 4 === 0 ? 'bob' : 'alice', difficulty: 10, timeMs: i, height: 1 });
    const { id, split } = l.addPendingBlock(block(`0x${'aa'.repeat(32)}`), 500);
    expect(split?.windowDifficulty).toBe(500);
    const rows = l.blockSplit(id);
    expect(rows.reduce((a, r) => a + r.parts, 0)).toBe(PARTS_TOTAL);
    expect(rows.reduce((a, r) => a + r.difficulty, 0)).toBe(500);
    expect(l.unresolvedBlocks().map((b) => b.id)).toEqual([id]);
    l.markSubmitting(id, 2000);
    expect(l.block(id)).toMatchObject({ status: 'submitted', attempts: 1 });
    l.setBlockVerdict(id, 'rejected', 'Invalid: PowError', 3000);
    expect(l.block(id)).toMatchObject({
      status: 'rejected',
      message: 'Invalid: PowError',
      updatedAtMs: 3000,
    });
    expect(l.unresolvedBlocks()).toEqual([]);
    // A block the node rejected is no block: not counted for its finder.
    expect(l.worker('alice')?.blocks).toBe(0);
    expect(l.blockCounts()).toEqual({
      pending: 0,
      submitted: 0,
      accepted: 0,
      rejected: 1,
      orphaned: 0,
      contending: 0,
    });
    l.close();
  });

  it('writes a large timer batch in several transactions, yielding in between', async () => {
    const flushes: number[] = [];
    const l = new Ledger(tempDb(), { flushIntervalMs: 20, onFlush: (_s, n) => flushes.push(n) });
    for (let i = 0; i < 5_000; i++)
      l.recordShare({ worker: `w${i % 3}`, difficulty: 1, timeMs: i, height: 1 });
    for (let i = 0; i < 200 && l.shareCount() < 5_000; i++) await new Promise((r) => setTimeout(r, 10));
    expect(l.shareCount()).toBe(5_000);
    expect(flushes).toEqual([2_000, 2_000, 1_000]);
    expect([0, 1, 2].reduce((a, i) => a + (l.worker(`w${i}`)?.acceptedShares ?? 0), 0)).toBe(5_000);
    l.close();
  });

  it('prunes old shares but keeps worker totals', () => {
    const l = new Ledger(tempDb(), { flushIntervalMs: 0 });
    for (let i = 0; i < 25; i++) l.recordShare({ worker: 'a', difficulty: 1, timeMs: i, height: 1 });
    l.flush();
    expect(l.pruneShares(20, 7)).toBe(20);
    expect(l.shareCount()).toBe(5);
    expect(l.worker('a')?.acceptedShares).toBe(25);
    l.close();
  });

  it('upgrades a file written before chain status existed', () => {
    const path = tempDb();
    const old = new Database(path);
    old.exec(
      "CREATE TABLE blocks (id INTEGER PRIMARY KEY, height INTEGER NOT NULL, hash TEXT NOT NULL UNIQUE, pow_hash TEXT NOT NULL, parent_hash TEXT NOT NULL, nonce TEXT NOT NULL, worker TEXT NOT NULL, found_at_ms INTEGER NOT NULL, network_difficulty REAL NOT NULL, share_difficulty REAL NOT NULL, work_id TEXT NOT NULL, block_json TEXT NOT NULL, status TEXT NOT NULL CHECK (status IN ('pending','submitted','accepted','rejected')), message TEXT, attempts INTEGER NOT NULL DEFAULT 0, updated_at_ms INTEGER NOT NULL)",
    );
    old.close();
    const l = new Ledger(path, { flushIntervalMs: 0 });
    const { id } = l.addPendingBlock(block(`0x${'dd'.repeat(32)}`), 10);
    l.setBlockVerdict(id, 'accepted', null);
    l.setChainStatus(id, 'confirmed');
    expect(l.block(id)?.chainStatus).toBe('confirmed');
    l.close();
  });

  it('records the same block once', () => {
    const l = new Ledger(tempDb(), { flushIntervalMs: 0 });
    l.recordShare({ worker: 'a', difficulty: 1, timeMs: 0, height: 1 });
    const first = l.addPendingBlock(block(`0x${'bb'.repeat(32)}`), 10);
    const again = l.addPendingBlock(block(`0x${'bb'.repeat(32)}`), 10);
    expect(again.id).toBe(first.id);
    expect(again.split).toBeNull();
    expect(l.blocks()).toHaveLength(1);
    l.close();
  });

  it('keeps everything across close and reopen', () => {
    const path = tempDb();
    const l = new Ledger(path, { flushIntervalMs: 0 });
    l.recordShare({ worker: 'a', difficulty: 1, timeMs: 0, height: 1 });
    l.addPendingBlock(block(`0x${'cc'.repeat(32)}`), 10);
    l.recordShare({ worker: 'a', difficulty: 2, timeMs: 1, height: 1 });
    l.close();
    const again = new Ledger(path, { flushIntervalMs: 0 });
    expect(again.shareCount()).toBe(2);
    expect(again.unresolvedBlocks()).toHaveLength(1);
    again.close();
  });

  it('loses at most the last flush interval of acknowledged shares on kill -9, and never a pending block', async () => {
    const path = tempDb();
    const intervalMs = 100;
    const fixture = fileURLToPath(new URL('../../test/support/kill-writer.fixture.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, path, String(intervalMs)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const acks: { n: number; at: number }[] = [];
    let blockSeen = false;
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let i = buf.indexOf('\n');
      while (i >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line.startsWith('ack ')) acks.push({ n: Number(line.slice(4)), at: Date.now() });
        if (line.startsWith('block ')) blockSeen = true;
        i = buf.indexOf('\n');
      }
    });
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (acks.length >= 300 && blockSeen) {
          clearInterval(check);
          resolve();
        }
      }, 10);
    });
    const killedAt = Date.now();
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    // Acks read by us before (kill − interval − scheduling slack) were acked by the child even
    // earlier, so their batch must have been committed.
    const slackMs = 150;
    const mustHave = acks.filter((a) => a.at < killedAt - intervalMs - slackMs).map((a) => a.n);
    const l = new Ledger(path, { flushIntervalMs: 0 });
    const stored = l.shareCount();
    expect(mustHave.length).toBeGreaterThan(0);
    expect(stored).toBeGreaterThanOrEqual(Math.max(...mustHave));
    expect(stored).toBeLessThanOrEqual(acks.length);
    const blocks = l.unresolvedBlocks();
    expect(blocks).toHaveLength(1);
    expect(l.blockSplit(blocks[0]?.id as number).reduce((a, r) => a + r.parts, 0)).toBe(PARTS_TOTAL);
    l.close();
  });
});

describe('ledger schema migrations', () => {
  /** A file as the first release wrote it: no chain_status column, schema_version '1'. */
  function versionOneFile(): string {
    const path = tempDb();
    const db = new Database(path);
    db.exec(`
      CREATE TABLE shares (id INTEGER PRIMARY KEY, worker TEXT NOT NULL, difficulty REAL NOT NULL, time_ms INTEGER NOT NULL, height INTEGER NOT NULL);
      CREATE TABLE workers (name TEXT PRIMARY KEY, accepted_shares INTEGER NOT NULL DEFAULT 0, accepted_difficulty REAL NOT NULL DEFAULT 0,
        rejected_shares INTEGER NOT NULL DEFAULT 0, blocks INTEGER NOT NULL DEFAULT 0, first_share_ms INTEGER, last_share_ms INTEGER);
      CREATE TABLE blocks (id INTEGER PRIMARY KEY, height INTEGER NOT NULL, hash TEXT NOT NULL UNIQUE, pow_hash TEXT NOT NULL,
        parent_hash TEXT NOT NULL, nonce TEXT NOT NULL, worker TEXT NOT NULL, found_at_ms INTEGER NOT NULL,
        network_difficulty REAL NOT NULL, share_difficulty REAL NOT NULL, work_id TEXT NOT NULL, block_json TEXT NOT NULL,
        status TEXT NOT NULL, message TEXT, attempts INTEGER NOT NULL DEFAULT 0, updated_at_ms INTEGER NOT NULL);
      CREATE TABLE block_splits (block_id INTEGER NOT NULL, worker TEXT NOT NULL, difficulty REAL NOT NULL, parts INTEGER NOT NULL,
        PRIMARY KEY (block_id, worker));
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      INSERT INTO meta VALUES ('schema_version', '1');
      INSERT INTO shares(worker, difficulty, time_ms, height) VALUES ('old', 5, 1, 1);
      INSERT INTO blocks(height, hash, pow_hash, parent_hash, nonce, worker, found_at_ms, network_difficulty, share_difficulty,
        work_id, block_json, status, updated_at_ms) VALUES (9, '0xaa', '0x1', '0x2', '0x3', 'old', 1, 1, 1, '1', '{}', 'accepted', 1);
    `);
    db.close();
    return path;
  }
  const versionOf = (l: Ledger) =>
    (l.db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string }).value;

  it(`starts a new file at the current version (${SCHEMA_VERSION})`, () => {
    const l = new Ledger(tempDb(), { flushIntervalMs: 0 });
    expect(versionOf(l)).toBe(String(SCHEMA_VERSION));
    l.close();
  });

  it('migrates a version 1 file on open: the column is added, the version recorded, the data kept', () => {
    const l = new Ledger(versionOneFile(), { flushIntervalMs: 0 });
    expect(versionOf(l)).toBe(String(SCHEMA_VERSION));
    expect(l.shareCount()).toBe(1);
    expect(l.blocksToConfirm().map((b) => [b.hash, b.chainStatus])).toEqual([['0xaa', null]]);
    l.close();
  });

  it("reads the blocks of an older file as found on the pool's own jobs", () => {
    const l = new Ledger(versionOneFile(), { flushIntervalMs: 0 });
    expect(l.block(1)?.jobSource).toBe('pool');
    l.close();
  });

  it("repairs the stale '1' of files that already have the v2 column", () => {
    const path = versionOneFile();
    const db = new Database(path);
    db.exec('ALTER TABLE blocks ADD COLUMN chain_status TEXT');
    db.close();
    const l = new Ledger(path, { flushIntervalMs: 0 });
    expect(versionOf(l)).toBe(String(SCHEMA_VERSION));
    l.setChainStatus(1, 'main');
    expect(l.block(1)?.chainStatus).toBe('main');
    l.close();
  });

  it('refuses a file written by a newer release instead of guessing its shape', () => {
    const path = tempDb();
    new Ledger(path, { flushIntervalMs: 0 }).close();
    const db = new Database(path);
    db.prepare("UPDATE meta SET value = ? WHERE key = 'schema_version'").run(String(SCHEMA_VERSION + 1));
    db.close();
    expect(() => new Ledger(path, { flushIntervalMs: 0 })).toThrow(
      new RegExp(
        `schema version ${SCHEMA_VERSION + 1}, newer than this ckb-pool understands \\(${SCHEMA_VERSION}\\)`,
      ),
    );
  });
});
