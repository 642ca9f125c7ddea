/**
 * `status` of a cluster (`pool.hosts` ≥ 2): every host `up` recorded (its containers; on a pool
 * host also the pool API's figures, through a tunnel), the load balancer (an SV2 handshake that
 * proves the authority key) and the shared ledger (reachable, schema version, what it holds).
 * A host that does not answer is a row saying so, never an exception; `healthy` is false when
 * anything is missing, so the exit code can tell a script the cluster's state.
 */
import { SERVICE } from '../bundle/layout.js';
import type { DeploymentSecrets } from '../config/secrets.js';
import type { PoolDeployConfig } from '../config/types.js';
import type { Runner } from '../process/runner.js';
import { rootScriptRequest, shellQuote } from './backup-host.js';
import { describeSummary, type LedgerSummary, parseSummary } from './backup-ledger.js';
import { conninfo, pgLedgerScript, REMOTE_PASSWORD_PREAMBLE, remoteToolPrefix } from './cluster-ledger.js';
import { mapBounded } from './parallel-hosts.js';
import { formatHashrate, readStatus, type StatusReport } from './pool-api.js';
import { openTunnel, type SshTarget, sshDestination } from './ssh.js';
import { verifySv2Handshake } from './verify.js';
import type { DeployState, HostRecord, WorkDir } from './workdir.js';

export interface ContainerView {
  service: string;
  state: string;
  status: string;
}

export interface HostStatus {
  name: string;
  where: string;
  /** ssh reached the host and Docker answered. */
  answered: boolean;
  containers: ContainerView[];
  /** Expected services that are not running, or running unhealthy. */
  notRunning: string[];
  /** Pool hosts: what the pool API said (null when it did not answer). */
  pool?: StatusReport | null;
  problems: string[];
}

export interface LedgerStatus {
  where: string;
  via: string | null;
  reachable: boolean;
  summary?: LedgerSummary;
  problem?: string;
}

export interface ClusterStatus {
  lb: { address: string; port: number; answering: boolean; problem?: string };
  hosts: HostStatus[];
  ledger: LedgerStatus;
  healthy: boolean;
  problems: string[];
}

export interface ClusterProbe {
  runner: Runner;
  config: PoolDeployConfig;
  secrets: DeploymentSecrets;
  work: WorkDir;
  state: DeployState;
}

type Cluster = NonNullable<DeployState['cluster']>;

const firstLine = (s: string) =>
  s
    .trim()
    .split('\n')
    .filter((l) => l.trim())
    .pop() ?? '';

async function runAsRoot(p: ClusterProbe, t: SshTarget, script: string) {
  const r = await p.runner.run({ ...rootScriptRequest(t, script), timeoutMs: 60_000 });
  if (r.notFound) throw new Error('ssh is not installed or not on PATH');
  if (r.timedOut) throw new Error('no answer within 60 s');
  // ssh's own failures (refused, timed out, key rejected) exit 255.
  if (r.exitCode !== 0) throw new Error(firstLine(r.stderr) || `exit code ${r.exitCode}`);
  return r.stdout;
}

const PS_FORMAT = '{{.Label "com.docker.compose.service"}}|{{.State}}|{{.Status}}';

export function parseContainers(stdout: string): ContainerView[] {
  return stdout
    .split('\n')
    .map((l) => l.trim().split('|'))
    .filter((f) => f.length === 3 && f[0])
    .map(([service, state, status]) => ({ service, state, status }) as ContainerView);
}

/** The services a host must run for the cluster to work. */
export function expectedServices(role: 'node' | 'pool', cluster: Cluster): string[] {
  if (role === 'pool') return [SERVICE.pool, SERVICE.translator];
  return cluster.database && !cluster.database.tls ? [SERVICE.ckb, 'postgres'] : [SERVICE.ckb];
}

export function notRunning(expected: string[], containers: ContainerView[]): string[] {
  return expected.filter((s) => {
    const c = containers.find((x) => x.service === s);
    return c?.state !== 'running' || c.status.includes('unhealthy');
  });
}

const target = (p: ClusterProbe, host: HostRecord): SshTarget => ({
  host,
  privateKeyPath: p.config.ssh.privateKeyPath,
  knownHostsPath: p.work.knownHosts,
});

async function hostStatus(
  p: ClusterProbe,
  cluster: Cluster,
  h: { name: string; role: 'node' | 'pool'; record: HostRecord },
): Promise<HostStatus> {
  const t = target(p, h.record);
  const s: HostStatus = {
    name: h.name,
    where: `${sshDestination(h.record)}${h.record.port === 22 ? '' : `:${h.record.port}`}`,
    answered: false,
    containers: [],
    notRunning: [],
    problems: [],
  };
  const script = `docker ps -a --filter label=com.docker.compose.project=${shellQuote(p.config.project)} --format ${shellQuote(PS_FORMAT)}\n`;
  try {
    s.containers = parseContainers(await runAsRoot(p, t, script));
    s.answered = true;
  } catch (e) {
    s.problems.push(`does not answer over SSH: ${(e as Error).message}`);
    if (h.role === 'pool') s.pool = null;
    return s;
  }
  s.notRunning = notRunning(expectedServices(h.role, cluster), s.containers);
  if (s.notRunning.length) s.problems.push(`not running: ${s.notRunning.join(', ')}`);
  if (h.role === 'pool') {
    s.pool = null;
    try {
      const tunnel = await openTunnel(p.runner, t, p.config.ports.api, 10_000);
      try {
        s.pool = await readStatus(`http://127.0.0.1:${tunnel.localPort}`, s.where);
      } finally {
        await tunnel.close();
      }
      if (!s.pool.health.ready) s.problems.push(`pool not ready: ${s.pool.health.reasons.join('; ')}`);
    } catch (e) {
      s.problems.push(`pool API does not answer: ${(e as Error).message}`);
    }
  }
  return s;
}

