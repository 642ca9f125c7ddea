import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChannelInfo, TestClient } from '../../../test/support/test-client.js';
import { compactToTarget, targetToCompact } from '../../ckb/target.js';
import { type Devnet, startDevnet } from '../../devnet/index.js';
import { Ledger } from '../../ledger/ledger.js';
import { encodeAuthoritySecret, generateAuthorityKeypair } from '../../sv2/noise/keys.js';
import { parseExtranoncePrefix } from '../extranonce.js';
import { instanceOfChannelIndex } from './layout.js';

/**
 * `ckb-pool serve` with `instances: 2` as a real process tree: miners spread over both
 * instances, shares recorded once, blocks submitted once, one /metrics, a killed instance
 * restarted, SIGTERM drains everything.
 */

const MAIN = fileURLToPath(new URL('../../cli/main.ts', import.meta.url));
const HOST_ID = 7;

interface Miner {
  c: TestClient;
  ch: ChannelInfo;
  worker: string;
  instance: number;
  acked: number;
  next: number;
}

let devnet: Devnet;
let dir: string;
let child: ReturnType<typeof spawn>;
let out = '';
let err = '';
let exited: Promise<number | null>;
let address = '';
let authority = '';
let apiUrl = '';
let webUrl = '';
const miners: Miner[] = [];
/** Miners whose instance was killed: their acknowledged shares still count. */
const killed: Miner[] = [];

function logLines(): Array<Record<string, unknown>> {
  return out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function connectMiner(worker: string): Promise<Miner> {
  const c = await TestClient.connect(address, authority);
  await c.setup();
  const ch = await c.openStandard(worker);
  await c.waitJob(ch);
  const { instanceId, channelIndex } = parseExtranoncePrefix(ch.extranoncePrefix);
  expect(instanceId).toBe(HOST_ID);
  return { c, ch, worker, instance: instanceOfChannelIndex(channelIndex, 2), acked: 0, next: 0 };
}

/** One ordinary share (never a block), acknowledged. */
async function share(m: Miner): Promise<void> {
  const job = m.c.latestJob(m.ch);
  if (!job) throw new Error('no job');
  const target = m.c.targets.get(m.ch.channelId) ?? m.ch.target;
  const g = TestClient.grind(
    'dev',
    job,
    m.ch.extranoncePrefix,
    target,
    true,
    m.next,
    compactToTarget(job.compactTarget),
  );
  m.next = g.next;
  const seq = m.c.submit(m.ch.channelId, job.jobId, g.suffix);
  expect(await m.c.answer(m.ch.channelId, seq)).toBe('ok');
  m.acked += 1;
}

async function metric(name: string): Promise<number> {
  const body = await (await fetch(`${apiUrl}/metrics`)).text();
  let sum = 0;
  for (const line of body.split('\n')) {
    if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) sum += Number(line.split(' ').pop());
  }
  return sum;
}

beforeAll(async () => {
  devnet = await startDevnet({ rpcPort: 0, compactTarget: targetToCompact(1n << 242n) });
  dir = mkdtempSync(join(tmpdir(), 'instances-'));
  writeFileSync(join(dir, 'authority.key'), `${encodeAuthoritySecret(generateAuthorityKeypair().secret)}\n`, {
    mode: 0o600,
  });
  const config = join(dir, 'pool.yaml');
  writeFileSync(
    config,
    [
      'chain: dev',
      // Plain worker names: these tests are about serving, not accounts.
      'accounts:',
      '  mode: any',
      'instances: 2',
      'node:',
      `  rpcUrl: ${devnet.rpcUrl}`,
      `  subscribeAddress: "${devnet.subscribeAddress}"`,
      '  pollIntervalMs: 200',
      'sv2:',
      '  listen: 127.0.0.1:0',
      '  authorityKeyFile: authority.key',
      `  instanceId: ${HOST_ID}`,
      'api:',
      '  listen: 127.0.0.1:0',
      'web:',
      '  listen: 127.0.0.1:0',
      'vardiff:',
      '  minDifficulty: 1',
      '  initialDifficulty: 16',
      'ledger:',
      '  path: ledger.sqlite',
      '  flushIntervalMs: 5000',
      'log:',
      '  level: info',
    ].join('\n'),
  );
  child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve', '--config', config], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  exited = new Promise((r) => child.on('exit', (code) => r(code)));
  await until('serve to start', () => /miners connect to/.test(err), 40_000);
  const url = /miners connect to stratum2\+tcp:\/\/([^/]+)\/(\S+)/.exec(err);
  [address, authority] = [url?.[1] as string, url?.[2] as string];
  apiUrl = /API on (\S+)/.exec(err)?.[1] as string;
  webUrl = /web page on (\S+)/.exec(err)?.[1] as string;
}, 60_000);

afterAll(async () => {
  for (const m of miners) m.c.close();
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await devnet?.close();
});

