import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ccc } from '@ckb-ccc/core';
import { cccA } from '@ckb-ccc/core/advanced';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { creditMaturedBlock } from '../../test/support/matured-credits.js';
import {
  CKB,
  capturingLogger,
  type PayoutChain,
  startPayoutChain,
  WALLET_KEY,
} from '../../test/support/payout-chain.js';
import { asLike } from '../ckb/ccc-like.js';
import { CkbRpcClient } from '../ckb/rpc.js';
import { Ledger } from '../ledger/ledger.js';
import { addressOf } from './accounts.js';
import { buildBatch } from './batch.js';
import { PayoutMetrics } from './metrics.js';
import { Payer } from './payer.js';
import { readCellbaseMaturity } from './rewards.js';
import { selectPayouts } from './selection.js';
import { cccClient } from './wallet.js';
import { spendableWalletCells } from './wallet-cells.js';

let chain: PayoutChain | null = null;
afterEach(async () => {
  await chain?.devnet.close();
  chain = null;
});

const minerKey = (n: number) => `0x${n.toString(16).padStart(2, '0').repeat(32)}`;

async function addressOfKey(key: string): Promise<{ address: string; lock: ccc.Script }> {
  const lock = (
    await new ccc.SignerCkbPrivateKey(new ccc.ClientPublicTestnet(), key).getRecommendedAddressObj()
  ).script;
  return { address: addressOf(lock, 'dev'), lock };
}

/** A pool whose wallet holds matured cellbases and whose ledger owes `owed` to each address. */
async function setup(owed: bigint[], o: { forks?: 'accept'; recheckDepth?: number } = {}) {
  chain = await startPayoutChain(o.forks);
  for (let i = 0; i < 18; i++) chain.mineOn(); // blocks 12..18 pay the wallet; 12..16 matured at tip 18
  const rpc = new CkbRpcClient(chain.devnet.rpcUrl, { timeoutMs: 5000 });
  const ledger = new Ledger(join(mkdtempSync(join(tmpdir(), 'payer-')), 'ledger.sqlite'), {
    flushIntervalMs: 0,
  });
  const miners = await Promise.all(owed.map((_, i) => addressOfKey(minerKey(0x50 + i))));
  creditMaturedBlock(
    ledger,
    miners.map((m, i) => ({ account: m.address, amount: owed[i] as bigint, payable: true, kind: 'miner' })),
  );
  const client = cccClient('dev', chain.devnet.rpcUrl);
  const signer = new ccc.SignerCkbPrivateKey(client, WALLET_KEY);
  const wallet = { signer, lock: chain.walletLock };
  const metrics = new PayoutMetrics(new Registry());
  const { log, lines } = capturingLogger();
  const cellbaseMaturity = await readCellbaseMaturity(rpc);
  const payer = new Payer({
    rpc,
    ledger,
    log,
    metrics,
    wallet,
    chain: 'dev',
    thresholdShannons: 100n * CKB,
    maxOutputs: 100,
    maxFeeRate: 10_000n,
    confirmations: 1,
    ...(o.recheckDepth !== undefined && { recheckDepth: o.recheckDepth }),
    cellbaseMaturity,
  });
  const onChain = async (lock: ccc.Script) =>
    BigInt(
      (
        await rpc.call<{ capacity: string }>('get_cells_capacity', [
          {
            script: { code_hash: lock.codeHash, hash_type: lock.hashType, args: lock.args },
            script_type: 'lock',
          },
        ])
      ).capacity,
    );
  return { chain, rpc, ledger, miners, payer, wallet, metrics, lines, onChain, cellbaseMaturity };
}

/** What a payer that crashed right after its write leaves: a batch in the ledger, never sent. */
async function writeBatchUnsent(ctx: Awaited<ReturnType<typeof setup>>, amount: bigint) {
  const { chain, rpc, ledger, wallet, cellbaseMaturity, miners } = ctx;
  const tip = await rpc.getTipHeader();
  const cells = await spendableWalletCells(rpc, chain.walletLockJson, cellbaseMaturity, BigInt(tip.epoch));
  const outputs = selectPayouts(ledger.accountBalances(), {
    chain: 'dev',
    thresholdShannons: 100n * CKB,
    maxOutputs: 10,
  });
  const built = await buildBatch({
    signer: wallet.signer,
    walletLock: wallet.lock,
    cells,
    outputs,
    feeRate: 1000n,
  });
  ledger.createPayoutBatch({
    txHash: built.txHash,
    txJson: built.txJson,
    fee: built.fee,
    outputs: [{ address: miners[0]?.address as string, amount }],
  });
  return { built, cells };
}

