/**
 * pool.yaml for `ckb-pool serve` (schema: pool/src/pool/config.ts, docs/pool-config.md) and
 * translator.yaml for `ckb-pool translate`, both for the bundle's network layout.
 */
import { AUTHORITY_SECRET_FILE } from '../config/secrets.js';
import type { PoolDeployConfig } from '../config/types.js';
import { CONTAINER_PATH, INTERNAL_PORT, SERVICE } from './layout.js';

export const AUTHORITY_SECRET_IN_CONTAINER = `${CONTAINER_PATH.poolRun}/${AUTHORITY_SECRET_FILE}`;

/** pool.yaml as a plain object (fields the bundle decides; the rest keep the pool's defaults). */
export function poolConfig(config: PoolDeployConfig): Record<string, unknown> {
  return {
    chain: config.chain,
    node: {
      rpcUrl: `http://${SERVICE.ckb}:${INTERNAL_PORT.ckbRpc}`,
      subscribeAddress: `${SERVICE.ckb}:${INTERNAL_PORT.ckbSubscribe}`,
      // Reachable only on the bundle network: the node is the one who POSTs here.
      notifyListen: `0.0.0.0:${INTERNAL_PORT.poolNotify}`,
    },
    sv2: {
      listen: `0.0.0.0:${config.ports.sv2}`,
      authorityKeyFile: AUTHORITY_SECRET_IN_CONTAINER,
      // The pool signs a certificate for its per-process static key at start; a long-running
      // container must not outlive it, so use the schema's maximum (10 years).
      certificateValiditySeconds: 315_360_000,
    },
    vardiff: { targetShareIntervalSeconds: config.pool.shareIntervalSeconds },
    ledger: { path: `${CONTAINER_PATH.poolData}/ledger.sqlite` },
    api: { listen: `0.0.0.0:${INTERNAL_PORT.poolApi}` },
    log: { level: 'info' },
  };
}

/**
 * translator.yaml (schema: pool/src/translator/config.ts): the V1 endpoint, upstream of the
 * pool's SV2 port, pinning the authority key like any SV2 client.
 */
export function translatorConfig(
  config: PoolDeployConfig,
  authorityPublicKey: string,
): Record<string, unknown> {
  return {
    chain: config.chain,
    v1: { listen: `0.0.0.0:${config.ports.v1}` },
    upstream: { url: `stratum2+tcp://${SERVICE.pool}:${config.ports.sv2}/${authorityPublicKey}` },
    // /metrics and /health on the bundle network, for Prometheus and the healthcheck.
    metrics: { listen: `0.0.0.0:${INTERNAL_PORT.translatorMetrics}` },
    log: { level: 'info' },
  };
}
