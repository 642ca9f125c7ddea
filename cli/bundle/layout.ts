/**
 * Fixed facts of the bundle's inside: service names, internal ports and container paths.
 * Operator-facing ports live in the config (`ports.*`); these never leave the bundle network.
 */
export const SERVICE = {
  ckb: 'ckb',
  pool: 'pool',
  translator: 'translator',
  prometheus: 'prometheus',
  alertmanager: 'alertmanager',
  grafana: 'grafana',
  nodeExporter: 'node-exporter',
} as const;

/** The bundle's one network; CKB RPC, subscription, notify and metrics listen only on it. */
export const NETWORK = 'backend';

export const INTERNAL_PORT = {
  ckbRpc: 8114,
  ckbSubscribe: 18114,
  ckbMetrics: 8100,
  poolNotify: 8888,
  poolApi: 9100,
  translatorMetrics: 9101,
  prometheus: 9090,
  alertmanager: 9093,
  grafana: 3000,
  nodeExporter: 9100,
} as const;

export const CONTAINER_PATH = {
  ckbHome: '/var/lib/ckb',
  poolConfigDir: '/etc/ckb-pool',
  poolData: '/var/lib/ckb-pool',
  /** tmpfs: the authority secret is written here from the environment at start, never to disk. */
  poolRun: '/run/ckb-pool',
  prometheusConfigDir: '/etc/prometheus',
  alertmanagerConfigDir: '/etc/alertmanager',
  grafanaProvisioning: '/etc/grafana/provisioning',
  grafanaDashboards: '/etc/grafana/dashboards',
} as const;

/** uid/gid of the `ckb-pool` user in pool/Dockerfile. */
export const POOL_UID = 10001;

/** Environment variables the bundle's `.env` defines (values only there, mode 0600). */
export const ENV = {
  authoritySecret: 'CKB_POOL_AUTHORITY_SECRET',
  grafanaPassword: 'GRAFANA_ADMIN_PASSWORD',
} as const;