/** PostgreSQL on the node host is read there; RDS only through a pool host that answered. */
async function ledgerStatus(p: ClusterProbe, cluster: Cluster, hosts: HostStatus[]): Promise<LedgerStatus> {
  const db = cluster.database;
  if (!db) {
    return {
      where: 'unknown',
      via: null,
      reachable: false,
      problem: 'the ledger address is not recorded: run `ckb-pool-deploy up` once more to record it',
    };
  }
  const where = `PostgreSQL ${db.tls ? '(RDS) ' : ''}at ${db.host}:${db.port}`;
  const records = [p.state.host as HostRecord, ...cluster.pools];
  const candidates = db.tls ? hosts.slice(1) : hosts.slice(0, 1);
  const via = candidates.find((h) => h.answered);
  if (!via) return { where, via: null, reachable: false, problem: 'no host that reaches it answers' };
  const record = records[hosts.indexOf(via)] as HostRecord;
  const script = pgLedgerScript('inspect', {
    conn: conninfo(db),
    scratch: '/nonexistent',
    tool: remoteToolPrefix(),
    preamble: REMOTE_PASSWORD_PREAMBLE,
  });
  try {
    const summary = parseSummary(await runAsRoot(p, target(p, record), script));
    const ledger: LedgerStatus = { where, via: via.name, reachable: true, summary };
    if (!summary.exists) ledger.problem = 'reachable, but no pool has created the ledger in it yet';
    return ledger;
  } catch (e) {
    return { where, via: via.name, reachable: false, problem: (e as Error).message };
  }
}

async function lbStatus(p: ClusterProbe, address: string): Promise<ClusterStatus['lb']> {
  const port = p.config.ports.sv2;
  try {
    await verifySv2Handshake({
      host: address,
      port,
      authorityPubkey: p.secrets.authorityPublicKey,
      totalMs: 5_000,
      intervalMs: 1_000,
    });
    return { address, port, answering: true };
  } catch (e) {
    return { address, port, answering: false, problem: (e as Error).message };
  }
}

export async function clusterStatus(p: ClusterProbe): Promise<ClusterStatus> {
  const cluster = p.state.cluster as Cluster;
  const node = p.state.host as HostRecord;
  const list = [
    { name: 'node', role: 'node' as const, record: node },
    ...cluster.pools.map((record, i) => ({ name: `pool-${i}`, role: 'pool' as const, record })),
  ];
  const [hosts, lb] = await Promise.all([
    mapBounded(list, 4, (h) => hostStatus(p, cluster, h)),
    lbStatus(p, cluster.lbAddress),
  ]);
  const ledger = await ledgerStatus(p, cluster, hosts);
  const problems = [
    ...hosts.flatMap((h) => h.problems.map((x) => `${h.name}: ${x}`)),
    ...(lb.answering ? [] : [`load balancer ${lb.address}:${lb.port}: ${lb.problem}`]),
    ...(ledger.problem ? [`ledger: ${ledger.problem}`] : []),
  ];
  return { lb, hosts, ledger, healthy: problems.length === 0, problems };
}

function containersCell(h: HostStatus): string {
  if (!h.answered) return 'no answer';
  if (h.containers.length === 0) return 'none';
  return h.containers
    .map((c) => `${c.service} ${c.state === 'running' && !c.status.includes('unhealthy') ? 'up' : c.state}`)
    .join(', ');
}

function poolCells(h: HostStatus): string[] {
  if (h.pool === undefined) return ['', '', '', '', ''];
  if (h.pool === null) return ['no answer', '—', '—', '—', '—'];
  const v = h.pool.pool;
  return [
    h.pool.health.ready ? 'yes' : 'no',
    v.height ?? '—',
    String(v.workersOnline ?? 0),
    String(v.connections ?? 0),
    formatHashrate(v.hashrate?.['10m'] ?? 0),
  ];
}

function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) =>
    r
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd(),
  );
}

export function formatClusterStatus(s: ClusterStatus, config: PoolDeployConfig): string {
  const l = s.ledger;
  const ledger = !l.reachable
    ? `${l.where}: NOT reachable${l.via ? ` from ${l.via}` : ''} (${l.problem})`
    : `${l.where} via ${l.via}: ${l.summary ? describeSummary(l.summary) : ''}`;
  const rows = [
    ['HOST', 'ADDRESS', 'CONTAINERS', 'READY', 'HEIGHT', 'WORKERS', 'CONNECTIONS', 'HASHRATE 10m'],
    ...s.hosts.map((h) => [h.name, h.where, containersCell(h), ...poolCells(h)]),
  ];
  return [
    `cluster     ${config.project} on ${config.cloud}, chain ${config.chain}, ${s.hosts.length - 1} pool hosts`,
    `LB          ${s.lb.address}:${s.lb.port} ${s.lb.answering ? 'answers SV2 with the authority key' : `does NOT answer SV2 (${s.lb.problem})`}`,
    `ledger      ${ledger}`,
    '',
    ...table(rows),
    '',
    s.healthy ? 'healthy     yes' : `healthy     NO\n${s.problems.map((p) => `  - ${p}`).join('\n')}`,
    '',
  ].join('\n');
}
