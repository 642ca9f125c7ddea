/**
 * `restore`: onto a fresh machine or stack. First the config and the secrets folder (the same
 * authority key, so miners' pinned URLs stay valid); a file already there with other content is
 * a conflict, refused — before anything is written — unless --force. Then, when the stack is
 * deployed, the ledger (backup.ts restoreLedger); when it is not yet, it says to run `up` and
 * restore again, before miners are pointed at the new host.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { poolHostFor, restoreLedger } from './backup.js';
import { CONFIG_ENTRY, type Manifest, SECRETS_ENTRY, unpackArchive } from './backup-archive.js';
import { recordedCluster, restoreClusterLedger } from './backup-cluster.js';
import { describeSummary, LEDGER_FILE_NAME, type LedgerSummary } from './backup-ledger.js';
import { PG_DUMP_FILE } from './cluster-ledger.js';
import { type DeployDeps, StepFailure } from './context.js';
import { type Opened, openSession } from './session.js';
import { resolveTarget } from './target.js';

export interface RestoreOptions {
  configPath: string;
  /** --cloud (default: the restored config's `cloud`). */
  cloud?: string | undefined;
  hostSpec?: string | undefined;
  from: string;
  force: boolean;
  /** A cluster: stop the pool on every pool host for the restore (and start it again). */
  stopPools?: boolean;
}

interface Placement {
  path: string;
  content: Buffer;
  mode: number;
  /** Already there with the same content. */
  same: boolean;
  /** Already there with other content. */
  conflict: boolean;
}

function placement(path: string, content: Buffer, mode: number): Placement {
  const present = existsSync(path);
  const same = present && readFileSync(path).equals(content);
  return { path, content, mode, same, conflict: present && !same };
}

/** The secrets folder the restored config names (relative to the config's folder, `~` = home). */
function secretsDirOf(configText: string, configPath: string): string {
  const raw = (parseYaml(configText) as { secretsDir?: unknown } | null)?.secretsDir;
  const dir = typeof raw === 'string' && raw.length > 0 ? raw : 'secrets';
  if (dir === '~' || dir.startsWith('~/')) return join(homedir(), dir.slice(1));
  return resolve(dirname(resolve(configPath)), dir);
}

/** What restoring config and secrets would write; throws on conflicts unless `force`. */
export function planLocalFiles(
  staging: string,
  m: Manifest,
  configPath: string,
  force: boolean,
): Placement[] {
  const configText = readFileSync(join(staging, CONFIG_ENTRY));
  const secretsDir = secretsDirOf(configText.toString('utf8'), configPath);
  const plan = [
    placement(resolve(configPath), configText, 0o644),
    ...m.secrets.map((f) =>
      placement(join(secretsDir, f), readFileSync(join(staging, SECRETS_ENTRY, f)), 0o600),
    ),
  ];
  const conflicts = plan.filter((p) => p.conflict);
  if (conflicts.length > 0 && !force) {
    throw new StepFailure(
      `these files exist with other content: ${conflicts.map((p) => p.path).join(', ')}. ` +
        'Nothing was changed. Restore into another folder (--config elsewhere/ckb-pool.yaml), or re-run with --force to replace them.',
    );
  }
  return plan;
}

function writeLocalFiles(plan: Placement[]): void {
  for (const p of plan.filter((x) => !x.same)) {
    mkdirSync(dirname(p.path), { recursive: true, mode: p.mode === 0o600 ? 0o700 : 0o755 });
    writeFileSync(p.path, p.content, { mode: p.mode });
  }
}

function sameCounts(a: LedgerSummary, b: LedgerSummary): boolean {
  return a.shares === b.shares && a.workers === b.workers && a.blocks === b.blocks;
}

/** A cluster's backup onto the recorded cluster; anything else is refused before a change. */
async function restoreOntoCluster(
  opened: Opened,
  cluster: ReturnType<typeof recordedCluster>,
  manifest: Manifest,
  dumpFile: string,
  o: RestoreOptions,
): Promise<number> {
  if (!cluster) {
    throw new StepFailure(
      `this backup is of a cluster (${manifest.cluster?.poolHosts} pool hosts, PostgreSQL ledger) but '${opened.config.project}' is deployed on one host here (SQLite ledger); ` +
        'set pool.hosts in the config and run `up` first, or restore a backup of one host',
    );
  }
  if (!manifest.cluster) {
    throw new StepFailure(
      "this backup holds one host's SQLite ledger and this deployment is a cluster with a PostgreSQL ledger; restore does not convert between them",
    );
  }
  const restored = await restoreClusterLedger(opened, cluster, dumpFile, {
    force: o.force,
    stopPools: o.stopPools === true,
  });
  if (!sameCounts(restored, manifest.ledger)) {
    throw new StepFailure(
      `the restored ledger holds ${describeSummary(restored)}, the backup said ${describeSummary(manifest.ledger)}`,
    );
  }
  opened.session.deps.out.write(
    `Shared ledger restored: ${describeSummary(restored)}. The pools run on it (${cluster.pools.length} pool hosts).\n`,
  );
  return 0;
}

export async function restore(o: RestoreOptions, deps: DeployDeps): Promise<number> {
  const staging = mkdtempSync(join(tmpdir(), 'ckb-pool-restore-'));
  try {
    const manifest = await unpackArchive(deps.runner, resolve(o.from), staging);
    const plan = planLocalFiles(staging, manifest, o.configPath, o.force);
    writeLocalFiles(plan);
    const written = plan.filter((p) => !p.same).length;
    deps.out.write(
      `Backup of '${manifest.project}' from ${manifest.createdAt}: config and ${manifest.secrets.length} secret files ` +
        `${written === 0 ? 'already in place' : `restored (${written} files written)`}.\n`,
    );
    const target = resolveTarget(o.cloud, o.hostSpec, o.configPath);
    const opened = openSession('restore', o.configPath, target, deps);
    const { session } = opened;
    deps.out.write(`Log: ${session.log.path}\n`);
    const notDeployed =
      `'${opened.config.project}' is not deployed on ${target} yet. Run \`ckb-pool-deploy up\`, then ` +
      `\`ckb-pool-deploy restore --from ${o.from}\` again to put the ledger back before miners connect.\n`;
    const cluster = o.hostSpec || target === 'local' ? null : recordedCluster(opened);
    if (cluster || manifest.cluster) {
      if (!cluster && !session.state.host) {
        deps.out.write(notDeployed);
        return 0;
      }
      return await restoreOntoCluster(opened, cluster, manifest, join(staging, PG_DUMP_FILE), o);
    }
    const hasHost = target === 'local' || o.hostSpec || session.state.host || target === 'ssh';
    if (!hasHost) {
      deps.out.write(notDeployed);
      return 0;
    }
    const host = poolHostFor(opened, target, o.hostSpec);
    if (!(await session.step(`find the deployment on ${host.where}`, () => host.deployed()))) {
      deps.out.write(notDeployed);
      return 0;
    }
    const restored = await restoreLedger(opened, host, join(staging, LEDGER_FILE_NAME), o.force);
    if (!sameCounts(restored, manifest.ledger)) {
      throw new StepFailure(
        `the restored ledger holds ${describeSummary(restored)}, the backup said ${describeSummary(manifest.ledger)}`,
      );
    }
    deps.out.write(`Ledger restored on ${host.where}: ${describeSummary(restored)}. The pool runs on it.\n`);
    return 0;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