describe('ckb-pool serve with instances: 2', () => {
  it('spreads miners over both instances, each with its own part of the host nonce space', async () => {
    for (let i = 0; i < 6; i++) miners.push(await connectMiner(`w${i}`));
    expect(new Set(miners.map((m) => m.instance))).toEqual(new Set([0, 1]));
    const prefixes = miners.map((m) => Buffer.from(m.ch.extranoncePrefix).toString('hex'));
    expect(new Set(prefixes).size).toBe(prefixes.length);
  }, 30_000);

  it('acknowledges shares on both instances and counts them once in /metrics', async () => {
    for (const m of miners) for (let i = 0; i < 2; i++) await share(m);
    const acked = miners.reduce((n, m) => n + m.acked, 0);
    // The primary asks both instances for their metrics and sums them.
    await until('metrics to add up', async () => (await metric('ckb_pool_shares_total')) === acked);
    expect(await metric('ckb_pool_connections')).toBe(miners.length);
    await until('the API to show every connection and worker', async () => {
      const p = (await (await fetch(`${apiUrl}/api/v1/pool`)).json()) as {
        connections: number;
        workersOnline: number;
      };
      return p.connections === miners.length && p.workersOnline === miners.length;
    });
  }, 60_000);

  it("lists both instances' clients, with ids unique across them, on SRI's monitoring routes", async () => {
    const list = (await (await fetch(`${apiUrl}/api/v1/clients`)).json()) as {
      total: number;
      items: Array<{ client_id: number; standard_channels_count: number }>;
    };
    expect(list.total).toBe(miners.length);
    const ids = list.items.map((c) => c.client_id);
    expect(new Set(ids).size).toBe(miners.length);
    expect(list.items.every((c) => c.standard_channels_count === 1)).toBe(true);
    const one = (await (await fetch(`${apiUrl}/api/v1/clients/${ids[0]}/channels`)).json()) as {
      total_standard: number;
    };
    expect(one.total_standard).toBe(1);
    const global = (await (await fetch(`${apiUrl}/api/v1/global`)).json()) as {
      sv2_clients: { total_clients: number };
    };
    expect(global.sv2_clients.total_clients).toBe(miners.length);
  }, 30_000);

  it("serves the miners' web page from the primary, naming the port the instances share", async () => {
    const connect = (await (await fetch(`${webUrl}/api/v1/connect`)).json()) as { sv2Url: string };
    expect(connect.sv2Url).toBe(`stratum2+tcp://127.0.0.1:${address.split(':').pop()}/${authority}`);
    const pool = (await (await fetch(`${webUrl}/api/v1/pool`)).json()) as { connections: number };
    expect(pool.connections).toBe(miners.length);
  }, 30_000);

  it('submits a block found on either instance once, and the dev chain accepts it', async () => {
    for (const instance of [0, 1]) {
      const m = miners.find((x) => x.instance === instance) as Miner;
      const job = m.c.latestJob(m.ch);
      if (!job) throw new Error('no job');
      const before = devnet.tip();
      const g = TestClient.grind('dev', job, m.ch.extranoncePrefix, compactToTarget(job.compactTarget), true);
      const seq = m.c.submit(m.ch.channelId, job.jobId, g.suffix);
      expect(await m.c.answer(m.ch.channelId, seq)).toBe('ok');
      m.acked += 1;
      await until('the block on chain', () => BigInt(devnet.tip().number) > BigInt(before.number));
      // Every miner gets the next tip's job before the next block is ground.
      for (const x of miners) await x.c.waitJob(x.ch, job.jobId);
    }
    await until(
      'two accepted blocks',
      async () => (await metric('ckb_pool_blocks_total{outcome="accepted"}')) === 2,
    );
  }, 90_000);

  it('restarts an instance killed with SIGKILL, and its miners get jobs again after reconnecting', async () => {
    const listening = () => logLines().filter((l) => l.msg === 'instance listening' && l.instance === 1);
    const victim = listening().at(-1)?.pid as number;
    expect(victim).toBeGreaterThan(0);
    const gone = miners.filter((m) => m.instance === 1);
    process.kill(victim, 'SIGKILL');
    await until('the restart log line', () =>
      logLines().some((l) => String(l.msg).startsWith('instance exited')),
    );
    await until('instance 1 listening again', () => listening().length === 2);
    expect(listening().at(-1)?.pid).not.toBe(victim);
    expect(await metric('ckb_pool_instance_restarts_total')).toBe(1);
    // Its miners were cut off; reconnecting lands some on the new instance 1, with jobs.
    for (const m of gone) {
      miners.splice(miners.indexOf(m), 1);
      killed.push(m);
    }
    let again: Miner | undefined;
    for (let i = 0; i < 8 && !again; i++) {
      const m = await connectMiner(`again${i}`);
      miners.push(m);
      if (m.instance === 1) again = m;
    }
    expect(again).toBeDefined();
    await share(again as Miner);
  }, 60_000);

  it('drains every instance on SIGTERM: Reconnect to all, every acknowledged share in the ledger once, exit 0', async () => {
    const acked = new Map<string, number>();
    for (const m of miners) await share(m);
    child.kill('SIGTERM');
    for (const m of miners) await m.c.waitFor('Reconnect');
    for (const m of miners) m.c.close();
    expect(await exited).toBe(0);
    const ledger = new Ledger(join(dir, 'ledger.sqlite'), { flushIntervalMs: 0 });
    try {
      for (const m of [...miners, ...killed]) acked.set(m.worker, (acked.get(m.worker) ?? 0) + m.acked);
      for (const [worker, n] of acked) expect(ledger.worker(worker)?.acceptedShares, worker).toBe(n);
      const blocks = ledger.blocks(10, 0);
      expect(blocks.map((b) => b.status)).toEqual(['accepted', 'accepted']);
    } finally {
      ledger.close();
    }
  }, 60_000);
});
