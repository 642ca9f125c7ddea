/**
 * `backup`: a consistent copy of the pool's ledger, taken while the pool runs (a cluster's
 * PostgreSQL ledger: backup-cluster.ts), plus the config
 * and the secrets folder, in one local archive (mode 0600: it holds the authority key).
 * `restore`: the config and secrets back beside the config path, then — on a deployed stack —
 * the ledger back into the pool's data volume with the pool stopped, then the pool started.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import {
  BACKUP_FORMAT,
  CONFIG_ENTRY,
  defaultArchiveName,
  MANIFEST,
  type Manifest,
  packArchive,
  SECRETS_ENTRY,
  secretFiles,
} from './backup-archive.js';
import { dumpClusterLedger, recordedCluster } from './backup-cluster.js';
import { ledgerRunArgs, localHost, type PoolHost, remoteHost } from './backup-host.js';
import {
  describeSummary,
  isEmptyLedger,
  LEDGER_FILE_NAME,
  type LedgerSummary,
  parseSummary,
} from './backup-ledger.js';
import { type DeployDeps, StepFailure } from './context.js';
import { type Opened, openSession } from './session.js';
import { parseHostSpec } from './ssh.js';
import type { HostRecord, Target } from './workdir.js';

export interface BackupOptions {
  configPath: string;
  target: Target;
  hostSpec?: string | undefined;
  /** Archive path (default: <project>-backup-<time>.tar.gz beside the config). */
  out?: string | undefined;
}

/** The host of a remote deployment: --host, else the one `up` recorded, else ssh.user@ssh.host. */
export function recordedHost(opened: Opened, target: Target, hostSpec?: string): HostRecord {
  if (hostSpec) return parseHostSpec(hostSpec);
  if (opened.session.state.host) return opened.session.state.host;
  const { user, host } = opened.config.ssh;
  if (target === 'ssh' && user && host) return parseHostSpec(`${user}@${host}`);
  throw new StepFailure(
    `no ${target} host of '${opened.config.project}' is recorded beside the config; run \`ckb-pool-deploy up\` first or pass --host user@ip`,
  );
}

export function poolHostFor(opened: Opened, target: Target, hostSpec?: string): PoolHost {
  const { session, config, work } = opened;
  if (target === 'local') return localHost(session, work.bundle, config.project);
  const host = recordedHost(opened, target, hostSpec);
  return remoteHost(
    session,
    { host, privateKeyPath: config.ssh.privateKeyPath, knownHostsPath: work.knownHosts },
    config.project,
  );
}

/** Runs the ledger program's snapshot on the host and brings the copy to `local`. */
async function snapshotLedger(host: PoolHost, local: string): Promise<LedgerSummary> {
  const scratch = await host.makeScratch();
  try {
    const r = await host.compose(
      ledgerRunArgs('snapshot', scratch),
      'compose run (VACUUM INTO a copy of the ledger)',
    );
    const summary = parseSummary(r.stdout);
    await host.fetchLedger(scratch, local);
    return summary;
  } finally {
    await host.removeScratch(scratch);
  }
}

/** One host: the SQLite ledger's consistent copy into `<staging>/ledger.sqlite`. */
async function singleHostLedger(opened: Opened, o: BackupOptions, staging: string): Promise<LedgerSummary> {
  const { session, config } = opened;
  const host = poolHostFor(opened, o.target, o.hostSpec);
  const deployed = await session.step(`find the deployment on ${host.where}`, () => host.deployed());
  if (!deployed) {
    throw new StepFailure(`'${config.project}' is not deployed on ${host.where}: nothing to back up`);
  }
  return session.step(
    'copy the ledger (consistent, while the pool runs)',
    () => snapshotLedger(host, join(staging, LEDGER_FILE_NAME)),
    describeSummary,
  );
}

export async function backup(o: BackupOptions, deps: DeployDeps): Promise<number> {
  const opened = openSession('backup', o.configPath, o.target, deps);
  const { session, config, work } = opened;
  const out = resolve(
    o.out ?? join(dirname(resolve(o.configPath)), defaultArchiveName(config.project, deps.now())),
  );
  deps.out.write(`Log: ${session.log.path}\n`);
  const staging = mkdtempSync(join(work.root, 'backup-'));
  try {
    const cluster = o.hostSpec || o.target === 'local' ? null : recordedCluster(opened);
    const ledger = cluster
      ? await dumpClusterLedger(opened, cluster, staging)
      : await singleHostLedger(opened, o, staging);
    copyFileSync(resolve(o.configPath), join(staging, CONFIG_ENTRY));
    mkdirSync(join(staging, SECRETS_ENTRY), { mode: 0o700 });
    const secrets = secretFiles(config.secretsDir);
    for (const f of secrets) copyFileSync(join(config.secretsDir, f), join(staging, SECRETS_ENTRY, f));
    const manifest: Manifest = {
      format: BACKUP_FORMAT,
      project: config.project,
      chain: config.chain,
      createdAt: deps.now().toISOString(),
      ledger,
      secrets,
      ...(cluster ? { cluster: { poolHosts: cluster.pools.length } } : {}),
    };
    writeFileSync(join(staging, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
    await session.step(
      'write the archive',
      () => packArchive(session, staging, out),
      () => out,
    );
    deps.out.write(
      `Backup of '${config.project}' written to ${out} (${describeSummary(ledger)}).\n` +
        'It holds the pool authority secret key and the Grafana password: keep it private (mode 0600) and off shared storage.\n',
    );
    return 0;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Puts `ledgerFile` into the deployed stack's pool volume with the pool stopped. */
export async function restoreLedger(
  opened: Opened,
  host: PoolHost,
  ledgerFile: string,
  force: boolean,
): Promise<LedgerSummary> {
  const { session } = opened;
  const scratch = await host.makeScratch();
  try {
    const current = await session.step(
      'look at the ledger on the host',
      async () =>
        parseSummary((await host.compose(ledgerRunArgs('inspect', scratch), 'compose run (inspect)')).stdout),
      describeSummary,
    );
    if (!isEmptyLedger(current) && !force) {
      throw new StepFailure(
        `the ledger on ${host.where} is not empty (${describeSummary(current)}); restoring would replace it. ` +
          'Take a backup of it first if it matters, then re-run with --force.',
      );
    }
    await session.step('send the ledger to the host', () => host.sendLedger(ledgerFile, scratch));
    await session.step('stop the pool', () => host.compose(['stop', 'pool'], 'compose stop pool'));
    try {
      return await session.step(
        'put the ledger in place',
        async () => {
          const r = await host.compose(ledgerRunArgs('replace', scratch, force), 'compose run (replace)');
          return parseSummary(r.stdout);
        },
        describeSummary,
      );
    } finally {
      // Whatever happened, the pool runs again (on the restored ledger, or on the old one).
      await session.step('start the pool', () => host.compose(['start', 'pool'], 'compose start pool'));
    }
  } finally {
    await host.removeScratch(scratch);
  }
}
