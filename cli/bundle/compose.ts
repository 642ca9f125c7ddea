/**
 * compose.yaml: file format "3.8" features only, so that both `docker compose` (v2) and
 * `docker-compose` 1.29 run it. Public: SV2, V1, CKB P2P, and the miners' web page when
 * `web.public`. Loopback only: pool API, Prometheus, Grafana (and the web page otherwise). Everything else stays on the bundle networks: the node's RPC and the pool's notify
 * listener on the node's own network. Secrets are files (compose `secrets:`), never environment.
 */
import type { PoolDeployConfig } from '../config/types.js';
import {
  CONTAINER_PATH,
  INTERNAL_PORT,
  NETWORK,
  NODE_NETWORK,
  POOL_NOTIFY_HOST,
  SECRET,
  SECRETS_DIR,
  SERVICE,
  secretInContainer,
} from './layout.js';

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

/**
 * Every service: no capabilities (all listen above 1024 and run as their image's own non-root
 * user), no privilege gain through setuid binaries, and a read-only root filesystem. Each writes
 * only its named volume (the node /var/lib/ckb, the pool its ledger, Prometheus its TSDB,
 * Alertmanager its state, Grafana /var/lib/grafana) and a small /tmp.
 */
const HARDENED = {
  read_only: true,
  cap_drop: ['ALL'],
  security_opt: ['no-new-privileges:true'],
  tmpfs: ['/tmp:size=64m,mode=1777'],
};

function base(image: string, networks: unknown = [NETWORK]): Record<string, unknown> {
  return { image, restart: 'unless-stopped', networks, logging: LOGGING, ...HARDENED };
}

/**
 * Top-level `secrets:`: each a file of the bundle's `secrets/` folder, bind-mounted read-only at
 * `/run/secrets/<name>` in the services that list it.
 */
function secretFiles(names: string[]): Record<string, unknown> {
  return Object.fromEntries(names.map((n) => [n, { file: `./${SECRETS_DIR}/${n}` }]));
}

/** What root needs in the pool service to copy and replace the ledger (cli/deploy/backup-host.ts). */
export const POOL_MAINTENANCE_CAPS = ['CHOWN', 'DAC_OVERRIDE', 'FOWNER'];

export function composeFile(config: PoolDeployConfig): Record<string, unknown> {
  const { ports, images } = config;
  const services: Record<string, unknown> = {
    [SERVICE.ckb]: {
      ...base(images.ckb, [NODE_NETWORK]),
      command: ['run'],
      environment: { CKB_CHAIN: config.chain },
      volumes: ['ckb-data:/var/lib/ckb', `./ckb/ckb.toml:${CONTAINER_PATH.ckbHome}/ckb.toml:ro`],
      ports: [publicPort(ports.p2p)],
      // RocksDB wants a clean shutdown.
      stop_grace_period: '2m',
      healthcheck: health(['CMD', 'bash', '-c', `exec 3<>/dev/tcp/127.0.0.1/${INTERNAL_PORT.ckbRpc}`], '2m'),
    },
    [SERVICE.pool]: {
      // The notify listener binds to POOL_NOTIFY_HOST: the pool's address on the node network.
      ...base(images.pool, { [NETWORK]: {}, [NODE_NETWORK]: { aliases: [POOL_NOTIFY_HOST] } }),
      command: ['serve', '--config', `${CONTAINER_PATH.poolConfigDir}/pool.yaml`],
      secrets: poolSecretNames(config),
      // `backup` and `restore` run their ledger program in this service as root (`compose run
      // -u 0`): it must read the pool user's 0700 data folder and hand files back to that user.
      // The pool itself runs as its own non-root user under no-new-privileges, for which these
      // bounding-set capabilities are never effective.
      cap_add: POOL_MAINTENANCE_CAPS,
      volumes: [
        'pool-data:/var/lib/ckb-pool',
        `./pool/pool.yaml:${CONTAINER_PATH.poolConfigDir}/pool.yaml:ro`,
      ],
      ports: [
        publicPort(ports.sv2),
        loopbackPort(ports.api, INTERNAL_PORT.poolApi),
        // The miners' page: public only when asked for, else for the operator's SSH tunnel.
        config.web.public
          ? `${ports.web}:${INTERNAL_PORT.poolWeb}`
          : loopbackPort(ports.web, INTERNAL_PORT.poolWeb),
      ],
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
      // Also on the node network: it scrapes the node's metrics.
      ...base(images.prometheus, [NETWORK, NODE_NETWORK]),
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
        // Generated by `init`; there is no default password. Grafana reads `<VAR>__FILE`.
        GF_SECURITY_ADMIN_PASSWORD__FILE: secretInContainer(SECRET.grafanaPassword),
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
      secrets: [SECRET.grafanaPassword],
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
    networks: { [NETWORK]: { driver: 'bridge' }, [NODE_NETWORK]: { driver: 'bridge' } },
    volumes,
    secrets: secretFiles(bundleSecretNames(config)),
  };
}

/** The secrets the pool service reads: the wallet key only when it pays miners. */
export function poolSecretNames(config: PoolDeployConfig): string[] {
  return [SECRET.authority, SECRET.notify, ...(config.payouts.enabled ? [SECRET.poolWallet] : [])];
}

/** The secrets the bundle's services read (files of its `secrets/` folder). */
export function bundleSecretNames(config: PoolDeployConfig): string[] {
  return [...poolSecretNames(config), ...(config.monitoring.enabled ? [SECRET.grafanaPassword] : [])];
}

/** The bundle's `.env`: compose reads the project name from it. No secrets in it. */
export function envFile(config: PoolDeployConfig): string {
  return `# Rendered by ckb-pool-deploy.\nCOMPOSE_PROJECT_NAME=${config.project}\n`;
}
