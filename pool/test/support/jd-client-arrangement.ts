/**
 * The miner's side of job declaration on the dev chain, for JD client tests: a dev chain both
 * "nodes" follow (the pool's, whose template commits nothing of its own, and the miner's, over
 * JSON-RPC, which also holds a transaction of its own), the pool's side (jd-arrangement.ts), a
 * JD client whose policy includes that transaction, and an SV2 device on the JD client.
 */
import { ccc } from '@ckb-ccc/core';
import { cccA } from '@ckb-ccc/core/advanced';
import pino from 'pino';
import type { PayoutLock } from '../../src/ckb/cellbase-lock.js';
import { bytesToHex0x } from '../../src/ckb/hex.js';
import { concatBytes } from '../../src/ckb/molecule.js';
import { powOutput } from '../../src/ckb/pow.js';
import { CkbRpcClient } from '../../src/ckb/rpc.js';
import { compactToTarget, meetsTarget } from '../../src/ckb/target.js';
import { type Transaction, transactionFromJson, txHash } from '../../src/ckb/transaction.js';
import { DevChain } from '../../src/devnet/chain.js';
import { decodeScript, type Script } from '../../src/devnet/json-decode.js';
import { startHttpRpc } from '../../src/devnet/servers.js';
import type { JdNodeView } from '../../src/jd/node-view.js';
import { JdClient } from '../../src/jd-client/jd-client.js';
import { rpcJdcNode } from '../../src/jd-client/node.js';
import { type OpenedChannel, UpstreamClient, type UpstreamJob } from '../../src/sv2/client/upstream.js';
import { generateAuthorityKeypair } from '../../src/sv2/noise/keys.js';
import { asLike } from './ccc-like.js';
import { type PoolSide, poolSide, withLocalTransactions } from './jd-arrangement.js';
import { mineBlocks, toCkbTransaction } from './jd-devnet-view.js';
import { until } from './scripted-pool.js';

/** Test-only pool wallet key (never used outside tests); its lock is the pool's payout lock. */
const POOL_KEY = `0x${'44'.repeat(32)}`;
const CKB = 100_000_000n;
const REWARD = 1000n * CKB;
const signer = new ccc.SignerCkbPrivateKey(new ccc.ClientPublicTestnet(), POOL_KEY);
export const log = pino({ level: 'silent' });

export interface PoolLocks {
  lock: ccc.Script;
  poolLock: Script;
  payoutLock: PayoutLock;
}

export async function poolLocks(): Promise<PoolLocks> {
  const lock = (await signer.getRecommendedAddressObj()).script;
  return {
    lock,
    poolLock: decodeScript({ code_hash: lock.codeHash, hash_type: lock.hashType, args: lock.args }, 'lock'),
    payoutLock: { codeHash: lock.codeHash, hashType: 'type', args: lock.args },
  };
}

/** The chain both nodes follow; the pool's template commits nothing of its own. */
function devChain(poolLock: Script): DevChain {
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
async function minersTransaction(chain: DevChain, lock: ccc.Script): Promise<Transaction> {
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
export function device(url: string) {
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

/** Everything started, with `running` collecting how to stop it (newest last). */
export async function jdClientArrangement(
  locks: PoolLocks,
  running: Array<() => Promise<void>>,
  jdsView?: (chain: DevChain) => JdNodeView,
) {
  const { lock, poolLock, payoutLock } = locks;
  const chain = devChain(poolLock);
  const tx = await minersTransaction(chain, lock);
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
  return { chain, tx, pool, jdc, refusals, poolTemplateTxs };
}
