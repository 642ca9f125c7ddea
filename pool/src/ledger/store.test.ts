import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestPostgres } from '../../test/support/postgres.js';
import { Ledger } from './ledger.js';
import { OverdraftError } from './payout-types.js';
import { PgLedger } from './pg-ledger.js';
import { PgLedgerReader } from './pg-reader.js';
import { PARTS_TOTAL } from './pplns.js';
import { LedgerReader } from './reader.js';
import type { NewBlock } from './records.js';
import type { LedgerStore } from './store.js';

/**
 * The ledger contract: the same behaviour from the SQLite file and from PostgreSQL. Each case
 * opens a fresh ledger on its backend; `reopen` opens the same one again (a restart).
 */

const pgServer = await startTestPostgres();
afterAll(() => pgServer.server?.stop());

interface Backend {
  name: string;
  skip: string | null;
  /** A fresh ledger and a way to open the same one again. */
  fresh(flushIntervalMs?: number): Promise<{ ledger: LedgerStore; reopen: () => Promise<LedgerStore> }>;
  /** The HTTP API's read side of `ledger`. */
  reader(ledger: LedgerStore): LedgerReader | PgLedgerReader;
}

const backends: Backend[] = [
  {
    name: 'SQLite',
    skip: null,
    reader: (l) => new LedgerReader((l as Ledger).path, (l as Ledger).db),
    async fresh(flushIntervalMs = 0) {
      const path = join(mkdtempSync(join(tmpdir(), 'store-')), 'ledger.sqlite');
      const open = async () => new Ledger(path, { flushIntervalMs });
      return { ledger: await open(), reopen: open };
    },
  },
  {
    name: 'PostgreSQL',
    skip: pgServer.skip,
    reader: (l) => new PgLedgerReader((l as PgLedger).pool),
    async fresh(flushIntervalMs = 0) {
      const url = await (pgServer.server as NonNullable<typeof pgServer.server>).newDatabase();
      const open = () => PgLedger.open(url, { flushIntervalMs });
      return { ledger: await open(), reopen: open };
    },
  },
];

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

