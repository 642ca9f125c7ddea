/**
 * compose.yaml: file format "3.8" features only, so that both `docker compose` (v2) and
 * `docker-compose` 1.29 run it. Public: SV2, V1, CKB P2P. Loopback only: pool API, Prometheus,
 * Grafana. Everything else stays on the bundle network. Secrets come from `.env` by reference.
 */
import type { PoolDeployConfig } from '../config/types.js';
import { CONTAINER_PATH, ENV, INTERNAL_PORT, NETWORK, POOL_UID, SERVICE } from './layout.js';
import { AUTHORITY_SECRET_IN_CONTAINER } from './pool-config.js';

export const COMPOSE_VERSION = '3.8';

const LOGGING = { driver: 'json-file', options: { 'max-size': '50m', 'max-file': '5' } };

/** `host:container` on every interface: for the three public ports only. */
const publicPort = (p: number): string => `${p}:${p}`;
/** Bound to the host's loopback: reachable over an SSH tunnel, never from the network. */
const loopbackPort = (host: number, container: number): string => `127.0.0.1:${host}:${container}`;

function health(test: string[], startPeriod = '30s'): Record<string, unknown> {
  return { test, interval: '30s', timeout: '10s', retries: 5, start_period: startPeriod };
}

/** A node one-liner: exit 0 when an HTTP GET answers 2xx (the pool image has node, not curl). */
const httpProbe = (url: string): string[] => [
  'CMD',
  'node',
  '-e',
  `fetch(${JSON.stringify(url)}).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`,
];

/** The same check for the Prometheus, Alertmanager and Grafana images, which have wget but no node. */
const wgetProbe = (url: string): string[] => ['CMD', 'wget', '-q', '--spider', url];

function base(image: string): Record<string, unknown> {
  return { image, restart: 'unless-stopped', networks: [NETWORK], logging: LOGGING };
}

/**
 * The pool's entrypoint: write the authority secret from the environment into a tmpfs file
 * (mode 0600, never on disk, readable whatever uid owns the bundle on the host), then exec
 * `ckb-pool` under tini.
 */
function poolEntrypoint(): string[] {
  const script =
    `umask 077 && printf '%s\\n' "$$${ENV.authoritySecret}" > ${AUTHORITY_SECRET_IN_CONTAINER} ` +
    `&& unset ${ENV.authoritySecret} && exec ckb-pool "$$@"`;
  return ['/usr/bin/tini', '--', '/bin/sh', '-c', script, 'ckb-pool'];
}

