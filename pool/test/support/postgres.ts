import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * A PostgreSQL server for tests: the one at CKB_POOL_TEST_PG_URL if set, else a throwaway
 * cluster started from the Debian packages (`apt-get install postgresql`) in a temporary
 * directory, as user `postgres` when running as root. Each test gets its own database.
 * Without either, `skip` says why; under CI=true that is an error instead, so CI never
 * passes by skipping the PostgreSQL half of the suite.
 */

export interface TestPostgres {
  /** A new empty database's URL. */
  newDatabase(): Promise<string>;
  stop(): Promise<void>;
}

export type TestPostgresOrSkip = { server: TestPostgres; skip: null } | { server: null; skip: string };

function binDir(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function serverOn(adminUrl: string, stopServer: () => void): TestPostgres {
  let n = 0;
  const tag = `${process.pid}_${Date.now().toString(36)}`;
  return {
    async newDatabase() {
      const name = `ledger_test_${tag}_${++n}`;
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE ${name}`);
      } finally {
        await admin.end();
      }
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return url.toString();
    },
    async stop() {
      stopServer();
    },
  };
}

function startCluster(bin: string, port: number): TestPostgres {
  const dir = mkdtempSync(join(tmpdir(), 'ckb-pool-pg-'));
  const asRoot = process.getuid?.() === 0;
  // initdb refuses to run as root: the cluster belongs to the `postgres` user.
  const run = (cmd: string, args: string[]) =>
    execFileSync(asRoot ? 'runuser' : cmd, asRoot ? ['-u', 'postgres', '--', cmd, ...args] : args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60_000,
    });
  if (asRoot) {
    const { uid, gid } = userIds('postgres');
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  run(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']);
  run(join(bin, 'pg_ctl'), [
    '-D',
    data,
    '-l',
    join(dir, 'server.log'),
    '-w',
    '-o',
    `-p ${port} -k ${dir} -h 127.0.0.1 -F -c max_connections=100`,
    'start',
  ]);
  return serverOn(`postgres://postgres@127.0.0.1:${port}/postgres`, () => {
    try {
      run(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

function userIds(name: string): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', name]).toString().trim());
  const gid = Number(execFileSync('id', ['-g', name]).toString().trim());
  return { uid, gid };
}

/** The server for this test file, or why there is none (an error under CI=true). */
export async function startTestPostgres(): Promise<TestPostgresOrSkip> {
  const url = process.env.CKB_POOL_TEST_PG_URL;
  if (url) return { server: serverOn(url, () => {}), skip: null };
  const bin = binDir();
  let reason: string;
  if (!bin) {
    reason = 'no PostgreSQL: install it (apt-get install postgresql) or set CKB_POOL_TEST_PG_URL';
  } else {
    try {
      return { server: startCluster(bin, await freePort()), skip: null };
    } catch (err) {
      const e = err as Error & { stderr?: Buffer };
      reason = `PostgreSQL in ${bin} did not start: ${e.stderr?.toString().trim() || e.message}`;
    }
  }
  if (process.env.CI === 'true') throw new Error(`CI=true and ${reason}`);
  console.warn(`SKIP PostgreSQL ledger tests: ${reason}`);
  return { server: null, skip: reason };
}
