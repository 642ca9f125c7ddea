import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Ledger } from './ledger.js';
import type { NewBlock } from './records.js';

function ledger(): Ledger {
  const l = new Ledger(join(mkdtempSync(join(tmpdir(), 'heights-')), 'ledger.sqlite'), {
    flushIntervalMs: 0,
  });
  for (let i = 0; i < 10; i++)
    l.recordShare({ worker: i % 2 ? 'alice' : 'bob', difficulty: 10, timeMs: i, height: 1 });
  return l;
}

function block(hash: string, worker: string, height = 42): NewBlock {
  return {
    height,
    hash: `0x${hash.repeat(64)}`,
    powHash: `0x${'11'.repeat(32)}`,
    parentHash: `0x${'22'.repeat(32)}`,
    nonce: '0x1',
    worker,
    foundAtMs: 1000,
    networkDifficulty: 1000,
    shareDifficulty: 10,
    workId: '3',
    blockJson: '{"header":{}}',
  };
}

describe('one found block per height', () => {
  it('counts the first block at a height; a second one there contends, with its split kept, uncounted', () => {
    const l = ledger();
    const first = l.addPendingBlock(block('a', 'alice'), 50);
    const second = l.addPendingBlock(block('b', 'bob'), 50);
    expect(first.counted).toBe(true);
    expect(second.counted).toBe(false);
    expect(l.block(second.id)?.chainStatus).toBe('contending');
    expect(l.blockSplit(second.id).length).toBeGreaterThan(0);
    expect(l.worker('alice')?.blocks).toBe(1);
    expect(l.worker('bob')?.blocks ?? 0).toBe(0);
    l.setBlockVerdict(first.id, 'accepted', null);
    l.setBlockVerdict(second.id, 'accepted', null);
    expect(l.blockCounts()).toMatchObject({ accepted: 1, contending: 1, orphaned: 0 });
    // A block at another height is counted on its own.
    expect(l.addPendingBlock(block('c', 'bob', 43), 50).counted).toBe(true);
    l.close();
  });

  it('moves the count to the block the chain picks, orphans the other, and pays only the winner', () => {
    const l = ledger();
    const first = l.addPendingBlock(block('a', 'alice'), 50).id;
    const second = l.addPendingBlock(block('b', 'bob'), 50).id;
    l.setBlockVerdict(first, 'accepted', null);
    l.setBlockVerdict(second, 'accepted', null);
    l.setChainStatus(second, 'main');
    expect(l.block(first)?.chainStatus).toBe('orphaned');
    expect(l.worker('alice')?.blocks).toBe(0);
    expect(l.worker('bob')?.blocks).toBe(1);
    expect(l.blockCounts()).toMatchObject({ accepted: 1, orphaned: 1, contending: 0 });
    expect(l.payableBlocks()).toEqual([]);
    l.setChainStatus(second, 'confirmed');
    expect(l.payableBlocks().map((b) => b.id)).toEqual([second]);
    // Whatever the confirmation check says later, the loser never counts again nor becomes payable.
    l.setChainStatus(first, 'orphaned');
    expect(l.worker('alice')?.blocks).toBe(0);
    expect(l.payableBlocks().map((b) => b.id)).toEqual([second]);
    l.close();
  });

  it('keeps the count with the first block when the chain picks it', () => {
    const l = ledger();
    const first = l.addPendingBlock(block('a', 'alice'), 50).id;
    const second = l.addPendingBlock(block('b', 'bob'), 50).id;
    l.setBlockVerdict(first, 'accepted', null);
    l.setBlockVerdict(second, 'accepted', null);
    l.setChainStatus(first, 'confirmed');
    expect(l.block(second)?.chainStatus).toBe('orphaned');
    expect([l.worker('alice')?.blocks, l.worker('bob')?.blocks ?? 0]).toEqual([1, 0]);
    expect(l.blocksToConfirm()).toEqual([]);
    l.close();
  });

  it('stops counting a block the node rejects and lets the contender at its height count instead', () => {
    const l = ledger();
    const first = l.addPendingBlock(block('a', 'alice'), 50).id;
    const second = l.addPendingBlock(block('b', 'bob'), 50).id;
    l.setBlockVerdict(first, 'rejected', 'Invalid');
    expect(l.worker('alice')?.blocks).toBe(0);
    expect(l.block(second)?.chainStatus).toBeNull();
    expect(l.worker('bob')?.blocks).toBe(1);
    l.setBlockVerdict(second, 'accepted', null);
    expect(l.blockCounts()).toMatchObject({ accepted: 1, rejected: 1, contending: 0 });
    l.close();
  });

  it('refuses a second confirmed block at one height in the database itself', () => {
    const l = ledger();
    const first = l.addPendingBlock(block('a', 'alice'), 50).id;
    const second = l.addPendingBlock(block('b', 'bob'), 50).id;
    l.setChainStatus(first, 'confirmed');
    expect(() =>
      l.db.prepare("UPDATE blocks SET chain_status = 'confirmed' WHERE id = ?").run(second),
    ).toThrow(/UNIQUE/);
    l.close();
  });
});
