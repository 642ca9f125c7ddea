/**
 * The backup file: a gzipped tar (readable with any `tar -tzf`) of
 *   backup.json      manifest: format, project, chain, when, what the ledger held
 *   ledger.sqlite    consistent copy of the pool's ledger (one host), or
 *   ledger.pgdump    pg_dump of the shared PostgreSQL ledger (several pool hosts)
 *   ckb-pool.yaml    the deployment config
 *   secrets/…        the secrets folder (authority key, Grafana password): the file is secret
 * written with mode 0600 from the start.
 */
import { closeSync, existsSync, openSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Chain } from '../config/types.js';
import type { Runner } from '../process/runner.js';
import { LEDGER_FILE_NAME, type LedgerSummary } from './backup-ledger.js';
import { PG_DUMP_FILE } from './cluster-ledger.js';
import { type Session, StepFailure } from './context.js';

export const MANIFEST = 'backup.json';
export const CONFIG_ENTRY = 'ckb-pool.yaml';
export const SECRETS_ENTRY = 'secrets';
export const BACKUP_FORMAT = 1;

export interface Manifest {
  format: number;
  project: string;
  chain: Chain;
  createdAt: string;
  ledger: LedgerSummary;
  secrets: string[];
  /** A cluster's backup: the ledger is `ledger.pgdump` (absent: one host, `ledger.sqlite`). */
  cluster?: { poolHosts: number };
}

/** `<project>-backup-20261206T041500Z.tar.gz` */
export function defaultArchiveName(project: string, at: Date): string {
  const stamp = at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${project}-backup-${stamp}.tar.gz`;
}

/** Regular files directly in the secrets folder (names only). */
export function secretFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => statSync(join(dir, n)).isFile())
    .sort();
}

/** tar of the staging folder into a new 0600 file; refuses to overwrite an existing one. */
export async function packArchive(session: Session, staging: string, out: string): Promise<void> {
  if (existsSync(out))
    throw new StepFailure(`${out} exists; choose another --out (a backup is never overwritten)`);
  // Created 0600 before tar writes into it: the secrets are never readable by others, not even briefly.
  closeSync(openSync(out, 'wx', 0o600));
  const entries = readdirSync(staging).sort();
  await session.tool(
    { cmd: 'tar', args: ['-czf', out, '-C', staging, ...entries] },
    'tar (write the archive)',
  );
}

/**
 * Extracts the known entries only (nothing else in a crafted archive lands anywhere). Runs
 * before any session exists: restore may be what brings the config back.
 */
export async function unpackArchive(runner: Runner, archive: string, staging: string): Promise<Manifest> {
  if (!existsSync(archive)) throw new StepFailure(`no backup at ${archive}`);
  // One host's archive holds ledger.sqlite, a cluster's ledger.pgdump: extract what is there.
  const listed = await runner.run({ cmd: 'tar', args: ['-tzf', archive], timeoutMs: 30 * 60_000 });
  if (listed.notFound) throw new StepFailure('tar is not installed or not on PATH');
  const ledgerEntry = listed.stdout.split('\n').includes(PG_DUMP_FILE) ? PG_DUMP_FILE : LEDGER_FILE_NAME;
  const r = await runner.run({
    cmd: 'tar',
    args: [
      '-xzf',
      archive,
      '-C',
      staging,
      '--no-same-owner',
      MANIFEST,
      ledgerEntry,
      CONFIG_ENTRY,
      SECRETS_ENTRY,
    ],
    timeoutMs: 30 * 60_000,
  });
  if (r.notFound) throw new StepFailure('tar is not installed or not on PATH');
  if (r.exitCode !== 0) {
    throw new StepFailure(
      `${archive} cannot be read as a backup: ${r.stderr.trim().split('\n').pop() ?? ''}`,
    );
  }
  return readManifest(staging, archive);
}

export function readManifest(staging: string, archive: string): Manifest {
  let m: Manifest;
  try {
    m = JSON.parse(readFileSync(join(staging, MANIFEST), 'utf8')) as Manifest;
  } catch (e) {
    throw new StepFailure(
      `${archive} is not a ckb-pool-deploy backup (${MANIFEST}: ${(e as Error).message})`,
    );
  }
  if (m.format !== BACKUP_FORMAT) {
    throw new StepFailure(
      `${archive} has backup format ${m.format}; this ckb-pool-deploy reads format ${BACKUP_FORMAT} (use the version that wrote it)`,
    );
  }
  return m;
}
