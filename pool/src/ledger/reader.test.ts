import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Ledger } from './ledger.js';
import { CursorError, LedgerReader } from './reader.js';

const open: Array<{ close(): void }> = [];
afterEach(() => {
  for (const o of open.splice(0).reverse()) o.close();
});

function ledgerWithWorkers(n: number): { ledger: Ledger; reader: LedgerReader } {
  const path = join(mkdtempSync(join(tmpdir(), 'reader-')), 'ledger.sqlite');
  const ledger = new Ledger(path, { flushIntervalMs: 0 });
  for (let i = 0; i < n; i++)
    ledger.recordShare({ worker: `w${String(i).padStart(4, '0')}`, difficulty: 1, timeMs: i, height: 1 });
  ledger.flush();
  const reader = new LedgerReader(path, ledger.db);
  open.push(ledger, reader);
  return { ledger, reader };
}

const block = (i: number) => ({
  height: 100 + i,
  hash: `0x${i.toString(16).padStart(64, '0')}`,
  powHash: `0x${'11'.repeat(32)}`,
  parentHash: `0x${'22'.repeat(32)}`,
  nonce: '0x1',
  worker: 'w0000',
  foundAtMs: i,
  networkDifficulty: 10,
  shareDifficulty: 10,
  workId: '1',
  blockJson: '{"big":"submit json"}',
});

describe('ledger reader (the API read side)', () => {
  it('pages through every worker once, in name order, with a next cursor until the last page', () => {
    const { reader } = ledgerWithWorkers(1_234);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = reader.workers(500, cursor);
      expect(page.items.length).toBeLessThanOrEqual(500);
      seen.push(...page.items.map((w) => w.name));
      cursor = page.next;
      pages += 1;
    } while (cursor !== null);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(1_234);
    expect(new Set(seen).size).toBe(1_234);
    expect(seen).toEqual([...seen].sort());
  });

  it('has no next page when the last page is exactly full', () => {
    const { reader } = ledgerWithWorkers(10);
    const first = reader.workers(5, null);
    expect(first.next).not.toBeNull();
    const second = reader.workers(5, first.next);
    expect(second.items.map((w) => w.name)).toEqual(['w0005', 'w0006', 'w0007', 'w0008', 'w0009']);
    expect(second.next).toBeNull();
  });

  it('reads through its own read-only connection and sees what the writer committed', () => {
    const { ledger, reader } = ledgerWithWorkers(1);
    expect(reader.worker('late')).toBeNull();
    ledger.recordShare({ worker: 'late', difficulty: 5, timeMs: 9, height: 2 });
    ledger.flush();
    expect(reader.worker('late')).toMatchObject({ acceptedShares: 1, acceptedDifficulty: 5 });
  });

  it('pages blocks newest first without their submit JSON', () => {
    const { ledger, reader } = ledgerWithWorkers(1);
    for (let i = 1; i <= 5; i++) ledger.addPendingBlock(block(i), 1);
    const first = reader.blocks(2, null);
    expect(first.items.map((b) => b.height)).toEqual([105, 104]);
    expect(first.items[0]).not.toHaveProperty('blockJson');
    const rest = reader.blocks(10, first.next);
    expect(rest.items.map((b) => b.height)).toEqual([103, 102, 101]);
    expect(rest.next).toBeNull();
    expect(reader.blockCounts()).toEqual({ pending: 5, submitted: 0, accepted: 0, rejected: 0 });
    expect(reader.blockSplit(first.items[0]?.id as number).length).toBeGreaterThan(0);
  });

  it('refuses a cursor it did not hand out', () => {
    const { reader } = ledgerWithWorkers(1);
    expect(() => reader.workers(5, 'not a cursor!')).toThrow(CursorError);
    expect(() => reader.blocks(5, Buffer.from('x').toString('base64url'))).toThrow(CursorError);
  });

  it('shares the writer connection of an in-memory ledger', () => {
    const ledger = new Ledger(':memory:', { flushIntervalMs: 0 });
    open.push(ledger);
    ledger.recordShare({ worker: 'mem', difficulty: 1, timeMs: 1, height: 1 });
    ledger.flush();
    expect(new LedgerReader(':memory:', ledger.db).workers(10, null).items.map((w) => w.name)).toEqual([
      'mem',
    ]);
  });
});
