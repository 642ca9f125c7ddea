/**
 * pool.yaml for `ckb-pool serve` (schema: pool/src/pool/config.ts, docs/pool-config.md) and
 * translator.yaml for `ckb-pool translate`, both for the bundle's network layout.
 */
import { payoutLock } from '../config/address.js';
import type { PoolDeployConfig } from '../config/types.js';

export const CERTIFICATE_VALIDITY_SECONDS = 365 * 86_400;

import {
  CONTAINER_PATH,
  INTERNAL_PORT,
  POOL_NOTIFY_HOST,
  SECRET,
  SERVICE,
  secretInContainer,
} from './layout.js';

/** pool.yaml as a plain object (fields the bundle decides; the rest keep the pool's defaults). */
export function poolConfig(config: PoolDeployConfig): Record<string, unknown> {
  return {
    chain: config.chain,
    node: {
      rpcUrl: `http://${SERVICE.ckb}:${INTERNAL_PORT.ckbRpc}`,
      subscribeAddress: `${SERVICE.ckb}:${INTERNAL_PORT.ckbSubscribe}`,
      // The pool's address on the node's network only, and the node must know the secret.
      notifyListen: `${POOL_NOTIFY_HOST}:${INTERNAL_PORT.poolNotify}`,
      notifySecretFile: secretInContainer(SECRET.notify),
      // The lock ckb.toml's [block_assembler] pays to: any template paying another is refused.
      payoutLock: payoutLock(config.payoutAddress, config.chain),
    },
    sv2: {
      listen: `0.0.0.0:${config.ports.sv2}`,
      authorityKeyFile: secretInContainer(SECRET.authority),
      // One year. The pool signs the certificate of its static key at start and re-signs it
      // (same key) a tenth of the validity before it runs out, so a long-running container
      // never presents an expired one; the authority key itself never expires (rotation:
      // docs/deploy.md, "Security").
      certificateValiditySeconds: CERTIFICATE_VALIDITY_SECONDS,
    },
    vardiff: { targetShareIntervalSeconds: config.pool.shareIntervalSeconds },
    ledger: { path: `${CONTAINER_PATH.poolData}/ledger.sqlite` },
    api: { listen: `0.0.0.0:${INTERNAL_PORT.poolApi}` },
    // Always served; compose publishes it on 127.0.0.1 unless web.public (compose.ts). The
    // page builds both miner URLs from the host name its visitor used (the translator listens
    // beside the pool, or behind the same load balancer).
    web: { listen: `0.0.0.0:${INTERNAL_PORT.poolWeb}`, v1Port: config.ports.v1 },
    payouts: payoutsSection(config),
    log: { level: 'info' },
  };
}

/** pool.yaml `payouts`: the deployer's fields under the same names, and the mounted wallet key. */
function payoutsSection(config: PoolDeployConfig): Record<string, unknown> {
  const p = config.payouts;
  if (!p.enabled) return { enabled: false };
  return {
    enabled: true,
    walletKeyFile: secretInContainer(SECRET.poolWallet),
    operatorAddress: p.operatorAddress,
    threshold: p.threshold,
    feePercent: p.feePercent,
    intervalMinutes: p.intervalMinutes,
    maxFeeRate: p.maxFeeRate,
    confirmations: p.confirmations,
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
