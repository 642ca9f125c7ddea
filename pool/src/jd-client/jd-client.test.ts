import { ccc } from '@ckb-ccc/core';
import { cccA } from '@ckb-ccc/core/advanced';
import pino from 'pino';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { asLike } from '../../test/support/ccc-like.js';
import { type PoolSide, poolSide, withLocalTransactions } from '../../test/support/jd-arrangement.js';
import { devnetJdView, mineBlocks, toCkbTransaction } from '../../test/support/jd-devnet-view.js';
import { until } from '../../test/support/scripted-pool.js';
import type { PayoutLock } from '../ckb/cellbase-lock.js';
import { bytesToHex0x } from '../ckb/hex.js';
import { concatBytes } from '../ckb/molecule.js';
import { powOutput } from '../ckb/pow.js';
import { CkbRpcClient } from '../ckb/rpc.js';
import { compactToTarget, meetsTarget } from '../ckb/target.js';
import { type Transaction, transactionFromJson, txHash } from '../ckb/transaction.js';
import { DevChain } from '../devnet/chain.js';
import { decodeScript, type Script } from '../devnet/json-decode.js';
import { startHttpRpc } from '../devnet/servers.js';
import type { JdNodeView } from '../jd/node-view.js';
import { startMiner } from '../miner/miner.js';
import { type OpenedChannel, UpstreamClient, type UpstreamJob } from '../sv2/client/upstream.js';
import { generateAuthorityKeypair } from '../sv2/noise/keys.js';
import { startTranslator } from '../translator/translator.js';
import { JdClient } from './jd-client.js';
import { rpcJdcNode } from './node.js';

/** Test-only pool wallet key (never used outside tests); its lock is the pool's payout lock. */
const POOL_KEY = `0x${'44'.repeat(32)}`;
const CKB = 100_000_000n;
const REWARD = 1000n * CKB;
const signer = new ccc.SignerCkbPrivateKey(new ccc.ClientPublicTestnet(), POOL_KEY);
const log = pino({ level: 'silent' });

let lock: ccc.Script;
let poolLock: Script;
let payoutLock: PayoutLock;

beforeAll(async () => {
  lock = (await signer.getRecommendedAddressObj()).script;
  poolLock = decodeScript({ code_hash: lock.codeHash, hash_type: lock.hashType, args: lock.args }, 'lock');
  payoutLock = { codeHash: lock.codeHash, hashType: 'type', args: lock.args };
});

/** The chain both nodes follow; the pool's template commits nothing of its own. */
function devChain(): DevChain {
  const chain = new DevChain({
    compactTarget: 0x207fffff,
    pow: 'eaglesong',
    lock: poolLock,
    epochLength: 2,
    cellbaseMaturity: { number: 1n, index: 0, length: 1 },
    templateTransactions: 0,
  });
  mineBlocks(chain, 14);
  return chain;
}

/** A signed spend of block 12's cellbase, held only by the miner's node. */
async function minersTransaction(chain: DevChain): Promise<Transaction> {
  const cellbase = toCkbTransaction(chain.blockByNumber(12n)!.block.transactions[0]);
  const tx = ccc.Transaction.from({
    inputs: [
      {
        previousOutput: { txHash: bytesToHex0x(txHash(cellbase)), index: 0 },
        cellOutput: { capacity: REWARD, lock },
        outputData: '0x',
      },
    ],
    outputs: [
      { capacity: 600n * CKB, lock },
      { capacity: 399n * CKB, lock },
    ],
    outputsData: ['0x', '0x'],
  });
  const signed = await signer.signTransaction(asLike(tx));
  return transactionFromJson(cccA.JsonRpcTransformers.transactionFrom(asLike(signed)));
}

