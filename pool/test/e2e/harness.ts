import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { targetToCompact } from '../../src/ckb/target.js';
import { type Devnet, startDevnet } from '../../src/devnet/index.js';
import { parseConfig } from '../../src/pool/config.js';
import { type RunningPool, startPool } from '../../src/pool/server.js';
import { generateAuthorityKeypair } from '../../src/sv2/noise/keys.js';

/**
 * Shared set-up of the end-to-end tests: a dev chain, a pool on it (temp ledger, fresh
 * authority key, difficulties a CPU finds in milliseconds), all on 127.0.0.1 ephemeral ports.
 */

export const silent = pino({ level: process.env.E2E_LOG ?? 'silent' });

/** Network difficulty 2^15: a 1-thread CPU miner finds a block in well under a second of hashing. */
export const E2E_NET_COMPACT = targetToCompact(1n << 241n);

/**
 * The translator's per-miner vardiff in the e2e suites: the test pool's vardiff (start 2048, one
 * share a second, started at the guess itself and not measured first), so a V1 miner's own
 * target and its channel's start equal.
 */
export const E2E_TRANSLATOR_VARDIFF = {
  startDifficulty: 2_048,
  minDifficulty: 1,
  maxDifficulty: 2 ** 40,
  targetShareIntervalSeconds: 1,
  retargetPeriodSeconds: 30,
  maxStep: 4,
  guessMargin: 1,
  measureSeconds: 0,
  measureRate: 1,
};

export interface PoolOpts {
  sv2Listen?: string;
  secret?: Uint8Array;
  ledgerPath?: string;
  extra?: Record<string, unknown> | undefined;
}

export function tempDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'ckb-e2e-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function startTestDevnet(compactTarget = E2E_NET_COMPACT): Promise<Devnet> {
  return startDevnet({ rpcPort: 0, compactTarget });
}

export async function startTestPool(d: Devnet, ledgerPath: string, o: PoolOpts = {}): Promise<RunningPool> {
  const config = parseConfig({
    chain: 'dev',
    node: { rpcUrl: d.rpcUrl, subscribeAddress: d.subscribeAddress, pollIntervalMs: 200 },
    sv2: { listen: o.sv2Listen ?? '127.0.0.1:0', authorityKeyFile: '/nonexistent' },
    api: { listen: '127.0.0.1:0' },
    vardiff: {
      minDifficulty: 1,
      initialDifficulty: 2_048,
      targetShareIntervalSeconds: 1,
      retargetPeriodSeconds: 30,
    },
    shares: { batchMaxCount: 4, batchMaxDelayMs: 50 },
    ledger: { path: ledgerPath, flushIntervalMs: 50 },
    jobs: { minUpdateIntervalMs: 0 },
    // Miners are named `alice.v1`, `dave.rig1`…; a test of accounts sets `accounts` in `extra`.
    accounts: { mode: 'any' },
    ...o.extra,
  });
  const p = await startPool(config, {
    logger: silent,
    authoritySecret: o.secret ?? generateAuthorityKeypair().secret,
  });
  await p.waitForJob();
  return p;
}

export async function until(
  cond: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
  what = 'condition',
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function getJson<T = unknown>(url: string): Promise<T> {
  const r = await fetch(url);
  return (await r.json()) as T;
}