describe.each(backends)('the $name ledger', ({ skip, fresh, reader }) => {
  if (skip) console.warn(`SKIP: ${skip}`);

  it.skipIf(skip)('writes queued shares in one flush and keeps per-worker totals', async () => {
    const { ledger: l } = await fresh();
    l.recordShare({ worker: 'alice', difficulty: 10, timeMs: 1000, height: 5 });
    l.recordShare({ worker: 'bob', difficulty: 30, timeMs: 1100, height: 5 });
    l.recordShare({ worker: 'alice', difficulty: 20, timeMs: 1200, height: 6 });
    l.recordRejected('bob', 1300);
    l.recordRejected('mallory', 1300);
    expect(l.queuedShares).toBe(3);
    expect(await l.shareCount()).toBe(0);
    expect(await l.flush()).toBe(3);
    expect(l.queuedShares).toBe(0);
    expect(await l.shareCount()).toBe(3);
    expect(await l.worker('alice')).toEqual({
      name: 'alice',
      acceptedShares: 2,
      acceptedDifficulty: 30,
      rejectedShares: 0,
      blocks: 0,
      firstShareAtMs: 1000,
      lastShareAtMs: 1200,
    });
    expect(await l.worker('bob')).toMatchObject({ acceptedShares: 1, rejectedShares: 1 });
    // Rejected shares alone make no row: names are free to invent, rows are not.
    expect(await l.worker('mallory')).toBeNull();
    expect(await l.difficultySince(1100)).toEqual(
      expect.arrayContaining([
        { worker: 'alice', difficulty: 20, shares: 1 },
        { worker: 'bob', difficulty: 30, shares: 1 },
      ]),
    );
    expect(await l.difficultySince(0, 'bob')).toEqual([{ worker: 'bob', difficulty: 30, shares: 1 }]);
    await l.close();
  });

  it.skipIf(skip)('writes a batch larger than one insert chunk exactly once', async () => {
    const { ledger: l } = await fresh();
    for (let i = 0; i < 5_003; i++)
      l.recordShare({ worker: `w${i % 7}`, difficulty: 1, timeMs: i, height: 1 });
    expect(await l.flush()).toBe(5_003);
    expect(await l.shareCount()).toBe(5_003);
    let total = 0;
    for (let i = 0; i < 7; i++) total += (await l.worker(`w${i}`))?.acceptedShares ?? 0;
    expect(total).toBe(5_003);
    await l.close();
  });

  it.skipIf(skip)(
    'keeps whether a block came from a declared job or the pool, for every reader',
    async () => {
      const { ledger: l } = await fresh();
      const pooled = await l.addPendingBlock(block('a', 'alice'), 10);
      const declared = await l.addPendingBlock({ ...block('b', 'bob', 11), jobSource: 'declared' }, 10);
      expect((await l.block(pooled.id))?.jobSource).toBe('pool');
      expect((await l.block(declared.id))?.jobSource).toBe('declared');
      const r = reader(l);
      const listed = (await r.blocks(10, null)).items.map((b) => [b.worker, b.jobSource]);
      expect(listed).toEqual([
        ['bob', 'declared'],
        ['alice', 'pool'],
      ]);
      r.close();
      await l.close();
    },
  );

  it.skipIf(skip)('records a pending block with a PPLNS split that adds up, then its verdict', async () => {
    const { ledger: l } = await fresh();
    for (let i = 0; i < 100; i++)
      l.recordShare({ worker: i % 4 === 0 ? 'bob' : 'alice', difficulty: 10, timeMs: i, height: 1 });
    const { id, split, counted } = await l.addPendingBlock(block('a', 'alice'), 500);
    expect(counted).toBe(true);
    expect(split?.windowDifficulty).toBe(500);
    const rows = await l.blockSplit(id);
    expect(rows.reduce((a, r) => a + r.parts, 0)).toBe(PARTS_TOTAL);
    expect(rows.reduce((a, r) => a + r.difficulty, 0)).toBe(500);
    expect((await l.unresolvedBlocks()).map((b) => b.id)).toEqual([id]);
    await l.markSubmitting(id, 2000);
    expect(await l.block(id)).toMatchObject({ status: 'submitted', attempts: 1, updatedAtMs: 2000 });
    await l.setBlockVerdict(id, 'rejected', 'Invalid: PowError', 3000);
    expect(await l.block(id)).toMatchObject({ status: 'rejected', message: 'Invalid: PowError' });
    expect(await l.unresolvedBlocks()).toEqual([]);
    expect((await l.worker('alice'))?.blocks).toBe(0);
    expect(await l.blockCounts()).toEqual({
      pending: 0,
      submitted: 0,
      accepted: 0,
      rejected: 1,
      orphaned: 0,
      contending: 0,
    });
    await l.close();
  });

  it.skipIf(skip)('records the same block hash once', async () => {
    const { ledger: l } = await fresh();
    l.recordShare({ worker: 'a', difficulty: 1, timeMs: 0, height: 1 });
    const first = await l.addPendingBlock(block('b', 'a'), 10);
    const again = await l.addPendingBlock(block('b', 'a'), 10);
    expect(again.id).toBe(first.id);
    expect(again.split).toBeNull();
    expect(await l.blocks()).toHaveLength(1);
    expect((await l.worker('a'))?.blocks).toBe(1);
    await l.close();
  });

  it.skipIf(skip)(
    'counts one block per height: the chain picks the winner, only it becomes payable',
    async () => {
      const { ledger: l } = await fresh();
      for (let i = 0; i < 10; i++)
        l.recordShare({ worker: i % 2 ? 'alice' : 'bob', difficulty: 10, timeMs: i, height: 1 });
      const first = await l.addPendingBlock(block('a', 'alice'), 50);
      const second = await l.addPendingBlock(block('b', 'bob'), 50);
      expect([first.counted, second.counted]).toEqual([true, false]);
      expect((await l.block(second.id))?.chainStatus).toBe('contending');
      await l.setBlockVerdict(first.id, 'accepted', null);
      await l.setBlockVerdict(second.id, 'accepted', null);
      expect(await l.blockCounts()).toMatchObject({ accepted: 1, contending: 1, orphaned: 0 });
      expect((await l.blocksToConfirm()).map((b) => b.id)).toEqual([first.id, second.id]);
      await l.setChainStatus(second.id, 'main');
      expect((await l.block(first.id))?.chainStatus).toBe('orphaned');
      expect((await l.worker('alice'))?.blocks).toBe(0);
      expect((await l.worker('bob'))?.blocks).toBe(1);
      expect(await l.payableBlocks()).toEqual([]);
      await l.setChainStatus(second.id, 'confirmed');
      await l.setChainStatus(first.id, 'orphaned');
      expect((await l.payableBlocks()).map((b) => b.id)).toEqual([second.id]);
      expect((await l.worker('alice'))?.blocks).toBe(0);
      expect(await l.blocksToConfirm()).toEqual([]);
      await l.close();
    },
  );

  it.skipIf(skip)('lets the oldest contender count when the counted block is rejected', async () => {
    const { ledger: l } = await fresh();
    l.recordShare({ worker: 'alice', difficulty: 10, timeMs: 0, height: 1 });
    const first = await l.addPendingBlock(block('a', 'alice'), 10);
    const second = await l.addPendingBlock(block('b', 'bob'), 10);
    await l.setBlockVerdict(first.id, 'rejected', 'Invalid');
    expect((await l.block(second.id))?.chainStatus).toBeNull();
    expect((await l.worker('alice'))?.blocks).toBe(0);
    expect((await l.worker('bob'))?.blocks).toBe(1);
    await l.close();
  });

  it.skipIf(skip)('prunes old shares in chunks but keeps worker totals', async () => {
    const { ledger: l } = await fresh();
    for (let i = 0; i < 25; i++) l.recordShare({ worker: 'a', difficulty: 1, timeMs: i, height: 1 });
    await l.flush();
    expect(await l.pruneShares(20, 7)).toBe(20);
    expect(await l.shareCount()).toBe(5);
    expect((await l.worker('a'))?.acceptedShares).toBe(25);
    await l.close();
  });

  it.skipIf(skip)('keeps shares and unresolved blocks across close and reopen', async () => {
    const { ledger: l, reopen } = await fresh();
    l.recordShare({ worker: 'a', difficulty: 1, timeMs: 0, height: 1 });
    await l.addPendingBlock(block('c', 'a'), 10);
    l.recordShare({ worker: 'a', difficulty: 2, timeMs: 1, height: 1 });
    await l.close();
    await l.close();
    const again = await reopen();
    expect(await again.shareCount()).toBe(2);
    expect(await again.unresolvedBlocks()).toHaveLength(1);
    await again.close();
  });

  it.skipIf(skip)('flushes on its own timer, a large queue in several transactions', async () => {
    const { ledger: l } = await fresh(20);
    for (let i = 0; i < 5_000; i++) l.recordShare({ worker: 'w', difficulty: 1, timeMs: i, height: 1 });
    for (let i = 0; i < 300 && (await l.shareCount()) < 5_000; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(await l.shareCount()).toBe(5_000);
    expect(l.queuedShares).toBe(0);
    expect((await l.worker('w'))?.acceptedShares).toBe(5_000);
    await l.close();
  });

  it.skipIf(skip)('pages workers by name and blocks newest first for the API, with cursors', async () => {
    const { ledger: l } = await fresh();
    for (const w of ['carol', 'Bob', 'alice', 'dave'])
      l.recordShare({ worker: w, difficulty: 1, timeMs: 1, height: 1 });
    const ids: number[] = [];
    for (const h of ['a', 'b', 'c']) ids.push((await l.addPendingBlock(block(h, 'alice', ids.length), 4)).id);
    await l.setBlockVerdict(ids[0] as number, 'accepted', null);
    const r = reader(l);
    const first = await r.workers(3, null);
    // Byte order (upper case first) on both backends, so cursors mean the same.
    expect(first.items.map((w) => w.name)).toEqual(['Bob', 'alice', 'carol']);
    const second = await r.workers(3, first.next);
    expect(second).toMatchObject({ items: [{ name: 'dave', acceptedShares: 1 }], next: null });
    expect((await r.worker('alice'))?.blocks).toBe(3);
    const page = await r.blocks(2, null);
    expect(page.items.map((b) => b.id)).toEqual([ids[2], ids[1]]);
    expect(page.items[0]).not.toHaveProperty('blockJson');
    expect((await r.blocks(2, page.next)).items.map((b) => b.id)).toEqual([ids[0]]);
    expect((await r.blockSplit(ids[0] as number)).map((s) => s.worker)).toEqual([
      'Bob',
      'alice',
      'carol',
      'dave',
    ]);
    expect(await r.blockCounts()).toEqual({ pending: 2, submitted: 0, accepted: 1, rejected: 0 });
    await expect(async () => r.blocks(1, 'not a cursor!')).rejects.toThrow(/cursor/);
    r.close();
    await l.close();
  });
  it.skipIf(skip)(
    "finds an account's workers, blocks and hashrate series by `<account>.<worker>` names only",
    async () => {
      const { ledger: l } = await fresh();
      const acct = 'ckt1qalice';
      // `ckt1qalice2…` shares the prefix but is another account; `ckt1qalice-x` sorts inside a
      // naive LIKE 'ckt1qalice%' too.
      for (const [w, t, d] of [
        [acct, 60_000, 1],
        [`${acct}.rig1`, 61_000, 2],
        [`${acct}.rig2`, 125_000, 4],
        [`${acct}2.rig`, 61_000, 8],
        [`${acct}-x`, 62_000, 16],
        ['bob', 10_000, 32],
      ] as const)
        l.recordShare({ worker: w, difficulty: d, timeMs: t, height: 1 });
      await l.flush();
      const id = (await l.addPendingBlock(block('c', `${acct}.rig2`), 4)).id;
      await l.addPendingBlock(block('d', `${acct}2.rig`), 4);
      const r = reader(l);
      expect((await r.accountWorkers(acct, 10)).map((w) => w.name)).toEqual([
        acct,
        `${acct}.rig1`,
        `${acct}.rig2`,
      ]);
      expect((await r.accountWorkers(acct, 2)).map((w) => w.name)).toEqual([acct, `${acct}.rig1`]);
      expect((await r.accountBlocks(acct, 10)).map((b) => b.id)).toEqual([id]);
      expect(await r.difficultySeries(acct, 0, 60_000)).toEqual([
        { atMs: 60_000, difficulty: 3 },
        { atMs: 120_000, difficulty: 4 },
      ]);
      expect(await r.difficultySeries(null, 50_000, 60_000)).toEqual([
        { atMs: 60_000, difficulty: 1 + 2 + 8 + 16 },
        { atMs: 120_000, difficulty: 4 },
      ]);
      r.close();
      await l.close();
    },
  );

  it.skipIf(skip)('lists main-chain blocks awaiting their reward until the reward is recorded', async () => {
    const { ledger: l } = await fresh();
    l.recordShare({ worker: 'a', difficulty: 1, timeMs: 0, height: 1 });
    const main = await l.addPendingBlock(block('a', 'a', 10), 1);
    const fresh2 = await l.addPendingBlock(block('b', 'a', 11), 1);
    await l.setBlockVerdict(main.id, 'accepted', null);
    await l.setBlockVerdict(fresh2.id, 'accepted', null);
    await l.setChainStatus(main.id, 'main');
    expect((await l.blocksAwaitingReward()).map((b) => b.id)).toEqual([main.id]);
    const reward = {
      blockId: main.id,
      shannons: 10n,
      rewardBlockNumber: 21,
      rewardBlockHash: '0x21',
      rewardEpoch: '0x1',
    };
    expect(await l.recordReward(reward, [{ account: 'a', amount: 10n, payable: false, kind: 'miner' }])).toBe(
      true,
    );
    expect(await l.recordReward(reward, [{ account: 'a', amount: 10n, payable: false, kind: 'miner' }])).toBe(
      false,
    );
    expect(await l.blocksAwaitingReward()).toEqual([]);
    await l.close();
  });

  it.skipIf(skip)(
    'makes credits a balance only once matured, drops an orphaned reward, survives a reopen',
    async () => {
      const { ledger: l, reopen } = await fresh();
      l.recordShare({ worker: 'a', difficulty: 1, timeMs: 0, height: 1 });
      const ids: number[] = [];
      for (const h of ['a', 'b']) ids.push((await l.addPendingBlock(block(h, 'a', ids.length), 1)).id);
      const [first, second] = ids as [number, number];
      // 2^62 shannons: amounts never pass through a double on either backend.
      const big = 1n << 62n;
      await l.recordReward(
        {
          blockId: first,
          shannons: big + 7n,
          rewardBlockNumber: 11,
          rewardBlockHash: '0x11',
          rewardEpoch: '0x5',
        },
        [
          { account: 'ckt1alice', amount: big, payable: true, kind: 'miner' },
          { account: 'ckt1op', amount: 7n, payable: true, kind: 'fee' },
        ],
        100,
      );
      await l.recordReward(
        {
          blockId: second,
          shannons: 50n,
          rewardBlockNumber: 12,
          rewardBlockHash: '0x12',
          rewardEpoch: '0x6',
        },
        [
          { account: 'ckt1alice', amount: 40n, payable: true, kind: 'miner' },
          { account: 'bob', amount: 10n, payable: false, kind: 'miner' },
        ],
        100,
      );
      expect(await l.accountBalances()).toEqual([
        { account: 'bob', balance: 0n, immature: 10n, paid: 0n, payable: false },
        { account: 'ckt1alice', balance: 0n, immature: big + 40n, paid: 0n, payable: true },
        { account: 'ckt1op', balance: 0n, immature: 7n, paid: 0n, payable: true },
      ]);
      expect(await l.settleReward(first, 'matured', null, 200)).toBe(true);
      expect(await l.settleReward(second, 'orphaned', 'block 1 left the main chain', 200)).toBe(true);
      expect(await l.settleReward(second, 'matured', null, 300)).toBe(false);
      const again = await reopen();
      await l.close();
      expect(await again.accountBalances()).toEqual([
        { account: 'bob', balance: 0n, immature: 0n, paid: 0n, payable: false },
        { account: 'ckt1alice', balance: big, immature: 0n, paid: 0n, payable: true },
        { account: 'ckt1op', balance: 7n, immature: 0n, paid: 0n, payable: true },
      ]);
      expect(await again.rewards('orphaned')).toEqual([
        {
          blockId: second,
          shannons: 50n,
          rewardBlockNumber: 12,
          rewardBlockHash: '0x12',
          rewardEpoch: '0x6',
          status: 'orphaned',
          message: 'block 1 left the main chain',
          updatedAtMs: 200,
        },
      ]);
      await again.close();
    },
  );

  it.skipIf(skip)(
    'debits in the batch write, refuses an overdraft, restores a failed batch, counts a committed one as paid',
    async () => {
      const { ledger: l } = await fresh();
      l.recordShare({ worker: 'a', difficulty: 1, timeMs: 0, height: 1 });
      const { id } = await l.addPendingBlock(block('a', 'a', 1), 1);
      await l.recordReward(
        { blockId: id, shannons: 300n, rewardBlockNumber: 12, rewardBlockHash: '0x12', rewardEpoch: '0x6' },
        [
          { account: 'ckt1a', amount: 200n, payable: true, kind: 'miner' },
          { account: 'ckt1b', amount: 100n, payable: true, kind: 'miner' },
        ],
      );
      await l.settleReward(id, 'matured', null);
      const batch = (txHash: string, a: bigint, b: bigint) => ({
        txHash,
        txJson: `{"hash":"${txHash}"}`,
        fee: 3n,
        outputs: [
          { address: 'ckt1a', amount: a },
          { address: 'ckt1b', amount: b },
        ],
      });
      const first = await l.createPayoutBatch(batch('0xf1', 150n, 100n), 1000);
      const balance = async () => (await l.accountBalances()).map((r) => [r.account, r.balance, r.paid]);
      expect(await balance()).toEqual([
        ['ckt1a', 50n, 0n],
        ['ckt1b', 0n, 0n],
      ]);
      // The same balance cannot be paid twice: nothing of the second batch is written.
      await expect(async () => l.createPayoutBatch(batch('0xf2', 50n, 1n))).rejects.toThrow(OverdraftError);
      expect(await l.payoutBatches()).toHaveLength(1);
      expect(await l.payoutBatches('pending')).toMatchObject([
        {
          id: first,
          txHash: '0xf1',
          txJson: '{"hash":"0xf1"}',
          fee: 3n,
          status: 'pending',
          createdAtMs: 1000,
        },
      ]);
      expect(await l.settlePayoutBatch(first, 'failed', 'inputs spent by 0xother', 2000)).toBe(true);
      expect(await l.settlePayoutBatch(first, 'committed', null)).toBe(false);
      expect(await balance()).toEqual([
        ['ckt1a', 200n, 0n],
        ['ckt1b', 100n, 0n],
      ]);
      const second = await l.createPayoutBatch(batch('0xf3', 200n, 100n));
      await l.settlePayoutBatch(second, 'committed', null);
      expect(await balance()).toEqual([
        ['ckt1a', 0n, 200n],
        ['ckt1b', 0n, 100n],
      ]);
      expect((await l.payoutBatches()).map((b) => [b.txHash, b.status, b.outputs.length])).toEqual([
        ['0xf3', 'committed', 2],
        ['0xf1', 'failed', 2],
      ]);
      // One account's figures, read on their own, agree with the full list.
      expect(await l.accountBalance('ckt1a')).toEqual({
        account: 'ckt1a',
        balance: 0n,
        immature: 0n,
        paid: 200n,
        payable: true,
      });
      expect(await l.accountBalance('ckt1nobody')).toBeNull();
      expect(await l.accountPayouts('ckt1a', 10)).toEqual([
        { txHash: '0xf3', amount: 200n, status: 'committed', updatedAtMs: expect.any(Number) },
        { txHash: '0xf1', amount: 150n, status: 'failed', updatedAtMs: 2000 },
      ]);
      expect(await l.accountPayouts('ckt1a', 1)).toHaveLength(1);
      await l.close();
    },
  );

  it.skipIf(skip)(
    'records the block of a committed batch and reopens it after a reorg, still debited',
    async () => {
      const { ledger: l } = await fresh();
      l.recordShare({ worker: 'a', difficulty: 1, timeMs: 0, height: 1 });
      const { id } = await l.addPendingBlock(block('a', 'a', 1), 1);
      await l.recordReward(
        { blockId: id, shannons: 300n, rewardBlockNumber: 12, rewardBlockHash: '0x12', rewardEpoch: '0x6' },
        [{ account: 'ckt1a', amount: 300n, payable: true, kind: 'miner' }],
      );
      await l.settleReward(id, 'matured', null);
      const b = await l.createPayoutBatch(
        { txHash: '0xf1', txJson: '{}', fee: 1n, outputs: [{ address: 'ckt1a', amount: 300n }] },
        1000,
      );
      const state = async () => {
        const [row] = await l.payoutBatches();
        const [bal] = await l.accountBalances();
        return [row?.status, row?.committedBlock, bal?.balance, bal?.paid];
      };
      expect(await state()).toEqual(['pending', null, 0n, 0n]);
      expect(await l.settlePayoutBatch(b, 'committed', null, 2000, 77)).toBe(true);
      expect(await state()).toEqual(['committed', 77, 0n, 300n]);
      expect(await l.reopenPayoutBatch(b, 'reorg', 3000)).toBe(true);
      expect(await l.reopenPayoutBatch(b, 'reorg', 3000)).toBe(false);
      expect(await state()).toEqual(['pending', null, 0n, 0n]);
      expect((await l.payoutBatches())[0]?.message).toBe('reorg');
      expect(await l.settlePayoutBatch(b, 'committed', null, 4000, 80)).toBe(true);
      expect(await state()).toEqual(['committed', 80, 0n, 300n]);
      await l.close();
    },
  );

  it.skipIf(skip)(
    'keeps the registry of accounts.mode registered: register, replace, list, remove, reopen',
    async () => {
      const { ledger: l, reopen } = await fresh();
      expect(await l.registeredAccounts()).toEqual([]);
      expect(await l.registerAccount('bob', 'ckt1qbob', 1000)).toBe(true);
      expect(await l.registerAccount('alice', 'ckt1qalice', 2000)).toBe(true);
      // Registering a name again moves it to the new address.
      expect(await l.registerAccount('alice', 'ckt1qalice2', 3000)).toBe(false);
      expect(await l.registeredAccounts()).toEqual([
        { name: 'alice', address: 'ckt1qalice2', createdAtMs: 3000 },
        { name: 'bob', address: 'ckt1qbob', createdAtMs: 1000 },
      ]);
      expect(await l.removeAccount('bob')).toBe(true);
      expect(await l.removeAccount('bob')).toBe(false);
      await l.close();
      const again = await reopen();
      expect(await again.registeredAccounts()).toEqual([
        { name: 'alice', address: 'ckt1qalice2', createdAtMs: 3000 },
      ]);
      await again.close();
    },
  );
});
