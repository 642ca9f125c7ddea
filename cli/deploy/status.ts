/**
 * `status`: what the pool says about itself, read from its HTTP API (bound to the host's
 * loopback): directly on this machine for `local`, else through `ssh -N -L` to the host.
 */
import { loadConfig } from '../config/schema.js';
import { readSecrets } from '../config/secrets.js';
import { type DeployDeps, StepFailure } from './context.js';
import { formatHashrate, type PoolView, readStatus, type StatusReport } from './pool-api.js';
import { openTunnel, parseHostSpec, type Tunnel } from './ssh.js';
import { clusterStatus, formatClusterStatus } from './status-cluster.js';
import { type HostRecord, readState, type Target, workDir } from './workdir.js';

export interface StatusOptions {
  configPath: string;
  target: Target;
  hostSpec?: string | undefined;
  /** Print one JSON document instead of the table. */
  json?: boolean;
}

function behind(pool: PoolView): string {
  if (pool.height == null || pool.nodeTip == null) return '';
  // The pool works on the block after the node's tip.
  const lag = BigInt(pool.nodeTip) + 1n - BigInt(pool.height);
  return lag <= 0n ? ' (in step)' : ` (${lag} behind the node)`;
}

export function formatStatus(r: StatusReport, now = Date.now()): string {
  const { pool, health: h } = r;
  const rate = pool.hashrate ?? {};
  const ago = (ms: number) => {
    const m = Math.round((now - ms) / 60_000);
    return m < 60
      ? `${m} min ago`
      : m < 2880
        ? `${Math.round(m / 60)} h ago`
        : `${Math.round(m / 1440)} days ago`;
  };
  const counts = Object.entries(r.counts)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
  return [
    `host        ${r.where}${pool.chain ? `, chain ${pool.chain}` : ''}`,
    `ready       ${h.ready ? 'yes' : `no: ${h.reasons.join('; ')}`}`,
    `height      pool ${pool.height ?? '—'} / node tip ${pool.nodeTip ?? '—'}${behind(pool)}`,
    `hashrate    ${formatHashrate(rate['10m'] ?? 0)} (10 min), ${formatHashrate(rate['1h'] ?? 0)} (1 h)`,
    `workers     ${pool.workersOnline ?? 0} online, ${pool.channels ?? 0} channels, ${pool.connections ?? 0} connections`,
    `blocks      ${counts || 'none found yet'}`,
    `last block  ${r.last ? `#${r.last.height} ${r.last.status} by ${r.last.worker}, ${ago(r.last.foundAtMs)} (${r.last.hash})` : '—'}`,
    '',
  ].join('\n');
}

function remoteHost(o: StatusOptions, config: ReturnType<typeof loadConfig>): HostRecord {
  if (o.hostSpec) return parseHostSpec(o.hostSpec);
  const recorded = readState(workDir(o.configPath, config.project, o.target), o.target).host;
  if (recorded) return recorded;
  if (o.target === 'ssh' && config.ssh.user && config.ssh.host)
    return parseHostSpec(`${config.ssh.user}@${config.ssh.host}`);
  throw new StepFailure(
    `no ${o.target} deployment of '${config.project}' is recorded beside ${o.configPath}; run \`ckb-pool-deploy up\` first`,
  );
}

/** A cluster `up` recorded (asked without --host): every host, the LB and the ledger. */
async function statusOfCluster(
  o: StatusOptions,
  deps: DeployDeps,
  config: ReturnType<typeof loadConfig>,
): Promise<number | null> {
  if (o.hostSpec || o.target === 'local' || o.target === 'ssh') return null;
  const work = workDir(o.configPath, config.project, o.target);
  const state = readState(work, o.target);
  if (!state.cluster || !state.host) return null;
  const s = await clusterStatus({
    runner: deps.runner,
    config,
    secrets: readSecrets(config.secretsDir),
    work,
    state,
  });
  deps.out.write(o.json ? `${JSON.stringify(s, null, 2)}\n` : formatClusterStatus(s, config));
  return s.healthy ? 0 : 1;
}

export async function status(o: StatusOptions, deps: DeployDeps): Promise<number> {
  const config = loadConfig(o.configPath);
  const cluster = await statusOfCluster(o, deps, config);
  if (cluster !== null) return cluster;
  let base = `http://127.0.0.1:${config.ports.api}`;
  let where = 'this machine (local)';
  let tunnel: Tunnel | null = null;
  if (o.target !== 'local') {
    const host = remoteHost(o, config);
    where = `${host.user}@${host.address}${host.port === 22 ? '' : `:${host.port}`} (${o.target}${host.region ? ` ${host.region}` : ''})`;
    try {
      tunnel = await openTunnel(
        deps.runner,
        {
          host,
          privateKeyPath: config.ssh.privateKeyPath,
          knownHostsPath: workDir(o.configPath, config.project, o.target).knownHosts,
        },
        config.ports.api,
      );
    } catch (e) {
      throw new StepFailure(`${(e as Error).message}; is the host up? (\`ckb-pool-deploy up\` repairs it)`);
    }
    base = `http://127.0.0.1:${tunnel.localPort}`;
  }
  try {
    const report = await readStatus(base, where);
    deps.out.write(o.json ? `${JSON.stringify(report, null, 2)}\n` : formatStatus(report));
    return 0;
  } catch (e) {
    throw new StepFailure(
      `the pool API does not answer (${(e as Error).message}); is the pool running? ` +
        (o.target === 'local'
          ? 'Start it with `ckb-pool-deploy up --cloud local`.'
          : 'Re-run `ckb-pool-deploy up` to repair the host.'),
    );
  } finally {
    await tunnel?.close();
  }
}