/** A device on the JD client's mining listener: one standard channel, hashes on request. */
function device(url: string) {
  const client = new UpstreamClient({ urls: [url], vendor: 'test-device', log });
  let ch: OpenedChannel | null = null;
  let job: UpstreamJob | null = null;
  client.on('up', (epoch) => {
    client.openChannel('standard', 'alice.rig').then(
      (c) => {
        if (epoch !== client.epoch) return;
        ch = c;
        job = client.latestJob(c.channelId, c.groupChannelId) ?? job;
      },
      () => {},
    );
  });
  client.on('job', (j) => {
    job = j;
  });
  client.start();
  return {
    client,
    get job() {
      return job;
    },
    get channel() {
      return ch;
    },
    /** Grinds the current job until a share meets the channel target, and submits it. */
    async shareOnCurrentJob() {
      const c = ch as OpenedChannel;
      const j = job as UpstreamJob;
      for (let i = 0n; ; i++) {
        const suffix = new Uint8Array(16 - c.extranoncePrefix.length);
        new DataView(suffix.buffer).setBigUint64(0, i);
        const out = powOutput('dev', j.powHash, concatBytes(c.extranoncePrefix, suffix));
        if (!meetsTarget(out, c.target)) continue;
        const isBlock = meetsTarget(out, compactToTarget(j.compactTarget));
        return { verdict: await client.submit(c.epoch, c.channelId, j.jobId, suffix), isBlock, job: j };
      }
    },
  };
}

const running: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of running.splice(0).reverse()) await stop();
});

/** The pool's side, the miner's node (same chain, plus its own transaction), a JD client and a device. */
async function arrangement(jdsView?: (chain: DevChain) => JdNodeView) {
  const chain = devChain();
  const tx = await minersTransaction(chain);
  const view = jdsView?.(chain);
  const poolTemplateTxs = chain.getBlockTemplate().transactions.length;
  const pool: PoolSide = await poolSide({ chain, poolLock, payoutLock, ...(view ? { view } : {}) });
  running.push(() => pool.close());
  const rpc = await startHttpRpc(chain, { nodeId: 'QmMinersNode', rpcUrl: '' }, '127.0.0.1', 0);
  running.push(() => rpc.close());
  const node = withLocalTransactions(rpcJdcNode(new CkbRpcClient(`http://127.0.0.1:${rpc.port}/`)), [tx]);
  const jdc = new JdClient({
    node,
    poolUrl: pool.poolUrl,
    jdsUrl: pool.jdsUrl,
    userIdentity: 'alice',
    policy: { includeTx: [bytesToHex0x(txHash(tx))] },
    chain: 'dev',
    listen: { host: '127.0.0.1', port: 0 },
    authoritySecret: generateAuthorityKeypair().secret,
    pollIntervalMs: 50,
    log,
  });
  const refusals: string[] = [];
  jdc.on('refused', (stage, reason) => refusals.push(`${stage}: ${reason}`));
  await jdc.start();
  running.push(() => jdc.close());
  await until(() => jdc.upstreamReady, 5_000, 'the extended channel to the pool');
  const dev = device(jdc.minerUrl);
  running.push(() => dev.client.close());
  return { chain, tx, pool, jdc, dev, refusals, poolTemplateTxs };
}

describe('the JD client on the dev chain', () => {
  it('mines a declared block that the chain accepts, holding the miner’s transaction and paying the pool', async () => {
    const { chain, tx, pool, jdc, dev, poolTemplateTxs } = await arrangement();
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
    const { chain, jdc, dev, refusals, pool } = await arrangement((chain) => ({
      ...devnetJdView(chain, { payoutLock: poolLock }),
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

  it('serves V1 miners through the translator pointed at it, on the declared job', async () => {
    const { chain, tx, pool, jdc } = await arrangement();
    await until(() => jdc.activeWork?.source === 'declared', 10_000, 'a declared job');
    const translator = await startTranslator({
      listen: '127.0.0.1:0',
      upstreams: [jdc.minerUrl],
      chain: 'dev',
      metricsListen: null,
      // A CPU thread's shares: difficulty 16, the JD client's channel target (2^252) is 2^4.
      vardiff: { startDifficulty: 16, minDifficulty: 1 },
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
    expect(block15.witnessLock).toEqual(poolLock);
  });
});
