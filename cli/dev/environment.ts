import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { targetToCompact } from 'ckb-pool/ckb/target';
import { type Devnet, devnetAddress, startDevnet } from 'ckb-pool/devnet/index';
import { type RunningMiner, startMiner } from 'ckb-pool/miner/miner';
import { parseConfig } from 'ckb-pool/pool/config';
import { type RunningPool, startPool } from 'ckb-pool/pool/server';
import { generateAuthorityKeypair } from 'ckb-pool/sv2/noise/keys';
import { type RunningTranslator, startTranslator } from 'ckb-pool/translator/translator';
import type { Logger } from 'pino';
import { newWalletKey, walletLock } from '../config/wallet.js';

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
    });
    stack.push(() => devnet.close());
    const config = parseConfig({
      chain: 'dev',
      node: { rpcUrl: devnet.rpcUrl, subscribeAddress: devnet.subscribeAddress, pollIntervalMs: 1_000 },
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
    let miner: RunningMiner | null = null;
    if (o.miner) {
      miner = await startMiner({
        url: o.miner === 'sv2' ? pool.poolUrl : translator.v1Url,
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
      },
      authorityPubkey: pool.authorityPubkey,
      devnet,
      pool,
      translator,
      miner,
      startedAtMs: Date.now(),
      close: unwind,
    };
  } catch (err) {
    await unwind();
    throw err;
  }
}
