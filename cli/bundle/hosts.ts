/**
 * Per-host bundles for several pool hosts (`pool.hosts` ≥ 2, stacks/cluster.ts): the node host
 * runs the CKB node and monitoring (and, on Alibaba Cloud, the PostgreSQL ledger); each pool host
 * runs the pool and the translator against the node's RPC over the private network and the shared
 * PostgreSQL ledger, with its own `sv2.instanceId` so extranonce prefixes never collide.
 * Derived from the single-host bundle, so both layouts share every setting they have in common.
 */
import type { DeploymentSecrets } from '../config/secrets.js';
import type { PoolDeployConfig } from '../config/types.js';
import { renderCkbToml } from './ckb-toml.js';
import { bundleSecretNames, composeFile, poolSecretNames } from './compose.js';
import { withConfigHashes } from './config-hash.js';
import { INTERNAL_PORT, NETWORK, SECRET, SECRETS_DIR, SERVICE, secretInContainer } from './layout.js';
import { JOB } from './metrics.js';
import { prometheusConfig } from './monitoring.js';
import { poolConfig } from './pool-config.js';
import { type BundleFile, renderBundle, SECRET_FILE_MODE, yamlText } from './render.js';

/**
 * Ports between the hosts, published on their private addresses. The stacks open the same ones
 * between their security groups (stacks/cluster.ts CLUSTER_PORT; hosts.test.ts holds them equal).
 */
export const CLUSTER_PORT = {
  nodeRpc: INTERNAL_PORT.ckbRpc,
  nodeSubscribe: INTERNAL_PORT.ckbSubscribe,
  postgres: 5432,
  poolNotify: INTERNAL_PORT.poolNotify,
  poolApi: INTERNAL_PORT.poolApi,
  translatorMetrics: INTERNAL_PORT.translatorMetrics,
} as const;

/** The ledger's password file, beside the other secrets (never in the URL, the state or the env). */
export const LEDGER_PASSWORD_SECRET = 'ledger-password';
export const LEDGER_DATABASE = { name: 'ckbpool', user: 'ckbpool' } as const;
/** PostgreSQL on the node host (Alibaba Cloud): the major version the pool's CI runs. */
export const POSTGRES_IMAGE = 'postgres:16-bookworm';
/** uid:gid of `postgres` in the official image: it never needs root on a fresh named volume. */
const POSTGRES_USER = '999:999';

/** What Terraform reported (stack outputs `node_private_ip`, `pool_private_ips`, `database_host`). */
export interface ClusterAddresses {
  nodePrivateIp: string;
  poolPrivateIps: string[];
  databaseHost: string;
  /** `rds`: AWS RDS (TLS, its own CA); `node`: PostgreSQL in the node host's bundle. */
  database: 'rds' | 'node';
}

export type HostPart = { kind: 'node' } | { kind: 'pool'; index: number };

type Services = Record<string, Record<string, unknown>>;

const privatePort = (ip: string, port: number) => `${ip}:${port}:${port}`;

/** postgres:// URL of the shared ledger; RDS takes TLS (`no-verify`: RDS's CA is not in Node's store). */
export function ledgerUrl(addr: ClusterAddresses): string {
  const tls = addr.database === 'rds' ? '?sslmode=no-verify' : '';
  return `postgres://${LEDGER_DATABASE.user}@${addr.databaseHost}:${CLUSTER_PORT.postgres}/${LEDGER_DATABASE.name}${tls}`;
}

/** pool.yaml of pool host `index`: node over the private network, the shared ledger, its instance id. */
export function clusterPoolConfig(config: PoolDeployConfig, addr: ClusterAddresses, index: number) {
  const single = poolConfig(config) as { node: object; sv2: object; [k: string]: unknown };
  return {
    ...single,
    node: {
      ...single.node,
      rpcUrl: `http://${addr.nodePrivateIp}:${CLUSTER_PORT.nodeRpc}`,
      subscribeAddress: `${addr.nodePrivateIp}:${CLUSTER_PORT.nodeSubscribe}`,
      notifyListen: `0.0.0.0:${CLUSTER_PORT.poolNotify}`,
    },
    sv2: { ...single.sv2, instanceId: index },
    ledger: { url: ledgerUrl(addr), passwordFile: secretInContainer(LEDGER_PASSWORD_SECRET) },
  };
}

