import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChannelInfo, TestClient } from '../../../test/support/test-client.js';
import { compactToTarget, targetToCompact } from '../../ckb/target.js';
import { type Devnet, devnetAddress, startDevnet } from '../../devnet/index.js';
import { Ledger } from '../../ledger/ledger.js';
import { encodeAuthoritySecret, generateAuthorityKeypair } from '../../sv2/noise/keys.js';
import { parseExtranoncePrefix } from '../extranonce.js';
import { instanceOfChannelIndex } from './layout.js';

/**
 * `accounts.mode: registered` with `instances: 2`: the acceptor processes hold no ledger, so
 * each reads the registry through its own connection; both credit a registered name to its
 * address and refuse an unregistered one.
 */

const MAIN = fileURLToPath(new URL('../../cli/main.ts', import.meta.url));
const ALICE = devnetAddress(1n);

let devnet: Devnet;
let dir: string;
let child: ReturnType<typeof spawn>;
let err = '';
let address = '';
let authority = '';
const clients: TestClient[] = [];

async function until(what: string, ok: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  devnet = await startDevnet({ rpcPort: 0, compactTarget: targetToCompact(1n << 242n) });
  dir = mkdtempSync(join(tmpdir(), 'registered-instances-'));
  writeFileSync(join(dir, 'authority.key'), `${encodeAuthoritySecret(generateAuthorityKeypair().secret)}\n`, {
    mode: 0o600,
  });
  const ledger = new Ledger(join(dir, 'ledger.sqlite'), { flushIntervalMs: 0 });
  ledger.registerAccount('alice', ALICE);
  ledger.close();
  const config = join(dir, 'pool.yaml');
  writeFileSync(
    config,
    [
      'chain: dev',
      'accounts:',
      '  mode: registered',
      'instances: 2',
      'node:',
      `  rpcUrl: ${devnet.rpcUrl}`,
      '  pollIntervalMs: 200',
      'sv2:',
      '  listen: 127.0.0.1:0',
      '  authorityKeyFile: authority.key',
      'api:',
      '  listen: 127.0.0.1:0',
      'vardiff:',
      '  minDifficulty: 1',
      '  initialDifficulty: 16',
      'ledger:',
      '  path: ledger.sqlite',
      '  flushIntervalMs: 100',
    ].join('\n'),
  );
  child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve', '--config', config], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  await until('serve to start', () => /miners connect to/.test(err), 40_000);
  const url = /miners connect to stratum2\+tcp:\/\/([^/]+)\/(\S+)/.exec(err);
  [address, authority] = [url?.[1] as string, url?.[2] as string];
}, 60_000);

afterAll(async () => {
  for (const c of clients) c.close();
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await devnet?.close();
});

/** Opens a channel as `worker` and submits one share; the pool's answer and the instance. */
async function oneShare(worker: string): Promise<{ answer: string; instance: number }> {
  const c = await TestClient.connect(address, authority);
  clients.push(c);
  await c.setup();
  const ch: ChannelInfo = await c.openStandard(worker);
  await c.waitJob(ch);
  const job = c.latestJob(ch);
  if (!job) throw new Error('no job');
  const target = c.targets.get(ch.channelId) ?? ch.target;
  const g = TestClient.grind(
    'dev',
    job,
    ch.extranoncePrefix,
    target,
    true,
    0,
    compactToTarget(job.compactTarget),
  );
  const seq = c.submit(ch.channelId, job.jobId, g.suffix);
  const { channelIndex } = parseExtranoncePrefix(ch.extranoncePrefix);
  return { answer: await c.answer(ch.channelId, seq), instance: instanceOfChannelIndex(channelIndex, 2) };
}

describe('accounts.mode registered with instances: 2', () => {
  it('credits registered names on both instances to the address and refuses others', async () => {
    const seen = new Set<number>();
    const names: string[] = [];
    for (let i = 0; i < 12 && seen.size < 2; i++) {
      const r = await oneShare(`alice.rig${i}`);
      expect(r.answer).toBe('ok');
      seen.add(r.instance);
      names.push(`${ALICE}.rig${i}`);
    }
    expect(seen.size).toBe(2);
    expect((await oneShare('bob.rig1')).answer).toBe('unregistered-name');
    const ledger = new Ledger(join(dir, 'ledger.sqlite'), { flushIntervalMs: 0 });
    try {
      await until('the shares in the ledger', () =>
        names.every((n) => (ledger.worker(n)?.acceptedShares ?? 0) >= 1),
      );
      expect(ledger.worker('alice.rig0')).toBeNull();
    } finally {
      ledger.close();
    }
  }, 60_000);
});
