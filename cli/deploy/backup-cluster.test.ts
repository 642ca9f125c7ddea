import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { PgLedger } from '../../pool/src/ledger/pg-ledger.js';
import { startTestPostgres } from '../../pool/test/support/postgres.js';
import { makeDeployment, testDeps } from '../../test/support/deploy-fixture.js';
import { FakeBin } from '../../test/support/fake-bin.js';
import { runBackup } from '../commands/backup.js';
import { runRestore } from '../commands/restore.js';
import type { Runner, RunRequest, RunResult } from '../process/runner.js';
import { whichOnPath } from '../process/runner.js';
import { conninfo } from './cluster-ledger.js';
import { type DeployState, workDir, writeState } from './workdir.js';

/**
 * A cluster emulated at the process boundary: `ssh … | sudo -n sh -e` scripts are decoded; the
 * ledger scripts run here against a real PostgreSQL (the postgres image's tools replaced by the
 * ones on PATH, the connection pointed at the test database), `docker ps` and `compose stop/start
 * pool` change and report which pools run, `scp` copies files. tar is the real tool.
 */
const pgServer = await startTestPostgres();
afterAll(() => pgServer.server?.stop());
const skip = pgServer.skip;
if (skip) console.warn(`SKIP cluster backup/restore tests: ${skip}`);
const newDatabase = () => (pgServer.server as NonNullable<typeof pgServer.server>).newDatabase();

const NODE = '198.51.100.10';
const POOLS = ['198.51.100.20', '198.51.100.21'];
const RDS = 'ckb-pool-ledger.abc.us-east-1.rds.amazonaws.com';

const ok = (stdout = ''): RunResult => ({
  exitCode: 0,
  stdout,
  stderr: '',
  notFound: false,
  timedOut: false,
});

interface Cluster extends Runner {
  /** What happened, in order: `<host> <action>`. */
  events: string[];
  scripts: string[];
  running: Map<string, boolean>;
  /** Hosts whose ssh fails as an unreachable host's does. */
  down: Set<string>;
  /** The database the ledger scripts reach. */
  db: string;
}

function emulateCluster(base: Runner): Cluster {
  const c: Cluster = {
    env: base.env,
    which: base.which,
    start: base.start,
    events: [],
    scripts: [],
    running: new Map(POOLS.map((p) => [p, true])),
    down: new Set(),
    db: '',
    async run(req: RunRequest): Promise<RunResult> {
      const a = req.args;
      if (req.cmd === 'scp') {
        const [from, to] = a.slice(-2).map((p) => p.replace(/^[^/]*:/, '')) as [string, string];
        copyFileSync(from, to);
        return ok();
      }
      if (req.cmd !== 'ssh') return base.run(req);
      const host = (a.find((x) => x.startsWith('ubuntu@')) as string).slice('ubuntu@'.length);
      if (c.down.has(host))
        return {
          ...ok(),
          exitCode: 255,
          stderr: `ssh: connect to host ${host} port 22: Connection timed out\n`,
        };
      const m = /^echo ([A-Za-z0-9+/=]+) \| base64 -d \| sudo -n sh -e$/.exec(a.at(-1) as string);
      if (!m) throw new Error(`unexpected remote command ${a.at(-1)}`);
      const script = Buffer.from(m[1] as string, 'base64').toString();
      c.scripts.push(script);
      if (script.includes('mktemp')) return ok(`${mkdtempSync('/tmp/ckb-pool-backup.')}\n`);
      if (script.startsWith('rm -rf')) {
        rmSync(script.slice(7).trim().replace(/^'|'$/g, ''), { recursive: true, force: true });
        return ok();
      }
      if (script.startsWith('docker ps -q')) return ok(c.running.get(host) ? 'f00dcafe\n' : '');
      const compose = /"\$@" -p '[^']+' '(stop|start)' 'pool'/.exec(script);
      if (compose) {
        c.running.set(host, compose[1] === 'start');
        c.events.push(`${host} ${compose[1]} pool`);
        return ok();
      }
      if (script.includes('\nCONN=')) {
        const op = script.includes('pg_dump --format')
          ? 'dump'
          : script.includes('--clean')
            ? 'restore'
            : 'inspect';
        c.events.push(`${host} ${op} ledger`);
        const u = new URL(c.db);
        const local = script
          .replace(/^PGPASSWORD=.*$/m, 'PGPASSWORD=unused')
          .replace(/^TOOL=.*$/m, "TOOL=''")
          .replace(
            /^CONN=.*$/m,
            `CONN='${conninfo({ host: u.hostname, port: Number(u.port), tls: false }, u.username, u.pathname.slice(1))}'`,
          )
          .replace(/^chown .*$/m, '');
        const r = await execa('sh', ['-e', '-c', local], { reject: false });
        return {
          exitCode: r.exitCode ?? 1,
          stdout: r.stdout,
          stderr: r.stderr,
          notFound: false,
          timedOut: false,
        };
      }
      throw new Error(`unexpected script ${script}`);
    },
  };
  return c;
}

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const f of cleanups.splice(0)) f();
});