function secretFile(name: string, value: string): BundleFile {
  return { path: `${SECRETS_DIR}/${name}`, content: `${value}\n`, mode: SECRET_FILE_MODE };
}

function composeText(compose: { services: Services; [k: string]: unknown }, files: BundleFile[]): BundleFile {
  return { path: 'compose.yaml', content: yamlText(withConfigHashes(compose, files)), mode: 0o644 };
}

function nodeBundle(
  config: PoolDeployConfig,
  secrets: DeploymentSecrets,
  addr: ClusterAddresses,
  ledgerPassword: string,
  single: BundleFile[],
): BundleFile[] {
  const drop = new Set([
    'compose.yaml',
    'pool/pool.yaml',
    'pool/translator.yaml',
    `${SECRETS_DIR}/${SECRET.authority}`,
    // The node host never signs a payout: the wallet key goes to the pool hosts only.
    `${SECRETS_DIR}/${SECRET.poolWallet}`,
  ]);
  const notify = addr.poolPrivateIps.map(
    (ip) => `http://${ip}:${CLUSTER_PORT.poolNotify}/${secrets.notifySecret}`,
  );
  const files = single
    .filter((f) => !drop.has(f.path) && !f.path.startsWith('pool/'))
    .map((f) =>
      f.path === 'ckb/ckb.toml' ? { ...f, content: renderCkbToml(config, secrets.notifySecret, notify) } : f,
    );
  const compose = composeFile(config) as {
    services: Services;
    volumes: Record<string, unknown>;
    secrets: Record<string, unknown>;
  };
  delete compose.services[SERVICE.pool];
  delete compose.services[SERVICE.translator];
  delete compose.volumes['pool-data'];
  const ckb = compose.services[SERVICE.ckb];
  // The pools reach RPC and subscribe on the private address only (security groups: pool hosts).
  ckb.ports = [
    ...(ckb.ports as string[]),
    privatePort(addr.nodePrivateIp, CLUSTER_PORT.nodeRpc),
    privatePort(addr.nodePrivateIp, CLUSTER_PORT.nodeSubscribe),
  ];
  const secretNames = bundleSecretNames(config).filter(
    (n) => n !== SECRET.authority && n !== SECRET.poolWallet,
  );
  if (config.monitoring.enabled) {
    const prometheus = compose.services[SERVICE.prometheus];
    prometheus.depends_on = [SERVICE.alertmanager];
    const scrape = prometheusConfig() as {
      scrape_configs: Array<{ job_name: string; static_configs: unknown }>;
    };
    const target = (port: number) => [{ targets: addr.poolPrivateIps.map((ip) => `${ip}:${port}`) }];
    for (const job of scrape.scrape_configs) {
      if (job.job_name === JOB.pool) job.static_configs = target(CLUSTER_PORT.poolApi);
      if (job.job_name === JOB.translator) job.static_configs = target(CLUSTER_PORT.translatorMetrics);
    }
    const i = files.findIndex((f) => f.path === 'prometheus/prometheus.yml');
    files[i] = { ...files[i], content: yamlText(scrape) };
  }
  if (addr.database === 'node') {
    compose.services.postgres = {
      image: POSTGRES_IMAGE,
      restart: 'unless-stopped',
      user: POSTGRES_USER,
      networks: [NETWORK],
      read_only: true,
      cap_drop: ['ALL'],
      security_opt: ['no-new-privileges:true'],
      tmpfs: ['/tmp:size=64m,mode=1777', '/var/run/postgresql:size=8m,uid=999,gid=999'],
      environment: {
        POSTGRES_USER: LEDGER_DATABASE.user,
        POSTGRES_DB: LEDGER_DATABASE.name,
        POSTGRES_PASSWORD_FILE: secretInContainer(LEDGER_PASSWORD_SECRET),
      },
      secrets: [LEDGER_PASSWORD_SECRET],
      volumes: ['ledger-data:/var/lib/postgresql/data'],
      ports: [privatePort(addr.nodePrivateIp, CLUSTER_PORT.postgres)],
      stop_grace_period: '1m',
      healthcheck: {
        test: ['CMD', 'pg_isready', '-U', LEDGER_DATABASE.user, '-d', LEDGER_DATABASE.name],
        interval: '30s',
        timeout: '10s',
        retries: 5,
        start_period: '30s',
      },
    };
    compose.volumes['ledger-data'] = {};
    secretNames.push(LEDGER_PASSWORD_SECRET);
    files.push(secretFile(LEDGER_PASSWORD_SECRET, ledgerPassword));
  }
  compose.secrets = Object.fromEntries(secretNames.map((n) => [n, { file: `./${SECRETS_DIR}/${n}` }]));
  return [...files, composeText(compose, files)];
}

