/**
 * `backup` and `restore` of a cluster (`pool.hosts` ≥ 2). The ledger is the shared PostgreSQL:
 * pg_dump runs where the database is reachable (the node host when PostgreSQL runs there, else
 * the first pool host that answers: RDS admits the pool hosts only) and the dump comes back over scp. The
 * config and secrets are packed as for one host. The chain is not copied (a node resyncs it) and
 * a pool host keeps nothing else that a new one would need.
 *
 * A restore replaces what every pool host writes into, so it refuses while any pool runs unless
 * told `--stop-pools`: then it stops the pool service on each host, restores in one
 * transaction, and starts the pools it stopped again, whatever happened.
 */
import { join } from 'node:path';
import { SERVICE } from '../bundle/layout.js';
import { type RemotePoolHost, remoteHost, scpOptions, shellQuote } from './backup-host.js';
import {
  describeSummary,
  EXIT_NOT_EMPTY,
  isEmptyLedger,
  type LedgerSummary,
  parseSummary,
} from './backup-ledger.js';
import {
  conninfo,
  PG_DUMP_FILE,
  type PgLedgerOp,
  pgLedgerScript,
  REMOTE_PASSWORD_PREAMBLE,
  remoteToolPrefix,
} from './cluster-ledger.js';
import { StepFailure } from './context.js';
import type { Opened } from './session.js';
import { type SshTarget, sshDestination } from './ssh.js';
import type { DeployState, HostRecord } from './workdir.js';

type Cluster = NonNullable<DeployState['cluster']>;

interface ClusterHostRef {
  name: string;
  target: SshTarget;
  host: RemotePoolHost;
}

/** The recorded cluster, or null for a single host. */
export function recordedCluster(opened: Opened): Cluster | null {
  return opened.session.state.cluster ?? null;
}

function hostRef(opened: Opened, name: string, record: HostRecord): ClusterHostRef {
  const { session, config, work } = opened;
  const target = { host: record, privateKeyPath: config.ssh.privateKeyPath, knownHostsPath: work.knownHosts };
  return { name, target, host: remoteHost(session, target, config.project) };
}

function database(cluster: Cluster) {
  if (!cluster.database) {
    throw new StepFailure(
      "the cluster's ledger address is not recorded beside the config: run `ckb-pool-deploy up` once more (it records it), then retry",
    );
  }
  return cluster.database;
}

/**
 * A host that reaches the ledger, with a scratch folder made there: the node host for its own
 * PostgreSQL; for RDS the first pool host that answers (any of them reaches the database).
 */
async function reachLedger(
  opened: Opened,
  cluster: Cluster,
): Promise<{ ref: ClusterHostRef; scratch: string }> {
  const db = database(cluster);
  const node = opened.session.state.host;
  const candidates =
    !db.tls && node
      ? [hostRef(opened, 'node', node)]
      : cluster.pools.map((r, i) => hostRef(opened, `pool-${i}`, r));
  const problems: string[] = [];
  for (const ref of candidates) {
    try {
      return { ref, scratch: await ref.host.makeScratch() };
    } catch (e) {
      problems.push(`${ref.name}: ${(e as Error).message}`);
      opened.session.log.line(`${ref.name} does not answer; trying the next host that reaches the ledger`);
    }
  }
  throw new StepFailure(`no host that reaches the ledger answers (${problems.join('; ')}); see the log`);
}

async function runLedgerScript(
  ref: ClusterHostRef,
  cluster: Cluster,
  op: PgLedgerOp,
  scratch: string,
  force = false,
): Promise<LedgerSummary> {
  const script =
    pgLedgerScript(op, {
      conn: conninfo(database(cluster)),
      scratch,
      tool: remoteToolPrefix(scratch),
      force,
      preamble: REMOTE_PASSWORD_PREAMBLE,
    }) +
    // The dump is the container's (root's); the operator's scp reads it.
    (op === 'dump' ? `chown ${shellQuote(ref.target.host.user)} "$DUMP"\n` : '');
  try {
    return parseSummary((await ref.host.asRoot(script, `${op} the ledger on ${ref.name}`)).stdout);
  } catch (e) {
    if (op === 'restore' && (e as Error).message.endsWith(`exited with code ${EXIT_NOT_EMPTY}`)) {
      throw new StepFailure(
        `the shared ledger is not empty; restoring would replace it. Take a backup of it first if it matters, then re-run with --force`,
      );
    }
    throw e;
  }
}

const scp = (opened: Opened, ref: ClusterHostRef, from: string, to: string, what: string) =>
  opened.session.tool({ cmd: 'scp', args: [...scpOptions(ref.target), from, to] }, what);

const remotePath = (ref: ClusterHostRef, path: string) => `${sshDestination(ref.target.host)}:${path}`;