describe('payouts exactly once', () => {
  it('pays every balance at the threshold in one batch, confirms it, and never pays it again', async () => {
    const { chain, ledger, miners, payer, onChain, metrics } = await setup([
      150n * CKB,
      1234n * CKB + 5n,
      99n * CKB,
    ]);
    const run = await payer.run();
    expect(run.batch).toMatchObject({ outputs: 2, amount: 1384n * CKB + 5n });
    expect(ledger.payoutBatches('pending')).toHaveLength(1);
    // Debited at the write: nothing left to pay while the batch is out.
    expect((await payer.run()).reason).toBe('a payout batch is still pending');
    chain.mineOn(); // commits it
    chain.mineOn(); // one confirmation
    const settle = await payer.run();
    expect(settle.settled.committed).toBe(1);
    expect(settle.reason).toBe('no balance has reached the threshold');
    expect(await onChain(miners[0]?.lock as ccc.Script)).toBe(150n * CKB);
    expect(await onChain(miners[1]?.lock as ccc.Script)).toBe(1234n * CKB + 5n);
    expect(await onChain(miners[2]?.lock as ccc.Script)).toBe(0n);
    const byAccount = new Map(ledger.accountBalances().map((b) => [b.account, [b.balance, b.paid]]));
    expect(miners.map((m) => byAccount.get(m.address))).toEqual([
      [0n, 150n * CKB],
      [0n, 1234n * CKB + 5n],
      [99n * CKB, 0n],
    ]);
    expect((await metrics.paidShannons.get()).values[0]?.value).toBe(Number(1384n * CKB + 5n));
    await ledger.close();
  });

  it('re-sends a written batch the node never got, unchanged, instead of building another', async () => {
    const ctx = await setup([200n * CKB]);
    const { chain, ledger, payer, miners, onChain } = ctx;
    // A crash right after the write: in the ledger, never sent.
    const { built } = await writeBatchUnsent(ctx, 200n * CKB);
    const run = await payer.run();
    expect(run).toMatchObject({
      settled: { resent: 1 },
      batch: null,
      reason: 'a payout batch is still pending',
    });
    chain.mineOn();
    chain.mineOn();
    expect((await payer.run()).settled.committed).toBe(1);
    expect(ledger.payoutBatches().map((b) => b.txHash)).toEqual([built.txHash]);
    expect(await onChain(miners[0]?.lock as ccc.Script)).toBe(200n * CKB);
    await ledger.close();
  });

  it('fails a batch whose inputs another transaction spent, restores the debit, and pays from other cells', async () => {
    const ctx = await setup([300n * CKB]);
    const { chain, rpc, ledger, payer, wallet, miners, lines, metrics, onChain } = ctx;
    const { built, cells } = await writeBatchUnsent(ctx, 300n * CKB);
    // Someone with the wallet key spends the same first cell elsewhere, and it confirms.
    const first = cells[0];
    if (!first) throw new Error('no wallet cell');
    const other = ccc.Transaction.from({
      inputs: [
        {
          previousOutput: { txHash: first.txHash, index: first.index },
          cellOutput: { capacity: first.capacity, lock: wallet.lock },
          outputData: '0x',
        },
      ],
      outputs: [{ capacity: first.capacity - 100_000n, lock: wallet.lock }],
      outputsData: ['0x'],
    });
    const signedOther = await wallet.signer.signTransaction(asLike(other));
    await rpc.call('send_transaction', [
      cccA.JsonRpcTransformers.transactionFrom(asLike(signedOther)),
      'passthrough',
    ]);
    chain.mineOn();
    const run = await payer.run();
    expect(run.settled.failed).toBe(1);
    expect(ledger.payoutBatches('failed')).toMatchObject([
      { txHash: built.txHash, message: expect.stringMatching(/spent by another transaction/) },
    ]);
    expect(
      lines.some((l) => l.msg === 'payout batch failed; its debits are restored' && l.level === 50),
    ).toBe(true);
    expect((await metrics.batches.get()).values.find((v) => v.labels.outcome === 'failed')?.value).toBe(1);
    // The restored balance went into a new batch built from cells that are still live.
    expect(run.batch).toMatchObject({ outputs: 1, amount: 300n * CKB });
    chain.mineOn();
    chain.mineOn();
    expect((await payer.run()).settled.committed).toBe(1);
    expect(await onChain(miners[0]?.lock as ccc.Script)).toBe(300n * CKB);
    expect(ledger.accountBalances()[0]).toMatchObject({ balance: 0n, paid: 300n * CKB });
    await ledger.close();
  });
});