export function composeFile(config: PoolDeployConfig): Record<string, unknown> {
  const { ports, images } = config;
  const services: Record<string, unknown> = {
    [SERVICE.ckb]: {
      ...base(images.ckb),
      command: ['run'],
      environment: { CKB_CHAIN: config.chain },
      volumes: ['ckb-data:/var/lib/ckb', `./ckb/ckb.toml:${CONTAINER_PATH.ckbHome}/ckb.toml:ro`],
      ports: [publicPort(ports.p2p)],
      // RocksDB wants a clean shutdown.
      stop_grace_period: '2m',
      healthcheck: health(['CMD', 'bash', '-c', `exec 3<>/dev/tcp/127.0.0.1/${INTERNAL_PORT.ckbRpc}`], '2m'),
    },
    [SERVICE.pool]: {
      ...base(images.pool),
      entrypoint: poolEntrypoint(),
      command: ['serve', '--config', `${CONTAINER_PATH.poolConfigDir}/pool.yaml`],
      environment: { [ENV.authoritySecret]: `\${${ENV.authoritySecret}}` },
      volumes: [
        'pool-data:/var/lib/ckb-pool',
        `./pool/pool.yaml:${CONTAINER_PATH.poolConfigDir}/pool.yaml:ro`,
      ],
      tmpfs: [`${CONTAINER_PATH.poolRun}:mode=0700,uid=${POOL_UID},gid=${POOL_UID}`],
      ports: [publicPort(ports.sv2), loopbackPort(ports.api, INTERNAL_PORT.poolApi)],
      depends_on: [SERVICE.ckb],
      // SIGTERM drains (pool/src/pool/server.ts): Reconnect to every client, up to 3 s for
      // them to leave, up to 5 s for block submissions in flight, then the last ledger flush.
      // A SIGKILL before the flush would lose the shares of the last flush interval.
      stop_grace_period: '30s',
      healthcheck: health(httpProbe(`http://127.0.0.1:${INTERNAL_PORT.poolApi}/health`)),
    },
    [SERVICE.translator]: {
      // Its own image reference: pinned apart from the pool's, it is not recreated (and its V1
      // miners not disconnected) when an upgrade replaces the pool.
      ...base(images.translator),
      command: ['translate', '--config', `${CONTAINER_PATH.poolConfigDir}/translator.yaml`],
      volumes: [`./pool/translator.yaml:${CONTAINER_PATH.poolConfigDir}/translator.yaml:ro`],
      ports: [publicPort(ports.v1)],
      depends_on: [SERVICE.pool],
      // 200 once the upstream pool connection carries work (503 while the node syncs).
      healthcheck: health(httpProbe(`http://127.0.0.1:${INTERNAL_PORT.translatorMetrics}/health`)),
    },
  };
  const volumes: Record<string, unknown> = { 'ckb-data': {}, 'pool-data': {} };
  if (config.monitoring.enabled) {
    services[SERVICE.prometheus] = {
      ...base(images.prometheus),
      command: [
        `--config.file=${CONTAINER_PATH.prometheusConfigDir}/prometheus.yml`,
        '--storage.tsdb.path=/prometheus',
        '--storage.tsdb.retention.time=30d',
        `--web.listen-address=:${INTERNAL_PORT.prometheus}`,
      ],
      volumes: ['prometheus-data:/prometheus', `./prometheus:${CONTAINER_PATH.prometheusConfigDir}:ro`],
      ports: [loopbackPort(ports.prometheus, INTERNAL_PORT.prometheus)],
      depends_on: [SERVICE.pool, SERVICE.alertmanager],
      healthcheck: health(wgetProbe(`http://127.0.0.1:${INTERNAL_PORT.prometheus}/-/healthy`)),
    };
    services[SERVICE.alertmanager] = {
      ...base(images.alertmanager),
      command: [
        `--config.file=${CONTAINER_PATH.alertmanagerConfigDir}/alertmanager.yml`,
        '--storage.path=/alertmanager',
      ],
      volumes: [
        'alertmanager-data:/alertmanager',
        `./alertmanager:${CONTAINER_PATH.alertmanagerConfigDir}:ro`,
      ],
      healthcheck: health(wgetProbe(`http://127.0.0.1:${INTERNAL_PORT.alertmanager}/-/healthy`)),
    };
    services[SERVICE.grafana] = {
      ...base(images.grafana),
      environment: {
        GF_SECURITY_ADMIN_USER: 'admin',
        // The value lives in .env (mode 0600), generated by `init`; there is no default password.
        GF_SECURITY_ADMIN_PASSWORD: `\${${ENV.grafanaPassword}}`,
        GF_USERS_ALLOW_SIGN_UP: 'false',
        GF_AUTH_ANONYMOUS_ENABLED: 'false',
        GF_ANALYTICS_REPORTING_ENABLED: 'false',
        GF_ANALYTICS_CHECK_FOR_UPDATES: 'false',
        GF_PLUGINS_PREINSTALL_DISABLED: 'true',
      },
      volumes: [
        'grafana-data:/var/lib/grafana',
        `./grafana/provisioning:${CONTAINER_PATH.grafanaProvisioning}:ro`,
        `./grafana/dashboards:${CONTAINER_PATH.grafanaDashboards}:ro`,
      ],
      ports: [loopbackPort(ports.grafana, INTERNAL_PORT.grafana)],
      depends_on: [SERVICE.prometheus],
      healthcheck: health(wgetProbe(`http://127.0.0.1:${INTERNAL_PORT.grafana}/api/health`)),
    };
    // The host's disks, CPU and memory: the chain fills the disk, and nothing else watches it.
    // The host's root read-only at /host; no published port (Prometheus reads it on the network).
    services[SERVICE.nodeExporter] = {
      ...base(images.nodeExporter),
      command: ['--path.rootfs=/host', `--web.listen-address=:${INTERNAL_PORT.nodeExporter}`],
      pid: 'host',
      read_only: true,
      cap_drop: ['ALL'],
      security_opt: ['no-new-privileges:true'],
      // No rslave propagation: it needs a shared or slave / on the host, which not every host
      // (nor a container host) has; the disks mounted at start are the ones that matter.
      volumes: ['/:/host:ro'],
      healthcheck: health(wgetProbe(`http://127.0.0.1:${INTERNAL_PORT.nodeExporter}/metrics`)),
    };
    Object.assign(volumes, { 'prometheus-data': {}, 'alertmanager-data': {}, 'grafana-data': {} });
  }
  return {
    version: COMPOSE_VERSION,
    services,
    networks: { [NETWORK]: { driver: 'bridge' } },
    volumes,
  };
}

/** The bundle's `.env`: compose reads it for `${…}` substitution. Mode 0600: it holds secrets. */
export function envFile(
  config: PoolDeployConfig,
  secrets: { authoritySecret: string; grafanaAdminPassword: string },
): string {
  const lines = [
    '# Rendered by ckb-pool-deploy. Holds secrets: keep mode 0600, never commit.',
    `COMPOSE_PROJECT_NAME=${config.project}`,
    `${ENV.authoritySecret}=${secrets.authoritySecret}`,
  ];
  if (config.monitoring.enabled) lines.push(`${ENV.grafanaPassword}=${secrets.grafanaAdminPassword}`);
  return `${lines.join('\n')}\n`;
}
