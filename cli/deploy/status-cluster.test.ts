import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type Deployment,
  type Listener,
  makeDeployment,
  startSv2Responder,
  testDeps,
} from '../../test/support/deploy-fixture.js';
import { FakeBin, type FakeRule } from '../../test/support/fake-bin.js';
import { runStatus } from '../commands/status.js';
import type { ClusterStatus } from './status-cluster.js';
import { type DeployState, workDir, writeState } from './workdir.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const NODE = '198.51.100.10';
const POOLS = ['198.51.100.20', '198.51.100.21'];
const RDS = 'ckb-pool-ledger.abc.us-east-1.rds.amazonaws.com';
const LEDGER_JSON =
  '{"exists":true,"shares":250,"workers":3,"blocks":1,"acceptedShares":250,"schemaVersion":"3","bytes":8192}';

/** A pool API that is ready at height 101 with 4 workers on 9 connections. */
async function fakePoolApi(): Promise<number> {
  const server: Server = createServer((req, res) => {
    const body: Record<string, unknown> = {
      '/health': { ready: true, reasons: [] },
      '/api/v1/pool': {
        chain: 'testnet',
        height: '101',
        nodeTip: '100',
        workersOnline: 4,
        connections: 9,
        channels: 9,
        hashrate: { '10m': 2.5e9, '1h': 2e9 },
      },
      '/api/v1/blocks?limit=1': { blocks: [], counts: {} },
    };
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(body[req.url ?? ''] ?? {}));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  return (server.address() as { port: number }).port;
}

interface Setup {
  d: Deployment;
  fake: FakeBin;
  sv2: Listener;
}

/** A recorded two-pool-host cluster whose hosts answer through the fake ssh. */
async function setup(cloud: 'aws' | 'alicloud', rules: FakeRule[]): Promise<Setup> {
  const apiPort = await fakePoolApi();
  const d = makeDeployment({ cloud, region: 'us-east-1', apiPort, extra: 'pool:\n  hosts: 2' });
  const sv2 = await startSv2Responder(d.authoritySecret);
  cleanups.push(() => sv2.close());
  writeFileSync(
    d.configPath,
    readFileSync(d.configPath, 'utf8').replace(/ {2}sv2: \d+/, `  sv2: ${sv2.port}`),
  );
  const host = (address: string) => ({ address, user: 'ubuntu', port: 22 });
  const state: DeployState = {
    target: cloud,
    host: host(NODE),
    cluster: {
      lbAddress: '127.0.0.1',
      pools: POOLS.map(host),
      database:
        cloud === 'aws'
          ? { host: RDS, port: 5432, tls: true }
          : { host: '10.42.1.10', port: 5432, tls: false },
    },
    completed: {},
  };
  writeState(workDir(d.configPath, 'ckb-pool', cloud), state);
  const fake = FakeBin.create(['ssh']).rules([
    ...rules,
    { match: 'ssh -N', forward: true },
    {
      match: 'ssh',
      contains: `ubuntu@${NODE} `,
      stdout: 'ckb|running|Up 3 hours\npostgres|running|Up 3 hours (healthy)\n',
    },
    // A pool host answers `docker ps` first; the ledger is read after every host answered.
    {
      match: 'ssh',
      contains: `ubuntu@${POOLS[0]} `,
      times: 1,
      stdout: 'pool|running|Up 2 hours\ntranslator|running|Up 2 hours\n',
    },
    { match: 'ssh', contains: `ubuntu@${POOLS[0]} `, stdout: `${LEDGER_JSON}\n` },
    {
      match: 'ssh',
      contains: `ubuntu@${POOLS[1]} `,
      stdout: 'pool|running|Up 2 hours\ntranslator|running|Up 2 hours\n',
    },
  ]);
  return { d, fake, sv2 };
}

/** The root scripts sent to `address`, decoded. */
function scriptsSentTo(fake: FakeBin, address: string): string[] {
  return fake
    .calls()
    .filter((c) => c.args.includes(`ubuntu@${address}`) && c.args[0] !== '-N')
    .map((c) => /^echo (\S+) \|/.exec(c.args[c.args.length - 1] as string)?.[1] ?? '')
    .map((b64) => Buffer.from(b64, 'base64').toString('utf8'));
}

describe('status of a cluster (pool.hosts: 2)', () => {
  it('shows every host, the pools figures, the LB and the ledger, and exits 0 when all is well', async () => {
    const { d, fake } = await setup('aws', []);
    const deps = testDeps(fake.dir);
    expect(await runStatus(['--config', d.configPath, '--cloud', 'aws'], deps)).toBe(0);
    const out = deps.out.text;
    expect(deps.err.text).toBe('');
    expect(out).toContain('answers SV2 with the authority key');
    expect(out).toContain(
      `ledger      PostgreSQL (RDS) at ${RDS}:5432 via pool-0: 250 shares, 3 workers, 1 blocks (schema 3`,
    );
    const row = (name: string) => out.split('\n').find((l) => l.startsWith(`${name} `)) ?? '';
    expect(row('node')).toMatch(/^node +ubuntu@198\.51\.100\.10 +ckb up, postgres up$/);
    for (const n of ['pool-0', 'pool-1'])
      expect(row(n)).toMatch(
        new RegExp(`^${n} +ubuntu@\\S+ +pool up, translator up +yes +101 +4 +9 +2\\.50 GH/s$`),
      );
    expect(out).toContain('healthy     yes');
    // RDS admits the pool hosts only: the ledger is read from one, with the postgres image's psql.
    const ledgerScript = scriptsSentTo(fake, POOLS[0] as string)[1] as string;
    expect(ledgerScript).toContain('PGPASSWORD=$(cat /opt/ckb-pool/secrets/ledger-password)');
    expect(ledgerScript).toContain(`host=${RDS} port=5432 dbname=ckbpool user=ckbpool sslmode=require`);
    expect(ledgerScript).toContain('docker run --rm --network host -e PGPASSWORD postgres:16-bookworm');
  }, 30_000);

  it('prints one JSON document with --json', async () => {
    const { d, fake } = await setup('aws', []);
    const deps = testDeps(fake.dir);
    expect(await runStatus(['--config', d.configPath, '--cloud', 'aws', '--json'], deps)).toBe(0);
    const s = JSON.parse(deps.out.text) as ClusterStatus;
    expect(s.healthy).toBe(true);
    expect(s.hosts.map((h) => [h.name, h.answered, h.pool?.pool.height ?? null])).toEqual([
      ['node', true, null],
      ['pool-0', true, '101'],
      ['pool-1', true, '101'],
    ]);
    expect(s.ledger).toMatchObject({ reachable: true, via: 'pool-0', summary: { schemaVersion: '3' } });
    expect(s.lb.answering).toBe(true);
  }, 30_000);

  it('shows a pool host that does not answer as such and exits 1, the others still reported', async () => {
    const { d, fake } = await setup('aws', [
      {
        match: 'ssh',
        contains: `ubuntu@${POOLS[1]}`,
        exit: 255,
        stderr: `ssh: connect to host ${POOLS[1]} port 22: Connection timed out\n`,
      },
    ]);
    const deps = testDeps(fake.dir);
    expect(await runStatus(['--config', d.configPath, '--cloud', 'aws'], deps)).toBe(1);
    const out = deps.out.text;
    expect(deps.err.text).toBe('');
    expect(out).toMatch(/^pool-1 +ubuntu@198\.51\.100\.21 +no answer +no answer/m);
    expect(out).toMatch(/^pool-0 +\S+ +pool up, translator up +yes/m);
    expect(out).toContain('healthy     NO');
    expect(out).toContain(
      `  - pool-1: does not answer over SSH: ssh: connect to host ${POOLS[1]} port 22: Connection timed out`,
    );
  }, 30_000);

  it('reads PostgreSQL on the node host (Alibaba Cloud) and names a stopped service and a silent LB', async () => {
    const { d, fake, sv2 } = await setup('alicloud', [
      {
        match: 'ssh',
        contains: `ubuntu@${NODE} `,
        times: 1,
        stdout: 'ckb|running|Up 3 hours\npostgres|exited|Exited (1) 2 minutes ago\n',
      },
      {
        match: 'ssh',
        contains: `ubuntu@${NODE} `,
        exit: 2,
        stderr: 'psql: error: connection to server at "10.42.1.10", port 5432 failed: Connection refused\n',
      },
    ]);
    await sv2.close();
    const deps = testDeps(fake.dir);
    expect(await runStatus(['--config', d.configPath, '--cloud', 'alicloud'], deps)).toBe(1);
    const out = deps.out.text;
    expect(out).toMatch(/^node +\S+ +ckb up, postgres exited/m);
    expect(out).toContain('  - node: not running: postgres');
    expect(out).toContain('ledger      PostgreSQL at 10.42.1.10:5432: NOT reachable from node (psql: error:');
    expect(out).toMatch(/ {2}- load balancer 127\.0\.0\.1:\d+: /);
    expect(scriptsSentTo(fake, POOLS[0] as string)).toHaveLength(1);
  }, 30_000);
});