describe('a committed payout and reorgs', () => {
  /** Pays 200 CKB, commits it one block deep; returns the block before the payout's block. */
  async function committedPayout(recheckDepth: number) {
    const ctx = await setup([200n * CKB], { forks: 'accept', recheckDepth });
    const { chain, payer, ledger } = ctx;
    const sent = await payer.run();
    const forkPoint = chain.devnet.chain.tip();
    chain.mineOn(); // commits it
    chain.mineOn();
    expect((await payer.run()).settled.committed).toBe(1);
    const [batch] = ledger.payoutBatches('committed');
    expect(batch?.committedBlock).toBe(Number(forkPoint.block.header.number) + 1);
    return { ...ctx, forkPoint, txHash: sent.batch?.txHash as string };
  }

  /** A longer branch from `forkPoint` without the payout; the node then forgets it entirely. */
  function reorgAndForget(c: PayoutChain, forkPoint: ReturnType<PayoutChain['mineOn']>, txHash: string) {
    c.mineOn(c.mineOn(c.mineOn(forkPoint)));
    expect(c.devnet.chain.cells.transaction(txHash)).toBeNull();
    c.devnet.chain.txPool.clear();
  }

  it('sends the same transaction again when its block leaves the main chain, and pays once', async () => {
    const ctx = await committedPayout(10);
    const { chain, ledger, payer, miners, onChain, metrics, lines, txHash } = ctx;
    reorgAndForget(chain, ctx.forkPoint, txHash);
    expect(await onChain(miners[0]?.lock as ccc.Script)).toBe(0n);
    const run = await payer.run();
    expect(run).toMatchObject({
      settled: { reorged: 1, resent: 1 },
      batch: null,
      reason: 'a payout batch is still pending',
    });
    // Pending again: still debited (nothing to pay twice), no longer counted as paid.
    expect(ledger.payoutBatches().map((b) => [b.txHash, b.status])).toEqual([[txHash, 'pending']]);
    expect(ledger.accountBalances()[0]).toMatchObject({ balance: 0n, paid: 0n });
    expect(lines.some((l) => l.level === 40 && /left the main chain/.test(String(l.msg)))).toBe(true);
    expect((await metrics.batches.get()).values.find((v) => v.labels.outcome === 'reorged')?.value).toBe(1);
    chain.mineOn();
    chain.mineOn();
    expect((await payer.run()).settled.committed).toBe(1);
    expect(ledger.payoutBatches().map((b) => [b.txHash, b.status])).toEqual([[txHash, 'committed']]);
    expect(await onChain(miners[0]?.lock as ccc.Script)).toBe(200n * CKB);
    expect(ledger.accountBalances()[0]).toMatchObject({ balance: 0n, paid: 200n * CKB });
    await ledger.close();
  });

  it('keeps a payout committed when a reorg re-commits it in another block', async () => {
    const ctx = await committedPayout(10);
    const { chain, ledger, payer, txHash, forkPoint } = ctx;
    chain.mineOn(chain.mineOn(chain.mineOn(forkPoint))); // re-pooled by the node…
    chain.mineOn(); // …and committed again on the new branch
    const run = await payer.run();
    expect(run.settled.reorged).toBe(0);
    expect(ledger.payoutBatches().map((b) => [b.txHash, b.status])).toEqual([[txHash, 'committed']]);
    await ledger.close();
  });

  it('stops re-checking a payout once it is recheckDepth deep', async () => {
    const ctx = await committedPayout(1);
    const { chain, ledger, payer, txHash, forkPoint } = ctx;
    reorgAndForget(chain, forkPoint, txHash);
    expect((await payer.run()).settled.reorged).toBe(0);
    expect(ledger.payoutBatches('committed')).toHaveLength(1);
    await ledger.close();
  });

  it('waits for an earlier batch whose change a later batch spends, instead of failing the later one', async () => {
    const ctx = await setup([200n * CKB, 300n * CKB]);
    const { chain, rpc, ledger, payer, wallet, miners, onChain, cellbaseMaturity } = ctx;
    const [m0, m1] = miners as [(typeof miners)[0], (typeof miners)[0]];
    const tip = await rpc.getTipHeader();
    const cells = await spendableWalletCells(rpc, chain.walletLockJson, cellbaseMaturity, BigInt(tip.epoch));
    const first = await buildBatch({
      signer: wallet.signer,
      walletLock: wallet.lock,
      cells,
      outputs: [{ address: m0.address, amount: 200n * CKB, lock: m0.lock }],
      feeRate: 1000n,
    });
    // The second batch spends the first one's change: as after a reorg took both off the chain.
    const change = first.tx.outputs[1];
    if (!change) throw new Error('no change output');
    const second = await buildBatch({
      signer: wallet.signer,
      walletLock: wallet.lock,
      cells: [{ txHash: first.txHash, index: 1, capacity: change.capacity, blockNumber: 0n }],
      outputs: [{ address: m1.address, amount: 300n * CKB, lock: m1.lock }],
      feeRate: 1000n,
    });
    for (const [b, m, amount] of [
      [first, m0, 200n * CKB],
      [second, m1, 300n * CKB],
    ] as const)
      ledger.createPayoutBatch({
        txHash: b.txHash,
        txJson: b.txJson,
        fee: b.fee,
        outputs: [{ address: m.address, amount }],
      });
    // Neither was ever sent: the first goes out again, the second waits for it.
    expect((await payer.run()).settled).toMatchObject({ failed: 0, resent: 1 });
    chain.mineOn();
    chain.mineOn();
    const next = await payer.run();
    expect(next.settled).toMatchObject({ committed: 1, failed: 0, resent: 1 });
    chain.mineOn();
    chain.mineOn();
    expect((await payer.run()).settled).toMatchObject({ committed: 1, failed: 0 });
    expect(ledger.payoutBatches().map((b) => b.status)).toEqual(['committed', 'committed']);
    expect(await onChain(m0.lock)).toBe(200n * CKB);
    expect(await onChain(m1.lock)).toBe(300n * CKB);
    await ledger.close();
  });
});
