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

/** The bundle's network: the pool, translator and monitoring talk on it. */
export const NETWORK = 'backend';
/**
 * The node's own network, shared only with the pool (and Prometheus, for the node's metrics):
 * the node's RPC and the pool's notify listener are unreachable from the internet-facing
 * translator.
 */
export const NODE_NETWORK = 'ckb-node';
/** The pool's name on the node network only: the notify listener binds to that address. */
export const POOL_NOTIFY_HOST = 'pool-notify';

export const INTERNAL_PORT = {
  ckbRpc: 8114,
  ckbSubscribe: 18114,
  ckbMetrics: 8100,
  poolNotify: 8888,
  poolApi: 9100,
  translatorMetrics: 9101,
  /** The miners' web page (pool.yaml `web.listen`); the host publishes it as `ports.web`. */
  poolWeb: 9102,
  prometheus: 9090,
  alertmanager: 9093,
  grafana: 3000,
  nodeExporter: 9100,
} as const;

export const CONTAINER_PATH = {
  ckbHome: '/var/lib/ckb',
  poolConfigDir: '/etc/ckb-pool',
  poolData: '/var/lib/ckb-pool',
  /** Where compose mounts the bundle's `secrets:` (one file per secret, read-only). */
  secrets: '/run/secrets',
  prometheusConfigDir: '/etc/prometheus',
  alertmanagerConfigDir: '/etc/alertmanager',
  grafanaProvisioning: '/etc/grafana/provisioning',
  grafanaDashboards: '/etc/grafana/dashboards',
} as const;

/** uid/gid of the `ckb-pool` user in pool/Dockerfile. */
export const POOL_UID = 10001;

/**
 * The bundle's secrets: files in its `secrets/` folder, mounted by compose `secrets:` at
 * `/run/secrets/<name>`. Never environment variables (those show in `docker inspect`).
 */
export const SECRET = {
  authority: 'authority-secret',
  notify: 'notify-secret',
  grafanaPassword: 'grafana-admin-password',
  /**
   * The pool wallet's key (payouts only). Unlike the others it must be private to the pool's
   * user (the pool refuses a key file others may read), so the role gives it to POOL_UID, 0400.
   */
  poolWallet: 'pool-wallet-key',
} as const;

/** Bundle folder of the secret files (mode 0700 on the host). */
export const SECRETS_DIR = 'secrets';

export const secretInContainer = (name: string): string => `${CONTAINER_PATH.secrets}/${name}`;