async function ledgerWith(shares: number, worker = 'alice'): Promise<string> {
  const url = await newDatabase();
  const l = await PgLedger.open(url, { flushIntervalMs: 0 });
  for (let i = 0; i < shares; i++)
    l.recordShare({ worker: `${worker}${i % 3}`, difficulty: 2, timeMs: i, height: 7 });
  await l.flush();
  await l.close();
  return url;
}

async function shareCount(url: string): Promise<number> {
  const l = await PgLedger.open(url, { flushIntervalMs: 0 });
  try {
    return await l.shareCount();
  } finally {
    await l.close();
  }
}

function setup(cloud: 'aws' | 'alicloud') {
  const d = makeDeployment({ cloud, region: 'us-east-1', extra: 'pool:\n  hosts: 2' });
  const host = (address: string) => ({ address, user: 'ubuntu', port: 22 });
  const state: DeployState = {
    target: cloud,
    host: host(NODE),
    cluster: {
      lbAddress: '203.0.113.50',
      pools: POOLS.map(host),
      database:
        cloud === 'aws'
          ? { host: RDS, port: 5432, tls: true }
          : { host: '10.42.1.10', port: 5432, tls: false },
    },
    completed: {},
  };
  writeState(workDir(d.configPath, 'ckb-pool', cloud), state);
  const fake = FakeBin.create([]);
  for (const tool of ['tar', 'gzip'])
    symlinkSync(whichOnPath(tool, process.env) as string, join(fake.dir, tool));
  const deps = testDeps(fake.dir);
  const cluster = emulateCluster(deps.runner);
  deps.runner = cluster;
  return { d, deps, cluster, cloud };
}

async function backupOf(s: ReturnType<typeof setup>): Promise<string> {
  const out = join(s.d.dir, 'cluster.backup.tar.gz');
  const code = await runBackup(['--config', s.d.configPath, '--cloud', s.cloud, '--out', out], s.deps);
  expect(code, s.deps.err.text).toBe(0);
  return out;
}

const restoreArgs = (s: ReturnType<typeof setup>, from: string, ...extra: string[]) => [
  '--config',
  s.d.configPath,
  '--cloud',
  s.cloud,
  '--from',
  from,
  ...extra,
];

