import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bytesToHex0x } from '../../src/ckb/hex.js';
import { txHash } from '../../src/ckb/transaction.js';
import { startMiner } from '../../src/miner/miner.js';
import { startTranslator } from '../../src/translator/translator.js';
import { jdClientArrangement, log, type PoolLocks, poolLocks } from '../support/jd-client-arrangement.js';
import { toCkbTransaction } from '../support/jd-devnet-view.js';
import { until } from '../support/scripted-pool.js';

let locks: PoolLocks;
beforeAll(async () => {
  locks = await poolLocks();
});

const running: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of running.splice(0).reverse()) await stop();
});

describe('the JD client with V1 miners', () => {
  it('serves V1 miners through the translator pointed at it, on the declared job', async () => {
    const { chain, tx, pool, jdc } = await jdClientArrangement(locks, running);
    await until(() => jdc.activeWork?.source === 'declared', 10_000, 'a declared job');
    const translator = await startTranslator({
      listen: '127.0.0.1:0',
      upstreams: [jdc.minerUrl],
      chain: 'dev',
      metricsListen: null,
      // A CPU thread's shares: difficulty 16, the JD client's channel target (2^252) is 2^4.
      vardiff: { startDifficulty: 16, minDifficulty: 1, guessMargin: 1 },
      log,
    });
    running.push(() => translator.close());
    const miner = await startMiner({
      url: translator.v1Url,
      user: 'alice.v1rig',
      threads: 1,
      chain: 'dev',
      log,
    });
    running.push(() => miner.close());
    await until(
      () => pool.shares.some((s) => s.source === 'declared' && s.block),
      20_000,
      'a declared block from V1',
    );
    await until(() => chain.blockByNumber(15n) !== null, 5_000, 'block 15');
    const block15 = chain.blockByNumber(15n)!;
    expect(block15.block.transactions.map((t) => bytesToHex0x(txHash(toCkbTransaction(t))))).toContain(
      bytesToHex0x(txHash(tx)),
    );
    expect(block15.witnessLock).toEqual(locks.poolLock);
  });
});
