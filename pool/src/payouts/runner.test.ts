import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ccc } from '@ckb-ccc/core';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  type PayoutChain,
  recordFound,
  startPayoutChain,
  WALLET_KEY,
} from '../../test/support/payout-chain.js';
import { startTestPostgres } from '../../test/support/postgres.js';
import { CkbRpcClient } from '../ckb/rpc.js';
import { PgLedger } from '../ledger/pg-ledger.js';
import { addressOf } from './accounts.js';
import { PayoutSchedule } from './schedule.js';
import { openPayoutService } from './service.js';

/**
 * One payout runner per cluster: two pool hosts (each its own ledger connections, payout
 * service and schedule) on one real PostgreSQL ledger and one dev chain. Only the holder of the
 * runner lock runs cycles; the other takes over when the holder stops or is killed.
 */

const pgServer = await startTestPostgres();
afterAll(() => pgServer.server?.stop());
const skip = pgServer.skip;
if (skip) console.warn(`SKIP payout runner tests: ${skip}`);

const FIXTURE = fileURLToPath(new URL('../../test/support/runner-lock.fixture.ts', import.meta.url));
const CKB = 100_000_000n;
const log = pino({ level: process.env.RUNNER_TEST_LOG ?? 'silent' });

let chain: PayoutChain | null = null;
afterEach(async () => {
  await chain?.devnet.close();
  chain = null;
});

async function host(name: string, url: string, c: PayoutChain, keyFile: string, ran: string[]) {
  const ledger = await PgLedger.open(url, { flushIntervalMs: 0 });
  const service = await openPayoutService(
    {
      chain: 'dev',
      rpcUrl: c.devnet.rpcUrl,
      walletKeyFile: keyFile,
      feePercent: 1,
      operatorAddress: addressOf(c.walletLock, 'dev'),
      thresholdShannons: 100n * CKB,
      maxFeeRate: 10_000n,
      confirmations: 1,
    },
    { rpc: new CkbRpcClient(c.devnet.rpcUrl, { timeoutMs: 5000 }), ledger, log, registry: new Registry() },
  );
  const schedule = new PayoutSchedule(
    async () => {
      ran.push(name);
      return service.cycle();
    },
    3_600_000,
    log,
    async () => ledger.holdPayoutRunner(),
  );
  return { ledger, schedule };
}

describe('one payout runner per cluster on a shared PostgreSQL ledger', () => {
  it.skipIf(skip)(
    'only one of two hosts pays; the other takes over when it stops, and nothing is paid twice',
    async () => {
      chain = await startPayoutChain();
      const c = chain;
      const url = await (pgServer.server as NonNullable<typeof pgServer.server>).newDatabase();
      const dir = mkdtempSync(join(tmpdir(), 'payout-runner-'));
      const keyFile = join(dir, 'wallet.key');
      writeFileSync(keyFile, `${WALLET_KEY}\n`);
      chmodSync(keyFile, 0o600);
      const minerLock = (
        await new ccc.SignerCkbPrivateKey(
          new ccc.ClientPublicTestnet(),
          `0x${'61'.repeat(32)}`,
        ).getRecommendedAddressObj()
      ).script;
      const miner = addressOf(minerLock, 'dev');
      const ran: string[] = [];
      const a = await host('a', url, c, keyFile, ran);
      const b = await host('b', url, c, keyFile, ran);
      // Half the window is `bob`'s (never paid): the wallet's one reward covers the payout and its change.
      a.ledger.recordShare({ worker: `${miner}.rig`, difficulty: 10, timeMs: 1, height: 1 });
      a.ledger.recordShare({ worker: 'bob', difficulty: 10, timeMs: 2, height: 1 });
      await recordFound(a.ledger, c.mineOn(), `${miner}.rig`, 20);
      for (let i = 0; i < 13; i++) c.mineOn(undefined, c.otherLock); // the reward matures
      // Rounds of both schedules, mining between: record, mature, pay, confirm.
      for (let round = 0; round < 4; round++) {
        await a.schedule.runOnce();
        await b.schedule.runOnce();
        c.mineOn(undefined, c.otherLock);
        c.mineOn(undefined, c.otherLock);
      }
      expect(new Set(ran)).toEqual(new Set(['a']));
      expect(a.schedule.isRunner && !b.schedule.isRunner).toBe(true);
      const rpc = new CkbRpcClient(c.devnet.rpcUrl, { timeoutMs: 5000 });
      const cells = async () =>
        (
          await rpc.call<{ objects: { output: { capacity: string } }[] }>('get_cells', [
            {
              script: { code_hash: minerLock.codeHash, hash_type: minerLock.hashType, args: minerLock.args },
              script_type: 'lock',
            },
            'asc',
            '0x64',
          ])
        ).objects.map((o) => BigInt(o.output.capacity));
      const paid = (1000n * CKB - 10n * CKB) / 2n; // half the reward less the 1 % fee
      expect(await cells()).toEqual([paid]);
      expect((await b.ledger.payoutBatches('committed')).length).toBe(1);

      // Host a stops: b takes the lock at its next cycle, and finds nothing left to pay.
      await a.schedule.close();
      await a.ledger.close();
      ran.length = 0;
      await b.schedule.runOnce();
      expect(ran).toEqual(['b']);
      expect(b.schedule.isRunner).toBe(true);
      c.mineOn(undefined, c.otherLock);
      await b.schedule.runOnce();
      expect(await cells()).toEqual([paid]);
      expect((await b.ledger.payoutBatches()).length).toBe(1);
      await b.ledger.close();
    },
    120_000,
  );

  it.skipIf(skip)(
    'a host killed with SIGKILL while holding the lock frees it for another',
    async () => {
      const url = await (pgServer.server as NonNullable<typeof pgServer.server>).newDatabase();
      const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, url], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const held = await new Promise<string>((resolve, reject) => {
        child.stdout.once('data', (d) => resolve(String(d)));
        child.once('exit', (code) => reject(new Error(`fixture exited ${code}`)));
      });
      expect(JSON.parse(held)).toEqual({ held: true });
      const other = await PgLedger.open(url, { flushIntervalMs: 0 });
      expect(await other.holdPayoutRunner()).toBe(false);
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
      // PostgreSQL ends the dead session when its socket closes; the lock is free within moments.
      const end = Date.now() + 10_000;
      while (!(await other.holdPayoutRunner())) {
        if (Date.now() > end) throw new Error('the lock of the killed host was never freed');
        await new Promise((r) => setTimeout(r, 100));
      }
      // Held now, and kept: asking again does not lose it.
      expect(await other.holdPayoutRunner()).toBe(true);
      await other.close();
    },
    60_000,
  );
});