describe('backup and restore of a cluster (pool.hosts: 2)', () => {
  it.skipIf(skip)(
    'backs up the shared ledger with pg_dump on a pool host (RDS), while the pools keep running',
    async () => {
      const s = setup('aws');
      s.cluster.db = await ledgerWith(250);
      const out = await backupOf(s);
      const entries = execFileSync('tar', ['-tzf', out], { encoding: 'utf8' }).split('\n');
      expect(entries).toEqual(expect.arrayContaining(['backup.json', 'ledger.pgdump', 'ckb-pool.yaml']));
      expect(entries).not.toContain('ledger.sqlite');
      const x = mkdtempSync(join(tmpdir(), 'unpacked-'));
      cleanups.push(() => rmSync(x, { recursive: true, force: true }));
      execFileSync('tar', ['-xzf', out, '-C', x]);
      expect(JSON.parse(readFileSync(join(x, 'backup.json'), 'utf8'))).toMatchObject({
        cluster: { poolHosts: 2 },
        ledger: { exists: true, shares: 250, workers: 3, blocks: 0 },
      });
      expect(s.cluster.events).toEqual([`${POOLS[0]} dump ledger`]);
      const dump = s.cluster.scripts.find((t) => t.includes('pg_dump')) as string;
      expect(dump).toContain(`CONN='host=${RDS} port=5432 dbname=ckbpool user=ckbpool sslmode=require'`);
      expect(dump).toMatch(
        /TOOL='docker run --rm --network host -e PGPASSWORD -v (\S+):\1 postgres:16-bookworm'/,
      );
      expect(dump).toContain('chown \'ubuntu\' "$DUMP"');
      expect([...s.cluster.running.values()]).toEqual([true, true]);
    },
    60_000,
  );

  it.skipIf(skip)(
    'dumps through the next pool host when the first does not answer (RDS)',
    async () => {
      const s = setup('aws');
      s.cluster.db = await ledgerWith(9);
      s.cluster.down.add(POOLS[0] as string);
      await backupOf(s);
      expect(s.cluster.events).toEqual([`${POOLS[1]} dump ledger`]);
    },
    60_000,
  );

  it.skipIf(skip)(
    'refuses to restore when a pool host does not answer: nothing tells whether it writes',
    async () => {
      const s = setup('aws');
      s.cluster.db = await ledgerWith(9);
      const archive = await backupOf(s);
      s.cluster.events.length = 0;
      s.cluster.down.add(POOLS[1] as string);
      expect(await runRestore(restoreArgs(s, archive, '--stop-pools', '--force'), s.deps)).toBe(1);
      expect(s.deps.err.text).toContain('pool-1 (ubuntu@198.51.100.21:22) does not answer');
      expect(s.cluster.events).toEqual([]);
    },
    60_000,
  );

  it.skipIf(skip)(
    'runs pg_dump on the node host when PostgreSQL runs there (Alibaba Cloud)',
    async () => {
      const s = setup('alicloud');
      s.cluster.db = await ledgerWith(5);
      await backupOf(s);
      expect(s.cluster.events).toEqual([`${NODE} dump ledger`]);
      expect(s.cluster.scripts.find((t) => t.includes('pg_dump'))).toContain(
        "CONN='host=10.42.1.10 port=5432 dbname=ckbpool user=ckbpool sslmode=disable'",
      );
    },
    60_000,
  );

  it.skipIf(skip)(
    'refuses to restore while pools write into the ledger, changing nothing',
    async () => {
      const s = setup('aws');
      s.cluster.db = await ledgerWith(250);
      const archive = await backupOf(s);
      s.cluster.events.length = 0;
      s.cluster.db = await ledgerWith(0);
      expect(await runRestore(restoreArgs(s, archive), s.deps)).toBe(1);
      expect(s.deps.err.text).toContain('the pool runs on pool-0, pool-1 and writes into the shared ledger');
      expect(s.deps.err.text).toContain('--stop-pools');
      expect(s.cluster.events).toEqual([]);
      expect(await shareCount(s.cluster.db)).toBe(0);
    },
    60_000,
  );

  it.skipIf(skip)(
    'with --stop-pools stops every pool, restores in one go, and starts them again',
    async () => {
      const s = setup('aws');
      s.cluster.db = await ledgerWith(250);
      const archive = await backupOf(s);
      s.cluster.events.length = 0;
      // A ledger with other shares: replaced only with --force.
      s.cluster.db = await ledgerWith(7, 'mallory');
      expect(await runRestore(restoreArgs(s, archive, '--stop-pools'), s.deps)).toBe(1);
      expect(s.deps.err.text).toContain('the shared ledger is not empty (7 shares, 3 workers, 0 blocks');
      expect(s.cluster.events).toEqual([`${POOLS[0]} inspect ledger`]);
      expect([...s.cluster.running.values()]).toEqual([true, true]);
      expect(await shareCount(s.cluster.db)).toBe(7);

      s.cluster.events.length = 0;
      const again = {
        ...s,
        deps: { ...s.deps, out: { ...s.deps.out, text: '' }, err: { ...s.deps.err, text: '' } },
      };
      const code = await runRestore(restoreArgs(s, archive, '--stop-pools', '--force'), again.deps);
      expect(code, again.deps.err.text).toBe(0);
      expect(s.cluster.events).toEqual([
        `${POOLS[0]} stop pool`,
        `${POOLS[1]} stop pool`,
        `${POOLS[0]} restore ledger`,
        `${POOLS[0]} start pool`,
        `${POOLS[1]} start pool`,
      ]);
      expect(await shareCount(s.cluster.db)).toBe(250);
      expect(again.deps.out.text).toContain('Shared ledger restored: 250 shares, 3 workers, 0 blocks');
    },
    60_000,
  );

  it.skipIf(skip)(
    "refuses a single host's backup on a cluster",
    async () => {
      const s = setup('aws');
      s.cluster.db = await ledgerWith(3);
      const archive = await backupOf(s);
      // The same archive with its cluster mark and dump swapped for a single host's ledger file.
      const x = mkdtempSync(join(tmpdir(), 'single-'));
      cleanups.push(() => rmSync(x, { recursive: true, force: true }));
      execFileSync('tar', ['-xzf', archive, '-C', x]);
      const m = JSON.parse(readFileSync(join(x, 'backup.json'), 'utf8'));
      delete m.cluster;
      const { writeFileSync, renameSync } = await import('node:fs');
      writeFileSync(join(x, 'backup.json'), JSON.stringify(m));
      renameSync(join(x, 'ledger.pgdump'), join(x, 'ledger.sqlite'));
      const single = join(s.d.dir, 'single.tar.gz');
      execFileSync('tar', [
        '-czf',
        single,
        '-C',
        x,
        'backup.json',
        'ledger.sqlite',
        'ckb-pool.yaml',
        'secrets',
      ]);
      s.cluster.events.length = 0;
      expect(await runRestore(restoreArgs(s, single, '--stop-pools'), s.deps)).toBe(1);
      expect(s.deps.err.text).toContain("this backup holds one host's SQLite ledger");
      expect(s.cluster.events).toEqual([]);
    },
    60_000,
  );
});
