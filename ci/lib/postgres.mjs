// A throwaway PostgreSQL server for ci/cluster-e2e.mjs, from the distribution's postgresql
// package (no image registry is reachable in CI), run as `postgres` on the Docker host.
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The ledger's database and role, as the deployer names them (cli/bundle/hosts.ts). */
export const LEDGER = { database: 'ckbpool', user: 'ckbpool' };

/** The newest installed PostgreSQL's bin folder, or null. */
export function postgresBin() {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const v = readdirSync(root)
    .filter((d) => existsSync(join(root, d, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a))[0];
  return v ? join(root, v, 'bin') : null;
}

/** Runs a PostgreSQL tool as `postgres` (initdb and the server refuse root). */
const asPostgres = (cmd, args, input) =>
  execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], {
    input,
    stdio: ['pipe', 'pipe', 'pipe'],
    timeout: 60_000,
  }).toString();

/**
 * A throwaway PostgreSQL cluster listening on every address (the pool containers reach it as
 * `ledger` through the Docker host gateway), with the ledger's role and database. The password
 * goes in through psql's stdin, never a command line.
 */
export function startLedger(bin, port, password) {
  // Its own folder: a root-owned 0700 work folder is closed to `postgres`.
  const dir = mkdtempSync(join(tmpdir(), 'ckb-pool-cluster-pg-'));
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
  chownSync(dir, uid, gid);
  const data = join(dir, 'data');
  asPostgres(join(bin, 'initdb'), [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth-local=trust',
    '--auth-host=scram-sha-256',
  ]);
  writeFileSync(join(data, 'pg_hba.conf'), 'local all all trust\nhost all all 0.0.0.0/0 scram-sha-256\n');
  asPostgres(join(bin, 'pg_ctl'), [
    '-D',
    data,
    '-l',
    join(dir, 'server.log'),
    '-w',
    '-o',
    `-p ${port} -c listen_addresses=* -k ${dir}`,
    'start',
  ]);
  const psql = (sql, db = 'postgres') =>
    asPostgres(
      'psql',
      ['-h', dir, '-p', String(port), '-d', db, '-v', 'ON_ERROR_STOP=1', '-At', '-f', '-'],
      sql,
    );
  psql(
    `CREATE ROLE ${LEDGER.user} LOGIN PASSWORD '${password}';\nCREATE DATABASE ${LEDGER.database} OWNER ${LEDGER.user};\n`,
  );
  return {
    query: (sql) => psql(sql, LEDGER.database),
    stop: () => {
      asPostgres(join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', 'stop']);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
