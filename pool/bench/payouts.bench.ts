/**
 * Payout costs. Prints one JSON line:
 *
 * - `batch_*`: building and signing one payout transaction with 1,000 outputs (CCC, secp256k1
 *   sighash-all, change back to the wallet), median of several runs, and its size in a block;
 * - `ledger_*`: a SQLite ledger holding 1,000,000 shares of 1,000 workers — the PPLNS split of
 *   a block whose window covers all of them, then balances per account over the credits of
 *   100 such blocks (100,000 credit rows).
 *
 * BENCH_SHARES and BENCH_OUTPUTS shrink the sizes (the runner test uses small ones).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ccc } from '@ckb-ccc/core';
import { Ledger } from '../src/ledger/ledger.js';
import { buildBatch } from '../src/payouts/batch.js';
import { creditsFor } from '../src/payouts/credits.js';

const OUTPUTS = Number(process.env.BENCH_OUTPUTS ?? 1_000);
const SHARES = Number(process.env.BENCH_SHARES ?? 1_000_000);
const WORKERS = 1_000;
const BLOCKS = 100;
const CKB = 100_000_000n;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function batchBench() {
  const signer = new ccc.SignerCkbPrivateKey(new ccc.ClientPublicTestnet(), `0x${'44'.repeat(32)}`);
  const walletLock = (await signer.getRecommendedAddressObj()).script;
  const outputs = Array.from({ length: OUTPUTS }, (_, i) => ({
    address: `a${i}`,
    amount: 100n * CKB + BigInt(i),
    lock: ccc.Script.from({ ...walletLock, args: `0x${i.toString(16).padStart(40, '0')}` }),
  }));
  const cells = Array.from({ length: 20 }, (_, i) => ({
    txHash: `0x${(i + 1).toString(16).padStart(64, '0')}`,
    index: 0,
    capacity: 10_000n * CKB,
    blockNumber: BigInt(i + 12),
  }));
  const times: number[] = [];
  let size = 0;
  let inputs = 0;
  for (let run = 0; run < 5; run++) {
    const t0 = performance.now();
    const built = await buildBatch({ signer, walletLock, cells, outputs, feeRate: 1000n });
    times.push(performance.now() - t0);
    size = built.size;
    inputs = built.tx.inputs.length;
  }
  return {
    batch_outputs: OUTPUTS,
    batch_inputs: inputs,
    batch_build_sign_ms: median(times),
    batch_tx_bytes: size,
  };
}

function ledgerBench() {
  const dir = mkdtempSync(join(tmpdir(), 'payouts-bench-'));
  try {
    const ledger = new Ledger(join(dir, 'ledger.sqlite'), { flushIntervalMs: 0 });
    for (let i = 0; i < SHARES; i++)
      ledger.recordShare({ worker: `w${i % WORKERS}`, difficulty: 1 + (i % 7), timeMs: i, height: 1 });
    ledger.flush();
    const blockAt = (n: number) => ({
      height: n,
      hash: `0x${n.toString(16).padStart(64, '0')}`,
      powHash: '0x',
      parentHash: '0x',
      nonce: '0x0',
      worker: 'w0',
      foundAtMs: n,
      networkDifficulty: 1,
      shareDifficulty: 1,
      workId: '0',
      blockJson: '{}',
    });
    const t0 = performance.now();
    const { id, split } = ledger.addPendingBlock(blockAt(1), Number.MAX_SAFE_INTEGER);
    const splitMs = performance.now() - t0;
    const credits = creditsFor(1000n * CKB, split?.entries ?? [], {
      chain: 'dev',
      feeBasisPoints: 100,
      operatorAddress: 'operator',
    }).map((c) => ({ ...c, payable: true }));
    for (let b = 0; b < BLOCKS; b++) {
      const blockId = b === 0 ? id : ledger.addPendingBlock(blockAt(b + 2), 1).id;
      ledger.recordReward(
        {
          blockId,
          shannons: 1000n * CKB,
          rewardBlockNumber: b + 12,
          rewardBlockHash: '0x',
          rewardEpoch: '0x0',
        },
        credits,
      );
      ledger.settleReward(blockId, 'matured', null);
    }
    const t1 = performance.now();
    const balances = ledger.accountBalances();
    const balancesMs = performance.now() - t1;
    ledger.close();
    return {
      ledger_shares: SHARES,
      ledger_pplns_split_ms: splitMs,
      ledger_credit_rows: BLOCKS * credits.length,
      ledger_accounts: balances.length,
      ledger_balances_ms: balancesMs,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const batch = await batchBench();
const ledger = ledgerBench();
process.stdout.write(`${JSON.stringify({ bench: 'payouts', ...batch, ...ledger })}\n`);
