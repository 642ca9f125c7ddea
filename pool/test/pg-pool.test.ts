import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { targetToCompact } from '../src/ckb/target.js';
import { type Devnet, startDevnet } from '../src/devnet/index.js';
import { PgLedger } from '../src/ledger/pg-ledger.js';
import { parseConfig } from '../src/pool/config.js';
import { type RunningPool, startPool } from '../src/pool/server.js';
import { generateAuthorityKeypair } from '../src/sv2/noise/keys.js';
import { startTestPostgres } from './support/postgres.js';
import { type ChannelInfo, TestClient } from './support/test-client.js';

/**
 * Two pool hosts (two `startPool`s, instance ids 0 and 1) on one PostgreSQL ledger and one dev
 * chain: the ledger's totals are exactly what the miners on both were acknowledged, and a
 * block found on one is recorded once.
 */

const NET_TARGET = 1n << 242n;
const pgServer = await startTestPostgres();
afterAll(() => pgServer.server?.stop());
const skip = pgServer.skip;
if (skip) console.warn(`SKIP pool on PostgreSQL: ${skip}`);

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function until(cond: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function host(d: Devnet, url: string, instanceId: number, passwordFile: string): Promise<RunningPool> {
  const config = parseConfig({
    chain: 'dev',
    node: { rpcUrl: d.rpcUrl, subscribeAddress: d.subscribeAddress, pollIntervalMs: 200 },
    sv2: { listen: '127.0.0.1:0', authorityKeyFile: '/nonexistent', instanceId },
    api: { listen: '127.0.0.1:0' },
    vardiff: {
      minDifficulty: 1,
      initialDifficulty: 16,
      targetShareIntervalSeconds: 1,
      retargetPeriodSeconds: 30,
    },
    shares: { batchMaxCount: 4, batchMaxDelayMs: 100 },
    ledger: { url, passwordFile, flushIntervalMs: 50 },
    jobs: { minUpdateIntervalMs: 0 },
    // Plain worker names: these tests are about PostgreSQL, not accounts.
    accounts: { mode: 'any' },
  });
  const p = await startPool(config, {
    logger: pino({ level: 'silent' }),
    authoritySecret: generateAuthorityKeypair().secret,
  });
  cleanups.push(() => p.close());
  await p.waitForJob();
  return p;
}

/** Submits `n` shares (the last one a block when `block`); returns how many were acknowledged. */
async function mine(c: TestClient, ch: ChannelInfo, n: number, block: boolean): Promise<number> {
  const job = await c.waitJob(ch);
  let next = 0;
  let ok = 0;
  for (let i = 0; i < n; i++) {
    const isBlock = block && i === n - 1;
    const target = isBlock ? NET_TARGET : (c.targets.get(ch.channelId) as bigint);
    // Ordinary shares avoid the network target so only the last one is a block.
    const g = TestClient.grind(
      'dev',
      job,
      ch.extranoncePrefix,
      target,
      true,
      next,
      isBlock ? undefined : NET_TARGET,
    );
    next = g.next;
    if ((await c.answer(ch.channelId, c.submit(ch.channelId, job.jobId, g.suffix))) === 'ok') ok += 1;
  }
  return ok;
}

describe('two pool hosts on one PostgreSQL ledger', () => {
  it.skipIf(skip)(
    'record exactly the shares both acknowledged and the block found on one, once',
    async () => {
      const d = await startDevnet({ rpcPort: 0, compactTarget: targetToCompact(NET_TARGET) });
      cleanups.push(() => d.close());
      const url = await (pgServer.server as NonNullable<typeof pgServer.server>).newDatabase();
      const pw = join(mkdtempSync(join(tmpdir(), 'pg-pool-')), 'ledger.pass');
      writeFileSync(pw, 'unused-by-a-trust-cluster\n', { mode: 0o600 });
      const [a, b] = await Promise.all([host(d, url, 0, pw), host(d, url, 1, pw)]);
      const ca = await TestClient.connect((a as RunningPool).sv2Address, (a as RunningPool).authorityPubkey);
      const cb = await TestClient.connect((b as RunningPool).sv2Address, (b as RunningPool).authorityPubkey);
      cleanups.push(
        () => ca.close(),
        () => cb.close(),
      );
      await Promise.all([ca.setup(), cb.setup()]);
      const cha = await ca.openStandard('alice.rig');
      const chb = await cb.openStandard('bob.rig');
      const tip0 = BigInt(d.tip().number);
      // Both hosts write at once; the block comes after, so no share of either is made stale.
      const [okA0, okB] = await Promise.all([mine(ca, cha, 4, false), mine(cb, chb, 5, false)]);
      expect([okA0, okB]).toEqual([4, 5]);
      const okA = okA0 + (await mine(ca, cha, 1, true));
      expect(okA).toBe(5);

      const reader = await PgLedger.open(url, { flushIntervalMs: 0 });
      cleanups.push(() => reader.close());
      await until(async () => (await reader.blockCounts()).accepted === 1, 'the block verdict');
      expect(BigInt(d.tip().number)).toBe(tip0 + 1n);
      await until(async () => (await reader.shareCount()) === okA + okB, 'both hosts to flush');
      expect((await reader.worker('alice.rig'))?.acceptedShares).toBe(okA);
      expect((await reader.worker('bob.rig'))?.acceptedShares).toBe(okB);
      const blocks = await reader.blocks();
      expect(blocks.map((x) => [x.worker, x.hash])).toEqual([['alice.rig', d.tip().hash]]);
      expect((await reader.worker('alice.rig'))?.blocks).toBe(1);
    },
  );
});
