import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CkbRpcClient } from 'ckb-pool/ckb/rpc';
import { targetToCompact } from 'ckb-pool/ckb/target';
import { type Devnet, devnetAddress, startDevnet } from 'ckb-pool/devnet/index';
import { startHttpRpc } from 'ckb-pool/devnet/servers';
import { JdClient } from 'ckb-pool/jd-client/jd-client';
import { rpcJdcNode } from 'ckb-pool/jd-client/node';
import { type RunningMiner, startMiner } from 'ckb-pool/miner/miner';
import { parseConfig } from 'ckb-pool/pool/config';
import { type RunningPool, startPool } from 'ckb-pool/pool/server';
import { generateAuthorityKeypair } from 'ckb-pool/sv2/noise/keys';
import { type RunningTranslator, startTranslator } from 'ckb-pool/translator/translator';
import type { Logger } from 'pino';
import { newWalletKey, walletLock } from '../config/wallet.js';
import { jdPoolConfig, poolJdsUrl } from './jd-pool.js';

/**
 * The whole pool on one machine, in this process: a dev chain, the pool (temp ledger, fresh
 * authority key), the V1 translator and optionally one CPU miner. No Docker, no files to edit.
 */

/**
 * Network difficulty 2^18 (262,144 expected hashes): one CPU thread (~50–400 kH/s with the
 * midstate Eaglesong loop, depending on the machine and its load) finds a block every few seconds.
 */
export const DEV_COMPACT_TARGET = targetToCompact(1n << 238n);

export interface DevOptions {
  host: string;
  rpcPort: number;
  sv2Port: number;
  v1Port: number;
  apiPort: number;
  webPort: number;
  miner: 'sv2' | 'v1' | null;
  minerThreads: number;
  compactTarget: number;
  /**
   * Job declaration: the pool runs its JDS (`jd.listen`), a JD client builds blocks from its own
   * node view of the dev chain, and the built-in miner mines on the JD client.
   */
  jd?: { includeTx: string[] } | undefined;
  log: Logger;
}

export interface Endpoints {
  sv2_url: string;
  v1_url: string;
  api_url: string;
  /** The miners' web page. */
  web_url: string;
  rpc_url: string;
  /** The address the built-in miner mines to (absent without it). */
  miner_address?: string;
  /** With --jd: the pool's JD listener and the JD client's SV2 listener for miners. */
  jds_url?: string;
  jdc_url?: string;
}

/** The built-in miner's account: a dev-chain address, so it is credited like any miner. */
export const DEV_MINER_ADDRESS = devnetAddress(1n);
/** Receives dev's pool fee (a dev-chain address nobody mines to). */
export const DEV_OPERATOR_ADDRESS = devnetAddress(2n);

/**
 * Short epochs and a one-epoch cellbase maturity (4 epochs of ~1,000 blocks on mainnet): a
 * block's reward matures a few dozen blocks later, so payouts happen within minutes.
 */
const DEV_EPOCH_LENGTH = 4;
const DEV_CELLBASE_MATURITY = { number: 1n, index: 0, length: 1 };

/**
 * Payouts as a deployment with `payouts.enabled` runs them, tuned to be seen: a cycle a minute
 * (the shortest serve allows), the smallest threshold, one confirmation.
 */
const DEV_PAYOUTS = { threshold: 61, feePercent: 1, confirmations: 1, intervalMinutes: 1 };

export interface DevEnvironment {
  endpoints: Endpoints;
  authorityPubkey: string;
  devnet: Devnet;
  pool: RunningPool;
  translator: RunningTranslator;
  miner: RunningMiner | null;
  /** With --jd. */
  jdClient: JdClient | null;
  startedAtMs: number;
  close(): Promise<void>;
}