function poolBundle(
  config: PoolDeployConfig,
  addr: ClusterAddresses,
  ledgerPassword: string,
  single: BundleFile[],
  index: number,
): BundleFile[] {
  const ip = addr.poolPrivateIps[index];
  const keep = (f: BundleFile) =>
    f.path === '.env' ||
    f.path === 'README.md' ||
    f.path === 'pool/translator.yaml' ||
    f.path.startsWith('pool/') ||
    poolSecretNames(config).some((n) => f.path === `${SECRETS_DIR}/${n}`);
  const files = single
    .filter((f) => keep(f) && f.path !== 'compose.yaml')
    .map((f) =>
      f.path === 'pool/pool.yaml' ? { ...f, content: yamlText(clusterPoolConfig(config, addr, index)) } : f,
    );
  files.push(secretFile(LEDGER_PASSWORD_SECRET, ledgerPassword));
  const full = composeFile(config) as { services: Services };
  const pool = { ...full.services[SERVICE.pool] };
  pool.networks = [NETWORK];
  delete pool.depends_on;
  // Every pool host runs payout cycles (their web pages and APIs show the same balances); the
  // shared ledger's advisory lock and overdraft check keep each debit single (pg-payout-tables).
  const names = [...poolSecretNames(config), LEDGER_PASSWORD_SECRET];
  pool.secrets = names;
  // The ledger is in PostgreSQL; the volume keeps only what the pool writes beside it.
  pool.ports = [
    ...(pool.ports as string[]),
    privatePort(ip, CLUSTER_PORT.poolNotify),
    `${ip}:${CLUSTER_PORT.poolApi}:${INTERNAL_PORT.poolApi}`,
  ];
  const translator = { ...full.services[SERVICE.translator] };
  translator.ports = [...(translator.ports as string[]), privatePort(ip, CLUSTER_PORT.translatorMetrics)];
  const compose = {
    version: (full as { version?: string }).version,
    services: { [SERVICE.pool]: pool, [SERVICE.translator]: translator },
    networks: { [NETWORK]: { driver: 'bridge' } },
    volumes: { 'pool-data': {} },
    secrets: Object.fromEntries(names.map((n) => [n, { file: `./${SECRETS_DIR}/${n}` }])),
  };
  return [...files, composeText(compose, files)];
}

const byPath = (a: BundleFile, b: BundleFile) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/**
 * The bundle of one host of a cluster. `ledgerPassword` is the ledger's password: generated by
 * the deployer for PostgreSQL on the node host, or read from the RDS-managed secret (AWS).
 */
export function renderHostBundle(
  config: PoolDeployConfig,
  secrets: DeploymentSecrets,
  addr: ClusterAddresses,
  ledgerPassword: string,
  part: HostPart,
): BundleFile[] {
  if (addr.poolPrivateIps.length !== config.pool.hosts) {
    throw new Error(
      `pool.hosts is ${config.pool.hosts} but Terraform reported ${addr.poolPrivateIps.length} pool hosts`,
    );
  }
  if (ledgerPassword === '' || /[\r\n]/.test(ledgerPassword))
    throw new Error('the ledger password must be one non-empty line');
  const single = renderBundle(config, secrets);
  const files =
    part.kind === 'node'
      ? nodeBundle(config, secrets, addr, ledgerPassword, single)
      : poolBundle(config, addr, ledgerPassword, single, part.index);
  return files.sort(byPath);
}
