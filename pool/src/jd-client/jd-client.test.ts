import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  device,
  jdClientArrangement,
  type PoolLocks,
  poolLocks,
} from '../../test/support/jd-client-arrangement.js';
import { devnetJdView, mineBlocks, toCkbTransaction } from '../../test/support/jd-devnet-view.js';
import { until } from '../../test/support/scripted-pool.js';
import { bytesToHex0x } from '../ckb/hex.js';
import { txHash } from '../ckb/transaction.js';
import type { DevChain } from '../devnet/chain.js';
import type { JdNodeView } from '../jd/node-view.js';

let locks: PoolLocks;
beforeAll(async () => {
  locks = await poolLocks();
});

const running: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of running.splice(0).reverse()) await stop();
});

/** The pool's side, the miner's node and JD client, and one SV2 device on the JD client. */
async function arrangement(jdsView?: (chain: DevChain) => JdNodeView) {
  const a = await jdClientArrangement(locks, running, jdsView);
  const dev = device(a.jdc.minerUrl);
  running.push(() => dev.client.close());
  return { ...a, dev, poolLock: locks.poolLock };
}

describe('the JD client on the dev chain', () => {
  it('mines a declared block that the chain accepts, holding the miner’s transaction and paying the pool', async () => {
    const { chain, tx, pool, jdc, dev, poolTemplateTxs, poolLock } = await arrangement();
    // The pool's own template left the miner's transaction out.
    expect(poolTemplateTxs).toBe(0);
    await until(() => jdc.activeWork?.source === 'declared', 10_000, 'a declared job');
    const declared = jdc.activeWork!;
    await until(
      () =>
        dev.job?.powHash !== undefined &&
        bytesToHex0x(dev.job.powHash) === bytesToHex0x(declared.job.powHash),
      5_000,
      'the declared job at the device',
    );
    expect(declared.local?.added).toBe(1);

    const { verdict, isBlock } = await dev.shareOnCurrentJob();
    expect(verdict).toEqual({ ok: true });
    expect(isBlock).toBe(true);
    await until(() => chain.tip().block.header.number === 15n, 5_000, 'block 15');
    const stored = chain.tip();
    expect(stored.block.transactions.map((t) => bytesToHex0x(txHash(toCkbTransaction(t))))).toContain(
      bytesToHex0x(txHash(tx)),
    );
    expect(stored.witnessLock).toEqual(poolLock);
    expect(pool.shares).toEqual([{ source: 'declared', block: true }]);
    expect(pool.customJobAnswers).toEqual(['ok']);
    // The JDS got the solution too and rebuilt the same block.
    await until(() => pool.pushed.length === 1, 5_000, 'PushCkbSolution');
    expect(pool.pushed[0].header.number).toBe(15n);
  });

  it('keeps its miners on the pool’s jobs when the JDS refuses the declaration, and says why', async () => {
    // A JDS whose clock runs a minute behind finds every timestamp too far ahead.
    const { chain, jdc, dev, refusals, pool, poolLock } = await arrangement((chain) => ({
      ...devnetJdView(chain, { payoutLock: locks.poolLock }),
      nowMs: () => BigInt(Date.now() - 60_000),
    }));
    await until(() => refusals.length > 0, 10_000, 'a refusal');
    expect(refusals[0]).toMatch(/^declaration: invalid-timestamp/);
    expect(jdc.activeWork?.source).toBe('pool');
    await until(() => dev.job !== null && dev.channel !== null, 5_000, 'work at the device');
    const { verdict, isBlock, job } = await dev.shareOnCurrentJob();
    expect(verdict).toEqual({ ok: true });
    expect(isBlock).toBe(true);
    await until(() => chain.tip().block.header.number === job.height, 5_000, 'the pool job’s block');
    expect(chain.tip().witnessLock).toEqual(poolLock);
    expect(pool.shares).toEqual([{ source: 'pool', block: true }]);
    expect(pool.customJobAnswers).toEqual([]);
  });

  it('declares again with the next template after a refusal, and then mines its own block', async () => {
    // The JDS's clock is a minute behind until the first refusal, then right.
    let skewMs = 60_000;
    const { chain, jdc, refusals } = await arrangement((c) => ({
      ...devnetJdView(c, { payoutLock: locks.poolLock }),
      nowMs: () => BigInt(Date.now() - skewMs),
    }));
    await until(() => refusals.length > 0, 10_000, 'a refusal');
    skewMs = 0;
    expect(jdc.activeWork?.source).toBe('pool');
    mineBlocks(chain, 1); // another miner's block: a new parent, a new template
    await until(() => jdc.activeWork?.source === 'declared', 10_000, 'a declared job on the next parent');
    expect(jdc.activeWork?.job.height).toBe(chain.tip().block.header.number + 1n);
    expect(jdc.activeWork?.local?.added).toBe(1);
  });
});
