import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { CkbRpcClient } from '../../src/ckb/rpc.js';
import { targetToCompact } from '../../src/ckb/target.js';
import type { Devnet } from '../../src/devnet/index.js';
import { devnetAddress } from '../../src/devnet/lock.js';
import { type RunningMiner, startMiner } from '../../src/miner/miner.js';
import { addressOf, parseAddress } from '../../src/payouts/accounts.js';
import { encodeAuthoritySecret, generateAuthorityKeypair } from '../../src/sv2/noise/keys.js';
import { startPayoutChainAt, WALLET_KEY } from '../support/payout-chain.js';

/**
 * `ckb-pool serve` with payouts on, end to end: a CPU miner mines through the pool as
 * `<address>.rig1` on a dev chain whose block assembler is the pool wallet (short epochs, so
 * rewards mature in seconds), serve's own payout schedule sends a batch and sees it commit,
 * and the miner's API page shows what was paid, with the transaction the chain holds.
 */

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
/** serve's first cycle runs at start, then one a minute: a batch is sent and later committed. */
const TIMEOUT = 300_000;

let devnet: Devnet | null = null;
let miner: RunningMiner | null = null;
let serve: ReturnType<typeof spawn> | null = null;
afterEach(async () => {
  serve?.kill('SIGKILL');
  await miner?.close();
  await devnet?.close();
  serve = null;
  miner = null;
  devnet = null;
});

interface MinerPage {
  balance: string;
  immature: string;
  paid: string;
  payouts: Array<{ txHash: string; amount: string; status: string }>;
}

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | null>,
  ms: number,
  log: () => string,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe().catch(() => null);
    if (v !== null) return v;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; serve said:\n${log().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('ckb-pool serve with payouts', () => {
  it(
    'pays a miner that mines to its address: the API shows paid > 0 and the transaction is on chain',
    async () => {
      // About 65,000 hashes a block: one CPU thread finds several a second, so the chain
      // passes maturity (1 epoch of 2 blocks) and the reward delay (11 blocks) quickly.
      const chain = await startPayoutChainAt(targetToCompact(1n << 240n));
      devnet = chain.devnet;
      const dir = mkdtempSync(join(tmpdir(), 'serve-payouts-'));
      writeFileSync(
        join(dir, 'authority.key'),
        `${encodeAuthoritySecret(generateAuthorityKeypair().secret)}\n`,
        {
          mode: 0o600,
        },
      );
      writeFileSync(join(dir, 'wallet.key'), `${WALLET_KEY}\n`, { mode: 0o600 });
      const operator = addressOf(chain.walletLock, 'dev');
      const minerAddress = devnetAddress(7n);
      writeFileSync(
        join(dir, 'pool.yaml'),
        [
          'chain: dev',
          'node:',
          `  rpcUrl: ${devnet.rpcUrl}`,
          `  subscribeAddress: "${devnet.subscribeAddress}"`,
          '  pollIntervalMs: 200',
          'sv2:',
          '  listen: 127.0.0.1:0',
          '  authorityKeyFile: authority.key',
          'api:',
          '  listen: 127.0.0.1:0',
          'vardiff:',
          '  minDifficulty: 1',
          '  initialDifficulty: 1024',
          '  targetShareIntervalSeconds: 2',
          'ledger:',
          '  path: ledger.sqlite',
          '  flushIntervalMs: 200',
          'payouts:',
          '  enabled: true',
          '  walletKeyFile: wallet.key',
          `  operatorAddress: ${operator}`,
          '  threshold: 61',
          '  feePercent: 1',
          '  confirmations: 1',
          '  intervalMinutes: 1',
          'log:',
          '  level: info',
        ].join('\n'),
      );
      serve = spawn(
        process.execPath,
        ['--import', 'tsx', MAIN, 'serve', '--config', join(dir, 'pool.yaml')],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let out = '';
      serve.stdout?.on('data', (d: Buffer) => (out += d.toString()));
      serve.stderr?.on('data', (d: Buffer) => (out += d.toString()));
      const log = () => out;
      const started = await waitFor(
        'serve to start',
        async () => /API on (\S+)[\s\S]*miners connect to (\S+)/.exec(out),
        30_000,
        log,
      );
      const [, apiUrl, poolUrl] = started;
      miner = await startMiner({
        url: poolUrl as string,
        user: `${minerAddress}.rig1`,
        threads: 1,
        chain: 'dev',
        log: pino({ level: 'silent' }),
      });

      const page = await waitFor<MinerPage>(
        'a committed payout on the miner’s page',
        async () => {
          const r = await fetch(`${apiUrl}/api/v1/miners/${minerAddress}`);
          if (r.status !== 200) return null;
          const p = (await r.json()) as MinerPage;
          return BigInt(p.paid) > 0n ? p : null;
        },
        TIMEOUT - 60_000,
        log,
      );
      const committed = page.payouts.filter((p) => p.status === 'committed');
      expect(committed.length).toBeGreaterThan(0);
      expect(committed.reduce((a, p) => a + BigInt(p.amount), 0n)).toBe(BigInt(page.paid));

      // The payout is a real cell of the miner's lock, in a transaction the chain committed.
      const rpc = new CkbRpcClient(devnet.rpcUrl, { timeoutMs: 5000 });
      const lock = parseAddress(minerAddress, 'dev');
      if (!lock) throw new Error('the dev address did not parse');
      const cells = await rpc.call<{
        objects: Array<{ output: { capacity: string }; out_point: { tx_hash: string } }>;
      }>('get_cells', [
        {
          script: { code_hash: lock.codeHash, hash_type: lock.hashType, args: lock.args },
          script_type: 'lock',
        },
        'asc',
        '0x64',
      ]);
      const paidOnChain = cells.objects
        .filter((o) => committed.some((p) => p.txHash === o.out_point.tx_hash))
        .reduce((a, o) => a + BigInt(o.output.capacity), 0n);
      expect(paidOnChain).toBe(BigInt(page.paid));
      // No key material in anything serve printed.
      expect(out).not.toContain(WALLET_KEY.slice(2));
    },
    TIMEOUT,
  );
});