/** pg_dump of the shared ledger into `<staging>/ledger.pgdump`; resolves to what the dump holds. */
export async function dumpClusterLedger(
  opened: Opened,
  cluster: Cluster,
  staging: string,
): Promise<LedgerSummary> {
  const { session } = opened;
  const { ref, scratch } = await session.step(
    'reach the shared ledger',
    () => reachLedger(opened, cluster),
    (r) => r.ref.name,
  );
  try {
    return await session.step(
      `dump the shared ledger on ${ref.name} (pg_dump, while the pools run)`,
      async () => {
        const summary = await runLedgerScript(ref, cluster, 'dump', scratch);
        await scp(
          opened,
          ref,
          remotePath(ref, `${scratch}/${PG_DUMP_FILE}`),
          join(staging, PG_DUMP_FILE),
          'scp (dump)',
        );
        return summary;
      },
      describeSummary,
    );
  } finally {
    await ref.host.removeScratch(scratch);
  }
}

const RUNNING_POOL = (project: string) =>
  `docker ps -q --filter label=com.docker.compose.project=${shellQuote(project)} ` +
  `--filter label=com.docker.compose.service=${SERVICE.pool} --filter status=running\n`;

/** Which pool hosts run their pool (and so write into the ledger); a silent host is an error. */
async function runningPools(opened: Opened, pools: ClusterHostRef[]): Promise<ClusterHostRef[]> {
  const running: ClusterHostRef[] = [];
  for (const p of pools) {
    let out: string;
    try {
      out = (await p.host.asRoot(RUNNING_POOL(opened.config.project), `is the pool running on ${p.name}`))
        .stdout;
    } catch (e) {
      throw new StepFailure(
        `${p.name} (${p.host.where}) does not answer (${(e as Error).message}), so nothing can tell whether its pool writes into the ledger; bring it back or remove it (pool.hosts, then up) before restoring`,
      );
    }
    if (out.trim() !== '') running.push(p);
  }
  return running;
}

/** Puts the dump back into the shared ledger; resolves to what the ledger then holds. */
export async function restoreClusterLedger(
  opened: Opened,
  cluster: Cluster,
  dumpFile: string,
  o: { force: boolean; stopPools: boolean },
): Promise<LedgerSummary> {
  const { session, config } = opened;
  const pools = cluster.pools.map((r, i) => hostRef(opened, `pool-${i}`, r));
  const running = await session.step(
    'look for pools writing into the ledger',
    () => runningPools(opened, pools),
    (r) => (r.length ? `running on ${r.map((p) => p.name).join(', ')}` : 'none running'),
  );
  if (running.length > 0 && !o.stopPools) {
    throw new StepFailure(
      `the pool runs on ${running.map((p) => p.name).join(', ')} and writes into the shared ledger; a restore under it would lose or mix shares. ` +
        `Re-run with --stop-pools: restore stops the pool on each host, restores, and starts them again (miners reconnect). ${config.project} is unchanged.`,
    );
  }
  const { ref, scratch } = await session.step(
    'reach the shared ledger',
    () => reachLedger(opened, cluster),
    (r) => r.ref.name,
  );
  const stopped: ClusterHostRef[] = [];
  try {
    await session.step(`send the dump to ${ref.name}`, () =>
      scp(opened, ref, dumpFile, remotePath(ref, `${scratch}/${PG_DUMP_FILE}`), 'scp (dump to the host)'),
    );
    if (!o.force) {
      // Refused before any pool stops (the restore script checks again under the stopped pools).
      const current = await session.step(
        `look at the shared ledger on ${ref.name}`,
        () => runLedgerScript(ref, cluster, 'inspect', scratch),
        describeSummary,
      );
      if (!isEmptyLedger(current)) {
        throw new StepFailure(
          `the shared ledger is not empty (${describeSummary(current)}); restoring would replace it. Take a backup of it first if it matters, then re-run with --force`,
        );
      }
    }
    for (const p of running) {
      await session.step(`stop the pool on ${p.name}`, () =>
        p.host.compose(['stop', SERVICE.pool], 'compose stop pool'),
      );
      stopped.push(p);
    }
    return await session.step(
      `restore the shared ledger on ${ref.name} (pg_restore, one transaction)`,
      () => runLedgerScript(ref, cluster, 'restore', scratch, o.force),
      describeSummary,
    );
  } finally {
    // Whatever happened, the pools stopped here run again (on the restored ledger, or the old one).
    for (const p of stopped)
      await session.step(`start the pool on ${p.name}`, () =>
        p.host.compose(['start', SERVICE.pool], 'compose start pool'),
      );
    await ref.host.removeScratch(scratch);
  }
}