export async function startDevEnvironment(o: DevOptions): Promise<DevEnvironment> {
  const stack: Array<() => Promise<void> | void> = [];
  const unwind = async () => {
    for (const f of stack.splice(0).reverse()) {
      try {
        await f();
      } catch {
        // keep closing the rest
      }
    }
  };
  try {
    // Fork blocks stored as the real node does: at dev difficulty two blocks a second race each
    // other, and a late one is a fork (an uncle on mainnet), not an error to alarm a newcomer.
    // The pool wallet of this run: a fresh key in the temp folder (0600), removed on exit. The
    // chain's block assembler pays it, as `init` makes a deployment's node do.
    const dir = mkdtempSync(join(tmpdir(), 'ckb-pool-dev-'));
    stack.push(() => rmSync(dir, { recursive: true, force: true }));
    const walletKeyFile = join(dir, 'pool-wallet-key');
    const key = newWalletKey();
    writeFileSync(walletKeyFile, `${key}\n`, { mode: 0o600 });
    const wallet = walletLock(key);
    const devnet = await startDevnet({
      rpcHost: o.host,
      rpcPort: o.rpcPort,
      compactTarget: o.compactTarget,
      forks: 'accept',
      lockScript: { code_hash: wallet.codeHash, hash_type: wallet.hashType, args: wallet.args },
      epochLength: DEV_EPOCH_LENGTH,
      cellbaseMaturity: DEV_CELLBASE_MATURITY,
      // The dev chain's filler transaction spends a made-up cell: a block carrying it is only
      // accepted because the chain made it, so a JD client could never declare it.
      ...(o.jd ? { templateTransactions: 0 } : {}),
    });
    stack.push(() => devnet.close());
    const config = parseConfig({
      chain: 'dev',
      node: {
        rpcUrl: devnet.rpcUrl,
        subscribeAddress: devnet.subscribeAddress,
        pollIntervalMs: 1_000,
        // As a deployment's pool.yaml: the pool checks templates (and JD declarations) pay it.
        payoutLock: { codeHash: wallet.codeHash, hashType: wallet.hashType, args: wallet.args },
      },
      sv2: { listen: `${o.host}:${o.sv2Port}`, authorityKeyFile: join(dir, 'unused.key') },
      api: { listen: `${o.host}:${o.apiPort}` },
      web: { listen: `${o.host}:${o.webPort}` },
      vardiff: {
        minDifficulty: 1,
        initialDifficulty: 1_024,
        targetShareIntervalSeconds: 2,
        retargetPeriodSeconds: 20,
      },
      shares: { batchMaxCount: 10, batchMaxDelayMs: 200 },
      ledger: { path: join(dir, 'ledger.sqlite'), flushIntervalMs: 200 },
      jobs: { minUpdateIntervalMs: 1_000 },
      payouts: { enabled: true, walletKeyFile, operatorAddress: DEV_OPERATOR_ADDRESS, ...DEV_PAYOUTS },
      log: { level: o.log.level },
      ...(o.jd ? jdPoolConfig(o.host) : {}),
    });
    const pool = await startPool(config, {
      logger: o.log.child({ svc: 'pool' }),
      authoritySecret: generateAuthorityKeypair().secret,
    });
    stack.push(() => pool.close());
    await pool.waitForJob(15_000);
    const translator = await startTranslator({
      listen: `${o.host}:${o.v1Port}`,
      upstreams: [pool.poolUrl],
      chain: 'dev',
      metricsListen: `${o.host}:0`,
      log: o.log.child({ svc: 'translator' }),
    });
    stack.push(() => translator.close());
    // Ready means ready: the translator holds its pool connection before URLs are handed out.
    for (let i = 0; i < 200 && !translator.stats().upstreamConnected; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const jdClient = o.jd ? await startJdClient(o, devnet, pool, stack) : null;
    let miner: RunningMiner | null = null;
    if (o.miner) {
      miner = await startMiner({
        url: jdClient ? jdClient.minerUrl : o.miner === 'sv2' ? pool.poolUrl : translator.v1Url,
        user: `${DEV_MINER_ADDRESS}.cpu1`,
        threads: o.minerThreads,
        chain: 'dev',
        log: o.log.child({ svc: 'miner' }),
      });
      const m = miner;
      stack.push(() => m.close());
    }
    return {
      endpoints: {
        sv2_url: pool.poolUrl,
        v1_url: translator.v1Url,
        api_url: pool.apiUrl,
        web_url: pool.webUrl ?? '',
        rpc_url: devnet.rpcUrl,
        ...(miner ? { miner_address: DEV_MINER_ADDRESS } : {}),
        ...(jdClient ? { jds_url: poolJdsUrl(pool), jdc_url: jdClient.minerUrl } : {}),
      },
      authorityPubkey: pool.authorityPubkey,
      devnet,
      pool,
      translator,
      miner,
      jdClient,
      startedAtMs: Date.now(),
      close: unwind,
    };
  } catch (err) {
    await unwind();
    throw err;
  }
}

/**
 * The miner's side of job declaration: its own node view of the dev chain (a second JSON-RPC
 * endpoint over the same chain), a JD client declaring that node's templates to the pool's JDS,
 * ready once its extended channel to the pool is open.
 */
async function startJdClient(
  o: DevOptions,
  devnet: Devnet,
  pool: RunningPool,
  stack: Array<() => Promise<void> | void>,
): Promise<JdClient> {
  const jdsUrl = poolJdsUrl(pool);
  const identity = { nodeId: 'QmDevJdClientNode', rpcUrl: '' };
  const ownNode = await startHttpRpc(devnet.chain, identity, o.host, 0);
  stack.push(() => ownNode.close());
  const host = o.host.includes(':') ? `[${o.host}]` : o.host;
  const jdClient = new JdClient({
    node: rpcJdcNode(new CkbRpcClient(`http://${host}:${ownNode.port}/`)),
    poolUrl: pool.poolUrl,
    jdsUrl,
    userIdentity: `${DEV_MINER_ADDRESS}.jdc`,
    policy: { includeTx: o.jd?.includeTx ?? [] },
    chain: 'dev',
    listen: { host: o.host, port: 0 },
    authoritySecret: generateAuthorityKeypair().secret,
    log: o.log.child({ svc: 'jd-client' }),
  });
  await jdClient.start();
  stack.push(() => jdClient.close());
  for (let i = 0; i < 200 && !jdClient.upstreamReady; i++) await new Promise((r) => setTimeout(r, 50));
  if (!jdClient.upstreamReady) throw new Error('the JD client could not open its channel to the pool');
  return jdClient;
}
