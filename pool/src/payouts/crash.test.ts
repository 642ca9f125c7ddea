import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ccc } from '@ckb-ccc/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CKB,
  type PayoutChain,
  recordFound,
  startPayoutChain,
  WALLET_KEY,
} from '../../test/support/payout-chain.js';
import { CkbRpcClient } from '../ckb/rpc.js';
import { Ledger } from '../ledger/ledger.js';
import { addressOf } from './accounts.js';

/**
 * The whole loop on the dev chain — the pool mines to its wallet lock for workers named by
 * dev-chain addresses, rewards mature, a batch pays, it confirms — with the payer (a child
 * process) killed by SIGKILL at each step of a payout. After restarts every address holds
 * exactly one payout cell on chain, of exactly what PPLNS and the chain say.
 */

const FIXTURE = fileURLToPath(new URL('../../test/support/payout-cycle.fixture.ts', import.meta.url));
const REWARD = 1000n * CKB;
const FEE_PERCENT = 1;
/** Each cycle is a fresh Node process (a few seconds under load); a test runs up to five. */
const TIMEOUT = 180_000;

let chain: PayoutChain | null = null;
afterEach(async () => {
  await chain?.devnet.close();
  chain = null;
});

interface ChildResult {
  signal: NodeJS.Signals | null;
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCycle(ledgerPath: string, settings: object, crashAt?: string): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    if (crashAt) env.CKB_POOL_PAYOUT_CRASH_AT = crashAt;
    else delete env.CKB_POOL_PAYOUT_CRASH_AT;
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', FIXTURE, ledgerPath, JSON.stringify(settings)],
      {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

const minerKey = (n: number) => `0x${n.toString(16).padStart(2, '0').repeat(32)}`;

async function setup() {
  chain = await startPayoutChain();
  const rpc = new CkbRpcClient(chain.devnet.rpcUrl, { timeoutMs: 5000 });
  const dir = mkdtempSync(join(tmpdir(), 'payout-crash-'));
  const keyFile = join(dir, 'wallet.key');
  writeFileSync(keyFile, `${WALLET_KEY}\n`);
  chmodSync(keyFile, 0o600);
  const ledgerPath = join(dir, 'ledger.sqlite');
  const ledger = new Ledger(ledgerPath, { flushIntervalMs: 0 });
  const miners = await Promise.all(
    [0x61, 0x62, 0x63].map(async (n) => {
      const lock = (
        await new ccc.SignerCkbPrivateKey(
          new ccc.ClientPublicTestnet(),
          minerKey(n),
        ).getRecommendedAddressObj()
      ).script;
      return { lock, address: addressOf(lock, 'dev') };
    }),
  );
  // Difficulties 5 : 3 : 2 : 10 of 20 split each reward exactly: 25 %, 15 %, 10 %, 50 % of what the fee leaves.
  const difficulty = [5, 3, 2];
  for (const [i, m] of miners.entries())
    ledger.recordShare({
      worker: `${m.address}.rig${i}`,
      difficulty: difficulty[i] as number,
      timeMs: 1,
      height: 1,
    });
  ledger.recordShare({ worker: 'bob', difficulty: 10, timeMs: 2, height: 1 });
  for (let i = 0; i < 3; i++) await recordFound(ledger, chain.mineOn(), `${miners[0]?.address}.rig0`, 20); // blocks 1..3
  for (let i = 0; i < 13; i++) chain.mineOn(undefined, chain.otherLock); // tip 16: rewards 12..14 mature
  ledger.close();
  const operator = addressOf(chain.walletLock, 'dev');
  const settings = {
    chain: 'dev',
    rpcUrl: chain.devnet.rpcUrl,
    walletKeyFile: keyFile,
    feePercent: FEE_PERCENT,
    operatorAddress: operator,
    thresholdShannons: (100n * CKB).toString(),
    maxFeeRate: '10000',
    confirmations: 1,
  };
  const shared = REWARD - (REWARD * BigInt(FEE_PERCENT)) / 100n;
  const expected = difficulty.map((d) => (3n * shared * BigInt(d)) / 20n);
  const cellsOf = async (lock: ccc.Script) =>
    (
      await rpc.call<{ objects: { output: { capacity: string } }[] }>('get_cells', [
        {
          script: { code_hash: lock.codeHash, hash_type: lock.hashType, args: lock.args },
          script_type: 'lock',
        },
        'asc',
        '0x64',
      ])
    ).objects.map((o) => BigInt(o.output.capacity));
  return { chain, ledgerPath, settings, miners, expected, cellsOf };
}

/** Runs clean cycles, mining between them, until no batch is pending (at most `max`). */
async function settle(c: PayoutChain, ledgerPath: string, settings: object, max = 4): Promise<void> {
  for (let i = 0; i < max; i++) {
    const r = await runCycle(ledgerPath, settings);
    expect(r.code, r.stderr).toBe(0);
    const run = JSON.parse(r.stdout);
    if (run.pending === 0 && run.batch === null) return;
    c.mineOn(undefined, c.otherLock);
    c.mineOn(undefined, c.otherLock);
  }
  throw new Error('payouts did not settle');
}

async function expectPaidExactlyOnce(s: Awaited<ReturnType<typeof setup>>): Promise<void> {
  for (const [i, m] of s.miners.entries()) expect(await s.cellsOf(m.lock)).toEqual([s.expected[i]]);
  const ledger = new Ledger(s.ledgerPath, { flushIntervalMs: 0 });
  try {
    const byAccount = new Map(ledger.accountBalances().map((b) => [b.account, b]));
    for (const [i, m] of s.miners.entries())
      expect(byAccount.get(m.address)).toMatchObject({ balance: 0n, paid: s.expected[i] });
    // The name that is not an address keeps its credit, unpaid; the fee stays below the threshold.
    expect(byAccount.get('bob')).toMatchObject({ balance: (3n * (REWARD - REWARD / 100n)) / 2n, paid: 0n });
    expect(ledger.payoutBatches('committed')).toHaveLength(1);
  } finally {
    ledger.close();
  }
}

describe('payouts survive kill -9 at every step, paying each address exactly once', () => {
  it(
    'pays in one clean run per step: mine, mature, pay, confirm',
    async () => {
      const s = await setup();
      await settle(s.chain, s.ledgerPath, s.settings);
      await expectPaidExactlyOnce(s);
    },
    TIMEOUT,
  );

  it.each(['after-write', 'after-send'])(
    'killed %s, a restart pays each address once',
    async (point) => {
      const s = await setup();
      const killed = await runCycle(s.ledgerPath, s.settings, point);
      expect(killed.signal).toBe('SIGKILL');
      await settle(s.chain, s.ledgerPath, s.settings);
      await expectPaidExactlyOnce(s);
    },
    TIMEOUT,
  );

  it(
    'killed after reading the confirmation, a restart records it paid and pays nothing again',
    async () => {
      const s = await setup();
      const sent = await runCycle(s.ledgerPath, s.settings);
      expect(JSON.parse(sent.stdout).batch).not.toBeNull();
      s.chain.mineOn(undefined, s.chain.otherLock);
      s.chain.mineOn(undefined, s.chain.otherLock);
      const killed = await runCycle(s.ledgerPath, s.settings, 'after-confirm-read');
      expect(killed.signal).toBe('SIGKILL');
      await settle(s.chain, s.ledgerPath, s.settings);
      await expectPaidExactlyOnce(s);
    },
    TIMEOUT,
  );
});
