import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import {
  capturingLogger,
  DEVNET_REWARD,
  type PayoutChain,
  recordFound,
  startPayoutChain,
} from '../../test/support/payout-chain.js';
import { CkbRpcClient } from '../ckb/rpc.js';
import { Ledger } from '../ledger/ledger.js';
import { addressOf } from './accounts.js';
import { feeBasisPoints } from './credits.js';
import { PayoutMetrics } from './metrics.js';
import { RewardTracker, readCellbaseMaturity } from './rewards.js';

const ALICE =
  'ckt1qzda0cr08m85hc8jlnfp3zer7xulejywt49kt2rr0vthywaa50xwsq0efx5ueqldalx4sr4n7rem4cv8cngq3kcyk4ydl';

let chain: PayoutChain | null = null;
afterEach(async () => {
  await chain?.devnet.close();
  chain = null;
});

async function setup(forks: 'reject' | 'accept' = 'reject') {
  chain = await startPayoutChain(forks);
  const rpc = new CkbRpcClient(chain.devnet.rpcUrl, { timeoutMs: 5000 });
  const ledger = new Ledger(join(mkdtempSync(join(tmpdir(), 'rewards-')), 'ledger.sqlite'), {
    flushIntervalMs: 0,
  });
  const metrics = new PayoutMetrics(new Registry());
  const { log, lines } = capturingLogger();
  const operatorAddress = addressOf(chain.walletLock, 'dev');
  const tracker = new RewardTracker({
    rpc,
    ledger,
    log,
    metrics,
    poolLock: chain.walletLockJson,
    policy: { chain: 'dev', feeBasisPoints: feeBasisPoints(1), operatorAddress },
    cellbaseMaturity: await readCellbaseMaturity(rpc),
    confirmations: 3,
  });
  ledger.recordShare({ worker: `${ALICE}.rig1`, difficulty: 3, timeMs: 1, height: 1 });
  ledger.recordShare({ worker: 'bob', difficulty: 1, timeMs: 2, height: 1 });
  return { chain, rpc, ledger, metrics, tracker, lines, operatorAddress };
}

const balances = async (l: Ledger) =>
  Object.fromEntries(
    l.accountBalances().map((b) => [b.account, { balance: b.balance, immature: b.immature }]),
  );

describe('rewards as the chain pays them', () => {
  it('credits what the cellbase of N+11 pays the pool lock, payable once matured and confirmed', async () => {
    const { chain, ledger, tracker, operatorAddress, metrics } = await setup();
    const found = chain.mineOn(); // block 1, the pool's
    const id = await recordFound(ledger, found, `${ALICE}.rig1`, 4);
    for (let i = 0; i < 10; i++) chain.mineOn(undefined, chain.otherLock); // tip 11
    await tracker.step();
    expect(ledger.rewards()).toEqual([]);
    chain.mineOn(undefined, chain.otherLock); // block 12 pays block 1's lock: the pool wallet
    await tracker.step();
    expect(ledger.rewards('immature')).toMatchObject([
      { blockId: id, shannons: DEVNET_REWARD, rewardBlockNumber: 12 },
    ]);
    const fee = (DEVNET_REWARD * 100n) / 10_000n;
    const alice = ((DEVNET_REWARD - fee) * 3n) / 4n;
    const bob = ((DEVNET_REWARD - fee) * 1n) / 4n;
    expect(await balances(ledger)).toEqual({
      [ALICE]: { balance: 0n, immature: alice },
      bob: { balance: 0n, immature: bob },
      [operatorAddress]: { balance: 0n, immature: DEVNET_REWARD - alice - bob },
    });
    // Block 12 is in epoch 6; one epoch of maturity is reached at block 14 (epoch 7), but
    // three confirmations need the tip at 15.
    chain.mineOn(undefined, chain.otherLock);
    chain.mineOn(undefined, chain.otherLock);
    await tracker.step();
    expect(ledger.rewards('immature')).toHaveLength(1);
    chain.mineOn(undefined, chain.otherLock);
    await tracker.step();
    expect(ledger.rewards('matured')).toHaveLength(1);
    expect((await balances(ledger))[ALICE]).toEqual({ balance: alice, immature: 0n });
    const total = ledger.accountBalances().reduce((a, b) => a + b.balance, 0n);
    expect(total).toBe(DEVNET_REWARD);
    expect((await metrics.rewards.get()).values.map((v) => [v.labels.outcome, v.value])).toEqual([
      ['recorded', 1],
      ['matured', 1],
    ]);
    ledger.close();
  });

  it('drops, visibly, the credits of a block that leaves the main chain before maturity', async () => {
    const { chain, ledger, tracker, lines, metrics } = await setup('accept');
    const genesis = chain.devnet.chain.blockByNumber(0n);
    if (!genesis) throw new Error('no genesis');
    const found = chain.mineOn();
    const id = await recordFound(ledger, found, 'bob', 4);
    for (let i = 0; i < 11; i++) chain.mineOn(undefined, chain.otherLock); // tip 12
    await tracker.step();
    expect(ledger.rewards('immature')).toHaveLength(1);
    // Another miner's 13-block branch from genesis replaces block 1 and everything on it.
    let b = chain.mineOn(genesis, chain.otherLock);
    for (let i = 0; i < 12; i++) b = chain.mineOn(b, chain.otherLock);
    expect(chain.devnet.chain.tip()).toBe(b);
    await tracker.step();
    expect(ledger.rewards('orphaned')).toMatchObject([
      { blockId: id, message: expect.stringMatching(/left the main chain/) },
    ]);
    expect(ledger.accountBalances().every((a) => a.balance === 0n && a.immature === 0n)).toBe(true);
    expect(lines.some((l) => l.msg === 'block reward orphaned; its credits are dropped')).toBe(true);
    expect((await metrics.droppedShannons.get()).values[0]?.value).toBe(Number(DEVNET_REWARD));
    ledger.close();
  });
});
